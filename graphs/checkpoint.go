package graphs

import (
	"fmt"
	"os"
	"path/filepath"

	tf "github.com/wamuir/graft/tensorflow"
)

// Checkpoint files written for a prefix p: p.index and p.data-00000-of-00001
// (TensorFlow's V2 checkpoint format; readable with tf.train.load_checkpoint).
const checkpointData = ".data-00000-of-00001"

// CheckpointFiles returns the files that make up the checkpoint at prefix.
func CheckpointFiles(prefix string) []string {
	return []string{prefix + ".index", prefix + checkpointData}
}

// Save writes every variable (weights, batch-norm statistics, momentum slots,
// step counter) to the checkpoint prefix.
func (m *Model) Save(prefix string) error {
	if err := os.MkdirAll(filepath.Dir(prefix), 0o755); err != nil {
		return fmt.Errorf("save checkpoint %s: %w", prefix, err)
	}
	return m.pathCall(SigSave, prefix)
}

// Restore reads every variable from the checkpoint prefix. A missing
// checkpoint or one with other shapes is an error naming the prefix.
func (m *Model) Restore(prefix string) error {
	for _, f := range CheckpointFiles(prefix) {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("restore checkpoint %s: %w", prefix, err)
		}
	}
	return m.pathCall(SigRestore, prefix)
}

// Reset sets every variable to its seeded initial value (W0 for seed), zeroes
// the momentum slots and the step counter.
func (m *Model) Reset(seed int64) error {
	t, err := m.in.scalarI64(SigReset, ArgSeed, seed)
	if err != nil {
		return err
	}
	res, err := m.run(SigReset, map[string]*tf.Tensor{ArgSeed: t})
	if err != nil {
		return err
	}
	releaseAll(res)
	return nil
}

func (m *Model) pathCall(sig, path string) error {
	t, err := tf.NewTensor(path)
	if err != nil {
		return err
	}
	defer release(t)
	res, err := m.run(sig, map[string]*tf.Tensor{ArgPath: t})
	if err != nil {
		return fmt.Errorf("%s checkpoint %s: %w", sig, path, err)
	}
	releaseAll(res)
	return nil
}

package rundir

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/useful-pipeline/useful-pipeline/internal/atomicfile"
)

// Checkpoint is a checkpoint folder: the model's variables under the
// prefix "w" (TensorFlow's V2 format: w.index, w.data-00000-of-00001) and
// the training state in state.json, replaced together by one rename so a
// kill at any moment leaves the old or the new checkpoint.
type Checkpoint struct{ Folder }

const (
	ckptPrefix = "w"
	ckptState  = "state.json"
)

// TrainState is state.json: how far a run got and what its hooks keep.
type TrainState struct {
	Name string `json:"name"`
	// Next is the number of epochs done: training resumes at epoch Next.
	Next   int          `json:"next_epoch"`
	Curves []EpochStats `json:"curves"`
	// Kept holds the state of the training loop's hooks by name (e.g. the
	// per-example learning statistics), restored on resume.
	Kept map[string]json.RawMessage `json:"kept,omitempty"`
	// RunID is the ID of the run directory that wrote the checkpoint (its
	// marker's), so that a checkpoint copied from another run is refused.
	RunID string `json:"run_id"`
	// Weights is the sha256 of the variables' files, computed when they
	// were written and checked before they are restored.
	Weights string `json:"weights_sha256"`
}

// Prefix returns the variables' checkpoint prefix, for Restore.
func (c Checkpoint) Prefix() string { return filepath.Join(c.Path(), ckptPrefix) }

// HasState reports whether the folder holds a state.json.
func (c Checkpoint) HasState() bool {
	_, err := os.Stat(filepath.Join(c.Path(), ckptState))
	return err == nil
}

// Write saves a checkpoint: save writes the variables at the prefix it is
// given (inside a temporary folder), then state.json is written beside
// them and the folder renamed over the checkpoint. The previous
// checkpoint is moved to <folder>.old first and removed last, so Read
// finds one of the two whenever a kill lands.
func (c Checkpoint) Write(save func(prefix string) error, st TrainState) error {
	final := c.Path()
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(final), "."+filepath.Base(final)+".tmp-")
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", final, err)
	}
	defer os.RemoveAll(tmp)
	if err := save(filepath.Join(tmp, ckptPrefix)); err != nil {
		return err
	}
	if st.Weights, err = weightsDigest(tmp); err != nil {
		return fmt.Errorf("checkpoint %s: %w", final, err)
	}
	b, _ := json.Marshal(st)
	if err := atomicfile.WriteFile(filepath.Join(tmp, ckptState), b); err != nil {
		return fmt.Errorf("checkpoint %s: %w", final, err)
	}
	old := final + ".old"
	os.RemoveAll(old)
	if _, err := os.Stat(final); err == nil {
		if err := os.Rename(final, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// Read restores the newest complete checkpoint: the folder, or the .old
// one a kill between the two renames of Write left. check vets the state
// before restore loads the variables (from the prefix it is given).
// found is false when neither folder holds a checkpoint.
func (c Checkpoint) Read(check func(TrainState) error, restore func(prefix string) error) (st TrainState, found bool, err error) {
	for _, dir := range []string{c.Path(), c.Path() + ".old"} {
		p := filepath.Join(dir, ckptState)
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return st, false, err
		}
		if err := json.Unmarshal(b, &st); err != nil {
			return st, false, fmt.Errorf("%s: %w", p, err)
		}
		if err := check(st); err != nil {
			return st, false, fmt.Errorf("%s: %w", p, err)
		}
		if sum, err := weightsDigest(dir); err != nil {
			return st, false, fmt.Errorf("checkpoint %s: %w", dir, err)
		} else if sum != st.Weights {
			return st, false, fmt.Errorf("checkpoint %s: its variables (sha256 %.12s) are not the ones %s records (%.12s): the folder was altered; remove it to restart the run", dir, sum, p, st.Weights)
		}
		if err := restore(filepath.Join(dir, ckptPrefix)); err != nil {
			return st, false, err
		}
		return st, true, nil
	}
	return st, false, nil
}

// weightsDigest is the sha256 over the checkpoint's files other than
// state.json, in name order.
func weightsDigest(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, e := range entries {
		if e.Name() == ckptState || !e.Type().IsRegular() {
			continue
		}
		sum, err := fileSHA256(filepath.Join(dir, e.Name()))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %s\n", e.Name(), sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Check verifies, without restoring anything, that the checkpoint (if
// there is one) was written by the run directory with ID runID and that
// its variables are the ones its state.json records; the error names the
// file.
func (c Checkpoint) Check(runID string) error {
	_, _, err := c.Read(func(s TrainState) error {
		if s.RunID != runID {
			return fmt.Errorf("checkpoint written by run directory %q, not this one (%q): it was copied from another run", s.RunID, runID)
		}
		return nil
	}, func(string) error { return nil })
	return err
}

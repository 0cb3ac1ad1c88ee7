package rundir

import (
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
		if err := restore(filepath.Join(dir, ckptPrefix)); err != nil {
			return st, false, err
		}
		return st, true, nil
	}
	return st, false, nil
}

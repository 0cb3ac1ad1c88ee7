package train

import (
	"errors"
	"fmt"

	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// Saver saves and restores a model's variables (weights, optimiser slots,
// step counter) at a checkpoint prefix; *graphs.Model is one.
type Saver interface {
	Save(prefix string) error
	Restore(prefix string) error
}

// Checkpoints are a run's resumable checkpoints: every Every epochs and
// after the last, Model's variables and the loop's state (curve, kept
// values, the run directory's RunID) are written to Folder. With Resume, a
// checkpoint found there is restored before the first epoch (Logf says
// so) if it belongs to this run: same run name and run ID, at most
// l.Epochs epochs, one curve row per epoch, variables as recorded. A NaN
// stop names Folder as the last good checkpoint.
type Checkpoints struct {
	Folder rundir.Checkpoint
	Every  int
	Resume bool
	RunID  string
	Model  Saver
	Logf   func(format string, a ...any)
}

// Attach adds the checkpoint hooks to l.
func (c Checkpoints) Attach(l *Loop) {
	ck := c.Folder
	saved := -1
	if c.Resume {
		l.OnStart(func(st *State) error {
			defer func() { saved = st.Next }()
			check := func(s rundir.TrainState) error {
				if s.Next < 1 || s.Next > l.Epochs || len(s.Curves) != s.Next || s.Name != l.Name {
					return fmt.Errorf("checkpoint of run %q after epoch %d with %d curve rows does not belong to run %q of %d epochs; remove the folder to restart the run",
						s.Name, s.Next, len(s.Curves), l.Name, l.Epochs)
				}
				if s.RunID != c.RunID {
					return fmt.Errorf("checkpoint written by run directory %q, not this one (%q): it was copied from another run; remove the folder to restart the run", s.RunID, c.RunID)
				}
				return nil
			}
			s, found, err := ck.Read(check, c.Model.Restore)
			if err != nil || !found {
				return err
			}
			if err := l.restoreKept(s.Kept); err != nil {
				return fmt.Errorf("%s: %w", ck.Path(), err)
			}
			st.Next, st.Curves = s.Next, s.Curves
			c.Logf("%s: resuming after epoch %d from %s", l.Name, st.Next, ck.Path())
			return nil
		})
	}
	save := func(st *State) error {
		kept, err := l.keptState()
		if err != nil {
			return err
		}
		saved = st.Next
		return ck.Write(c.Model.Save, rundir.TrainState{Name: l.Name, Next: st.Next, Curves: st.Curves, Kept: kept, RunID: c.RunID})
	}
	l.OnEpochEnd(func(st *State) error {
		if st.Next%c.Every != 0 && st.Next != l.Epochs {
			return nil
		}
		return save(st)
	})
	// A run a stop rule ended between two saves keeps its final weights.
	l.OnEnd(func(st *State) error {
		if st.Next == saved || st.Next == 0 {
			return nil
		}
		return save(st)
	})
	l.OnFail(func(st *State, err error) error {
		if !ck.HasState() {
			return err // none written yet: NaNError says "none"
		}
		var ne *NaNError
		if errors.As(err, &ne) {
			ne.Checkpoint = ck.Path()
		}
		var nf *NonFiniteError
		if errors.As(err, &nf) {
			nf.Checkpoint = ck.Path()
		}
		return err
	})
}

// Every returns the checkpoint period that gives about 20 checkpoints per
// run of epochs epochs.
func Every(epochs int) int { return max(1, (epochs+19)/20) }

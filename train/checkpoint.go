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

// Checkpoint attaches resumable checkpoints to l: every `every` epochs and
// after the last, m's variables and the loop's state (curve, kept values)
// are written to ck. With resume, a checkpoint found there (one of this
// run: same name, at most l.Epochs epochs, one curve row per epoch) is
// restored before the first epoch and logf says so. A NaN stop names ck
// as the last good checkpoint.
func Checkpoint(l *Loop, ck rundir.Checkpoint, every int, resume bool, m Saver, logf func(format string, a ...any)) {
	if resume {
		l.OnStart(func(st *State) error {
			check := func(s rundir.TrainState) error {
				if s.Next < 1 || s.Next > l.Epochs || len(s.Curves) != s.Next || s.Name != l.Name {
					return fmt.Errorf("checkpoint of run %q after epoch %d with %d curve rows does not belong to run %q of %d epochs; remove the folder to restart the run",
						s.Name, s.Next, len(s.Curves), l.Name, l.Epochs)
				}
				return nil
			}
			s, found, err := ck.Read(check, m.Restore)
			if err != nil || !found {
				return err
			}
			if err := l.restoreKept(s.Kept); err != nil {
				return fmt.Errorf("%s: %w", ck.Path(), err)
			}
			st.Next, st.Curves = s.Next, s.Curves
			logf("%s: resuming after epoch %d from %s", l.Name, st.Next, ck.Path())
			return nil
		})
	}
	l.OnEpochEnd(func(st *State) error {
		if st.Next%every != 0 && st.Next != l.Epochs {
			return nil
		}
		kept, err := l.keptState()
		if err != nil {
			return err
		}
		return ck.Write(m.Save, rundir.TrainState{Name: l.Name, Next: st.Next, Curves: st.Curves, Kept: kept})
	})
	l.OnFail(func(st *State, err error) error {
		var ne *NaNError
		if errors.As(err, &ne) {
			ne.Checkpoint = ck.Path()
		}
		return err
	})
}

// Every returns the checkpoint period that gives about 20 checkpoints per
// run of epochs epochs.
func Every(epochs int) int { return max(1, (epochs+19)/20) }

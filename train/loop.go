package train

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// Loop trains for epochs [State.Next, Epochs) and calls its hooks. Set
// the exported fields, attach hooks, then call Run once.
type Loop struct {
	// Name names the run in messages and checkpoints.
	Name    string
	Sampler *sampler.Sampler
	Step    Step
	Epochs  int
	// LR is the learning rate of epoch e (0-based); Hyper holds the other
	// hyper-parameters of every step.
	LR    func(e int) float64
	Hyper graphs.Hyper
	// Seed is the in-graph seed of a step.
	Seed func(epoch, step int) int64

	start    []func(*State) error
	step     []func(*State, StepInfo)
	measure  []func(*State, *rundir.EpochStats) error
	epochEnd []func(*State) error
	end      []func(*State) error
	fail     []func(*State, error) error
	stop     []func(*State) bool
	kept     map[string]any
}

// State is what hooks see: the epoch running (0-based), how many epochs
// are done and their curve.
type State struct {
	Loop  *Loop
	Epoch int
	// Next is the number of epochs done.
	Next   int
	Curves []rundir.EpochStats
	// StepsPerEpoch is the sampler's.
	StepsPerEpoch int
}

// OnStart adds a hook run before the first epoch (a checkpoint hook
// restores State there).
func (l *Loop) OnStart(f func(*State) error) { l.start = append(l.start, f) }

// OnStep adds a hook run after every step.
func (l *Loop) OnStep(f func(*State, StepInfo)) { l.step = append(l.step, f) }

// OnMeasure adds a hook run after each epoch's steps, on the updated
// weights, before the epoch's row joins the curve; it may fill the row
// (e.g. Features).
func (l *Loop) OnMeasure(f func(*State, *rundir.EpochStats) error) { l.measure = append(l.measure, f) }

// OnEpochEnd adds a hook run once the epoch's row is in State.Curves
// (log lines, checkpoints, event files).
func (l *Loop) OnEpochEnd(f func(*State) error) { l.epochEnd = append(l.epochEnd, f) }

// OnEnd adds a hook run after the last epoch.
func (l *Loop) OnEnd(f func(*State) error) { l.end = append(l.end, f) }

// OnFail adds a hook that sees (and may replace) the error that stops the
// loop.
func (l *Loop) OnFail(f func(*State, error) error) { l.fail = append(l.fail, f) }

// StopWhen adds a rule that ends training early once it holds after an
// epoch.
func (l *Loop) StopWhen(f func(*State) bool) { l.stop = append(l.stop, f) }

// Keep registers v (a pointer) as state that checkpoints save under name
// and a resumed run restores.
func (l *Loop) Keep(name string, v any) {
	if l.kept == nil {
		l.kept = map[string]any{}
	}
	l.kept[name] = v
}

// kept returns the kept values encoded for a checkpoint.
func (l *Loop) keptState() (map[string]json.RawMessage, error) {
	if len(l.kept) == 0 {
		return nil, nil
	}
	out := map[string]json.RawMessage{}
	for k, v := range l.kept {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("run %s: keep %s: %w", l.Name, k, err)
		}
		out[k] = b
	}
	return out, nil
}

// restoreKept decodes a checkpoint's kept values into the registered ones.
func (l *Loop) restoreKept(m map[string]json.RawMessage) error {
	for k, v := range l.kept {
		if b, ok := m[k]; ok {
			if err := json.Unmarshal(b, v); err != nil {
				return fmt.Errorf("kept state %s: %w", k, err)
			}
		}
	}
	return nil
}

// stopped reports whether a stop rule holds for st.
func (l *Loop) stopped(st *State) bool {
	for _, f := range l.stop {
		if f(st) {
			return true
		}
	}
	return false
}

// Run trains and returns the final state. An error of a step, a hook or a
// NaN loss (a *NaNError with run and epoch filled in) stops it, after the
// OnFail hooks saw it.
func (l *Loop) Run() (*State, error) {
	st := &State{Loop: l, StepsPerEpoch: l.Sampler.StepsPerEpoch()}
	if err := l.run(st); err != nil {
		var ne *NaNError
		if errors.As(err, &ne) {
			ne.Run, ne.Epoch = l.Name, st.Epoch+1
			if ne.Checkpoint == "" {
				ne.Checkpoint = "none"
			}
		}
		for _, f := range l.fail {
			err = f(st, err)
		}
		return nil, err
	}
	return st, nil
}

func (l *Loop) run(st *State) error {
	for _, f := range l.start {
		if err := f(st); err != nil {
			return err
		}
	}
	// A resumed run whose restored curve already meets a stop rule stopped
	// there before: it trains no further.
	first := st.Next
	if st.Next > 0 && l.stopped(st) {
		first = l.Epochs
	}
	for e := first; e < l.Epochs; e++ {
		st.Epoch = e
		lr := l.LR(e)
		h := l.Hyper
		h.LR = float32(lr)
		it := l.Sampler.Epoch(e)
		var each func(StepInfo)
		if len(l.step) > 0 {
			each = func(si StepInfo) {
				for _, f := range l.step {
					f(st, si)
				}
			}
		}
		res, err := RunEpoch(it, l.Step, h, func(k int) int64 { return l.Seed(e, k) }, 0, each)
		it.Close()
		var ne *NaNError
		if errors.As(err, &ne) {
			return err
		}
		if err != nil {
			return fmt.Errorf("run %s: epoch %d: %w", l.Name, e+1, err)
		}
		row := rundir.EpochStats{Epoch: e + 1, LR: lr, Loss: res.SumLoss / float64(st.StepsPerEpoch),
			Accuracy: float64(res.Correct) / float64(res.Seen), Seconds: res.Busy.Seconds()}
		if row.Seconds > 0 {
			row.ImagesPerSec = float64(res.Seen) / row.Seconds
		}
		for _, f := range l.measure {
			if err := f(st, &row); err != nil {
				return err
			}
		}
		st.Curves = append(st.Curves, row)
		st.Next = e + 1
		for _, f := range l.epochEnd {
			if err := f(st); err != nil {
				return err
			}
		}
		if l.stopped(st) {
			break
		}
	}
	for _, f := range l.end {
		if err := f(st); err != nil {
			return err
		}
	}
	return nil
}

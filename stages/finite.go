package stages

import (
	"fmt"
	"math"
)

// NonFiniteError reports a NaN or Inf in a stage's outputs: the stage
// fails (exit status 1) and is not recorded complete.
type NonFiniteError struct {
	Run   string
	Epoch int
	// Step is the last train step before the value was computed (the
	// epoch's last, for a measurement after the epoch).
	Step    int
	What    string // e.g. "per-example training loss"
	Example int    // the example whose value it is
	Value   float32
}

func (e *NonFiniteError) Error() string {
	at := fmt.Sprintf("after epoch %d", e.Epoch)
	if e.Step > 0 {
		at += fmt.Sprintf(" (step %d)", e.Step)
	}
	return fmt.Sprintf("run %s: %s of example %d is %v %s: the run diverged; stopped, and the stage is not recorded complete (try a lower --lr)",
		e.Run, e.What, e.Example, e.Value, at)
}

// checkFinite returns a *NonFiniteError for the first NaN or Inf of v
// (per example, width values each).
func checkFinite(run string, epoch, step int, what string, v []float32, width int) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return &NonFiniteError{Run: run, Epoch: epoch, Step: step, What: what, Example: i / max(1, width), Value: x}
		}
	}
	return nil
}

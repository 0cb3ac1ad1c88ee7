package train

import (
	"fmt"
	"math"
)

// NonFiniteError reports a NaN or Inf in what a run computed from its
// weights (per-example losses after an epoch, logits): the stage fails
// and is not recorded complete.
type NonFiniteError struct {
	Run   string
	Epoch int
	// Step is the number of train steps taken when the value was computed
	// (the epoch's last, for a measurement after the epoch); 0 if unknown.
	Step    int
	What    string // e.g. "per-example training loss"
	Example int    // the example whose value it is
	Value   float32
	// Checkpoint is the last good checkpoint kept ("" if none).
	Checkpoint string
}

func (e *NonFiniteError) Error() string {
	at := fmt.Sprintf("after epoch %d", e.Epoch)
	if e.Step > 0 {
		at += fmt.Sprintf(" (step %d)", e.Step)
	}
	s := fmt.Sprintf("run %s: %s of example %d is %v %s: the run diverged; stopped, and the stage is not recorded complete (try a lower --lr)",
		e.Run, e.What, e.Example, e.Value, at)
	if e.Checkpoint != "" {
		s += "; last good checkpoint: " + e.Checkpoint
	}
	return s
}

// CheckFinite returns a *NonFiniteError for the first NaN or Inf of v (per
// example, width values each).
func CheckFinite(run string, epoch, step int, what string, v []float32, width int) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return &NonFiniteError{Run: run, Epoch: epoch, Step: step, What: what, Example: i / max(1, width), Value: x}
		}
	}
	return nil
}

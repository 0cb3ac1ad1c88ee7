package stages

import (
	"fmt"
	"math"
	"path/filepath"
)

// EvalResult is evaluate/<run>.json.
type EvalResult struct {
	Run             string  `json:"run"`
	TestAccuracyPct float64 `json:"test_accuracy_pct"`
	TestErrorPct    float64 `json:"test_error_pct"`
	TestLoss        float64 `json:"test_loss"`
	NumTest         int     `json:"num_test"`
	// L1Norm is sum |w| over the final trainable parameters (Fig. 10).
	L1Norm float64 `json:"l1_norm"`
	// Sharpness is the Hessian spectrum on the training sample (Table 1).
	Sharpness *Sharpness `json:"sharpness,omitempty"`
}

// Evaluate computes the test accuracy and loss of every run's final weights.
func (e *Env) Evaluate() error {
	_, m, err := e.begin("evaluate")
	if err != nil {
		return err
	}
	defer m.Close()
	var arts []string
	for _, run := range e.Opts.Runs() {
		d, err := e.Data(run.BetaD)
		if err != nil {
			return err
		}
		if err := m.Restore(filepath.Join(e.Dir.Path("retrain", run.ID, "ckpt"), ckptPrefix)); err != nil {
			return err
		}
		ev, err := evalSet(m, d.Test, d.Norm)
		if err != nil {
			return err
		}
		r := EvalResult{Run: run.ID, NumTest: d.Test.Len()}
		params, err := m.Params()
		if err != nil {
			return err
		}
		for _, w := range params {
			r.L1Norm += math.Abs(float64(w))
		}
		if e.Opts.Sharpness {
			x, y, n := e.sharpnessSample(d)
			if r.Sharpness, err = e.sharpness(m, x, y, n); err != nil {
				return fmt.Errorf("run %s: sharpness: %w", run.ID, err)
			}
		}
		correct := 0
		for i := range ev.Correct {
			correct += int(ev.Correct[i])
			r.TestLoss += float64(ev.Loss[i])
		}
		r.TestLoss /= float64(d.Test.Len())
		r.TestAccuracyPct = 100 * float64(correct) / float64(d.Test.Len())
		r.TestErrorPct = 100 - r.TestAccuracyPct
		rel := "evaluate/" + run.ID + ".json"
		if err := e.Dir.WriteJSON(rel, r); err != nil {
			return err
		}
		e.logf("evaluate/%s: test accuracy %.2f%%", run.ID, r.TestAccuracyPct)
		arts = append(arts, rel)
	}
	return e.Complete("evaluate", arts)
}

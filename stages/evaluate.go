package stages

import (
	"fmt"
	"github.com/useful-pipeline/useful-pipeline/train"
	"math"

	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// Evaluate computes the test accuracy and loss of every run's final
// weights, their L1 norm and, with --sharpness, the Hessian spectrum:
// evaluate/<run>.json (see rundir.Layout).
func (e *Env) Evaluate() ([]string, error) {
	_, m, err := e.mainModel()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	var arts []string
	for _, run := range e.Opts.Runs() {
		d, err := e.Data(run.BetaD)
		if err != nil {
			return nil, err
		}
		if err := m.Restore(e.Dir.Retrain(run.ID).Checkpoint().Prefix()); err != nil {
			return nil, err
		}
		ev, err := evalSet(m, d.Test, d.Norm)
		if err != nil {
			return nil, err
		}
		if err := train.CheckFinite(run.ID, e.Opts.Epochs, 0, "test logit", ev.Logits, d.Test.NumClasses); err != nil {
			return nil, err
		}
		r := rundir.EvalResult{Run: run.ID, NumTest: d.Test.Len()}
		params, err := m.Params()
		if err != nil {
			return nil, err
		}
		for _, w := range params {
			r.L1Norm += math.Abs(float64(w))
		}
		if e.Opts.Sharpness {
			x, y, n := e.sharpnessSample(d)
			if r.Sharpness, err = e.sharpness(m, x, y, n); err != nil {
				return nil, fmt.Errorf("run %s: sharpness: %w", run.ID, err)
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
		out := e.Dir.Evaluate(run.ID)
		if err := out.Write(r); err != nil {
			return nil, err
		}
		e.logf("%s: test accuracy %.2f%%", out.Rel(), r.TestAccuracyPct)
		arts = append(arts, out.Rel())
	}
	return arts, nil
}

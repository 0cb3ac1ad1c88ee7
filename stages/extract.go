package stages

import "github.com/useful-pipeline/useful-pipeline/train"

// Extract computes, for each USEFUL method, the logits and the loss of every
// training example (inference mode, no augmentation) with the weights at the
// separating epoch: extract/<method>/ (see rundir.Layout).
func (e *Env) Extract() ([]string, error) {
	d, m, err := e.mainModel()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	var arts []string
	for _, method := range e.Opts.ProbeMethods() {
		if err := m.Restore(e.Dir.Probe(method).Checkpoint().Prefix()); err != nil {
			return nil, err
		}
		ev, err := evalSet(m, d.Train, d.Norm)
		if err != nil {
			return nil, err
		}
		pd := e.Dir.Probe(method)
		t, err := e.separateEpoch(method)
		if err != nil {
			return nil, err
		}
		for _, v := range []struct {
			what  string
			x     []float32
			width int
		}{{"logit", ev.Logits, d.Train.NumClasses}, {"per-example training loss", ev.Loss, 1}} {
			if err := train.CheckFinite(pd.Rel(), t, 0, v.what, v.x, v.width); err != nil {
				return nil, err
			}
		}
		x := e.Dir.Extract(method)
		if err := x.Logits().Write(ev.Logits); err != nil {
			return nil, err
		}
		if err := x.Loss().Write(ev.Loss); err != nil {
			return nil, err
		}
		e.logf("%s: logits of %d training examples at the separating epoch", x.Rel(), d.Train.Len())
		arts = append(arts, x.Rel())
	}
	return arts, nil
}

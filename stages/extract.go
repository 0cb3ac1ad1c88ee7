package stages

import (
	"path/filepath"
)

// Extract computes, for each USEFUL method, the logits and the loss of every
// training example (inference mode, no augmentation) with the weights at the
// separating epoch: extract/<method>/logits.f32 (N x C, row-major) and
// loss.f32 (N).
func (e *Env) Extract() error {
	d, m, err := e.begin("extract")
	if err != nil {
		return err
	}
	defer m.Close()
	var arts []string
	for _, method := range e.Opts.ProbeMethods() {
		if err := m.Restore(filepath.Join(e.Dir.Path("probe", method, "ckpt"), ckptPrefix)); err != nil {
			return err
		}
		ev, err := evalSet(m, d.Train, d.Norm)
		if err != nil {
			return err
		}
		dir := "extract/" + method
		if err := e.Dir.WriteFloat32s(dir+"/logits.f32", ev.Logits); err != nil {
			return err
		}
		if err := e.Dir.WriteFloat32s(dir+"/loss.f32", ev.Loss); err != nil {
			return err
		}
		e.logf("extract/%s: logits of %d training examples at the separating epoch", method, d.Train.Len())
		arts = append(arts, dir)
	}
	return e.Complete("extract", arts)
}

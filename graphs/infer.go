package graphs

import (
	"fmt"

	tf "github.com/wamuir/graft/tensorflow"
)

// Predict computes the logits of n examples (images flat, n*ExampleSize
// values) in inference mode and writes them to out (n*NumClasses values).
func (m *Model) Predict(images []float32, n int, out []float32) error {
	m.checkImages(SigPredict, images, n)
	if len(out) != n*m.manifest.NumClasses {
		panic(fmt.Sprintf("graphs: predict: out has %d values, want %d", len(out), n*m.manifest.NumClasses))
	}
	shape := append([]int64{int64(n)}, intsTo64(m.manifest.InputShape)...)
	img, err := m.in.float32s(SigPredict, ArgImages, shape, images)
	if err != nil {
		return err
	}
	res, err := m.run(SigPredict, map[string]*tf.Tensor{ArgImages: img})
	if err != nil {
		return err
	}
	defer releaseAll(res)
	copy(out, rawFloat32(res[0]))
	return nil
}

// Eval is the per-example result of Evaluate. Logits has n*NumClasses values.
type Eval struct {
	Logits  []float32
	Loss    []float32
	Correct []int32
}

// Evaluate computes logits, per-example cross-entropy and correctness of n
// examples in inference mode (no dropout, batch-norm moving statistics),
// appending to dst (which may be nil) and returning it.
func (m *Model) Evaluate(images []float32, labels []int32, n int, dst *Eval) (*Eval, error) {
	m.checkImages(SigEvaluate, images, n)
	if len(labels) != n {
		panic(fmt.Sprintf("graphs: evaluate: %d labels for %d examples", len(labels), n))
	}
	if dst == nil {
		dst = &Eval{}
	}
	shape := append([]int64{int64(n)}, intsTo64(m.manifest.InputShape)...)
	img, err := m.in.float32s(SigEvaluate, ArgImages, shape, images)
	if err != nil {
		return dst, err
	}
	lab, err := m.in.int32s(SigEvaluate, ArgLabels, []int64{int64(n)}, labels)
	if err != nil {
		return dst, err
	}
	res, err := m.run(SigEvaluate, map[string]*tf.Tensor{ArgImages: img, ArgLabels: lab})
	if err != nil {
		return dst, err
	}
	defer releaseAll(res)
	dst.Logits = append(dst.Logits, rawFloat32(res[0])...)
	dst.Loss = append(dst.Loss, rawFloat32(res[1])...)
	dst.Correct = append(dst.Correct, rawInt32(res[2])...)
	return dst, nil
}

// Params returns all trainable parameters concatenated in manifest order
// (see Manifest.ParamOffset).
func (m *Model) Params() ([]float32, error) {
	res, err := m.run(SigGetParams, nil)
	if err != nil {
		return nil, err
	}
	defer releaseAll(res)
	return append([]float32(nil), rawFloat32(res[0])...), nil
}

func (m *Model) checkImages(sig string, images []float32, n int) {
	if n <= 0 || len(images) != n*m.manifest.ExampleSize() {
		panic(fmt.Sprintf("graphs: %s: %d image values for n=%d examples of size %d", sig, len(images), n, m.manifest.ExampleSize()))
	}
}

// HVP computes H v, the product of the Hessian of the mean cross-entropy of
// n examples (inference mode: batch-norm moving statistics, no dropout, no
// weight decay) with the flat parameter vector v (get_params layout), into
// out. The images and labels are copied once per call; keep them fixed to
// keep H fixed.
func (m *Model) HVP(images []float32, labels []int32, n int, v, out []float32) error {
	m.checkImages(SigHVP, images, n)
	p := m.manifest.ParamCount
	if len(labels) != n || len(v) != p || len(out) != p {
		panic(fmt.Sprintf("graphs: hvp: %d labels for n=%d, vector %d and out %d for %d parameters", len(labels), n, len(v), len(out), p))
	}
	shape := append([]int64{int64(n)}, intsTo64(m.manifest.InputShape)...)
	img, err := m.in.float32s(SigHVP, ArgImages, shape, images)
	if err != nil {
		return err
	}
	lab, err := m.in.int32s(SigHVP, ArgLabels, []int64{int64(n)}, labels)
	if err != nil {
		return err
	}
	vec, err := m.in.float32s(SigHVP, ArgVector, []int64{int64(p)}, v)
	if err != nil {
		return err
	}
	res, err := m.run(SigHVP, map[string]*tf.Tensor{ArgImages: img, ArgLabels: lab, ArgVector: vec})
	if err != nil {
		return err
	}
	defer releaseAll(res)
	copy(out, rawFloat32(res[0]))
	return nil
}

package stages

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/sharpness"
)

// maxLanczosBytes bounds the Lanczos basis (parameters x iterations x 8 bytes).
const maxLanczosBytes = 4 << 30

// sharpnessSample picks up to 1000 training examples, the same number per
// class (100 per class for 10 classes), seeded: the paper's Table 1 sample.
func (e *Env) sharpnessSample(d *Data) ([]float32, []int32, int) {
	per := max(1, 1000/d.Train.NumClasses)
	r := rand.New(rand.NewPCG(e.Opts.Seed(), 0x6865737369616e)) // "hessian"
	var idx []int
	for _, members := range d.Train.ClassIndices() {
		m := append([]int(nil), members...)
		r.Shuffle(len(m), func(a, b int) { m[a], m[b] = m[b], m[a] })
		idx = append(idx, m[:min(per, len(m))]...)
	}
	slices.Sort(idx)
	size := d.Train.ExampleSize()
	x := make([]float32, 0, len(idx)*size)
	y := make([]int32, 0, len(idx))
	for _, i := range idx {
		ex := d.Train.AppendFloat32s(nil, i, i+1)
		if d.Norm != nil {
			d.Norm.Augment(nil, ex)
		}
		x = append(x, ex...)
		y = append(y, d.Train.Labels[i])
	}
	return x, y, len(idx)
}

// sharpness runs Lanczos on the loss Hessian of m's current weights over
// the sample (largest eigenvalue and lambda_max / lambda_5).
func (e *Env) sharpness(m *graphs.Model, x []float32, y []int32, n int) (*rundir.Sharpness, error) {
	p := m.Manifest().ParamCount
	cfg := &sharpness.Config{Seed: e.Opts.Seed()}
	if bytes := int64(p) * sharpness.DefaultIterations * 8; bytes > maxLanczosBytes {
		return &rundir.Sharpness{Skipped: fmt.Sprintf("%d parameters x %d Lanczos steps need %.1f GB for the basis", p, sharpness.DefaultIterations, float64(bytes)/1e9)}, nil
	}
	v32, out32 := make([]float32, p), make([]float32, p)
	hvp := func(v, dst []float64) error {
		for i, x := range v {
			v32[i] = float32(x)
		}
		if err := m.HVP(x, y, n, v32, out32); err != nil {
			return err
		}
		for i, x := range out32 {
			dst[i] = float64(x)
		}
		return nil
	}
	res, err := sharpness.Lanczos(p, hvp, cfg)
	if err != nil {
		return nil, err
	}
	return &rundir.Sharpness{LambdaMax: res.Eigenvalues[0], Ratio: res.Ratio(), Top: res.Eigenvalues, Examples: n, Converged: res.Converged}, nil
}

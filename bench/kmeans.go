package bench

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/useful-pipeline/useful-pipeline/cluster"
)

// Logits returns n x c logits shaped like a network's at the separating
// epoch: labels uniform over the c classes; in each class a confident
// majority (70%, large logit on its class) and a less confident group
// (30%, smaller margin, more spread), with Gaussian noise; seeded.
func Logits(n, c int, seed uint64) (*mat.Dense, []int32, []float64) {
	r := rand.New(rand.NewPCG(seed, 99))
	x := make([]float64, n*c)
	labels := make([]int32, n)
	loss := make([]float64, n)
	for i := range n {
		y := r.IntN(c)
		labels[i] = int32(y)
		margin, sd := 8.0, 1.0
		if r.Float64() < 0.3 {
			margin, sd = 2.5, 2.0
		}
		row := x[i*c : (i+1)*c]
		for k := range row {
			row[k] = sd * r.NormFloat64()
		}
		row[y] += margin
		loss[i] = 1 / margin
	}
	return mat.NewDense(n, c, x), labels, loss
}

// KMeans times k-means (k = 2, 10 restarts, the pipeline's settings) on
// generated n x c logits, both on the whole matrix and per class as the
// cluster stage does, and prints one line.
func KMeans(n, c, reps int, out io.Writer) error {
	x, labels, loss := Logits(n, c, 1)
	cfg := &cluster.Config{Restarts: 10, Seed: 1}
	best := func(f func() error) (time.Duration, error) {
		var b time.Duration
		for r := 0; r < reps; r++ {
			t0 := time.Now()
			if err := f(); err != nil {
				return 0, err
			}
			if d := time.Since(t0); r == 0 || d < b {
				b = d
			}
		}
		return b, nil
	}
	var iters int
	whole, err := best(func() error {
		res, err := cluster.KMeans(x, 2, cfg)
		if err == nil {
			iters = res.Iterations
		}
		return err
	})
	if err != nil {
		return err
	}
	var slow int
	per, err := best(func() error {
		s, err := cluster.SplitClasses(x, labels, loss, c, cfg)
		if err == nil {
			slow = len(cluster.SlowIndices(s))
		}
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "kmeans: %d x %d logits, k=2, 10 restarts (best of %d): whole matrix %.3f s (%d iterations in the kept restart); per class as the cluster stage (%d classes) %.3f s, %d slow examples (%.1f%%)\n",
		n, c, reps, whole.Seconds(), iters, c, per.Seconds(), slow, 100*float64(slow)/float64(n))
	return nil
}

package cluster_test

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/useful-pipeline/useful-pipeline/cluster"
)

// logitLike returns n x dim rows shaped like the logits of one class: three
// overlapping Gaussian groups (a confident majority, a less confident group
// and a diffuse tail) with a fixed seed.
func logitLike(n, dim int) *mat.Dense {
	rng := rand.New(rand.NewPCG(2024, 12))
	centres := make([][]float64, 3)
	for g := range centres {
		centres[g] = make([]float64, dim)
		for t := range dim {
			centres[g][t] = 2 * rng.NormFloat64()
		}
	}
	sd := []float64{1, 1.5, 3}
	data := make([]float64, n*dim)
	for i := range n {
		u := rng.Float64()
		g := 0
		if u > 0.6 {
			g = 1
		}
		if u > 0.9 {
			g = 2
		}
		row := data[i*dim : (i+1)*dim]
		for t := range row {
			row[t] = centres[g][t] + sd[g]*rng.NormFloat64()
		}
	}
	return mat.NewDense(n, dim, data)
}

func benchKMeans(b *testing.B, n, dim int) {
	x := logitLike(n, dim)
	cfg := &cluster.Config{Restarts: 10, Seed: 1}
	var res *cluster.Result
	for b.Loop() {
		var err error
		res, err = cluster.KMeans(x, 2, cfg)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Iterations), "iters")
}

func BenchmarkKMeans50kx10(b *testing.B)   { benchKMeans(b, 50_000, 10) }
func BenchmarkKMeans100kx200(b *testing.B) { benchKMeans(b, 100_000, 200) }

// BenchmarkKMeans100kx200Unimodal is the slow case: one isotropic Gaussian,
// which has no cluster structure, so Lloyd creeps and every restart runs to
// MaxIter (300) without meeting Tol.
func BenchmarkKMeans100kx200Unimodal(b *testing.B) {
	const n, dim = 100_000, 200
	rng := rand.New(rand.NewPCG(2024, 13))
	data := make([]float64, n*dim)
	for i := range data {
		data[i] = rng.NormFloat64()
	}
	x := mat.NewDense(n, dim, data)
	cfg := &cluster.Config{Restarts: 10, Seed: 1}
	var res *cluster.Result
	for b.Loop() {
		var err error
		res, err = cluster.KMeans(x, 2, cfg)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Iterations), "iters")
}

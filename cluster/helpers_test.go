package cluster_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/useful-pipeline/useful-pipeline/cluster"
)

// blobs returns len(sizes) Gaussian blobs in dim dimensions: blob b has
// sizes[b] rows with standard deviation sd around a centre at distance sep·b
// along a fixed random direction per coordinate pair. Rows of the blobs are
// interleaved pseudo-randomly; truth[i] is the blob of row i.
func blobs(seed uint64, dim int, sizes []int, sep, sd float64) (x *mat.Dense, truth []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for b, s := range sizes {
		for range s {
			truth = append(truth, b)
		}
	}
	rng.Shuffle(len(truth), func(i, j int) { truth[i], truth[j] = truth[j], truth[i] })
	centres := make([][]float64, len(sizes))
	for b := range centres {
		centres[b] = make([]float64, dim)
		for t := range dim {
			centres[b][t] = sep * float64(b) * float64(1+t%3) / math.Sqrt(float64(dim))
		}
	}
	x = mat.NewDense(len(truth), dim, nil)
	for i, b := range truth {
		for t := range dim {
			x.Set(i, t, centres[b][t]+sd*rng.NormFloat64())
		}
	}
	return x, truth
}

// samePartition reports whether labels and truth group the rows the same
// way, up to renaming clusters.
func samePartition(labels, truth []int) bool {
	if len(labels) != len(truth) {
		return false
	}
	fwd, back := map[int]int{}, map[int]int{}
	for i := range labels {
		l, t := labels[i], truth[i]
		if m, ok := fwd[l]; ok && m != t {
			return false
		}
		if m, ok := back[t]; ok && m != l {
			return false
		}
		fwd[l], back[t] = t, l
	}
	return true
}

// sameResult reports whether a and b are identical bit for bit.
func sameResult(a, b *cluster.Result) bool {
	if a.Inertia != b.Inertia || a.Iterations != b.Iterations ||
		len(a.Labels) != len(b.Labels) || len(a.Sizes) != len(b.Sizes) {
		return false
	}
	for i := range a.Labels {
		if a.Labels[i] != b.Labels[i] {
			return false
		}
	}
	for i := range a.Sizes {
		if a.Sizes[i] != b.Sizes[i] {
			return false
		}
	}
	ra, rb := a.Centroids.RawMatrix(), b.Centroids.RawMatrix()
	if ra.Rows != rb.Rows || ra.Cols != rb.Cols {
		return false
	}
	for i := range ra.Data {
		if math.Float64bits(ra.Data[i]) != math.Float64bits(rb.Data[i]) {
			return false
		}
	}
	return true
}

// mustPanic fails t unless f panics with a message starting "cluster: ".
func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", name)
			return
		}
		if s, ok := r.(string); !ok || !strings.HasPrefix(s, "cluster: ") {
			t.Errorf("%s: panic %#v, want a string starting %q", name, r, "cluster: ")
		}
	}()
	f()
}

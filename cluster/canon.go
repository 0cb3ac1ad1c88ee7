package cluster

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// result returns w's clustering as a Result in canonical order: clusters
// sorted by their lowest row index, empty clusters last in their current
// order, empty centroid rows set to NaN.
func (w *workspace) result() *Result {
	n, d, k := w.n, w.d, w.k
	perm := make([]int, k) // current index -> canonical index
	for j := range perm {
		perm[j] = -1
	}
	next := 0
	for _, l := range w.labels {
		if next == k {
			break
		}
		if perm[l] < 0 {
			perm[l] = next
			next++
		}
	}
	for j := range perm {
		if perm[j] < 0 {
			perm[j] = next
			next++
		}
	}
	res := &Result{
		Labels:     make([]int, n),
		Centroids:  mat.NewDense(k, d, nil),
		Sizes:      make([]int, k),
		Inertia:    w.inertia,
		Iterations: w.iterations,
	}
	for i, l := range w.labels {
		c := perm[l]
		res.Labels[i] = c
		res.Sizes[c]++
	}
	raw := res.Centroids.RawMatrix()
	for j := range k {
		dst := raw.Data[perm[j]*d : perm[j]*d+d]
		if res.Sizes[perm[j]] == 0 {
			for t := range dst {
				dst[t] = math.NaN()
			}
			continue
		}
		copy(dst, w.centroid(j))
	}
	return res
}

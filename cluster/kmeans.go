package cluster

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"
)

// Result is the outcome of KMeans, with clusters in canonical order: cluster
// j is the cluster whose lowest row index is the j-th smallest, so cluster 0
// holds row 0. Empty clusters come after all non-empty ones.
type Result struct {
	// Labels holds the cluster of each row of the input.
	Labels []int
	// Centroids is k x dim; row j is the mean of the rows in cluster j (up
	// to rounding), or all NaN if cluster j is empty.
	Centroids *mat.Dense
	// Sizes holds the number of rows in each cluster.
	Sizes []int
	// Inertia is the sum of squared Euclidean distances of the rows to the
	// centroid of their cluster.
	Inertia float64
	// Iterations is the number of Lloyd iterations (assignment passes) of
	// the kept restart.
	Iterations int
}

// KMeans clusters the rows of x into k clusters with Lloyd's algorithm.
// Each of cfg.Restarts restarts is seeded by k-means++ (D² sampling) and the
// restart with the lowest inertia is kept; equal inertias go to the lower
// restart index. A nil cfg means the defaults of Config. Labels are then
// renumbered canonically (see Result), so the same data gives the same
// labelling whichever restart won. For the same x, k and cfg the Result is
// identical bit for bit, whatever GOMAXPROCS is; restarts run in parallel on
// up to GOMAXPROCS goroutines.
//
// During iterations a row equally near two centroids joins the lower-indexed
// one, and a cluster that becomes empty is re-seeded with the row farthest
// from its centroid (ties to the lower row index). If x has fewer distinct
// rows than k, each distinct row becomes one cluster, the remaining clusters
// are empty (Sizes 0, NaN centroid) and Inertia is 0; in particular, if all
// rows are identical every row is in cluster 0.
//
// x is not modified. KMeans panics if x is nil or empty, if k < 1, or if cfg
// is invalid (see Config). It returns an error naming the row, column and
// value if x holds a NaN or ±Inf, or a value so large that squared distances
// could overflow float64.
func KMeans(x *mat.Dense, k int, cfg *Config) (*Result, error) {
	if x == nil || x.IsEmpty() {
		panic("cluster: nil or empty matrix")
	}
	if k < 1 {
		panic(fmt.Sprintf("cluster: k = %d, want k >= 1", k))
	}
	s := cfg.resolve()
	n, d := x.Dims()
	data := flatten(x)
	limit := magnitudeLimit(n, d)
	if i := badValue(data, limit); i >= 0 {
		return nil, valueError("value", i/d, i%d, data[i], limit)
	}
	return kmeans(data, n, d, k, s), nil
}

// flatten returns the elements of x in row-major order without gaps,
// aliasing x's storage when possible.
func flatten(x *mat.Dense) []float64 {
	raw := x.RawMatrix()
	if raw.Stride == raw.Cols {
		return raw.Data[:raw.Rows*raw.Cols]
	}
	data := make([]float64, raw.Rows*raw.Cols)
	for i := range raw.Rows {
		copy(data[i*raw.Cols:(i+1)*raw.Cols], raw.Data[i*raw.Stride:])
	}
	return data
}

// parallelMin is the number of values (n·d) from which restarts are spread
// over goroutines; below it the goroutine overhead is not worth it.
const parallelMin = 1 << 14

// kmeans runs all restarts on the valid n x d rows of data and returns the
// best one in canonical order.
func kmeans(data []float64, n, d, k int, s settings) *Result {
	workers := min(runtime.GOMAXPROCS(0), s.restarts)
	if n*d < parallelMin {
		workers = 1
	}
	geo := newGeometry(data, n, d)
	if workers <= 1 {
		r := 0
		return bestOf(data, n, d, k, s, geo, func() int { r++; return r - 1 }).result()
	}
	// Each worker takes the next restart index and keeps its own best; the
	// best of the workers' bests is the same whichever worker ran which
	// restart, because better orders restarts totally.
	var next atomic.Int64
	take := func() int { return int(next.Add(1)) - 1 }
	bests := make([]*workspace, workers)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() { bests[g] = bestOf(data, n, d, k, s, geo, take) })
	}
	wg.Wait()
	best := bests[0]
	for _, b := range bests[1:] {
		if b != nil && (best == nil || b.better(best)) {
			best = b
		}
	}
	return best.result()
}

// bestOf runs the restarts whose indices take returns, until it returns an
// index >= s.restarts, and returns the best of them, or nil if it ran none.
func bestOf(data []float64, n, d, k int, s settings, geo *geometry, take func() int) *workspace {
	var best, cur *workspace
	for {
		r := take()
		if r >= s.restarts {
			return best
		}
		if cur == nil {
			cur = newWorkspace(n, d, k)
			cur.geo = geo
		}
		cur.run(data, r, s)
		if best == nil || cur.better(best) {
			best, cur = cur, best
		}
	}
}

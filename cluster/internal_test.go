package cluster

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSeedD2 checks the k-means++ sampling law on rows {0, 1, 3}. The first
// centroid is uniform. Given a first centroid at 0 the D² weights are 0, 1,
// 9, so the second is 1 with probability 0.1 and 3 with probability 0.9;
// given 3 the weights are 9, 4, 0 (probabilities 9/13, 4/13). A chosen row is
// never chosen again.
func TestSeedD2(t *testing.T) {
	x := []float64{0, 1, 3}
	w := newWorkspace(3, 1, 2)
	first := map[float64]int{}
	second := map[[2]float64]int{}
	const trials = 60000
	for s := range uint64(trials) {
		if m := w.seedPlusPlus(x, rand.New(rand.NewPCG(s, 99))); m != 2 {
			t.Fatalf("chose %d centroids, want 2", m)
		}
		first[w.cent[0]]++
		second[[2]float64{w.cent[0], w.cent[1]}]++
	}
	near := func(got int, total int, p float64) bool {
		sd := math.Sqrt(float64(total) * p * (1 - p))
		return math.Abs(float64(got)-p*float64(total)) < 5*sd+1
	}
	for _, v := range x {
		if !near(first[v], trials, 1.0/3) {
			t.Errorf("first centroid %v chosen %d times in %d, want ~1/3", v, first[v], trials)
		}
		if second[[2]float64{v, v}] != 0 {
			t.Errorf("row %v chosen twice", v)
		}
	}
	for _, c := range []struct {
		pair [2]float64
		p    float64
	}{
		{[2]float64{0, 1}, 0.1}, {[2]float64{0, 3}, 0.9},
		{[2]float64{3, 0}, 9.0 / 13}, {[2]float64{3, 1}, 4.0 / 13},
		{[2]float64{1, 0}, 1.0 / 5}, {[2]float64{1, 3}, 4.0 / 5},
	} {
		total := first[c.pair[0]]
		if got := second[c.pair]; !near(got, total, c.p) {
			t.Errorf("after %v, %v chosen %d of %d times, want p = %.3f", c.pair[0], c.pair[1], got, total, c.p)
		}
	}
}

// TestSeedStopsEarly checks that seeding stops once every row sits on a
// chosen centroid, returning the number of distinct rows.
func TestSeedStopsEarly(t *testing.T) {
	x := []float64{2, 2, 7, 2, 7}
	w := newWorkspace(5, 1, 4)
	for s := range uint64(50) {
		if m := w.seedPlusPlus(x, rand.New(rand.NewPCG(s, 1))); m != 2 {
			t.Fatalf("seed %d: %d centroids, want 2", s, m)
		}
		if w.cent[0] == w.cent[1] {
			t.Fatalf("seed %d: duplicate centroids %v", s, w.cent[:2])
		}
	}
}

// TestReseedEmpty starts Lloyd from centroids 1 and 100 on {0, 1, 2, 10}.
// The first pass leaves cluster 1 empty; it must be re-seeded with row 3
// (value 10, farthest from centroid 1), giving {0,1,2} | {10}, inertia 2.
// Without re-seeding the result would be one cluster with inertia 68.75.
func TestReseedEmpty(t *testing.T) {
	x := []float64{0, 1, 2, 10}
	w := newWorkspace(4, 1, 2)
	w.cent[0], w.cent[1] = 1, 100
	w.live[0], w.live[1] = true, true
	w.lloyd(x, 300, 1e-10)
	if want := []int{0, 0, 0, 1}; !equal(w.labels, want) {
		t.Errorf("labels %v, want %v", w.labels, want)
	}
	if w.cent[0] != 1 || w.cent[1] != 10 || w.inertia != 2 {
		t.Errorf("centroids %v, inertia %v; want [1 10], 2", w.cent, w.inertia)
	}
}

// TestReseedTie: rows 0 and 2 are equally far from the only populated
// centroid; the lower row index re-seeds the empty cluster, giving {-1} |
// {0, 1}. Re-seeding with row 2 would give {-1, 0} | {1}.
func TestReseedTie(t *testing.T) {
	x := []float64{-1, 0, 1}
	w := newWorkspace(3, 1, 2)
	w.cent[0], w.cent[1] = 0, 50
	w.live[0], w.live[1] = true, true
	w.lloyd(x, 300, 1e-10)
	if !equal(w.labels, []int{1, 0, 0}) || w.cent[1] != -1 || w.cent[0] != 0.5 {
		t.Errorf("labels %v, centroids %v; want [1 0 0], [0.5 -1]", w.labels, w.cent)
	}
}

// TestAssignTie: a row equidistant from two centroids joins the lower index.
func TestAssignTie(t *testing.T) {
	for _, k := range []int{2, 3} {
		x := []float64{0}
		w := newWorkspace(1, 1, k)
		for j := range k {
			w.cent[j] = []float64{-1, 1, 1}[j]
			w.live[j] = true
		}
		w.begin(x)
		w.assign(x)
		if w.labels[0] != 0 {
			t.Errorf("k=%d: tie went to cluster %d, want 0", k, w.labels[0])
		}
		if k == 3 {
			w.live[0] = false
			w.begin(x)
			w.assign(x)
			if w.labels[0] != 1 {
				t.Errorf("k=3 without cluster 0: tie went to %d, want 1", w.labels[0])
			}
		}
	}
}

// TestBoundsMatchLloyd runs the bounded Lloyd iterations and a plain
// reference Lloyd (full distances every pass, means recomputed from
// scratch) from the same seeding and checks they reach the same labels.
func TestBoundsMatchLloyd(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ n, d, k int }{{3000, 2, 2}, {2000, 40, 2}, {2000, 5, 3}, {1500, 8, 6}} {
		x := make([]float64, tc.n*tc.d)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for r := range 3 {
			s := settings{restarts: 1, maxIter: 1000, tol: 0, seed: uint64(r)}
			w := newWorkspace(tc.n, tc.d, tc.k)
			w.run(x, r, s)
			skipped := w.iterations

			// Reference: plain Lloyd from the same seeds until no change.
			m := newWorkspace(tc.n, tc.d, tc.k)
			m.seedPlusPlus(x, restartRNG(s.seed, r))
			labels := plainLloyd(x, tc.n, tc.d, tc.k, m.cent)
			if !equal(w.labels, labels) {
				t.Errorf("n=%d d=%d k=%d restart %d: bounded and plain Lloyd disagree", tc.n, tc.d, tc.k, r)
			}
			if skipped < 3 {
				t.Errorf("only %d iterations; the test does not exercise the bounds", skipped)
			}
		}
	}
}

// plainLloyd is textbook Lloyd: full assignment, means from scratch, until
// no label changes. It does not handle empty clusters (the tests avoid them).
func plainLloyd(x []float64, n, d, k int, cent []float64) []int {
	c := append([]float64(nil), cent...)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = -1
	}
	for {
		changed := false
		for i := range n {
			best, bd := 0, math.Inf(1)
			for j := range k {
				if v := sqDist(x[i*d:i*d+d], c[j*d:j*d+d]); v < bd {
					best, bd = j, v
				}
			}
			if labels[i] != best {
				labels[i], changed = best, true
			}
		}
		if !changed {
			return labels
		}
		cnt := make([]float64, k)
		clear(c)
		for i, l := range labels {
			cnt[l]++
			for t := range d {
				c[l*d+t] += x[i*d+t]
			}
		}
		for j := range k {
			for t := range d {
				c[j*d+t] /= cnt[j]
			}
		}
	}
}

// TestBestRestart checks that kmeans keeps the restart with the lowest
// inertia, with ties to the lower restart index, in the canonical labelling.
func TestBestRestart(t *testing.T) {
	// Overlapping 2-D blobs with k = 5: restarts end in different optima.
	rng := rand.New(rand.NewPCG(1, 2))
	n, d, k := 2000, 2, 5
	x := make([]float64, n*d)
	for i := range n {
		b := float64(i % 3)
		x[i*d] = 3*b + rng.NormFloat64()
		x[i*d+1] = rng.NormFloat64()
	}
	s := settings{restarts: 12, maxIter: 300, tol: 1e-10, seed: 5}
	w := newWorkspace(n, d, k)
	bestR, bestI := -1, math.Inf(1)
	distinct := map[float64]bool{}
	for r := range s.restarts {
		w.run(x, r, s)
		distinct[w.inertia] = true
		if w.inertia < bestI {
			bestR, bestI = r, w.inertia
		}
	}
	if len(distinct) < 2 {
		t.Fatalf("all restarts reached the same inertia; the test data does not discriminate")
	}
	res := kmeans(x, n, d, k, s)
	if res.Inertia != bestI {
		t.Errorf("kept inertia %v, best restart %d had %v", res.Inertia, bestR, bestI)
	}
	w.run(x, bestR, s)
	if want := w.result(); !equal(res.Labels, want.Labels) {
		t.Errorf("labels are not those of restart %d", bestR)
	}

	// Equal inertia: the lower restart index is better.
	a, b := &workspace{inertia: 1, restart: 3}, &workspace{inertia: 1, restart: 4}
	if !a.better(b) || b.better(a) {
		t.Error("equal inertia: lower restart index must win")
	}
	// Rows all identical: every restart has inertia 0, and the kept one is
	// restart 0 whatever the order the workers finish in.
	same := make([]float64, 64*64)
	s.restarts = 6
	if got := kmeans(same, 64, 64, 2, s); got.Inertia != 0 || got.Sizes[0] != 64 {
		t.Errorf("identical rows: inertia %v sizes %v", got.Inertia, got.Sizes)
	}
}

func TestSplitmixSeedsDiffer(t *testing.T) {
	seen := map[uint64]bool{}
	for c := range 1000 {
		s := classSeed(0, c)
		if seen[s] {
			t.Fatalf("class seed collision at class %d", c)
		}
		seen[s] = true
	}
}

func TestSlowCluster(t *testing.T) {
	for _, c := range []struct {
		sizes [2]int
		mean  [2]float64
		want  int
	}{
		{[2]int{3, 4}, [2]float64{0.1, 2}, 1},
		{[2]int{3, 4}, [2]float64{2, 0.1}, 0},
		{[2]int{3, 4}, [2]float64{0.5, 0.5}, -1},
		{[2]int{3, 4}, [2]float64{0, 0}, -1},
		{[2]int{3, 4}, [2]float64{0.1, math.Nextafter(0.1, 1)}, -1},
		{[2]int{3, 4}, [2]float64{0.1, 0.1 * (1 + 1e-9)}, 1},
		{[2]int{3, 0}, [2]float64{0.1, 0}, -1},
		{[2]int{0, 3}, [2]float64{0, 0.1}, -1},
	} {
		if got := slowCluster(c.sizes, c.mean); got != c.want {
			t.Errorf("slowCluster(%v, %v) = %d, want %d", c.sizes, c.mean, got, c.want)
		}
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

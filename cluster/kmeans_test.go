package cluster_test

import (
	"math"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/useful-pipeline/useful-pipeline/cluster"
)

func TestKMeansBlobs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dim   int
		sizes []int
	}{
		{"2d-k2", 2, []int{150, 60}},
		{"2d-k3", 2, []int{100, 40, 70}},
		{"10d-k2", 10, []int{30, 200}},
		{"10d-k4", 10, []int{50, 80, 20, 120}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, truth := blobs(7, tc.dim, tc.sizes, 20, 1)
			res, err := cluster.KMeans(x, len(tc.sizes), &cluster.Config{Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if !samePartition(res.Labels, truth) {
				t.Fatalf("partition differs from the blobs")
			}
			// Sizes agree with Labels; centroids are the blob means.
			n, dim := x.Dims()
			k := len(tc.sizes)
			sizes := make([]int, k)
			means := mat.NewDense(k, dim, nil)
			var inertia float64
			for i, l := range res.Labels {
				sizes[l]++
				for j := range dim {
					means.Set(l, j, means.At(l, j)+x.At(i, j))
				}
			}
			for l := range k {
				if sizes[l] != res.Sizes[l] {
					t.Errorf("Sizes[%d] = %d, counted %d", l, res.Sizes[l], sizes[l])
				}
				for j := range dim {
					means.Set(l, j, means.At(l, j)/float64(sizes[l]))
				}
			}
			if !mat.EqualApprox(means, res.Centroids, 1e-9) {
				t.Errorf("centroids\n%v\nwant means\n%v", mat.Formatted(res.Centroids), mat.Formatted(means))
			}
			for i := range n {
				l := res.Labels[i]
				for j := range dim {
					dd := x.At(i, j) - means.At(l, j)
					inertia += dd * dd
				}
			}
			if math.Abs(inertia-res.Inertia) > 1e-9*inertia {
				t.Errorf("Inertia = %v, recomputed %v", res.Inertia, inertia)
			}
		})
	}
}

// TestKMeansHandWorked checks {0, 1, 10, 11} against the split worked by
// hand: centroids 0.5 and 10.5, inertia 4·0.25 = 1.
func TestKMeansHandWorked(t *testing.T) {
	x := mat.NewDense(4, 1, []float64{0, 1, 10, 11})
	for seed := range uint64(20) {
		res, err := cluster.KMeans(x, 2, &cluster.Config{Seed: seed, Restarts: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res.Labels, []int{0, 0, 1, 1}; !equalInts(got, want) {
			t.Errorf("seed %d: Labels = %v, want %v", seed, got, want)
		}
		if c0, c1 := res.Centroids.At(0, 0), res.Centroids.At(1, 0); c0 != 0.5 || c1 != 10.5 {
			t.Errorf("seed %d: centroids %v, %v, want 0.5, 10.5", seed, c0, c1)
		}
		if res.Inertia != 1 {
			t.Errorf("seed %d: Inertia = %v, want 1", seed, res.Inertia)
		}
		if !equalInts(res.Sizes, []int{2, 2}) {
			t.Errorf("seed %d: Sizes = %v, want [2 2]", seed, res.Sizes)
		}
	}
}

func equalInts(a, b []int) bool {
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

func TestKMeansDeterministic(t *testing.T) {
	// Overlapping blobs, so restarts end in different local optima and the
	// choice between them matters.
	x, _ := blobs(11, 5, []int{3000, 2500, 2000}, 2, 1.5)
	cfg := &cluster.Config{Seed: 42, Restarts: 8}
	a, err := cluster.KMeans(x, 4, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := cluster.KMeans(x, 4, cfg)
	if !sameResult(a, b) {
		t.Fatal("same seed, different results")
	}
	old := runtime.GOMAXPROCS(1)
	one, _ := cluster.KMeans(x, 4, cfg)
	runtime.GOMAXPROCS(2)
	two, _ := cluster.KMeans(x, 4, cfg)
	runtime.GOMAXPROCS(8)
	eight, _ := cluster.KMeans(x, 4, cfg)
	runtime.GOMAXPROCS(old)
	if !sameResult(a, one) || !sameResult(one, two) || !sameResult(one, eight) {
		t.Fatal("results depend on GOMAXPROCS")
	}
	// The seed is used: another seed takes a different path.
	c, _ := cluster.KMeans(x, 4, &cluster.Config{Seed: 43, Restarts: 1})
	d, _ := cluster.KMeans(x, 4, &cluster.Config{Seed: 42, Restarts: 1})
	if sameResult(c, d) {
		t.Error("seeds 42 and 43 gave identical single-restart results")
	}
}

// TestKMeansCanonical checks that clusters are numbered by their lowest row
// and that different seeds agree on the labelling of a clear structure.
func TestKMeansCanonical(t *testing.T) {
	x, _ := blobs(5, 3, []int{40, 40, 40, 40, 40}, 3, 1)
	for seed := range uint64(10) {
		res, err := cluster.KMeans(x, 5, &cluster.Config{Seed: seed, Restarts: 1})
		if err != nil {
			t.Fatal(err)
		}
		next := 0
		for _, l := range res.Labels {
			if l > next {
				t.Fatalf("seed %d: label %d appears before label %d", seed, l, next)
			}
			if l == next {
				next++
			}
		}
	}
	y, _ := blobs(5, 3, []int{40, 40, 40}, 30, 1)
	first, _ := cluster.KMeans(y, 3, &cluster.Config{Seed: 1})
	for seed := uint64(2); seed < 10; seed++ {
		res, _ := cluster.KMeans(y, 3, &cluster.Config{Seed: seed})
		if !equalInts(res.Labels, first.Labels) {
			t.Fatalf("seed %d labels differ from seed 1", seed)
		}
	}
}

func TestKMeansView(t *testing.T) {
	// A view with stride != cols gives the same result as a packed copy,
	// and KMeans does not modify its input.
	big, _ := blobs(9, 6, []int{300, 200}, 8, 1)
	view := big.Slice(0, 500, 1, 5).(*mat.Dense)
	packed := mat.DenseCopyOf(view)
	before := mat.DenseCopyOf(big)
	a, err := cluster.KMeans(view, 2, &cluster.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := cluster.KMeans(packed, 2, &cluster.Config{Seed: 1})
	if !sameResult(a, b) {
		t.Error("view and packed copy differ")
	}
	if !mat.Equal(big, before) {
		t.Error("KMeans modified its input")
	}
	if !mat.Equal(packed, view) {
		t.Error("KMeans modified its input")
	}
}

func TestKMeansIdentical(t *testing.T) {
	for _, k := range []int{1, 2, 3} {
		x := mat.NewDense(5, 2, []float64{0.1, 0.7, 0.1, 0.7, 0.1, 0.7, 0.1, 0.7, 0.1, 0.7})
		res, err := cluster.KMeans(x, k, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !equalInts(res.Labels, []int{0, 0, 0, 0, 0}) {
			t.Errorf("k=%d: Labels = %v, want all 0", k, res.Labels)
		}
		if res.Inertia != 0 {
			t.Errorf("k=%d: Inertia = %v, want 0", k, res.Inertia)
		}
		if res.Sizes[0] != 5 || res.Centroids.At(0, 0) != 0.1 || res.Centroids.At(0, 1) != 0.7 {
			t.Errorf("k=%d: cluster 0 has size %d, centroid %v", k, res.Sizes[0], res.Centroids.RawRowView(0))
		}
		for j := 1; j < k; j++ {
			if res.Sizes[j] != 0 || !math.IsNaN(res.Centroids.At(j, 0)) || !math.IsNaN(res.Centroids.At(j, 1)) {
				t.Errorf("k=%d: cluster %d has size %d, centroid %v; want empty, NaN", k, j, res.Sizes[j], res.Centroids.RawRowView(j))
			}
		}
	}
}

func TestKMeansFewDistinct(t *testing.T) {
	// Two distinct rows, k = 3; and one row, k = 2.
	x := mat.NewDense(5, 1, []float64{5, 0, 5, 0, 5})
	res, err := cluster.KMeans(x, 3, &cluster.Config{Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(res.Labels, []int{0, 1, 0, 1, 0}) || !equalInts(res.Sizes, []int{3, 2, 0}) || res.Inertia != 0 {
		t.Errorf("Labels %v Sizes %v Inertia %v; want [0 1 0 1 0] [3 2 0] 0", res.Labels, res.Sizes, res.Inertia)
	}
	if res.Centroids.At(0, 0) != 5 || res.Centroids.At(1, 0) != 0 || !math.IsNaN(res.Centroids.At(2, 0)) {
		t.Errorf("centroids %v, want 5, 0, NaN", res.Centroids.RawMatrix().Data)
	}
	one, err := cluster.KMeans(mat.NewDense(1, 3, []float64{1, 2, 3}), 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(one.Labels, []int{0}) || !equalInts(one.Sizes, []int{1, 0}) || one.Inertia != 0 {
		t.Errorf("single row: Labels %v Sizes %v Inertia %v", one.Labels, one.Sizes, one.Inertia)
	}
}

func TestKMeansK1(t *testing.T) {
	x := mat.NewDense(3, 1, []float64{1, 2, 6})
	res, err := cluster.KMeans(x, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Centroids.At(0, 0) != 3 || res.Inertia != 14 || !equalInts(res.Labels, []int{0, 0, 0}) {
		t.Errorf("centroid %v inertia %v labels %v; want 3, 14, [0 0 0]", res.Centroids.At(0, 0), res.Inertia, res.Labels)
	}
}

func TestKMeansBadValues(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{math.NaN(), "row 2, column 1: value NaN"},
		{math.Inf(1), "row 2, column 1: value +Inf"},
		{math.Inf(-1), "row 2, column 1: value -Inf"},
		{1e300, "row 2, column 1: value 1e+300 exceeds"},
	} {
		x := mat.NewDense(4, 2, []float64{0, 0, 1, 1, 2, 2, 3, 3})
		x.Set(2, 1, tc.v)
		_, err := cluster.KMeans(x, 2, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("value %v: error %v, want one containing %q", tc.v, err, tc.want)
		}
	}
	// Large but safe values work.
	x := mat.NewDense(4, 1, []float64{0, 1e100, 1e140, -1e140})
	if _, err := cluster.KMeans(x, 2, nil); err != nil {
		t.Errorf("large finite values: %v", err)
	}
}

func TestKMeansPanics(t *testing.T) {
	x := mat.NewDense(3, 1, []float64{1, 2, 3})
	mustPanic(t, "nil x", func() { cluster.KMeans(nil, 2, nil) })
	mustPanic(t, "empty x", func() { cluster.KMeans(&mat.Dense{}, 2, nil) })
	mustPanic(t, "k=0", func() { cluster.KMeans(x, 0, nil) })
	mustPanic(t, "negative Restarts", func() { cluster.KMeans(x, 2, &cluster.Config{Restarts: -1}) })
	mustPanic(t, "negative MaxIter", func() { cluster.KMeans(x, 2, &cluster.Config{MaxIter: -1}) })
	mustPanic(t, "negative Tol", func() { cluster.KMeans(x, 2, &cluster.Config{Tol: -1}) })
	mustPanic(t, "NaN Tol", func() { cluster.KMeans(x, 2, &cluster.Config{Tol: math.NaN()}) })
}

func TestKMeansMaxIter(t *testing.T) {
	x, _ := blobs(3, 4, []int{500, 500, 500}, 1, 1)
	res, err := cluster.KMeans(x, 3, &cluster.Config{MaxIter: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Iterations > 2 {
		t.Errorf("Iterations = %d, want <= 2", res.Iterations)
	}
}

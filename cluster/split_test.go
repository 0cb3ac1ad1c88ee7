package cluster_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/useful-pipeline/useful-pipeline/cluster"
)

// splitData builds a dataset with numClasses classes over dim logits. Classes
// listed in blobsOf have two well-separated blobs: blob 0 around +5 and blob 1
// around -5 in every coordinate, with losses lossOf[c][blob]. Example classes
// and blobs are interleaved pseudo-randomly. It returns, per class, the
// dataset indices in blob 1.
func splitData(seed uint64, dim int, numClasses int, perClass map[int][2]int, lossOf map[int][2]float64) (*mat.Dense, []int32, []float64, map[int][]int) {
	rng := rand.New(rand.NewPCG(seed, 3))
	type ex struct{ class, blob int }
	var exs []ex
	for c := range numClasses {
		for b := range 2 {
			for range perClass[c][b] {
				exs = append(exs, ex{c, b})
			}
		}
	}
	rng.Shuffle(len(exs), func(i, j int) { exs[i], exs[j] = exs[j], exs[i] })
	logits := mat.NewDense(len(exs), dim, nil)
	labels := make([]int32, len(exs))
	losses := make([]float64, len(exs))
	blob1 := map[int][]int{}
	for i, e := range exs {
		centre := 5.0
		if e.blob == 1 {
			centre = -5
			blob1[e.class] = append(blob1[e.class], i)
		}
		for t := range dim {
			logits.Set(i, t, centre+float64(e.class)+0.5*rng.NormFloat64())
		}
		labels[i] = int32(e.class)
		losses[i] = lossOf[e.class][e.blob]
	}
	return logits, labels, losses, blob1
}

func TestSplitClassesSlow(t *testing.T) {
	// Class 0: blob 1 (40 examples) has loss 2.0, blob 0 (60) has 0.1.
	// Class 1: the other way round. Class 2 has one example, class 3 none,
	// class 4 all examples at the same logits.
	perClass := map[int][2]int{0: {60, 40}, 1: {30, 70}, 2: {1, 0}, 4: {0, 0}}
	lossOf := map[int][2]float64{0: {0.1, 2.0}, 1: {2.0, 0.1}, 2: {3, 0}}
	logits, labels, losses, blob1 := splitData(1, 10, 4, perClass, lossOf)
	// Append five identical rows of class 4 with differing losses.
	n, dim := logits.Dims()
	ext := mat.NewDense(n+5, dim, nil)
	ext.Slice(0, n, 0, dim).(*mat.Dense).Copy(logits)
	for i := n; i < n+5; i++ {
		for t := range dim {
			ext.Set(i, t, 0.25)
		}
		labels = append(labels, 4)
		losses = append(losses, float64(i-n))
	}
	splits, err := cluster.SplitClasses(ext, labels, losses, 5, &cluster.Config{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if len(splits) != 5 {
		t.Fatalf("%d splits, want 5", len(splits))
	}
	for c, sp := range splits {
		if sp.Class != c {
			t.Errorf("splits[%d].Class = %d", c, sp.Class)
		}
		if !slices.IsSorted(sp.Members) || len(sp.Assign) != len(sp.Members) {
			t.Errorf("class %d: members %v not increasing or Assign length %d", c, sp.Members, len(sp.Assign))
		}
		for _, i := range sp.Members {
			if labels[i] != int32(c) {
				t.Errorf("class %d: member %d has label %d", c, i, labels[i])
			}
		}
	}

	// Class 0: blob 1 (loss 2.0) is slow.
	if !slices.Equal(splits[0].Slow, blob1[0]) {
		t.Errorf("class 0: Slow = %v, want blob 1 %v", splits[0].Slow, blob1[0])
	}
	// Class 1: blob 0 (loss 2.0) is slow: the members not in blob 1.
	var want1 []int
	for _, i := range splits[1].Members {
		if !slices.Contains(blob1[1], i) {
			want1 = append(want1, i)
		}
	}
	if !slices.Equal(splits[1].Slow, want1) {
		t.Errorf("class 1: Slow = %v, want blob 0 %v", splits[1].Slow, want1)
	}
	for _, c := range []int{0, 1} {
		sp := splits[c]
		slow := sp.SlowCluster
		if slow < 0 || math.Abs(sp.MeanLoss[slow]-2.0) > 1e-12 || math.Abs(sp.MeanLoss[1-slow]-0.1) > 1e-12 {
			t.Errorf("class %d: SlowCluster %d, MeanLoss %v", c, slow, sp.MeanLoss)
		}
		first := sp.Assign[0]
		if first != 0 {
			t.Errorf("class %d: first member in cluster %d, want canonical 0", c, first)
		}
		if sp.Sizes[0]+sp.Sizes[1] != len(sp.Members) || sp.Sizes[slow] != len(sp.Slow) {
			t.Errorf("class %d: Sizes %v, %d members, %d slow", c, sp.Sizes, len(sp.Members), len(sp.Slow))
		}
	}
	// Class 2: single example, no split.
	if sp := splits[2]; len(sp.Members) != 1 || sp.Assign[0] != 0 || sp.Sizes != [2]int{1, 0} ||
		sp.SlowCluster != -1 || len(sp.Slow) != 0 || sp.MeanLoss != [2]float64{3, 0} {
		t.Errorf("single-example class: %+v", sp)
	}
	// Class 3: no examples.
	if sp := splits[3]; len(sp.Members) != 0 || len(sp.Assign) != 0 || sp.Sizes != [2]int{} ||
		sp.SlowCluster != -1 || len(sp.Slow) != 0 {
		t.Errorf("empty class: %+v", sp)
	}
	// Class 4: identical logits, no split even though losses differ.
	if sp := splits[4]; len(sp.Members) != 5 || sp.Sizes != [2]int{5, 0} || sp.SlowCluster != -1 ||
		len(sp.Slow) != 0 || sp.MeanLoss[0] != 2 {
		t.Errorf("identical-logit class: %+v", sp)
	}

	want := append(slices.Clone(splits[0].Slow), splits[1].Slow...)
	if got := cluster.SlowIndices(splits); !slices.Equal(got, want) {
		t.Errorf("SlowIndices = %v, want %v", got, want)
	}
}

// TestSplitClassesSlowIndex makes blob 1 hold the class's first example, so
// the slow cluster is canonical cluster 0, and the reverse, so both values
// of SlowCluster are exercised.
func TestSplitClassesSlowIndex(t *testing.T) {
	logits := mat.NewDense(6, 1, []float64{0, 0.1, 0.2, 9, 9.1, 9.2})
	labels := []int32{0, 0, 0, 0, 0, 0}
	for _, tc := range []struct {
		losses []float64
		slow   int
		want   []int
	}{
		{[]float64{2, 2, 2, 0.1, 0.1, 0.1}, 0, []int{0, 1, 2}},
		{[]float64{0.1, 0.1, 0.1, 2, 2, 2}, 1, []int{3, 4, 5}},
	} {
		splits, err := cluster.SplitClasses(logits, labels, tc.losses, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sp := splits[0]; sp.SlowCluster != tc.slow || !slices.Equal(sp.Slow, tc.want) {
			t.Errorf("losses %v: SlowCluster %d Slow %v, want %d %v", tc.losses, sp.SlowCluster, sp.Slow, tc.slow, tc.want)
		}
	}
}

// TestSplitClassesTie: equal losses in both clusters give no split, even
// when the cluster means differ in the last bit because the clusters have
// different sizes ((0.1+0.1+0.1)/3 is 0.10000000000000002).
func TestSplitClassesTie(t *testing.T) {
	logits := mat.NewDense(8, 1, []float64{0, 0.1, 0.2, 9, 9.1, 9.2, 9.3, 9.4})
	labels := make([]int32, 8)
	losses := []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}
	splits, err := cluster.SplitClasses(logits, labels, losses, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	sp := splits[0]
	if sp.Sizes != [2]int{3, 5} {
		t.Fatalf("Sizes %v, want [3 5]", sp.Sizes)
	}
	// Premise: summing 0.1 three times and dividing by 3 is not 0.1, so an
	// exact comparison of the means would see a (meaningless) difference.
	if sp.MeanLoss[0] == sp.MeanLoss[1] {
		t.Fatalf("test premise: MeanLoss %v should differ in the last bit", sp.MeanLoss)
	}
	if sp.SlowCluster != -1 || len(sp.Slow) != 0 {
		t.Errorf("tied losses %v: SlowCluster %d Slow %v; want -1, none", sp.MeanLoss, sp.SlowCluster, sp.Slow)
	}
	if got := cluster.SlowIndices(splits); len(got) != 0 {
		t.Errorf("SlowIndices = %v, want empty", got)
	}
}

func TestSplitClassesDeterministic(t *testing.T) {
	perClass := map[int][2]int{0: {900, 800}, 1: {700, 1200}, 2: {500, 500}}
	lossOf := map[int][2]float64{0: {0.2, 1}, 1: {1, 0.2}, 2: {0.5, 0.7}}
	logits, labels, losses, _ := splitData(4, 20, 3, perClass, lossOf)
	// Blur the blobs so the clustering has real work to do.
	rng := rand.New(rand.NewPCG(8, 8))
	raw := logits.RawMatrix()
	for i := range raw.Data {
		raw.Data[i] += 6 * rng.NormFloat64()
	}
	cfg := &cluster.Config{Seed: 77, Restarts: 4}
	old := runtime.GOMAXPROCS(1)
	a, err := cluster.SplitClasses(logits, labels, losses, 3, cfg)
	runtime.GOMAXPROCS(2)
	b, _ := cluster.SplitClasses(logits, labels, losses, 3, cfg)
	runtime.GOMAXPROCS(old)
	if err != nil {
		t.Fatal(err)
	}
	for c := range a {
		if !slices.Equal(a[c].Assign, b[c].Assign) || !slices.Equal(a[c].Slow, b[c].Slow) ||
			a[c].MeanLoss != b[c].MeanLoss || a[c].SlowCluster != b[c].SlowCluster {
			t.Errorf("class %d differs between runs", c)
		}
	}
}

func TestSplitClassesErrors(t *testing.T) {
	base := func() (*mat.Dense, []int32, []float64) {
		return mat.NewDense(4, 2, []float64{0, 0, 1, 1, 5, 5, 6, 6}), []int32{0, 1, 0, 1}, []float64{1, 1, 1, 1}
	}
	for _, tc := range []struct {
		name   string
		modify func(*mat.Dense, []int32, []float64)
		want   string
	}{
		{"NaN logit", func(x *mat.Dense, _ []int32, _ []float64) { x.Set(3, 1, math.NaN()) }, "row 3, column 1: logit NaN is not finite"},
		{"Inf logit", func(x *mat.Dense, _ []int32, _ []float64) { x.Set(2, 0, math.Inf(-1)) }, "row 2, column 0: logit -Inf is not finite"},
		{"huge logit", func(x *mat.Dense, _ []int32, _ []float64) { x.Set(1, 0, 1e200) }, "row 1, column 0: logit 1e+200 exceeds"},
		{"NaN loss", func(_ *mat.Dense, _ []int32, l []float64) { l[2] = math.NaN() }, "row 2: loss NaN is not finite"},
		{"Inf loss", func(_ *mat.Dense, _ []int32, l []float64) { l[1] = math.Inf(1) }, "row 1: loss +Inf is not finite"},
		{"label high", func(_ *mat.Dense, y []int32, _ []float64) { y[3] = 2 }, "row 3: label 2 outside [0, 2)"},
		{"label negative", func(_ *mat.Dense, y []int32, _ []float64) { y[0] = -1 }, "row 0: label -1 outside [0, 2)"},
	} {
		x, y, l := base()
		tc.modify(x, y, l)
		_, err := cluster.SplitClasses(x, y, l, 2, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestSplitClassesEmpty(t *testing.T) {
	splits, err := cluster.SplitClasses(&mat.Dense{}, nil, nil, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(splits) != 3 {
		t.Fatalf("%d splits, want 3", len(splits))
	}
	for c, sp := range splits {
		if sp.Class != c || len(sp.Members) != 0 || sp.SlowCluster != -1 {
			t.Errorf("class %d: %+v", c, sp)
		}
	}
	if got := cluster.SlowIndices(nil); len(got) != 0 {
		t.Errorf("SlowIndices(nil) = %v", got)
	}
}

func TestSplitClassesPanics(t *testing.T) {
	x := mat.NewDense(2, 1, []float64{0, 1})
	mustPanic(t, "nil logits", func() { cluster.SplitClasses(nil, nil, nil, 2, nil) })
	mustPanic(t, "numClasses 0", func() { cluster.SplitClasses(x, []int32{0, 0}, []float64{1, 1}, 0, nil) })
	mustPanic(t, "short labels", func() { cluster.SplitClasses(x, []int32{0}, []float64{1, 1}, 2, nil) })
	mustPanic(t, "long losses", func() { cluster.SplitClasses(x, []int32{0, 1}, []float64{1, 1, 1}, 2, nil) })
	mustPanic(t, "bad config", func() { cluster.SplitClasses(x, []int32{0, 1}, []float64{1, 1}, 2, &cluster.Config{MaxIter: -3}) })
}

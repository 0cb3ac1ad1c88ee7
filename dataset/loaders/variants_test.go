package loaders

import (
	"math"
	"slices"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// synth returns a dataset of n examples of shape [2 1 1] with label
// (i*3)%classes... interleaved, and Images[2i] = i, Images[2i+1] = -i.
func synth(n, classes int) *dataset.Dataset {
	ds := &dataset.Dataset{Name: "synth", Shape: []int{2, 1, 1}, NumClasses: classes, Images: make([]float32, 2*n), Labels: make([]int32, n)}
	for i := range n {
		ds.Labels[i] = int32((i * 7) % classes)
		ds.Images[2*i], ds.Images[2*i+1] = float32(i), -float32(i)
	}
	return ds
}

func TestLongTailCounts(t *testing.T) {
	got, err := LongTailCounts(5000, 10, 10)
	if err != nil {
		t.Fatal(err)
	}
	// CIFAR-10-LT, imbalance ratio 10 (Cao et al. 2019): 20431 images.
	want := []int{5000, 3871, 2997, 2320, 1796, 1391, 1077, 834, 645, 500}
	if !slices.Equal(got, want) {
		t.Errorf("counts %v, want %v", got, want)
	}
	got, _ = LongTailCounts(500, 100, 10)
	sum := 0
	for _, n := range got {
		sum += n
	}
	if sum != 19573 || got[0] != 500 || got[1] != 488 || got[99] != 50 { // CIFAR-100-LT, ratio 10
		t.Errorf("CIFAR-100 counts sum %d, %v", sum, got[:3])
	}
	got, _ = LongTailCounts(5000, 10, 100)
	if got[9] != 50 || got[1] != 2997 {
		t.Errorf("ratio 100: %v", got)
	}
	got, _ = LongTailCounts(5, 3, 1e9)
	if !slices.Equal(got, []int{5, 1, 1}) {
		t.Errorf("extreme ratio: %v, want at least 1 per class", got)
	}
	for _, r := range []float64{0.5, 0, -1, math.NaN(), math.Inf(1)} {
		if _, err := LongTailCounts(10, 10, r); err == nil {
			t.Errorf("ratio %v: no error", r)
		}
	}
}

func TestLongTail(t *testing.T) {
	ds := synth(1000, 10) // 100 per class, interleaved
	lt, err := LongTail(ds, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := lt.Validate(); err != nil {
		t.Fatal(err)
	}
	quota, _ := LongTailCounts(100, 10, 10)
	counts := make([]int, 10)
	for _, l := range lt.Labels {
		counts[l]++
	}
	if !slices.Equal(counts, quota) {
		t.Fatalf("class counts %v, want %v", counts, quota)
	}
	keep, _ := LongTailIndices(ds, 10)
	if len(keep) != lt.Len() || !slices.IsSorted(keep) {
		t.Fatal("indices not sorted or wrong length")
	}
	// The kept examples of each class are its first ones in file order.
	seen := make([]int, 10)
	for i, l := range ds.Labels {
		in := slices.Contains(keep, i)
		if want := seen[l] < quota[l]; in != want {
			t.Fatalf("example %d (class %d, %d-th): kept %v, want %v", i, l, seen[l], in, want)
		}
		seen[l]++
	}
	for j, i := range keep {
		if lt.Labels[j] != ds.Labels[i] || lt.Images[2*j] != float32(i) || lt.Images[2*j+1] != -float32(i) {
			t.Fatalf("example %d is not a copy of %d", j, i)
		}
	}
	if lt.Name != "synth/longtail-r10" {
		t.Errorf("name %q", lt.Name)
	}
	lt.Images[0] = 42
	if ds.Images[0] == 42 {
		t.Error("LongTail aliases the input images")
	}
	// Deterministic.
	lt2, _ := LongTail(ds, 10)
	lt2.Images[0] = 42
	if !slices.Equal(lt.Images, lt2.Images) || !slices.Equal(lt.Labels, lt2.Labels) {
		t.Error("not deterministic")
	}
	// Ratio 1 keeps everything.
	all, _ := LongTail(ds, 1)
	if all.Len() != ds.Len() {
		t.Errorf("ratio 1 kept %d of %d", all.Len(), ds.Len())
	}
	if _, err := LongTail(ds, 0.5); err == nil {
		t.Error("ratio 0.5: no error")
	}
	bad := synth(10, 3)
	bad.Labels[4] = 3
	if _, err := LongTail(bad, 10); err == nil {
		t.Error("invalid dataset: no error")
	}
}

func TestLongTailCIFARFixture(t *testing.T) {
	sp, err := LoadCIFAR10(loaderstest.Path("cifar10"))
	if err != nil {
		t.Fatal(err)
	}
	lt, err := LongTail(sp.Train, 10) // 10 per class
	if err != nil {
		t.Fatal(err)
	}
	want, _ := LongTailCounts(10, 10, 10)
	for c, idx := range lt.ClassIndices() {
		if len(idx) != want[c] {
			t.Errorf("class %d: %d examples, want %d", c, len(idx), want[c])
		}
	}
}

func TestLabelNoise(t *testing.T) {
	ds := synth(1000, 10)
	noisy, flipped, err := LabelNoise(ds, 0.2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := noisy.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(flipped) != 200 || !slices.IsSorted(flipped) || len(slices.Compact(slices.Clone(flipped))) != 200 {
		t.Fatalf("flipped %d indices (sorted %v)", len(flipped), slices.IsSorted(flipped))
	}
	isFlipped := make([]bool, ds.Len())
	for _, i := range flipped {
		isFlipped[i] = true
	}
	for i := range ds.Len() {
		if isFlipped[i] == (noisy.Labels[i] == ds.Labels[i]) {
			t.Fatalf("example %d: flipped %v, label %d -> %d", i, isFlipped[i], ds.Labels[i], noisy.Labels[i])
		}
	}
	if !slices.Equal(noisy.Images, ds.Images) || noisy.Name != "synth/noise-p0.2-s1" {
		t.Errorf("images changed or name %q", noisy.Name)
	}
	noisy.Images[0] = 42
	if ds.Images[0] == 42 {
		t.Error("LabelNoise aliases the input images")
	}
	// Deterministic in the seed, different across seeds.
	n2, f2, _ := LabelNoise(ds, 0.2, 1)
	if !slices.Equal(f2, flipped) || !slices.Equal(n2.Labels, noisy.Labels) {
		t.Error("same seed, different result")
	}
	_, f3, _ := LabelNoise(ds, 0.2, 2)
	if slices.Equal(f3, flipped) {
		t.Error("different seeds, same flips")
	}
	// p = 0 and p = 1.
	if n0, f0, _ := LabelNoise(ds, 0, 1); len(f0) != 0 || !slices.Equal(n0.Labels, ds.Labels) {
		t.Error("p=0 flipped labels")
	}
	if _, f1, _ := LabelNoise(ds, 1, 1); len(f1) != ds.Len() {
		t.Error("p=1 did not flip all")
	}
	for _, p := range []float64{-0.1, 1.5, math.NaN()} {
		if _, _, err := LabelNoise(ds, p, 1); err == nil {
			t.Errorf("p=%v: no error", p)
		}
	}
}

func TestLabelNoiseUniform(t *testing.T) {
	const n, C = 90000, 10
	ds := synth(n, C)
	noisy, _, err := LabelNoise(ds, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	var pairs [C][C]int
	for i := range n {
		pairs[ds.Labels[i]][noisy.Labels[i]]++
	}
	want := float64(n) / C / (C - 1) // 1000
	for a := range C {
		for b := range C {
			got := pairs[a][b]
			if a == b {
				if got != 0 {
					t.Errorf("%d labels %d -> %d", got, a, b)
				}
				continue
			}
			if math.Abs(float64(got)-want) > 5*math.Sqrt(want) {
				t.Errorf("%d -> %d: %d flips, want about %v", a, b, got, want)
			}
		}
	}
	// Flipped positions are uniform: each tenth of the data gets about p*N/10.
	_, flipped, _ := LabelNoise(ds, 0.3, 9)
	var tenths [10]int
	for _, i := range flipped {
		tenths[i*10/n]++
	}
	for k, got := range tenths {
		if math.Abs(float64(got)-2700) > 5*math.Sqrt(2700) {
			t.Errorf("tenth %d: %d flips, want about 2700", k, got)
		}
	}
}

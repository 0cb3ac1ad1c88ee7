package stages

import (
	"slices"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// tiny is a 2-class set of 8 examples: labels 0 1 0 1 0 1 0 0 (class 0:
// examples 0, 2, 4, 6, 7; class 1: examples 1, 3, 5).
func tiny() *dataset.Dataset {
	return &dataset.Dataset{Name: "tiny", Shape: []int{1}, NumClasses: 2,
		Images: make([]float32, 8), Labels: []int32{0, 1, 0, 1, 0, 1, 0, 0}}
}

// TestQuantileSelection: the examples above their class's median loss.
// Class 0 losses (ex 0, 2, 4, 6, 7) = 0.5, 0.1, 0.9, 0.3, 0.7: sorted 0.1
// 0.3 0.5 0.7 0.9, median 0.5 (odd count), above it: ex 4 (0.9) and 7
// (0.7). Class 1 losses (ex 1, 3, 5) = 2, 1, 3: median 2, above it: ex 5.
// An even count takes the mean of the middle two: see the second case.
func TestQuantileSelection(t *testing.T) {
	loss := []float32{0.5, 2, 0.1, 1, 0.9, 3, 0.3, 0.7}
	if got, want := aboveClassMedian(tiny(), loss), []int{4, 5, 7}; !slices.Equal(got, want) {
		t.Fatalf("quantile = %v, want %v", got, want)
	}
	// Class 1 with 4 examples (ex 1, 3, 5, 6) losses 1, 4, 2, 3: middle
	// two 2 and 3, median 2.5, above it ex 3 (4) and 6 (3); class 0 (ex 0,
	// 2, 4, 7) losses 5, 5, 5, 5: median 5, none above (ties stay).
	ds := tiny()
	ds.Labels = []int32{0, 1, 0, 1, 0, 1, 1, 0}
	loss = []float32{5, 1, 5, 4, 5, 2, 3, 5}
	if got, want := aboveClassMedian(ds, loss), []int{3, 6}; !slices.Equal(got, want) {
		t.Fatalf("quantile (even counts, ties) = %v, want %v", got, want)
	}
}

// TestMisclassifiedSelection: argmax of the logits differs from the label;
// a tie goes to the first class (row 3: [1, 1] -> class 0, label 1).
func TestMisclassifiedSelection(t *testing.T) {
	logits := []float32{
		2, 1, // ex 0, label 0: 0, right
		0, 3, // ex 1, label 1: 1, right
		-1, 0, // ex 2, label 0: 1, wrong
		1, 1, // ex 3, label 1: tie -> 0, wrong
		5, 4, // ex 4, label 0: right
		7, -7, // ex 5, label 1: wrong
		0, 0.5, // ex 6, label 0: wrong
		3, 2, // ex 7, label 0: right
	}
	if got, want := misclassified(tiny(), logits), []int{2, 3, 5, 6}; !slices.Equal(got, want) {
		t.Fatalf("misclassified = %v, want %v", got, want)
	}
}

// TestRandomSelection: per class as many examples as the slow cluster
// holds, drawn from that class, sorted, the same for a seed. With the slow
// set {0, 2, 1} (class 0: two, class 1: one) every draw has two of class
// 0's five and one of class 1's three; a slow set holding a whole class
// draws the whole class.
func TestRandomSelection(t *testing.T) {
	ds := tiny()
	slow := []int{0, 2, 1}
	seen := map[string]bool{}
	for seed := uint64(0); seed < 20; seed++ {
		got := randomLike(ds, slow, seed)
		if !slices.Equal(got, randomLike(ds, slow, seed)) {
			t.Fatalf("seed %d: two draws differ", seed)
		}
		if !slices.IsSorted(got) || len(got) != 3 {
			t.Fatalf("seed %d: %v", seed, got)
		}
		per := [2]int{}
		for _, i := range got {
			per[ds.Labels[i]]++
		}
		if per != [2]int{2, 1} || len(slices.Compact(slices.Clone(got))) != 3 {
			t.Fatalf("seed %d: %v has per-class counts %v, want [2 1] without repeats", seed, got, per)
		}
		seen[string(rune(got[0]))+string(rune(got[1]))+string(rune(got[2]))] = true
	}
	if len(seen) < 5 {
		t.Fatalf("20 seeds gave only %d different selections", len(seen))
	}
	if got, want := randomLike(ds, []int{1, 3, 5}, 7), []int{1, 3, 5}; !slices.Equal(got, want) {
		t.Fatalf("whole class 1: %v, want %v", got, want)
	}
	if got := randomLike(ds, nil, 7); len(got) != 0 {
		t.Fatalf("empty slow set: %v", got)
	}
}

// TestUpweightSelection: the slow cluster itself, its loss weight the
// factor and every other example's 1; the list is every example once.
func TestUpweightSelection(t *testing.T) {
	if got, want := upweights(6, []int{1, 4}, 3), []float32{1, 3, 1, 1, 3, 1}; !slices.Equal(got, want) {
		t.Fatalf("upweights = %v, want %v", got, want)
	}
}

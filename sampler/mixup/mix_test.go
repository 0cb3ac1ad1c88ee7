package mixup

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestDrawAndMix: alpha <= 0 draws no lambda (1, and the generator only
// gives the permutation); Mix overwrites soft and panics on a bad label.
// (The mixing maths and the Beta moments are tested in package augment,
// whose MixUp and Beta call these.)
func TestDrawAndMix(t *testing.T) {
	l, perm := Draw(rand.New(rand.NewPCG(1, 2)), 5, 0)
	if want := rand.New(rand.NewPCG(1, 2)).Perm(5); l != 1 || !slices.Equal(perm, want) {
		t.Errorf("alpha 0: lambda %v perm %v, want 1 and %v", l, perm, want)
	}
	images := []float32{1, 2, 3, 4}
	mixed, soft := make([]float32, 4), []float32{9, 9, 9, 9, 9, 9}
	Mix(mixed, soft, images, []int32{0, 2}, 2, 3, 0.5, []int{1, 0})
	if !slices.Equal(mixed, []float32{2, 3, 2, 3}) || !slices.Equal(soft, []float32{0.5, 0, 0.5, 0.5, 0, 0.5}) {
		t.Errorf("mixed %v soft %v", mixed, soft)
	}
	defer func() {
		if recover() == nil {
			t.Error("label 3 of 3 classes: no panic")
		}
	}()
	Mix(mixed, soft, images, []int32{0, 3}, 2, 3, 0.5, []int{1, 0})
}

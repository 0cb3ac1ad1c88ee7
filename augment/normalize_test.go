package augment

import (
	"math/rand/v2"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// TestNormalize checks per-channel normalisation and its panics.
func TestNormalize(t *testing.T) {
	n := Normalize{Mean: []float32{0.5, 0.25}, Std: []float32{0.5, 0.25}}
	x := []float32{0, 0, 1, 0.5, 0.5, 0.25}
	n.Augment(nil, x)
	assertClose(t, "Normalize", x, []float32{-1, -1, 1, 1, 0, 0}, 1e-7)
	mustPanic(t, "length", func() { n.Augment(nil, make([]float32, 3)) })
	mustPanic(t, "std count", func() { Normalize{Mean: []float32{0}, Std: nil}.Augment(nil, x) })
	mustPanic(t, "zero std", func() { Normalize{Mean: []float32{0}, Std: []float32{0}}.Augment(nil, x) })
}

// TestChain checks the order, copying and determinism of Chain.
func TestChain(t *testing.T) {
	var order []int
	step := func(k int) sampler.Augmenter {
		return sampler.AugmentFunc(func(rng *rand.Rand, x []float32) {
			order = append(order, k)
			x[0] = x[0]*10 + float32(k)
		})
	}
	augs := []sampler.Augmenter{step(1), step(2), step(3)}
	ch := Chain(augs...)
	augs[0] = step(9) // Chain keeps its own copy
	x := []float32{0}
	ch.Augment(rand.New(rand.NewPCG(1, 2)), x)
	if x[0] != 123 || len(order) != 3 {
		t.Errorf("chain result %v order %v, want 123 and [1 2 3]", x[0], order)
	}
	mustPanic(t, "nil", func() { Chain(step(1), nil) })

	// A realistic chain is deterministic in the generator.
	full := Chain(CropFlip{H: 8, W: 8, C: 3, Pad: 2}, TrivialAugmentWide{H: 8, W: 8, C: 3},
		Normalize{Mean: []float32{0.5, 0.5, 0.5}, Std: []float32{0.25, 0.25, 0.25}})
	a, b := randomImage(192, 1), randomImage(192, 1)
	full.Augment(rand.New(rand.NewPCG(3, 4)), a)
	full.Augment(rand.New(rand.NewPCG(3, 4)), b)
	assertClose(t, "chain determinism", a, b, 0)
}

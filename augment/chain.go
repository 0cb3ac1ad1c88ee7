package augment

import (
	"fmt"
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// chain applies its augmenters in order. It also holds the plan of its
// fused pixel path (see AugmentPixels), made once by Chain.
type chain struct {
	augs []sampler.Augmenter
	// crop is a leading CropFlip, done while converting pixels.
	crop *CropFlip
	// tab converts a pixel of channel k to its float32 value, normalised
	// when a Normalize is fused: tab[k*stride+v]. stride is 0 when every
	// channel shares dataset.PixelValue, 256 when a Normalize is fused
	// (norm > 0 channels).
	tab    []float32
	stride int
	norm   int
	// rest are the augmenters that run in place after the fused part.
	rest []sampler.Augmenter
}

// Chain returns an [sampler.Augmenter] that applies augs to the example in
// order, all drawing from the same generator (so the result is as
// deterministic as each of them). It keeps its own copy of the list and panics
// if an element is nil. The result is also a [sampler.PixelAugmenter] and a
// [sampler.CopyAugmenter].
func Chain(augs ...sampler.Augmenter) sampler.Augmenter {
	for i, a := range augs {
		if a == nil {
			panic(fmt.Sprintf("augment: Chain: augmenter %d is nil", i))
		}
	}
	ch := &chain{augs: append([]sampler.Augmenter(nil), augs...), tab: dataset.PixelValue[:]}
	i := 0
	if len(augs) > 0 {
		if cf, ok := augs[0].(CropFlip); ok {
			ch.crop = &cf
			i = 1
		}
	}
	if i < len(augs) {
		if n, ok := augs[i].(Normalize); ok && n.valid() && (ch.crop == nil || len(n.Mean) == ch.crop.C) {
			ch.tab, ch.stride, ch.norm = normalizeTable(n), 256, len(n.Mean)
			i++
		}
	}
	ch.rest = ch.augs[i:]
	return ch
}

// Augment applies each augmenter of the chain to x in turn.
func (ch *chain) Augment(rng *rand.Rand, x []float32) {
	for _, a := range ch.augs {
		a.Augment(rng, x)
	}
}

// normalizeTable returns the values (PixelValue[v]-Mean[k])/Std[k] at
// [k*256+v], computed with the float32 operations of Normalize.Augment.
func normalizeTable(n Normalize) []float32 {
	t := make([]float32, 256*len(n.Mean))
	for k, m := range n.Mean {
		s := n.Std[k]
		for v, x := range dataset.PixelValue {
			t[k*256+v] = (x - m) / s
		}
	}
	return t
}

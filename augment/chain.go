package augment

import (
	"fmt"
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// chain applies its augmenters in order.
type chain []sampler.Augmenter

// Chain returns an [sampler.Augmenter] that applies augs to the example in
// order, all drawing from the same generator (so the result is as
// deterministic as each of them). It keeps its own copy of the list and panics
// if an element is nil.
func Chain(augs ...sampler.Augmenter) sampler.Augmenter {
	for i, a := range augs {
		if a == nil {
			panic(fmt.Sprintf("augment: Chain: augmenter %d is nil", i))
		}
	}
	return chain(append([]sampler.Augmenter(nil), augs...))
}

// Augment applies each augmenter of the chain to x in turn.
func (ch chain) Augment(rng *rand.Rand, x []float32) {
	for _, a := range ch {
		a.Augment(rng, x)
	}
}

package augment

import (
	"fmt"
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// Normalize is an [sampler.Augmenter] that standardises each channel:
// x = (x - Mean[c]) / Std[c], as torchvision's Normalize does, for an HWC
// image whose channel count is len(Mean). It draws nothing from rng.
//
// Use it last in a [Chain]: the other augmenters of this package expect values
// in [0,1].
type Normalize struct {
	// Mean holds one value per channel.
	Mean []float32
	// Std holds one non-zero value per channel; len(Std) must equal len(Mean).
	Std []float32
}

// Normalize implements sampler.Augmenter.
var _ sampler.Augmenter = Normalize{}

// Augment normalises x in place. It panics if Mean is empty, if Mean and Std
// differ in length, if a Std is zero, or if len(x) is not a multiple of the
// channel count.
func (n Normalize) Augment(_ *rand.Rand, x []float32) {
	c := len(n.Mean)
	if c == 0 || len(n.Std) != c {
		panic(fmt.Sprintf("augment: Normalize: need one Mean and one Std per channel, got %d and %d", len(n.Mean), len(n.Std)))
	}
	if len(x)%c != 0 {
		panic(fmt.Sprintf("augment: Normalize: image has %d values, not a multiple of %d channels", len(x), c))
	}
	for ch, s := range n.Std {
		if s == 0 {
			panic(fmt.Sprintf("augment: Normalize: Std[%d] is zero", ch))
		}
		m := n.Mean[ch]
		for i := ch; i < len(x); i += c {
			x[i] = (x[i] - m) / s
		}
	}
}

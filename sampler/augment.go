package sampler

import "math/rand/v2"

// Augmenter transforms one example in place, as the random part of the map
// step (flips, crops, noise...).
//
// x holds the ExampleSize() values of one example in the layout of the
// dataset's Shape; it is a row of the batch being assembled, owned by the
// sampler, and must not be retained after Augment returns. rng is seeded from
// (Config.Seed, epoch, position of the example in the epoch), so the output
// does not depend on which worker runs it or when; to keep that guarantee an
// Augmenter must draw all its randomness from rng and must not keep rng.
//
// Augment is called concurrently from several worker goroutines (with
// different x and rng), so it must not modify shared state. A panic in Augment
// does not crash the program: it ends the epoch and [Iterator.Next] returns it
// as an error.
type Augmenter interface {
	Augment(rng *rand.Rand, x []float32)
}

// AugmentFunc adapts a function to the [Augmenter] interface.
type AugmentFunc func(rng *rand.Rand, x []float32)

var _ Augmenter = AugmentFunc(nil)

// Augment calls f(rng, x).
func (f AugmentFunc) Augment(rng *rand.Rand, x []float32) { f(rng, x) }

// CopyAugmenter is an [Augmenter] that can also write the augmented example
// straight from the dataset's values, saving the copy and extra passes over
// the example. AugmentCopy(rng, dst, src) must leave dst exactly as
// copy(dst, src) followed by Augment(rng, dst) would, drawing the same values
// from rng; src must not be modified. The sampler uses it when the Augmenter
// has it.
type CopyAugmenter interface {
	Augmenter
	AugmentCopy(rng *rand.Rand, dst, src []float32)
}

// PixelAugmenter is an [Augmenter] that can also write the augmented example
// straight from a dataset's pixels (dataset.Dataset.Pixels), converting
// them to float32 in the same pass. AugmentPixels(rng, dst, src) must leave
// dst exactly as dst[i] = float32(src[i])/255 followed by Augment(rng, dst)
// would, drawing the same values from rng; src must not be modified. The
// sampler uses it for a pixel dataset when the Augmenter has it, and
// otherwise converts the pixels and calls Augment.
type PixelAugmenter interface {
	Augmenter
	AugmentPixels(rng *rand.Rand, dst []float32, src []uint8)
}

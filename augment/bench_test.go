package augment

import (
	"math/rand/v2"
	"testing"
)

// benchAugment times aug on a fresh copy of a random 32x32x3 image per
// iteration (as the sampler hands it a freshly copied row) and reports
// images per second.
func benchAugment(b *testing.B, aug interface {
	Augment(*rand.Rand, []float32)
}) {
	src := randomImage(32*32*3, 1)
	x := make([]float32, len(src))
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		copy(x, src)
		aug.Augment(rng, x)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkTrivialAugment32x32x3 times TrivialAugmentWide on a CIFAR-sized image.
func BenchmarkTrivialAugment32x32x3(b *testing.B) {
	benchAugment(b, TrivialAugmentWide{H: 32, W: 32, C: 3})
}

// BenchmarkCropFlip32x32x3 times CropFlip with padding 4 on a CIFAR-sized image.
func BenchmarkCropFlip32x32x3(b *testing.B) {
	benchAugment(b, CropFlip{H: 32, W: 32, C: 3, Pad: 4})
}

// BenchmarkOps32x32x3 times each TrivialAugmentWide op in place at a middle
// magnitude.
func BenchmarkOps32x32x3(b *testing.B) {
	src := randomImage(32*32*3, 1)
	x := make([]float32, len(src))
	for op := range NumOps {
		mag, _, _ := opSpace(Op(op), 15)
		b.Run(Op(op).String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				copy(x, src)
				Apply(Op(op), x, x, 32, 32, 3, mag)
			}
		})
	}
}

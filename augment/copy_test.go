package augment

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// TestAugmentCopyEqualsCopyThenAugment: for random shapes, paddings, seeds
// and chains, AugmentCopy gives bit for bit what copy + Augment gives, and
// leaves the generator in the same state.
func TestAugmentCopyEqualsCopyThenAugment(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	fused := 0
	for trial := range 400 {
		h, w := 1+r.IntN(9), 1+r.IntN(9)
		c := []int{1, 2, 3, 5}[r.IntN(4)]
		pad := r.IntN(5)
		src := make([]float32, h*w*c)
		for i := range src {
			src[i] = float32(r.IntN(256)) / 255
		}
		norm := Normalize{Mean: make([]float32, c), Std: make([]float32, c)}
		for k := range c {
			norm.Mean[k] = r.Float32()
			norm.Std[k] = 0.1 + r.Float32()
		}
		cf := CropFlip{H: h, W: w, C: c, Pad: pad}
		chains := map[string]sampler.Augmenter{
			"cropflip":           cf,
			"chain(cropflip)":    Chain(cf),
			"cropflip+normalize": Chain(cf, norm),
			"normalize+cropflip": Chain(norm, cf),
			"normalize":          Chain(norm),
		}
		if h >= 2 && w >= 2 && (c == 1 || c == 3) {
			chains["cropflip+trivialaugment+normalize"] = Chain(cf, TrivialAugmentWide{H: h, W: w, C: c}, norm)
		}
		for name, aug := range chains {
			seed := uint64(trial)
			want := slices.Clone(src)
			rw := rand.New(rand.NewPCG(seed, 1))
			aug.Augment(rw, want)
			got := make([]float32, len(src))
			rg := rand.New(rand.NewPCG(seed, 1))
			before := slices.Clone(src)
			aug.(sampler.CopyAugmenter).AugmentCopy(rg, got, src)
			if !slices.Equal(src, before) {
				t.Fatalf("%s: AugmentCopy modified src", name)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("trial %d %s %dx%dx%d pad %d: value %d = %v, want %v", trial, name, h, w, c, pad, i, got[i], want[i])
				}
			}
			if rw.Uint64() != rg.Uint64() {
				t.Fatalf("%s: the generators differ afterwards", name)
			}
			fused++
		}
	}
	t.Logf("%d comparisons", fused)
}

// BenchmarkCropFlipNormalize28x28 is the Fashion-MNIST training map per
// example: unfused (copy, crop/flip, normalise) against AugmentCopy.
func BenchmarkCropFlipNormalize28x28(b *testing.B) {
	benchCropFlipNormalize(b, 28, 1)
}

// BenchmarkCropFlipNormalize32x32x3 is the same for CIFAR-sized images.
func BenchmarkCropFlipNormalize32x32x3(b *testing.B) {
	benchCropFlipNormalize(b, 32, 3)
}

func benchCropFlipNormalize(b *testing.B, side, c int) {
	src := make([]float32, side*side*c)
	for i := range src {
		src[i] = float32(i%256) / 255
	}
	norm := Normalize{Mean: make([]float32, c), Std: make([]float32, c)}
	for k := range c {
		norm.Mean[k], norm.Std[k] = 0.3+0.1*float32(k), 0.35
	}
	aug := Chain(CropFlip{H: side, W: side, C: c, Pad: side / 8}, norm)
	dst := make([]float32, len(src))
	rng := rand.New(rand.NewPCG(1, 2))
	b.Run("copy+augment", func(b *testing.B) {
		for b.Loop() {
			copy(dst, src)
			aug.Augment(rng, dst)
		}
	})
	b.Run("augmentcopy", func(b *testing.B) {
		for b.Loop() {
			aug.(sampler.CopyAugmenter).AugmentCopy(rng, dst, src)
		}
	})
}

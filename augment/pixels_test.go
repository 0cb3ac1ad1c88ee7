package augment

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// TestAugmentPixelsEqualsConvertThenAugment: for random shapes, paddings,
// seeds and chains, AugmentPixels gives bit for bit what converting each
// pixel v to float32(v)/255 and then calling Augment gives (the path of a
// float32 dataset of the same values), and leaves the generator in the same
// state.
func TestAugmentPixelsEqualsConvertThenAugment(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for trial := range 400 {
		h, w := 1+r.IntN(9), 1+r.IntN(9)
		c := []int{1, 2, 3, 5}[r.IntN(4)]
		pad := r.IntN(5)
		src := make([]uint8, h*w*c)
		for i := range src {
			src[i] = uint8(r.IntN(256))
		}
		norm := Normalize{Mean: make([]float32, c), Std: make([]float32, c)}
		for k := range c {
			norm.Mean[k] = r.Float32()
			norm.Std[k] = 0.1 + r.Float32()
		}
		cf := CropFlip{H: h, W: w, C: c, Pad: pad}
		augs := map[string]sampler.PixelAugmenter{
			"cropflip":           cf,
			"normalize":          norm,
			"chain()":            Chain().(sampler.PixelAugmenter),
			"chain(cropflip)":    Chain(cf).(sampler.PixelAugmenter),
			"cropflip+normalize": Chain(cf, norm).(sampler.PixelAugmenter),
			"normalize+cropflip": Chain(norm, cf).(sampler.PixelAugmenter),
			"chain(normalize)":   Chain(norm).(sampler.PixelAugmenter),
		}
		if h >= 2 && w >= 2 && (c == 1 || c == 3) {
			ta := TrivialAugmentWide{H: h, W: w, C: c}
			augs["cropflip+trivialaugment+normalize"] = Chain(cf, ta, norm).(sampler.PixelAugmenter)
			augs["trivialaugment+normalize"] = Chain(ta, norm).(sampler.PixelAugmenter)
		}
		for name, aug := range augs {
			seed := uint64(trial)
			want := make([]float32, len(src))
			for i, v := range src {
				want[i] = float32(v) / 255
			}
			rw := rand.New(rand.NewPCG(seed, 1))
			aug.Augment(rw, want)
			got := make([]float32, len(src))
			rg := rand.New(rand.NewPCG(seed, 1))
			before := slices.Clone(src)
			aug.AugmentPixels(rg, got, src)
			if !slices.Equal(src, before) {
				t.Fatalf("%s: AugmentPixels modified src", name)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("trial %d %s %dx%dx%d pad %d: value %d = %v, want %v", trial, name, h, w, c, pad, i, got[i], want[i])
				}
			}
			if rw.Uint64() != rg.Uint64() {
				t.Fatalf("%s: the generators differ afterwards", name)
			}
		}
	}
}

// TestAugmentPixelsPanics: wrong lengths panic as in the float path.
func TestAugmentPixelsPanics(t *testing.T) {
	cf := CropFlip{H: 2, W: 2, C: 3, Pad: 1}
	for name, f := range map[string]func(){
		"cropflip short src": func() { cf.AugmentPixels(rand.New(rand.NewPCG(1, 1)), make([]float32, 12), make([]uint8, 11)) },
		"chain dst mismatch": func() { Chain(cf).(sampler.PixelAugmenter).AugmentPixels(nil, make([]float32, 11), make([]uint8, 12)) },
		"plain dst mismatch": func() { Chain().(sampler.PixelAugmenter).AugmentPixels(nil, make([]float32, 11), make([]uint8, 12)) },
		"normalize zero std": func() {
			Chain(Normalize{Mean: []float32{0}, Std: []float32{0}}).(sampler.PixelAugmenter).AugmentPixels(nil, make([]float32, 2), make([]uint8, 2))
		},
		"cropflip negative pad": func() {
			CropFlip{H: 2, W: 2, C: 1, Pad: -1}.AugmentPixels(nil, make([]float32, 4), make([]uint8, 4))
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func BenchmarkPixels32x32x3(b *testing.B) {
	const h, w, c = 32, 32, 3
	src := make([]uint8, h*w*c)
	for i := range src {
		src[i] = uint8(i * 7)
	}
	norm := Normalize{Mean: []float32{0.49, 0.48, 0.45}, Std: []float32{0.25, 0.24, 0.26}}
	ch := Chain(CropFlip{H: h, W: w, C: c, Pad: 4}, norm)
	dst := make([]float32, len(src))
	rng := rand.New(rand.NewPCG(1, 2))
	b.Run("fused", func(b *testing.B) {
		pa := ch.(sampler.PixelAugmenter)
		for b.Loop() {
			pa.AugmentPixels(rng, dst, src)
		}
	})
	b.Run("convert+augment", func(b *testing.B) {
		for b.Loop() {
			toFloat32(dst, src)
			ch.Augment(rng, dst)
		}
	})
}

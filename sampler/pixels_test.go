package sampler_test

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/augment"
	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// pixelPair returns n random 6x5xc images as a pixel dataset and as the
// float32 dataset of float32(v)/255 that the loaders built before images
// were stored as bytes.
func pixelPair(n, c int) (px, fl *dataset.Dataset) {
	shape := []int{6, 5, c}
	px = &dataset.Dataset{Name: "px", Shape: shape, NumClasses: 4}
	rng := rand.New(rand.NewPCG(3, 4))
	px.Pixels = make([]uint8, n*px.ExampleSize())
	for i := range px.Pixels {
		px.Pixels[i] = uint8(rng.IntN(256))
	}
	px.Labels = make([]int32, n)
	for i := range px.Labels {
		px.Labels[i] = int32(rng.IntN(4))
	}
	fl = &dataset.Dataset{Name: "fl", Shape: shape, NumClasses: 4, Labels: px.Labels, Images: px.AppendFloat32s(nil, 0, n)}
	return px, fl
}

// drain returns every batch of an epoch, copied.
func drain(t *testing.T, s *sampler.Sampler, epoch int) (images []float32, labels, indices []int32) {
	t.Helper()
	it := s.Epoch(epoch)
	defer it.Close()
	for {
		b, err := it.Next()
		if errors.Is(err, io.EOF) {
			return images, labels, indices
		}
		if err != nil {
			t.Fatal(err)
		}
		images = append(images, b.Images...)
		labels = append(labels, b.Labels...)
		indices = append(indices, b.Indices...)
		it.Release(b)
	}
}

// TestPixelBatchesEqualFloat32Batches: for every augmentation the stages
// use (and an Augmenter that has no pixel path), a sampler over a pixel
// dataset yields bit for bit the batches of a sampler over the float32
// dataset of the same values, which is how the images were stored before.
func TestPixelBatchesEqualFloat32Batches(t *testing.T) {
	for _, c := range []int{1, 3} {
		px, fl := pixelPair(203, c)
		mean, std := fl.ChannelStats()
		norm := augment.Normalize{Mean: mean, Std: std}
		cf := augment.CropFlip{H: 6, W: 5, C: c, Pad: 2}
		ta := augment.TrivialAugmentWide{H: 6, W: 5, C: c}
		augs := map[string]sampler.Augmenter{
			"none":                     nil,
			"normalize":                augment.Chain(norm),
			"cropflip":                 augment.Chain(cf, norm),
			"trivialaugment":           augment.Chain(cf, ta, norm),
			"bare cropflip":            cf,
			"bare trivialaugment":      ta,
			"function (no pixel path)": sampler.AugmentFunc(func(rng *rand.Rand, x []float32) { x[rng.IntN(len(x))] = 2 }),
		}
		for name, aug := range augs {
			cfg := &sampler.Config{BatchSize: 16, Seed: 9, Shuffle: true, Augment: aug, Workers: 2}
			sp, sf := sampler.New(px, nil, nil, cfg), sampler.New(fl, nil, nil, cfg)
			for epoch := range 2 {
				gi, gl, gx := drain(t, sp, epoch)
				wi, wl, wx := drain(t, sf, epoch)
				if !slices.Equal(gl, wl) || !slices.Equal(gx, wx) || len(gi) != len(wi) {
					t.Fatalf("c=%d %s epoch %d: labels or indices differ", c, name, epoch)
				}
				for i := range gi {
					if gi[i] != wi[i] {
						t.Fatalf("c=%d %s epoch %d: value %d = %v, want %v", c, name, epoch, i, gi[i], wi[i])
					}
				}
			}
		}
	}
}

// TestNewChecksPixelStore: a pixel store of the wrong length panics in New,
// naming the dataset.
func TestNewChecksPixelStore(t *testing.T) {
	px, _ := pixelPair(5, 3)
	px.Pixels = px.Pixels[:10]
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `dataset "px" has 10 pixels for 5 examples`) {
			t.Errorf("panic %v", r)
		}
	}()
	sampler.New(px, nil, nil, &sampler.Config{BatchSize: 2})
}

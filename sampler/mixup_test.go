package sampler

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/sampler/mixup"
)

// TestMixUpBatches: with MixUpAlpha set, each batch is the batch of the
// same sampler without MixUp, mixed by mixup.Draw and mixup.Mix (what
// augment.MixUp does) with the generator of (Seed, epoch, step); Targets
// rows sum to 1; a new sampler (a resumed run) draws the same; without
// MixUp Targets is nil.
func TestMixUpBatches(t *testing.T) {
	ds := testDataset(70)
	base := Config{BatchSize: 16, Seed: 11, Shuffle: true, Augment: noiseFlip, Workers: 3}
	mixed := base
	mixed.MixUpAlpha, mixed.NumClasses = 0.4, 7
	plain := New(ds, nil, nil, &base)
	size := ds.ExampleSize()
	lambdas := map[float32]bool{}
	for epoch := range 3 {
		want := runEpoch(t, plain, epoch)
		got := runEpochTargets(t, New(ds, nil, nil, &mixed), epoch)
		again := runEpochTargets(t, New(ds, nil, nil, &mixed), epoch)
		if !slices.Equal(got.images, again.images) || !slices.Equal(got.targets, again.targets) {
			t.Fatalf("epoch %d: a second sampler draws other mixes", epoch)
		}
		if !slices.Equal(got.indices, want.indices) || !slices.Equal(got.labels, want.labels) || !slices.Equal(got.sizes, want.sizes) {
			t.Fatalf("epoch %d: MixUp changed the order or labels", epoch)
		}
		at := 0
		for step, n := range want.sizes {
			rng := rand.New(rand.NewPCG(deriveSeed(11, streamMixUp, epoch, step)))
			lambda, perm := mixup.Draw(rng, n, 0.4)
			wi, ws := make([]float32, n*size), make([]float32, n*7)
			mixup.Mix(wi, ws, want.images[at*size:(at+n)*size], want.labels[at:at+n], size, 7, lambda, perm)
			if !slices.Equal(got.images[at*size:(at+n)*size], wi) || !slices.Equal(got.targets[at*7:(at+n)*7], ws) {
				t.Fatalf("epoch %d step %d: batch is not the MixUp of the unmixed batch", epoch, step)
			}
			for j := range n {
				row := got.targets[(at+j)*7 : (at+j+1)*7]
				var sum float64
				for _, v := range row {
					sum += float64(v)
				}
				if math.Abs(sum-1) > 1e-6 || row[got.labels[at+j]] < float32(min(lambda, 1-lambda))-1e-6 {
					t.Fatalf("epoch %d step %d row %d: targets %v (label %d, lambda %v)", epoch, step, j, row, got.labels[at+j], lambda)
				}
			}
			lambdas[float32(lambda)] = true
			at += n
		}
	}
	if len(lambdas) < 10 {
		t.Errorf("%d distinct lambdas over 15 batches", len(lambdas))
	}
	if r := runEpochTargets(t, New(ds, nil, nil, &base), 0); r.targets != nil {
		t.Error("Targets set with MixUp off")
	}
}

// runEpochTargets is runEpoch keeping the Targets too.
func runEpochTargets(t *testing.T, s *Sampler, epoch int) (r struct {
	epochRecord
	targets []float32
}) {
	t.Helper()
	it := s.Epoch(epoch)
	defer it.Close()
	for {
		b, err := it.Next()
		if err != nil {
			return r
		}
		r.indices = append(r.indices, b.Indices...)
		r.labels = append(r.labels, b.Labels...)
		r.images = append(r.images, b.Images...)
		r.sizes = append(r.sizes, b.N)
		r.targets = append(r.targets, b.Targets...)
		it.Release(b)
	}
}

// TestMixUpConfig: bad MixUp settings panic naming the field.
func TestMixUpConfig(t *testing.T) {
	ds := testDataset(10)
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{BatchSize: 2, MixUpAlpha: math.NaN()}, "MixUpAlpha is NaN"},
		{Config{BatchSize: 2, MixUpAlpha: -1}, "MixUpAlpha is -1"},
		{Config{BatchSize: 2, MixUpAlpha: math.Inf(1)}, "MixUpAlpha is +Inf"},
		{Config{BatchSize: 2, NumClasses: -2}, "NumClasses is -2"},
		{Config{BatchSize: 2, MixUpAlpha: 1, NumClasses: 4}, "NumClasses is 4, less than the 5 classes"},
	} {
		func() {
			defer func() {
				if r, _ := recover().(string); !strings.Contains(r, c.want) {
					t.Errorf("panic %q, want %q", r, c.want)
				}
			}()
			New(ds, nil, nil, &c.cfg)
		}()
	}
	// NumClasses 0 means the dataset's.
	cfg := Config{BatchSize: 4, MixUpAlpha: 0.2}
	it := New(ds, nil, nil, &cfg).Epoch(0)
	defer it.Close()
	b, err := it.Next()
	if err != nil || len(b.Targets) != 4*5 {
		t.Fatalf("targets %d, %v", len(b.Targets), err)
	}
}

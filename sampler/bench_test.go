package sampler

import (
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// mnistLike returns 60000 examples of 28x28x1 with arbitrary pixel values.
func mnistLike() *dataset.Dataset {
	const n, size = 60000, 28 * 28
	ds := &dataset.Dataset{Name: "mnist-like", Shape: []int{28, 28, 1}, NumClasses: 10,
		Images: make([]float32, n*size), Labels: make([]int32, n)}
	for i := range ds.Images {
		ds.Images[i] = float32(i%251) / 251
	}
	for i := range ds.Labels {
		ds.Labels[i] = int32(i % 10)
	}
	return ds
}

// flipShift28 is a typical MNIST/CIFAR-style augmentation: a random
// horizontal flip and a shift of up to 2 pixels with zero fill.
var flipShift28 = AugmentFunc(func(rng *rand.Rand, x []float32) {
	const w = 28
	var tmp [w * w]float32
	dx, dy := rng.IntN(5)-2, rng.IntN(5)-2
	flip := rng.IntN(2) == 0
	for y := range w {
		sy := y - dy
		for c := range w {
			sx := c - dx
			if flip {
				sx = w - 1 - sx
			}
			if sy >= 0 && sy < w && sx >= 0 && sx < w {
				tmp[y*w+c] = x[sy*w+sx]
			}
		}
	}
	copy(x, tmp[:])
})

func benchEpochs(b *testing.B, cfg *Config) {
	ds := mnistLike()
	s := New(ds, nil, nil, cfg)
	epoch := func(e int) {
		it := s.Epoch(e)
		for {
			bt, err := it.Next()
			if err == io.EOF {
				return
			} else if err != nil {
				b.Fatal(err)
			}
			it.Release(bt)
		}
	}
	epoch(0) // warm up: fill the free list
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		epoch(i + 1)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	runtime.ReadMemStats(&after)
	batches := float64(b.N * s.StepsPerEpoch())
	b.ReportMetric(float64(b.N*s.Len())/elapsed.Seconds(), "images/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/batches, "allocs/batch")
	b.ReportMetric(float64(elapsed.Nanoseconds())/batches, "ns/batch")
}

// BenchmarkEpoch28x28 runs epochs of 60000 MNIST-sized examples in batches of
// 128, shuffled, without augmentation: the cost of the pipeline itself.
func BenchmarkEpoch28x28(b *testing.B) {
	benchEpochs(b, &Config{BatchSize: 128, Seed: 1, Shuffle: true})
}

// BenchmarkEpoch28x28Augment adds a random flip and shift per example.
func BenchmarkEpoch28x28Augment(b *testing.B) {
	benchEpochs(b, &Config{BatchSize: 128, Seed: 1, Shuffle: true, Augment: flipShift28})
}

// BenchmarkEpoch28x28OneWorker is the augmented pipeline on one worker.
func BenchmarkEpoch28x28OneWorker(b *testing.B) {
	benchEpochs(b, &Config{BatchSize: 128, Seed: 1, Shuffle: true, Workers: 1, Augment: flipShift28})
}

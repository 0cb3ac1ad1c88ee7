package sampler_test

import (
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/sampler"
)

func ExampleUpsample() {
	// Examples 1 and 3 of 5 are slow-learnable: they appear twice per epoch.
	fmt.Println(sampler.Upsample(5, []int{3, 1}, 2))
	// Output: [0 1 2 3 4 3 1]
}

func ExampleNew() {
	ds := &dataset.Dataset{
		Name: "tiny", Shape: []int{2}, NumClasses: 2,
		Images: []float32{0, 0, 1, 1, 2, 2, 3, 3, 4, 4},
		Labels: []int32{0, 1, 0, 1, 0},
	}
	jitter := sampler.AugmentFunc(func(rng *rand.Rand, x []float32) {
		x[1] += 0.1 * float32(rng.IntN(3))
	})
	s := sampler.New(ds, sampler.Upsample(ds.Len(), []int{4}, 3), nil, &sampler.Config{
		BatchSize: 3, Seed: 1, Shuffle: true, Augment: jitter,
	})
	fmt.Println("steps per epoch:", s.StepsPerEpoch())
	it := s.Epoch(0)
	defer it.Close()
	seen := map[int32]int{}
	for {
		b, err := it.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			panic(err)
		}
		for _, idx := range b.Indices {
			seen[idx]++
		}
		fmt.Println("batch", b.Step, "of", b.N, "examples")
		it.Release(b)
	}
	fmt.Println("times drawn:", seen)
	// Output:
	// steps per epoch: 3
	// batch 0 of 3 examples
	// batch 1 of 3 examples
	// batch 2 of 1 examples
	// times drawn: map[0:1 1:1 2:1 3:1 4:3]
}

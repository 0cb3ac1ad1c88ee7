package loaders

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// labelNoiseStream is the PCG stream of LabelNoise.
const labelNoiseStream = 0x6c6162656c6e6f69 // "labelnoi"

// LabelNoise flips a fraction p of the labels uniformly to a DIFFERENT class
// (symmetric noise), seeded (math/rand/v2 PCG); returns the new dataset and
// the indices flipped.
//
// Exactly round(p*N) examples are flipped, chosen uniformly without
// replacement; each gets a class drawn uniformly from the C-1 classes other
// than its own. The flipped indices are returned in increasing order. The
// images are copied, not aliased; the new dataset is named
// ds.Name+"/noise-p"+p+"-s"+seed. The same (ds, p, seed) always gives the
// same result.
func LabelNoise(ds *dataset.Dataset, p float64, seed uint64) (*dataset.Dataset, []int, error) {
	if err := ds.Validate(); err != nil {
		return nil, nil, fmt.Errorf("loaders: label noise: %w", err)
	}
	if !(p >= 0 && p <= 1) {
		return nil, nil, fmt.Errorf("loaders: label noise: dataset %q: fraction %v, want 0..1", ds.Name, p)
	}
	n := ds.Len()
	k := int(math.Round(p * float64(n)))
	rng := rand.New(rand.NewPCG(seed, labelNoiseStream))
	// Partial Fisher-Yates: the first k entries of perm are a uniform sample.
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := range k {
		j := i + rng.IntN(n-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	flipped := slices.Clone(perm[:k])
	slices.Sort(flipped)

	out := &dataset.Dataset{
		Name:       ds.Name + "/noise-p" + strconv.FormatFloat(p, 'g', -1, 64) + "-s" + strconv.FormatUint(seed, 10),
		Shape:      slices.Clone(ds.Shape),
		NumClasses: ds.NumClasses,
		ClassNames: ds.ClassNames,
		Pixels:     slices.Clone(ds.Pixels),
		Images:     slices.Clone(ds.Images),
		Labels:     slices.Clone(ds.Labels),
	}
	c := int32(ds.NumClasses)
	for _, i := range flipped {
		old := out.Labels[i]
		l := rng.Int32N(c - 1)
		if l >= old {
			l++
		}
		out.Labels[i] = l
	}
	return out, flipped, nil
}

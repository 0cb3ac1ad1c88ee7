package loaders

import (
	"fmt"
	"math"
	"strconv"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// LongTailCounts returns the per-class example counts of the long-tail
// profile of Cao et al. 2019 (LDAM-DRW, "imbalanced CIFAR"): class c gets
// int(nMax * (1/ratio)^(c/(C-1))), truncated as in their code, and at least
// 1. Class 0 keeps nMax, class C-1 keeps nMax/ratio.
func LongTailCounts(nMax, numClasses int, ratio float64) ([]int, error) {
	if numClasses < 2 {
		return nil, fmt.Errorf("loaders: long tail: %d classes, want at least 2", numClasses)
	}
	if nMax < 1 {
		return nil, fmt.Errorf("loaders: long tail: largest class has %d examples, want at least 1", nMax)
	}
	if !(ratio >= 1) || math.IsInf(ratio, 0) {
		return nil, fmt.Errorf("loaders: long tail: imbalance ratio %v, want a finite value >= 1", ratio)
	}
	inv := 1 / ratio
	out := make([]int, numClasses)
	for c := range out {
		n := int(float64(nMax) * math.Pow(inv, float64(c)/float64(numClasses-1)))
		out[c] = max(n, 1)
	}
	return out, nil
}

// LongTailIndices returns the indices, in increasing order, of the examples
// that LongTail keeps.
func LongTailIndices(ds *dataset.Dataset, ratio float64) ([]int, error) {
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("loaders: long tail: %w", err)
	}
	counts := make([]int, ds.NumClasses)
	for _, l := range ds.Labels {
		counts[l]++
	}
	nMax := 0
	for _, n := range counts {
		nMax = max(nMax, n)
	}
	quota, err := LongTailCounts(nMax, ds.NumClasses, ratio)
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", ds.Name, err)
	}
	var keep []int
	taken := make([]int, ds.NumClasses)
	for i, l := range ds.Labels {
		if taken[l] < quota[l] {
			taken[l]++
			keep = append(keep, i)
		}
	}
	return keep, nil
}

// LongTail subsamples a training set to an exponential class profile: class c
// keeps n_max * ratio^(-c/(C-1)) examples (truncated to an integer, at least
// 1; all of them if the class has fewer), the first ones in file order,
// deterministically, as in the long-tail CIFAR of Cao et al. 2019 used by the
// USEFUL paper (Table 6, imbalance ratio 10). n_max is the size of the
// largest class (5000 for CIFAR-10, giving 5000, 3871, 2997, 2320, 1796,
// 1391, 1077, 834, 645, 500 at ratio 10). The kept examples stay in their
// original order. The result is a new dataset (no aliasing) named
// ds.Name+"/longtail-r"+ratio.
func LongTail(ds *dataset.Dataset, ratio float64) (*dataset.Dataset, error) {
	keep, err := LongTailIndices(ds, ratio)
	if err != nil {
		return nil, err
	}
	return subset(ds, keep, ds.Name+"/longtail-r"+strconv.FormatFloat(ratio, 'g', -1, 64)), nil
}

// subset copies the examples keep of ds into a new dataset.
func subset(ds *dataset.Dataset, keep []int, name string) *dataset.Dataset {
	size := ds.ExampleSize()
	out := &dataset.Dataset{
		Name:       name,
		Shape:      append([]int(nil), ds.Shape...),
		NumClasses: ds.NumClasses,
		ClassNames: ds.ClassNames,
		Labels:     make([]int32, len(keep)),
	}
	if ds.Pixels != nil {
		out.Pixels = make([]uint8, len(keep)*size)
	} else {
		out.Images = make([]float32, len(keep)*size)
	}
	for j, i := range keep {
		if ds.Pixels != nil {
			copy(out.Pixels[j*size:(j+1)*size], ds.Pixels[i*size:(i+1)*size])
		} else {
			copy(out.Images[j*size:(j+1)*size], ds.Images[i*size:(i+1)*size])
		}
		out.Labels[j] = ds.Labels[i]
	}
	return out
}

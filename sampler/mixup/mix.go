package mixup

import (
	"fmt"
	"math/rand/v2"
)

// Draw makes MixUp's random choices for a batch of n examples, in this
// order: lambda ~ Beta(alpha, alpha), or 1 without a draw when alpha <= 0,
// then the partner permutation rng.Perm(n).
func Draw(rng *rand.Rand, n int, alpha float64) (lambda float64, perm []int) {
	lambda = 1
	if alpha > 0 {
		lambda = Beta(rng, alpha, alpha)
	}
	return lambda, rng.Perm(n)
}

// Mix writes the MixUp of a batch for lambda and perm (len(perm) examples
// of size values each):
//
//	mixed[i] = lambda*images[i] + (1-lambda)*images[perm[i]]
//	soft[i]  = lambda*onehot(labels[i]) + (1-lambda)*onehot(labels[perm[i]])
//
// computed in float32 with l = float32(lambda) and l1 = float32(1-lambda).
// mixed (n*size) must not overlap images; soft (n*numClasses) is
// overwritten. It panics if a length does not match or a label is outside
// [0, numClasses).
func Mix(mixed, soft, images []float32, labels []int32, size, numClasses int, lambda float64, perm []int) {
	n := len(perm)
	if len(images) != n*size || len(mixed) != n*size || len(labels) != n || len(soft) != n*numClasses {
		panic(fmt.Sprintf("mixup: Mix: %d examples of %d values and %d classes, got %d images, %d mixed, %d labels, %d soft",
			n, size, numClasses, len(images), len(mixed), len(labels), len(soft)))
	}
	l, l1 := float32(lambda), float32(1-lambda)
	clear(soft)
	for i, j := range perm {
		a, b := images[i*size:(i+1)*size], images[j*size:(j+1)*size]
		out := mixed[i*size : (i+1)*size]
		for k := range out {
			out[k] = l*a[k] + l1*b[k]
		}
		yi, yj := labels[i], labels[j]
		if yi < 0 || int(yi) >= numClasses || yj < 0 || int(yj) >= numClasses {
			panic(fmt.Sprintf("mixup: Mix: label %d or %d outside [0, %d)", yi, yj, numClasses))
		}
		row := soft[i*numClasses : (i+1)*numClasses]
		row[yi] += l
		row[yj] += l1
	}
}

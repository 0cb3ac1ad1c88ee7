package augment

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/sampler/mixup"
)

// MixUp mixes a batch of n examples of size values each (Zhang et al., 2018,
// "mixup: Beyond Empirical Risk Minimization"): it draws one
// lambda ~ Beta(alpha, alpha) for the batch and a random permutation perm of
// the batch (rng.Perm(n), drawn after lambda), and returns new slices
//
//	mixed[i] = lambda*images[i] + (1-lambda)*images[perm[i]]   (n x size)
//	soft[i]  = lambda*onehot(labels[i]) + (1-lambda)*onehot(labels[perm[i]])
//	                                                           (n x numClasses)
//
// Each row of soft sums to 1. An alpha <= 0 disables mixing (lambda = 1), as
// in the reference implementation; an example may be paired with itself.
//
// MixUp works on whole batches, so it is not a [sampler.Augmenter]; it runs
// after the per-example augmenters and normalisation (mixing is linear, so
// normalising before or after gives the same result). Training with it needs
// soft targets: the loss becomes the cross-entropy against soft,
// -sum_k soft[i][k]*log p_i[k] = lambda*CE(p_i, labels[i]) +
// (1-lambda)*CE(p_i, labels[perm[i]]), which the current training signature
// (integer labels) cannot express: the sampler does the same mixing on its
// batches when sampler.Config.MixUpAlpha is set (Batch.Targets), for a
// soft-label train step.
//
// It panics if len(images) != n*size, len(labels) != n, a label is outside
// [0, numClasses), n, size or numClasses is not positive, or alpha is NaN or
// infinite.
func MixUp(images []float32, labels []int32, n, size, numClasses int, alpha float64, rng *rand.Rand) (mixed []float32, soft []float32) {
	checkMixUp(images, labels, n, size, numClasses)
	if math.IsNaN(alpha) || math.IsInf(alpha, 0) {
		panic(fmt.Sprintf("augment: MixUp: alpha %v must be finite", alpha))
	}
	lambda, perm := mixUpDraw(rng, n, alpha)
	return mixUpWith(images, labels, n, size, numClasses, lambda, perm)
}

// checkMixUp panics unless the batch arguments of MixUp are consistent.
func checkMixUp(images []float32, labels []int32, n, size, numClasses int) {
	if n <= 0 || size <= 0 || numClasses <= 0 {
		panic(fmt.Sprintf("augment: MixUp: n %d, size %d and numClasses %d must be positive", n, size, numClasses))
	}
	if len(images) != n*size {
		panic(fmt.Sprintf("augment: MixUp: images has %d values, want n*size = %d*%d = %d", len(images), n, size, n*size))
	}
	if len(labels) != n {
		panic(fmt.Sprintf("augment: MixUp: %d labels for %d examples", len(labels), n))
	}
	for i, y := range labels {
		if y < 0 || int(y) >= numClasses {
			panic(fmt.Sprintf("augment: MixUp: label %d of example %d outside [0, %d)", y, i, numClasses))
		}
	}
}

// mixUpDraw draws MixUp's random choices: lambda, then the permutation.
func mixUpDraw(rng *rand.Rand, n int, alpha float64) (lambda float64, perm []int) {
	return mixup.Draw(rng, n, alpha)
}

// mixUpWith computes MixUp's outputs for a given lambda and permutation.
func mixUpWith(images []float32, labels []int32, n, size, numClasses int, lambda float64, perm []int) (mixed, soft []float32) {
	mixed = make([]float32, n*size)
	soft = make([]float32, n*numClasses)
	mixup.Mix(mixed, soft, images, labels, size, numClasses, lambda, perm)
	return mixed, soft
}

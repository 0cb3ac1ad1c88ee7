package augment

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/sampler/mixup"
)

// Gamma draws from the Gamma(shape, 1) distribution (see mixup.Gamma:
// Marsaglia and Tsang 2000, boosted for shape < 1). It panics unless shape
// is positive and finite.
func Gamma(rng *rand.Rand, shape float64) float64 {
	checkShapeParam("Gamma", shape)
	return mixup.Gamma(rng, shape)
}

// Beta draws from the Beta(a, b) distribution as X/(X+Y) with X ~ Gamma(a)
// and Y ~ Gamma(b) (see mixup.Beta). It panics unless a and b are positive
// and finite.
func Beta(rng *rand.Rand, a, b float64) float64 {
	checkShapeParam("Beta", a)
	checkShapeParam("Beta", b)
	return mixup.Beta(rng, a, b)
}

// checkShapeParam panics with this package's prefix unless shape is
// positive and finite.
func checkShapeParam(what string, shape float64) {
	if !(shape > 0) || math.IsInf(shape, 1) {
		panic(fmt.Sprintf("augment: %s: shape %v must be positive and finite", what, shape))
	}
}

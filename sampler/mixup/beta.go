package mixup

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Gamma draws from the Gamma(shape, 1) distribution with the method of
// Marsaglia and Tsang (2000), boosted by U^(1/shape) for shape < 1. It panics
// unless shape is positive and finite.
func Gamma(rng *rand.Rand, shape float64) float64 {
	return math.Exp(logGamma(rng, "Gamma", shape))
}

// Beta draws from the Beta(a, b) distribution as X/(X+Y) with X ~ Gamma(a)
// and Y ~ Gamma(b), computed from their logarithms so that small parameters
// (where both draws may underflow) still give a value in [0,1]. It panics
// unless a and b are positive and finite.
func Beta(rng *rand.Rand, a, b float64) float64 {
	lx := logGamma(rng, "Beta", a)
	ly := logGamma(rng, "Beta", b)
	// X/(X+Y) = 1/(1+Y/X).
	return 1 / (1 + math.Exp(ly-lx))
}

// logGamma returns the logarithm of a Gamma(shape, 1) draw.
func logGamma(rng *rand.Rand, what string, shape float64) float64 {
	if !(shape > 0) || math.IsInf(shape, 1) {
		panic(fmt.Sprintf("mixup: %s: shape %v must be positive and finite", what, shape))
	}
	if shape < 1 {
		// Gamma(a) = Gamma(a+1) * U^(1/a), U uniform on (0,1].
		u := 1 - rng.Float64()
		return logGamma(rng, what, shape+1) + math.Log(u)/shape
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		x2 := x * x
		if u < 1-0.0331*x2*x2 {
			return math.Log(d * v)
		}
		if math.Log(u) < 0.5*x2+d*(1-v+math.Log(v)) {
			return math.Log(d * v)
		}
	}
}

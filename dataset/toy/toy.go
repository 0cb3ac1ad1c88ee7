// Package toy generates the synthetic patch distribution D(beta_e, beta_d,
// alpha) of the USEFUL paper (NeurIPS 2024, Definition 3.1 and Section 5.1).
//
// An example (x, y) has a label y in {-1, +1}, drawn uniformly, and P patches
// of dimension D:
//
//   - Slow-learnable feature: exactly one patch equals BetaD * y * v_d.
//   - Fast-learnable feature: exactly one patch equals BetaE * y * v_e with
//     probability Alpha; with probability 1-Alpha that patch is masked (all
//     zeros).
//   - Noise: the remaining P-2 patches are Gaussian noise.
//
// Conventions fixed by this package:
//
//   - v_e = e_0 and v_d = e_1, the first two standard basis vectors of R^D, so
//     ||v_e|| = ||v_d|| = 1 and <v_e, v_d> = 0.
//   - Each noise patch is drawn with independent N(0, NoiseStd^2) coordinates
//     and then has its components along v_e and v_d (coordinates 0 and 1) set
//     to zero, so every noise patch is orthogonal to both features. With P = 3
//     the noise patch and the two features therefore form an orthogonal set,
//     as in the paper. (With P > 3 the noise patches are orthogonal to the
//     features but not necessarily to each other.) NoiseStd is the
//     per-coordinate standard deviation, sigma_p / sqrt(D) in the paper.
//     Equivalently, and as implemented, coordinates 2..D-1 of a noise patch
//     are i.i.d. N(0, NoiseStd^2) and coordinates 0 and 1 are zero.
//   - The patch order is a uniformly random permutation drawn per example.
//   - Label y = -1 is class 0 and y = +1 is class 1 (NumClasses = 2).
//   - An example has Shape [P, D], stored row-major (patch-major): patch j
//     occupies values [j*D, (j+1)*D) of the example.
//
// Generation is deterministic for a Config (math/rand/v2 PCG seeded from
// Config.Seed).
package toy

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// Config parameterises the distribution and the sample.
type Config struct {
	// N is the number of examples.
	N int
	// D is the patch dimension (at least 2, for v_e and v_d).
	D int
	// P is the number of patches (at least 3: two feature patches and P-2
	// noise patches).
	P int
	// BetaE is the fast-learnable feature strength.
	BetaE float64
	// BetaD is the slow-learnable feature strength (the paper uses
	// 0 <= BetaD < BetaE; only BetaD >= 0 is enforced).
	BetaD float64
	// Alpha is the probability that an example carries the fast feature.
	Alpha float64
	// NoiseStd is the per-coordinate standard deviation of the noise patches
	// before projection (sigma_p / sqrt(D) in the paper).
	NoiseStd float64
	// Seed selects the random stream.
	Seed uint64
}

// DefaultConfig returns the setting of Section 5.1 of the paper: N=10000,
// D=50, P=3, BetaE=1, BetaD=0.2, Alpha=0.9, NoiseStd=0.125, Seed=0.
func DefaultConfig() Config {
	return Config{N: 10000, D: 50, P: 3, BetaE: 1, BetaD: 0.2, Alpha: 0.9, NoiseStd: 0.125, Seed: 0}
}

// Validate checks the configuration; the error names the offending field and
// its value.
func (c Config) Validate() error {
	switch {
	case c.N <= 0:
		return fmt.Errorf("toy: Config.N is %d, want > 0", c.N)
	case c.D < 2:
		return fmt.Errorf("toy: Config.D is %d, want >= 2", c.D)
	case c.P < 3:
		return fmt.Errorf("toy: Config.P is %d, want >= 3", c.P)
	case !(c.Alpha >= 0 && c.Alpha <= 1):
		return fmt.Errorf("toy: Config.Alpha is %v, want 0 <= Alpha <= 1", c.Alpha)
	case !(c.BetaD >= 0) || math.IsInf(c.BetaD, 0):
		return fmt.Errorf("toy: Config.BetaD is %v, want finite and >= 0", c.BetaD)
	case math.IsNaN(c.BetaE) || math.IsInf(c.BetaE, 0):
		return fmt.Errorf("toy: Config.BetaE is %v, want finite", c.BetaE)
	case !(c.NoiseStd >= 0) || math.IsInf(c.NoiseStd, 0):
		return fmt.Errorf("toy: Config.NoiseStd is %v, want finite and >= 0", c.NoiseStd)
	}
	if c.N > math.MaxInt/(c.P*c.D) {
		return fmt.Errorf("toy: Config.N=%d, P=%d, D=%d give too many values", c.N, c.P, c.D)
	}
	return nil
}

// Name identifies the configuration, for dataset names and run hashes.
func (c Config) Name() string {
	return fmt.Sprintf("toy(n=%d,d=%d,p=%d,betaE=%g,betaD=%g,alpha=%g,noise=%g,seed=%d)",
		c.N, c.D, c.P, c.BetaE, c.BetaD, c.Alpha, c.NoiseStd, c.Seed)
}

// Truth records how a generated dataset was built.
type Truth struct {
	// HasFast[i] reports whether example i carries the fast-learnable feature
	// (otherwise its fast patch is all zeros).
	HasFast []bool
	// Ve and Vd are the unit feature directions v_e = e_0 and v_d = e_1, of
	// length D.
	Ve, Vd []float32
}

// Stream selectors combined with Config.Seed to seed the PCG generator.
const (
	streamMain = 0x9e3779b97f4a7c15 // Generate and the train half of GenerateSplit
	streamTest = 0xd1b54a32d192ed03 // the test half of GenerateSplit
)

// Generate draws cfg.N examples. The dataset's Name is cfg.Name().
func Generate(cfg Config) (*dataset.Dataset, *Truth, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	ds, tr := generate(cfg, streamMain, cfg.Name())
	return ds, tr, nil
}

// GenerateSplit draws a train set and a test set of cfg.N examples each from
// two independent random streams derived from cfg.Seed. The train set is
// identical in content to Generate(cfg); the names are cfg.Name() with
// "/train" and "/test" appended.
func GenerateSplit(cfg Config) (train, test *dataset.Dataset, trainTruth, testTruth *Truth, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, nil, nil, err
	}
	train, trainTruth = generate(cfg, streamMain, cfg.Name()+"/train")
	test, testTruth = generate(cfg, streamTest, cfg.Name()+"/test")
	return train, test, trainTruth, testTruth, nil
}

func generate(cfg Config, stream uint64, name string) (*dataset.Dataset, *Truth) {
	rng := rand.New(rand.NewPCG(cfg.Seed, stream))
	D, P := cfg.D, cfg.P
	size := P * D
	ds := &dataset.Dataset{
		Name:       name,
		Shape:      []int{P, D},
		NumClasses: 2,
		Images:     make([]float32, cfg.N*size),
		Labels:     make([]int32, cfg.N),
	}
	tr := &Truth{HasFast: make([]bool, cfg.N), Ve: make([]float32, D), Vd: make([]float32, D)}
	tr.Ve[0] = 1
	tr.Vd[1] = 1

	perm := make([]int, P)
	for i := 0; i < cfg.N; i++ {
		x := ds.Images[i*size : (i+1)*size]
		y := -1.0
		if rng.IntN(2) == 1 {
			y = 1
			ds.Labels[i] = 1
		}
		hasFast := rng.Float64() < cfg.Alpha
		tr.HasFast[i] = hasFast
		for j := range perm {
			perm[j] = j
		}
		rng.Shuffle(P, func(a, b int) { perm[a], perm[b] = perm[b], perm[a] })

		// perm[0] holds the fast patch, perm[1] the slow patch, the rest noise.
		if hasFast {
			x[perm[0]*D+0] = float32(cfg.BetaE * y)
		}
		x[perm[1]*D+1] = float32(cfg.BetaD * y)
		for _, p := range perm[2:] {
			patch := x[p*D : (p+1)*D]
			for k := 2; k < D; k++ { // coordinates 0 and 1 (v_e, v_d) stay zero
				patch[k] = float32(rng.NormFloat64() * cfg.NoiseStd)
			}
		}
	}
	return ds, tr
}

package cluster

import (
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/internal/seedmix"
)

// restartRNG returns the generator of restart r for seed. It depends on seed
// and r only, never on scheduling.
func restartRNG(seed uint64, r int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seedmix.Derive(seed, uint64(r))))
}

// classSeed returns the Config.Seed used for class c by SplitClasses.
func classSeed(seed uint64, c int) uint64 {
	// The constant keeps class seeds apart from restart streams.
	return seedmix.Derive(seed, uint64(c)^0x636c617373000000)
}

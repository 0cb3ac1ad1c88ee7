package cluster

import "math/rand/v2"

// splitmix64 is the SplitMix64 mixing function; it turns nearby integers into
// unrelated 64-bit values so derived PCG streams are not correlated.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// restartRNG returns the generator of restart r for seed. It depends on seed
// and r only, never on scheduling.
func restartRNG(seed uint64, r int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, splitmix64(seed^splitmix64(uint64(r)))))
}

// classSeed returns the Config.Seed used for class c by SplitClasses.
func classSeed(seed uint64, c int) uint64 {
	// The constant keeps class seeds apart from restart streams.
	return splitmix64(seed ^ splitmix64(uint64(c)^0x636c617373000000))
}

package sampler

import "math/rand/v2"

// shuffler permutes the order of each epoch with a Fisher-Yates shuffle
// driven by a PCG generator seeded from (seed, epoch): every epoch gets a
// different permutation, and the same (seed, epoch) always the same one.
type shuffler struct {
	seed uint64
}

var _ orderStage = shuffler{}

// apply shuffles order in place and returns it.
func (s shuffler) apply(epoch int, order []int32) []int32 {
	src := rand.NewPCG(deriveSeed(s.seed, streamShuffle, epoch, 0))
	for i := len(order) - 1; i > 0; i-- {
		j := uint64n(src, uint64(i+1))
		order[i], order[j] = order[j], order[i]
	}
	return order
}

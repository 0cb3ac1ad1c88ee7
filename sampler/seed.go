package sampler

import (
	"math/bits"
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/internal/seedmix"
)

// Streams separate the generators derived from one Config.Seed, so that the
// shuffle and the augmentation never share random numbers.
const (
	streamShuffle uint64 = 1
	streamAugment uint64 = 2
	streamMixUp   uint64 = 3
)

// deriveSeed returns the two PCG seed words for generator (stream, epoch, pos)
// of seed. Distinct arguments give unrelated generators.
func deriveSeed(seed, stream uint64, epoch, pos int) (hi, lo uint64) {
	hi = seedmix.Derive(seed, stream, uint64(epoch), uint64(pos))
	lo = seedmix.Mix(hi ^ 0x6a09e667f3bcc909)
	return hi, lo
}

// uint64n returns a uniform value in [0, n) drawn from src, n > 0, with
// Lemire's multiply-and-reject method. It is written out here rather than
// taken from rand.Rand so that the shuffle depends only on PCG's specified
// output.
func uint64n(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

package sampler

import (
	"fmt"
	"math"
	"runtime"
)

// Config sets the batch size, the randomness and the parallelism of a
// [Sampler]. [New] copies it, so changing a Config afterwards has no effect
// on samplers already built.
type Config struct {
	// BatchSize is the number of examples per batch; it must be > 0.
	BatchSize int
	// Seed is the only source of randomness: the shuffle of every epoch and the
	// generators handed to Augment derive from it.
	Seed uint64
	// Shuffle, if true, reshuffles the index list every epoch with a seed
	// derived from (Seed, epoch); if false, every epoch follows the order of
	// the index list given to New.
	Shuffle bool
	// DropRemainder, if true, drops the last examples of an epoch when they do
	// not fill a batch; if false, the last batch may be smaller than BatchSize.
	DropRemainder bool
	// Workers is the number of goroutines assembling batches; 0 means
	// runtime.GOMAXPROCS(0) at the time of New. It must be >= 0. It changes
	// speed and memory only, never the batches: a running epoch holds up to
	// 2*Workers+Prefetch+3 batch buffers.
	Workers int
	// Prefetch is the number of finished batches buffered ahead of the
	// consumer; 0 means 2. It must be >= 0.
	Prefetch int
	// Augment transforms each example after it is copied out of the dataset;
	// nil means no augmentation (the batch holds the dataset's values).
	Augment Augmenter
	// MixUpAlpha, if positive, mixes every batch after the per-example
	// augmentation (Zhang et al. 2018, as augment.MixUp: one
	// lambda ~ Beta(alpha, alpha) and one partner permutation per batch,
	// drawn from a generator seeded from (Seed, epoch, step), so a resumed
	// run draws the same), and Batch.Targets holds the soft labels; 0 means
	// off (Targets nil). It must be finite and >= 0.
	MixUpAlpha float64
	// NumClasses is the length of a row of Batch.Targets when MixUp is on;
	// 0 means the dataset's NumClasses. It must be >= 0, and with MixUp at
	// least the dataset's NumClasses.
	NumClasses int
}

// resolved returns a copy of c with the defaults filled in. It panics if c is
// nil or a field is out of range.
func (c *Config) resolved() Config {
	if c == nil {
		panic("sampler: nil Config")
	}
	r := *c
	if r.BatchSize <= 0 {
		panic(fmt.Sprintf("sampler: BatchSize is %d, want > 0", r.BatchSize))
	}
	if r.Workers < 0 {
		panic(fmt.Sprintf("sampler: Workers is %d, want >= 0", r.Workers))
	}
	if r.Prefetch < 0 {
		panic(fmt.Sprintf("sampler: Prefetch is %d, want >= 0", r.Prefetch))
	}
	if !(r.MixUpAlpha >= 0) || math.IsInf(r.MixUpAlpha, 1) {
		panic(fmt.Sprintf("sampler: MixUpAlpha is %v, want a finite value >= 0", r.MixUpAlpha))
	}
	if r.NumClasses < 0 {
		panic(fmt.Sprintf("sampler: NumClasses is %d, want >= 0", r.NumClasses))
	}
	if r.Workers == 0 {
		r.Workers = runtime.GOMAXPROCS(0)
	}
	if r.Prefetch == 0 {
		r.Prefetch = 2
	}
	return r
}

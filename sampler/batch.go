package sampler

import (
	"fmt"
	"runtime/debug"

	"github.com/useful-pipeline/useful-pipeline/sampler/mixup"
)

// Batch is a group of consecutive examples of an epoch, ready for a training
// step. Row j of every field describes the same example.
//
// The slices are owned by the sampler and lent to the caller from
// [Iterator.Next] until [Iterator.Release]; the caller may read and modify
// them meanwhile, but must not use them after Release, which clears them. A
// batch that is never released stays valid and is left to the garbage
// collector.
type Batch struct {
	// Images holds N*ExampleSize values: row j is example Indices[j], copied
	// from the dataset (a pixel v as float32(v)/255) and augmented, in the
	// layout of the dataset's Shape.
	Images []float32
	// Labels holds the class of each example.
	Labels []int32
	// Weights holds the loss weight of each example: weights[Indices[j]] for
	// the weights given to New, or 1 if those were nil.
	Weights []float32
	// Indices holds the dataset index of each example.
	Indices []int32
	// Targets holds, when Config.MixUpAlpha is positive, the soft labels of
	// the mixed batch: N rows of Config.NumClasses values, row j being
	// lambda*onehot(Labels[j]) + (1-lambda)*onehot(Labels[perm[j]]); Images
	// then holds the mixed examples and Labels, Weights and Indices those of
	// the first partners. Nil when MixUp is off.
	Targets []float32
	// N is the number of examples: BatchSize, except possibly for the last
	// batch of an epoch when DropRemainder is false.
	N int
	// Step is the position of the batch in its epoch, from 0.
	Step int

	// Full-capacity buffers, kept so that a caller reslicing the exported
	// fields cannot shrink them.
	images  []float32
	labels  []int32
	weights []float32
	indices []int32
	targets []float32
	mixSrc  []float32  // the unmixed images, for MixUp
	pool    *batchPool // the free list the batch belongs to
	lent    uint32     // 1 while lent to the caller; accessed atomically
}

// batcher is the batch step: it cuts the order of an epoch into consecutive
// batches of size examples and assembles batch k by running the map on each
// of its examples, straight into a buffer from the pool.
type batcher struct {
	size   int
	drop   bool // drop a final batch smaller than size
	pool   *batchPool
	mapper *exampleMap
	// MixUp: alpha > 0 mixes each batch, with targets of classes values.
	alpha   float64
	classes int
}

// count returns the number of batches in an epoch of n examples.
func (bt *batcher) count(n int) int {
	if bt.drop {
		return n / bt.size
	}
	return (n + bt.size - 1) / bt.size
}

// bounds returns the positions [lo, hi) of batch k in an epoch of n examples.
func (bt *batcher) bounds(k, n int) (lo, hi int) {
	lo = k * bt.size
	return lo, min(lo+bt.size, n)
}

// build assembles batch k of the epoch whose order is given. A panic in the
// map (in practice, in the Augmenter) is returned as an error naming the
// example; the buffer then goes back to the pool.
func (bt *batcher) build(st *mapState, epoch int, order []int32, k int) (b *Batch, err error) {
	lo, hi := bt.bounds(k, len(order))
	b = bt.pool.get(hi - lo)
	b.Step = k
	pos := lo
	defer func() {
		if r := recover(); r != nil {
			bt.pool.put(b)
			b = nil
			err = fmt.Errorf("sampler: epoch %d, position %d (dataset index %d): map panicked: %v\n%s",
				epoch, pos, order[pos], r, debug.Stack())
		}
	}()
	size := bt.mapper.size
	for j := range b.N {
		pos = lo + j
		idx := order[pos]
		b.Indices[j] = idx
		b.Labels[j], b.Weights[j] = bt.mapper.apply(st, epoch, pos, idx, b.Images[j*size:(j+1)*size])
	}
	if bt.alpha > 0 {
		bt.mix(st, epoch, b)
	}
	return b, nil
}

// mix applies MixUp to batch b (step b.Step of epoch), with the generator
// of (seed, epoch, step): the draws and arithmetic of augment.MixUp.
func (bt *batcher) mix(st *mapState, epoch int, b *Batch) {
	st.src.Seed(deriveSeed(bt.mapper.seed, streamMixUp, epoch, b.Step))
	lambda, perm := mixup.Draw(st.rng, b.N, bt.alpha)
	src := b.mixSrc[:len(b.Images)]
	copy(src, b.Images)
	mixup.Mix(b.Images, b.Targets, src, b.Labels, bt.mapper.size, bt.classes, lambda, perm)
}

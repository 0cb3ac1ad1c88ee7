package sampler

import (
	"errors"
	"io"
	"sync/atomic"
)

// ErrClosed is returned by [Iterator.Next] after [Iterator.Close] ended the
// epoch before its last batch.
var ErrClosed = errors.New("sampler: iterator closed")

// Iterator yields the batches of one epoch, in order. Next and Release are
// meant for one goroutine, the training loop; Close may be called from any
// goroutine, including concurrently with Next.
type Iterator struct {
	p         *pipeline
	out       <-chan result[*Batch]
	steps     int
	delivered int
	err       error
}

// Next returns the next batch of the epoch, lent to the caller until
// [Iterator.Release]. After the last batch it returns io.EOF; after Close
// ended the epoch early, [ErrClosed]; if the map panicked (typically the
// Augmenter), an error naming the example and carrying the panic value and
// stack, and the epoch ends. Once Next has returned an error it returns the
// same error on every later call, and the workers have exited.
func (it *Iterator) Next() (*Batch, error) {
	if it.err != nil {
		return nil, it.err
	}
	r, ok := <-it.out
	switch {
	case !ok && it.delivered == it.steps:
		it.err = io.EOF
		it.p.shutdown()
	case !ok:
		it.err = ErrClosed
		it.p.shutdown()
	case r.err != nil:
		it.err = r.err
		it.p.shutdown()
	default:
		it.delivered++
		return r.v, nil
	}
	return nil, it.err
}

// Release hands b's buffers back to the sampler for reuse by later batches,
// of this or any later epoch, and clears b's fields. Releasing is optional: a
// batch never released is simply left to the garbage collector. Release(nil)
// does nothing. Release panics if b did not come from an iterator of the same
// Sampler or was already released; it may be called after Close.
func (it *Iterator) Release(b *Batch) {
	if b == nil {
		return
	}
	if b.pool != it.p.pool {
		panic("sampler: Release of a batch that does not come from this sampler")
	}
	if !atomic.CompareAndSwapUint32(&b.lent, 1, 0) {
		panic("sampler: batch released twice")
	}
	b.pool.put(b)
}

// Close ends the epoch early: it stops the workers and returns once every
// goroutine of the iterator has exited. Batches already returned by Next stay
// valid. Close may be called more than once, and after Next returned io.EOF
// (it then does nothing).
func (it *Iterator) Close() { it.p.shutdown() }

package sampler

import "sync/atomic"

// batchPool is the free list of batch buffers of one Sampler. Buffers are
// allocated when the list is empty and dropped when it is full, so the list
// bounds the memory kept between epochs, not the memory in use.
type batchPool struct {
	rows, size int // BatchSize and values per example
	classes    int // values per row of Targets; 0 without MixUp
	free       chan *Batch
}

func newBatchPool(rows, size, classes, keep int) *batchPool {
	return &batchPool{rows: rows, size: size, classes: classes, free: make(chan *Batch, keep)}
}

// get returns a buffer with its exported fields sliced to n rows and marks it
// lent.
func (p *batchPool) get(n int) *Batch {
	var b *Batch
	select {
	case b = <-p.free:
	default:
		b = &Batch{
			images:  make([]float32, p.rows*p.size),
			labels:  make([]int32, p.rows),
			weights: make([]float32, p.rows),
			indices: make([]int32, p.rows),
			pool:    p,
		}
		if p.classes > 0 {
			b.targets = make([]float32, p.rows*p.classes)
			b.mixSrc = make([]float32, p.rows*p.size)
		}
	}
	b.Images = b.images[:n*p.size]
	b.Labels = b.labels[:n]
	b.Weights = b.weights[:n]
	b.Indices = b.indices[:n]
	if p.classes > 0 {
		b.Targets = b.targets[:n*p.classes]
	}
	b.N = n
	atomic.StoreUint32(&b.lent, 1)
	return b
}

// put clears b's exported fields and returns it to the list, or drops it if
// the list is full. b must not be in the list already.
func (p *batchPool) put(b *Batch) {
	b.Images, b.Labels, b.Weights, b.Indices, b.Targets = nil, nil, nil, nil, nil
	b.N, b.Step = 0, 0
	atomic.StoreUint32(&b.lent, 0)
	select {
	case p.free <- b:
	default:
	}
}

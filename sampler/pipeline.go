package sampler

import "sync"

// lifecycle ties the goroutines of one running epoch together: done is
// closed to stop them, wg counts them.
type lifecycle struct {
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

// stop asks every goroutine to exit; it does not wait. It may be called any
// number of times, from any goroutine.
func (l *lifecycle) stop() { l.once.Do(func() { close(l.done) }) }

// pipeline is one running epoch: the parallel ordered map assembling batches
// (the map and batch steps) followed by the prefetch step. It references
// neither the Iterator nor the Sampler, so that an abandoned Iterator can be
// collected and its cleanup can stop the goroutines.
type pipeline struct {
	life    lifecycle
	last    producer[*Batch]
	pool    *batchPool
	drained sync.Once
}

// startPipeline starts the goroutines producing the steps batches of the
// epoch whose order is given.
func startPipeline(bt *batcher, workers, prefetch, epoch int, order []int32, steps int) *pipeline {
	p := &pipeline{life: lifecycle{done: make(chan struct{})}, pool: bt.pool}
	states := make([]*mapState, workers)
	m := startOrderedMap(&p.life, steps, workers, func(w, k int) (*Batch, error) {
		if states[w] == nil {
			states[w] = newMapState()
		}
		return bt.build(states[w], epoch, order, k)
	})
	p.last = startPrefetch(&p.life, m, prefetch)
	return p
}

// shutdown stops the goroutines, waits until they have exited and returns the
// buffers they still held to the pool. It may be called more than once and
// concurrently.
func (p *pipeline) shutdown() {
	p.life.stop()
	p.life.wg.Wait()
	p.drained.Do(func() { p.last.drain(p.pool.put) })
}

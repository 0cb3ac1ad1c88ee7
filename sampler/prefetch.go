package sampler

// prefetcher is the prefetch step: a goroutine that pulls results from the
// upstream stage as soon as they are ready and buffers up to n of them, so
// that the workers keep assembling batches while the consumer runs a training
// step.
type prefetcher[T any] struct {
	up    producer[T]
	out   chan result[T]
	heldc chan result[T] // the result held when the pipeline stopped
	life  *lifecycle
}

var _ producer[int] = (*prefetcher[int])(nil)

// startPrefetch starts the goroutine; n must be > 0.
func startPrefetch[T any](life *lifecycle, up producer[T], n int) *prefetcher[T] {
	p := &prefetcher[T]{
		up:    up,
		out:   make(chan result[T], n),
		heldc: make(chan result[T], 1),
		life:  life,
	}
	life.wg.Go(p.run)
	return p
}

func (p *prefetcher[T]) output() <-chan result[T] { return p.out }

func (p *prefetcher[T]) run() {
	defer close(p.out)
	in := p.up.output()
	for {
		var r result[T]
		select {
		case v, ok := <-in:
			if !ok {
				return
			}
			r = v
		case <-p.life.done:
			return
		}
		select {
		case p.out <- r:
		case <-p.life.done:
			p.heldc <- r
			return
		}
	}
}

func (p *prefetcher[T]) drain(put func(T)) {
	drainChan(p.heldc, put)
	drainChan(p.out, put)
	p.up.drain(put)
}

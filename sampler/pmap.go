package sampler

import "sync/atomic"

// result is one element of a stage's output: a value, or the error that ends
// the stream.
type result[T any] struct {
	v   T
	err error
}

// producer is a stage running on its own goroutines. Its output channel
// yields the stream in order, ends with at most one error, and is closed at
// the end of the stream or when the pipeline stops.
type producer[T any] interface {
	output() <-chan result[T]
	// drain hands to put every value still held by the stage. It may be
	// called only after the stage's goroutines have exited.
	drain(put func(T))
}

// orderedMap is the parallel ordered map: it runs fn(worker, k) for
// k = 0..n-1 on a fixed set of worker goroutines and emits the results in
// order of k, whichever worker finishes first. worker, in [0, workers), lets
// fn keep per-goroutine scratch. At most window jobs are claimed but not yet
// emitted, which bounds the memory held and how far the workers run ahead of a
// slow job. Nothing is emitted after an error.
//
// Flow control: tokens starts with window tokens; a worker takes one before
// claiming the next k from the counter, and the collector returns one after
// emitting each result. So a claimed k is less than window plus the number of
// results emitted, and slot k%window, a channel of capacity 1, has always been
// emptied of result k-window before result k is sent to it.
type orderedMap[T any] struct {
	n, window int
	fn        func(worker, k int) (T, error)
	next      atomic.Int64 // next k to claim
	tokens    chan struct{}
	slots     []chan result[T]
	out       chan result[T]
	heldc     chan result[T] // results dropped by goroutines that stopped
	life      *lifecycle
}

var _ producer[int] = (*orderedMap[int])(nil)

// startOrderedMap starts the workers (at most n) and the collector.
func startOrderedMap[T any](life *lifecycle, n, workers int, fn func(worker, k int) (T, error)) *orderedMap[T] {
	workers = max(1, min(workers, n))
	window := 2 * workers
	m := &orderedMap[T]{
		n:      n,
		window: window,
		fn:     fn,
		tokens: make(chan struct{}, window),
		slots:  make([]chan result[T], window),
		out:    make(chan result[T]),
		heldc:  make(chan result[T], workers+1),
		life:   life,
	}
	for i := range window {
		m.tokens <- struct{}{}
		m.slots[i] = make(chan result[T], 1)
	}
	for w := range workers {
		life.wg.Go(func() { m.work(w) })
	}
	life.wg.Go(m.collect)
	return m
}

func (m *orderedMap[T]) output() <-chan result[T] { return m.out }

func (m *orderedMap[T]) work(worker int) {
	for {
		select {
		case <-m.tokens:
		case <-m.life.done:
			return
		}
		k := int(m.next.Add(1) - 1)
		if k >= m.n {
			return
		}
		v, err := m.fn(worker, k)
		// The slot is empty (see the type's comment), so this send does not
		// block; done is watched only as a safeguard.
		select {
		case m.slots[k%m.window] <- result[T]{v, err}:
		case <-m.life.done:
			m.heldc <- result[T]{v, err}
			return
		}
	}
}

func (m *orderedMap[T]) collect() {
	defer close(m.out)
	for k := range m.n {
		var r result[T]
		select {
		case r = <-m.slots[k%m.window]:
		case <-m.life.done:
			return
		}
		select {
		case m.out <- r:
		case <-m.life.done:
			m.heldc <- r
			return
		}
		if r.err != nil {
			return
		}
		m.tokens <- struct{}{}
	}
}

func (m *orderedMap[T]) drain(put func(T)) {
	for _, c := range m.slots {
		drainChan(c, put)
	}
	drainChan(m.heldc, put)
	drainChan(m.out, put)
}

// drainChan hands to put the values of every result buffered in c, without
// blocking.
func drainChan[T any](c chan result[T], put func(T)) {
	for {
		select {
		case r, ok := <-c:
			if !ok {
				return
			}
			if r.err == nil {
				put(r.v)
			}
		default:
			return
		}
	}
}

package sampler

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

func TestOrderedMapKeepsOrder(t *testing.T) {
	// Job durations are random, so workers finish out of order; the output
	// must still be 0..n-1 and each job must run once.
	const n = 300
	life := &lifecycle{done: make(chan struct{})}
	delay := make([]time.Duration, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range delay {
		delay[i] = time.Duration(r.IntN(300)) * time.Microsecond
	}
	m := startOrderedMap(life, n, 6, func(w, k int) (int, error) {
		time.Sleep(delay[k])
		return k * 10, nil
	})
	p := startPrefetch(life, m, 3)
	k := 0
	for r := range p.output() {
		if r.err != nil || r.v != k*10 {
			t.Fatalf("result %d: %v, %v; want %d", k, r.v, r.err, k*10)
		}
		k++
	}
	if k != n {
		t.Fatalf("%d results, want %d", k, n)
	}
	life.wg.Wait()
}

func TestOrderedMapStopsAfterError(t *testing.T) {
	life := &lifecycle{done: make(chan struct{})}
	bad := errors.New("bad")
	m := startOrderedMap(life, 100, 4, func(w, k int) (int, error) {
		if k == 10 {
			return 0, bad
		}
		return k, nil
	})
	var got []result[int]
	for r := range m.output() {
		got = append(got, r)
	}
	if len(got) != 11 || got[10].err != bad {
		t.Fatalf("got %d results ending with %v, want 10 values then the error", len(got), got[len(got)-1].err)
	}
	life.stop()
	life.wg.Wait()
}

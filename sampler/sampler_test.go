package sampler

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// testDataset returns n examples of shape [3 2 2] whose values encode the
// example index and the position in the example, and labels i%5.
func testDataset(n int) *dataset.Dataset {
	ds := &dataset.Dataset{Name: "test", Shape: []int{3, 2, 2}, NumClasses: 5}
	size := ds.ExampleSize()
	ds.Images = make([]float32, n*size)
	ds.Labels = make([]int32, n)
	for i := range n {
		ds.Labels[i] = int32(i % 5)
		for t := range size {
			ds.Images[i*size+t] = float32(i) + float32(t)/100
		}
	}
	return ds
}

// noiseFlip is a test augmenter that uses rng for every value: it adds noise
// and reverses the example half of the time.
var noiseFlip = AugmentFunc(func(rng *rand.Rand, x []float32) {
	for i := range x {
		x[i] += rng.Float32()
	}
	if rng.IntN(2) == 0 {
		slices.Reverse(x)
	}
})

// epochRecord is everything an epoch yielded, copied out of the batches.
type epochRecord struct {
	indices []int32
	labels  []int32
	weights []float32
	images  []float32
	sizes   []int
}

// runEpoch drains one epoch, checking Step and N, releasing every batch.
func runEpoch(t testing.TB, s *Sampler, epoch int) epochRecord {
	t.Helper()
	it := s.Epoch(epoch)
	defer it.Close()
	var r epochRecord
	for {
		b, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("epoch %d: Next: %v", epoch, err)
		}
		if b.Step != len(r.sizes) {
			t.Fatalf("epoch %d: batch Step %d, want %d", epoch, b.Step, len(r.sizes))
		}
		if len(b.Indices) != b.N || len(b.Labels) != b.N || len(b.Weights) != b.N || len(b.Images) != b.N*12 {
			t.Fatalf("epoch %d: batch of N=%d has lengths %d %d %d %d", epoch, b.N,
				len(b.Indices), len(b.Labels), len(b.Weights), len(b.Images))
		}
		r.indices = append(r.indices, b.Indices...)
		r.labels = append(r.labels, b.Labels...)
		r.weights = append(r.weights, b.Weights...)
		r.images = append(r.images, b.Images...)
		r.sizes = append(r.sizes, b.N)
		it.Release(b)
	}
	if _, err := it.Next(); err != io.EOF {
		t.Fatalf("epoch %d: Next after io.EOF returned %v, want io.EOF", epoch, err)
	}
	return r
}

func counts(idx []int32, n int) []int {
	c := make([]int, n)
	for _, i := range idx {
		c[i]++
	}
	return c
}

func TestEveryIndexOncePerEpoch(t *testing.T) {
	const n = 103
	s := New(testDataset(n), nil, nil, &Config{BatchSize: 10, Seed: 7, Shuffle: true, Workers: 3})
	for epoch := range 3 {
		r := runEpoch(t, s, epoch)
		if len(r.indices) != n {
			t.Fatalf("epoch %d: %d examples, want %d", epoch, len(r.indices), n)
		}
		for i, c := range counts(r.indices, n) {
			if c != 1 {
				t.Fatalf("epoch %d: index %d appears %d times, want 1", epoch, i, c)
			}
		}
	}
}

func TestUpsampledExamplesRepeat(t *testing.T) {
	const n = 97
	slow := []int{3, 50, 0, 96, 41}
	for _, factor := range []int{2, 3} {
		s := New(testDataset(n), Upsample(n, slow, factor), nil,
			&Config{BatchSize: 8, Seed: 1, Shuffle: true, Workers: 4, Augment: noiseFlip})
		if want := n + (factor-1)*len(slow); s.Len() != want {
			t.Fatalf("factor %d: Len %d, want %d", factor, s.Len(), want)
		}
		for epoch := range 2 {
			r := runEpoch(t, s, epoch)
			c := counts(r.indices, n)
			for i := range n {
				want := 1
				if slices.Contains(slow, i) {
					want = factor
				}
				if c[i] != want {
					t.Fatalf("factor %d epoch %d: index %d appears %d times, want %d", factor, epoch, i, c[i], want)
				}
			}
			// The copies of an example are augmented differently: the
			// generator follows the position, not the index.
			var copies [][]float32
			for j, idx := range r.indices {
				if idx == 50 {
					copies = append(copies, r.images[j*12:(j+1)*12])
				}
			}
			for a := 1; a < len(copies); a++ {
				if slices.Equal(copies[0], copies[a]) {
					t.Fatalf("factor %d epoch %d: copies 0 and %d of example 50 have identical pixels", factor, epoch, a)
				}
			}
		}
	}
}

func TestShuffleOffKeepsListOrder(t *testing.T) {
	list := Upsample(20, []int{4, 9}, 3)
	s := New(testDataset(20), list, nil, &Config{BatchSize: 6, Workers: 3})
	for epoch := range 2 {
		r := runEpoch(t, s, epoch)
		for j, idx := range r.indices {
			if int(idx) != list[j] {
				t.Fatalf("epoch %d position %d: index %d, want %d", epoch, j, idx, list[j])
			}
		}
	}
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	const n = 211
	ds := testDataset(n)
	list := Upsample(n, []int{1, 2, 3, 100}, 2)
	// slowAug makes some examples slow, so that with several workers batches
	// finish out of order and the ordered map has to reorder them.
	slowAug := AugmentFunc(func(rng *rand.Rand, x []float32) {
		if int(x[0])%9 == 0 {
			time.Sleep(200 * time.Microsecond)
		}
		noiseFlip(rng, x)
	})
	cfg := func(workers, prefetch int) *Config {
		return &Config{BatchSize: 5, Seed: 42, Shuffle: true, Workers: workers, Prefetch: prefetch, Augment: slowAug}
	}
	ref := New(ds, list, nil, cfg(1, 1))
	others := map[string]*Sampler{
		"workers=4":  New(ds, list, nil, cfg(4, 0)),
		"workers=13": New(ds, list, nil, cfg(13, 7)),
	}
	for epoch := range 2 {
		want := runEpoch(t, ref, epoch)
		if slices.Equal(want.images[:12], ds.Images[int(want.indices[0])*12:][:12]) {
			t.Fatal("augmenter did not change the pixels")
		}
		for name, s := range others {
			got := runEpoch(t, s, epoch)
			if !slices.Equal(got.indices, want.indices) {
				t.Fatalf("%s epoch %d: order differs from workers=1", name, epoch)
			}
			if !slices.Equal(got.images, want.images) {
				t.Fatalf("%s epoch %d: augmented pixels differ from workers=1", name, epoch)
			}
		}
		// Same again with one OS thread running Go code.
		prev := runtime.GOMAXPROCS(1)
		got := runEpoch(t, others["workers=4"], epoch)
		runtime.GOMAXPROCS(prev)
		if !slices.Equal(got.indices, want.indices) || !slices.Equal(got.images, want.images) {
			t.Fatalf("GOMAXPROCS=1 epoch %d: batches differ", epoch)
		}
	}
}

func TestOrderDependsOnEpochAndSeed(t *testing.T) {
	const n = 50
	ds := testDataset(n)
	mk := func(seed uint64) *Sampler {
		return New(ds, nil, nil, &Config{BatchSize: 7, Seed: seed, Shuffle: true, Workers: 2, Augment: noiseFlip})
	}
	a, a2, b := mk(1), mk(1), mk(2)
	e0, e1 := runEpoch(t, a, 0), runEpoch(t, a, 1)
	if slices.Equal(e0.indices, e1.indices) {
		t.Error("epochs 0 and 1 have the same order")
	}
	if again := runEpoch(t, a, 0); !slices.Equal(again.indices, e0.indices) || !slices.Equal(again.images, e0.images) {
		t.Error("epoch 0 run twice on one sampler differs")
	}
	if other := runEpoch(t, a2, 0); !slices.Equal(other.indices, e0.indices) || !slices.Equal(other.images, e0.images) {
		t.Error("two samplers with the same seed differ")
	}
	if other := runEpoch(t, b, 0); slices.Equal(other.indices, e0.indices) {
		t.Error("seeds 1 and 2 give the same order")
	}
}

func TestShuffleIsUniform(t *testing.T) {
	// All 6 permutations of 3 elements must be about equally likely; a
	// classic off-by-one (Sattolo's algorithm) would give only 2 of them.
	const epochs = 6000
	seen := map[[3]int32]int{}
	sh := shuffler{seed: 99}
	for e := range epochs {
		o := sh.apply(e, []int32{0, 1, 2})
		seen[[3]int32(o)]++
	}
	if len(seen) != 6 {
		t.Fatalf("%d distinct permutations, want 6: %v", len(seen), seen)
	}
	for p, c := range seen {
		if c < 800 || c > 1200 {
			t.Errorf("permutation %v drawn %d times in %d, want about 1000", p, c, epochs)
		}
	}
}

func TestBatchContentMatchesDataset(t *testing.T) {
	const n = 64
	ds := testDataset(n)
	weights := make([]float32, n)
	for i := range weights {
		weights[i] = 0.5 + float32(i)
	}
	list := Upsample(n, []int{5, 6}, 2)
	for _, w := range [][]float32{weights, nil} {
		s := New(ds, list, w, &Config{BatchSize: 9, Seed: 3, Shuffle: true, Workers: 3})
		it := s.Epoch(0)
		for {
			b, err := it.Next()
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			for j, idx := range b.Indices {
				if b.Labels[j] != ds.Labels[idx] {
					t.Fatalf("step %d row %d: label %d, want %d", b.Step, j, b.Labels[j], ds.Labels[idx])
				}
				wantW := float32(1)
				if w != nil {
					wantW = w[idx]
				}
				if b.Weights[j] != wantW {
					t.Fatalf("step %d row %d: weight %v, want %v", b.Step, j, b.Weights[j], wantW)
				}
				if !slices.Equal(b.Images[j*12:(j+1)*12], ds.Example(int(idx))) {
					t.Fatalf("step %d row %d: pixels differ from example %d", b.Step, j, idx)
				}
			}
			it.Release(b)
		}
	}
}

func TestNewCopiesItsInputs(t *testing.T) {
	ds := testDataset(10)
	list := []int{1, 2, 3}
	w := make([]float32, 10)
	cfg := &Config{BatchSize: 3}
	s := New(ds, list, w, cfg)
	list[0], w[1], cfg.BatchSize = 9, 5, 1
	r := runEpoch(t, s, 0)
	if !slices.Equal(r.indices, []int32{1, 2, 3}) || r.weights[0] != 0 || len(r.sizes) != 1 {
		t.Fatalf("sampler saw later changes to its inputs: %+v", r)
	}
}

func TestDropRemainder(t *testing.T) {
	for _, tc := range []struct {
		n, batch    int
		drop        bool
		steps, last int
	}{
		{103, 10, false, 11, 3},
		{103, 10, true, 10, 10},
		{100, 10, false, 10, 10},
		{100, 10, true, 10, 10},
		{7, 10, false, 1, 7},
		{7, 10, true, 0, 0},
		{0, 4, false, 0, 0},
	} {
		t.Run(fmt.Sprintf("n=%d,batch=%d,drop=%v", tc.n, tc.batch, tc.drop), func(t *testing.T) {
			s := New(testDataset(tc.n), nil, nil, &Config{BatchSize: tc.batch, Shuffle: true, DropRemainder: tc.drop})
			if s.StepsPerEpoch() != tc.steps {
				t.Errorf("StepsPerEpoch %d, want %d", s.StepsPerEpoch(), tc.steps)
			}
			r := runEpoch(t, s, 0)
			if len(r.sizes) != tc.steps {
				t.Fatalf("%d batches, want %d", len(r.sizes), tc.steps)
			}
			for i, sz := range r.sizes {
				want := tc.batch
				if i == len(r.sizes)-1 {
					want = tc.last
				}
				if sz != want {
					t.Errorf("batch %d has %d examples, want %d", i, sz, want)
				}
			}
			if want := tc.steps * tc.batch; tc.drop && len(r.indices) != want {
				t.Errorf("%d examples drawn, want %d", len(r.indices), want)
			}
		})
	}
	// With upsampling the steps count the duplicates.
	s := New(testDataset(95), Upsample(95, []int{1, 2, 3, 4, 5}, 3), nil, &Config{BatchSize: 10})
	if s.StepsPerEpoch() != 11 || len(runEpoch(t, s, 0).sizes) != 11 {
		t.Errorf("upsampled list of 105: StepsPerEpoch %d, want 11", s.StepsPerEpoch())
	}
}

// waitGoroutines waits up to 2s for the goroutine count to fall to want.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left, want %d:\n%s", runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCloseMidEpochStopsGoroutines(t *testing.T) {
	s := New(testDataset(1000), nil, nil, &Config{BatchSize: 2, Shuffle: true, Workers: 4, Augment: noiseFlip})
	before := runtime.NumGoroutine()
	it := s.Epoch(0)
	for range 3 {
		b, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		it.Release(b)
	}
	kept, err := it.Next()
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(kept.Indices)
	if n := runtime.NumGoroutine(); n < before+6 {
		t.Fatalf("%d goroutines mid-epoch, want at least %d (workers, collector, prefetcher)", n, before+6)
	}
	it.Close()
	waitGoroutines(t, before)
	it.Close() // idempotent
	if _, err := it.Next(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after Close: %v, want ErrClosed", err)
	}
	if !slices.Equal(kept.Indices, want) {
		t.Fatal("a batch returned before Close was modified by Close")
	}
	it.Release(kept)
	// The sampler still works after an early Close.
	if r := runEpoch(t, s, 1); len(r.indices) != 1000 {
		t.Fatalf("next epoch drew %d examples, want 1000", len(r.indices))
	}
	waitGoroutines(t, before)
}

func TestCloseFromAnotherGoroutine(t *testing.T) {
	s := New(testDataset(5000), nil, nil, &Config{BatchSize: 3, Shuffle: true, Workers: 3})
	before := runtime.NumGoroutine()
	it := s.Epoch(0)
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(2 * time.Millisecond)
		it.Close()
	})
	var err error
	for err == nil {
		var b *Batch
		if b, err = it.Next(); err == nil {
			it.Release(b)
		}
	}
	wg.Wait()
	if err != io.EOF && !errors.Is(err, ErrClosed) {
		t.Fatalf("Next: %v, want ErrClosed or io.EOF", err)
	}
	waitGoroutines(t, before)
}

func TestAbandonedIteratorIsStopped(t *testing.T) {
	s := New(testDataset(1000), nil, nil, &Config{BatchSize: 2, Workers: 4})
	before := runtime.NumGoroutine()
	func() {
		it := s.Epoch(0)
		if _, err := it.Next(); err != nil {
			t.Fatal(err)
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left after the iterator was dropped, want %d", runtime.NumGoroutine(), before)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

func TestGoroutinesExitAtEOF(t *testing.T) {
	s := New(testDataset(100), nil, nil, &Config{BatchSize: 7, Workers: 5})
	before := runtime.NumGoroutine()
	runEpoch(t, s, 0)
	waitGoroutines(t, before)
}

func TestAugmenterPanicBecomesError(t *testing.T) {
	bad := AugmentFunc(func(rng *rand.Rand, x []float32) {
		if int(x[0]) == 33 {
			panic("boom")
		}
	})
	s := New(testDataset(100), nil, nil, &Config{BatchSize: 4, Workers: 3, Augment: bad})
	before := runtime.NumGoroutine()
	it := s.Epoch(0)
	var err error
	steps := 0
	for err == nil {
		var b *Batch
		if b, err = it.Next(); err == nil {
			steps++
			it.Release(b)
		}
	}
	if err == io.EOF || !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), "dataset index 33") {
		t.Fatalf("Next: %v, want the augmenter's panic naming dataset index 33", err)
	}
	if steps != 33/4 {
		t.Errorf("%d batches before the error, want %d", steps, 33/4)
	}
	if _, err2 := it.Next(); err2 != err {
		t.Errorf("Next after an error: %v, want the same error", err2)
	}
	waitGoroutines(t, before)
}

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", name)
			return
		}
		if msg := fmt.Sprint(r); !strings.HasPrefix(msg, "sampler: ") {
			t.Errorf("%s: panic %q lacks the sampler: prefix", name, msg)
		}
	}()
	f()
}

func TestProgrammerMistakesPanic(t *testing.T) {
	ds := testDataset(10)
	good := &Config{BatchSize: 2}
	broken := testDataset(10)
	broken.Images = broken.Images[:50]
	for name, f := range map[string]func(){
		"nil dataset":       func() { New(nil, nil, nil, good) },
		"nil config":        func() { New(ds, nil, nil, nil) },
		"batch size 0":      func() { New(ds, nil, nil, &Config{}) },
		"negative workers":  func() { New(ds, nil, nil, &Config{BatchSize: 1, Workers: -1}) },
		"negative prefetch": func() { New(ds, nil, nil, &Config{BatchSize: 1, Prefetch: -1}) },
		"index too big":     func() { New(ds, []int{0, 10}, nil, good) },
		"negative index":    func() { New(ds, []int{-1}, nil, good) },
		"weights length":    func() { New(ds, nil, make([]float32, 9), good) },
		"image length":      func() { New(broken, nil, nil, good) },
		"negative epoch":    func() { New(ds, nil, nil, good).Epoch(-1) },
	} {
		mustPanic(t, name, f)
	}
}

func TestReleaseMistakesPanic(t *testing.T) {
	s := New(testDataset(10), nil, nil, &Config{BatchSize: 2})
	other := New(testDataset(10), nil, nil, &Config{BatchSize: 2})
	it, ot := s.Epoch(0), other.Epoch(0)
	defer it.Close()
	defer ot.Close()
	b, err := it.Next()
	if err != nil {
		t.Fatal(err)
	}
	mustPanic(t, "foreign batch", func() { ot.Release(b) })
	mustPanic(t, "user-made batch", func() { it.Release(&Batch{}) })
	it.Release(nil)
	// Finish the epoch first: a released buffer may be handed to a worker
	// at once, so reading b after Release is only race-free once no worker
	// runs.
	for {
		if _, err := it.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	it.Release(b)
	if b.Images != nil || b.N != 0 {
		t.Error("Release did not clear the batch")
	}
	mustPanic(t, "double release", func() { it.Release(b) })
}

func TestReleaseRecyclesBuffers(t *testing.T) {
	// 500 batches per epoch: with Release, the per-epoch setup is all that
	// allocates, well under one allocation per batch; without it, every batch
	// costs its five allocations.
	s := New(testDataset(2000), nil, nil, &Config{BatchSize: 4, Seed: 5, Shuffle: true, Workers: 3, Augment: noiseFlip})
	steps := float64(s.StepsPerEpoch())
	drain := func(release bool) {
		it := s.Epoch(1)
		for {
			b, err := it.Next()
			if err != nil {
				break
			}
			if release {
				it.Release(b)
			}
		}
	}
	drain(true) // fill the free list
	with := testing.AllocsPerRun(5, func() { drain(true) }) / steps
	without := testing.AllocsPerRun(5, func() { drain(false) }) / steps
	t.Logf("allocations per batch: %.3f with Release, %.3f without", with, without)
	if with > 0.25 {
		t.Errorf("%.3f allocations per batch with Release, want < 0.25", with)
	}
	if without < 4 {
		t.Errorf("%.3f allocations per batch without Release, want >= 4 (is the measurement broken?)", without)
	}
	// The buffers in circulation stay few.
	seen := map[*Batch]bool{}
	for epoch := range 3 {
		it := s.Epoch(epoch)
		for {
			b, err := it.Next()
			if err != nil {
				break
			}
			seen[b] = true
			it.Release(b)
		}
	}
	if len(seen) > cap(s.batch.pool.free) {
		t.Errorf("%d distinct buffers over 3 epochs, want at most %d", len(seen), cap(s.batch.pool.free))
	}
}

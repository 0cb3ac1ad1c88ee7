package sampler

import (
	"fmt"
	"math"
	"runtime"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// Sampler draws batches from a dataset, one [Iterator] per epoch. It is safe
// for concurrent use; its iterators share one free list of batch buffers.
type Sampler struct {
	cfg    Config
	source *indexSource
	stages []orderStage // source, then shuffle if enabled
	batch  *batcher
}

// New builds a sampler over ds that draws the examples listed in indices.
//
// indices may hold duplicates: an index listed f times appears f times per
// epoch (this is how [Upsample] oversamples examples); nil means every index
// 0..ds.Len()-1 once; an empty non-nil list gives empty epochs. weights holds
// one loss weight per dataset example, Batch.Weights[j] being
// weights[Batch.Indices[j]]; nil means 1 for every example. New copies
// indices, weights and cfg; ds is kept and read, never written, and must not
// change while the sampler is in use.
//
// New panics (with a "sampler: " message) if ds or cfg is nil, if a Config
// field is out of range (see [Config]), if the dataset's store (Pixels, or
// Images when Pixels is nil) does not hold ds.Len()*ds.ExampleSize() values, if ds has more than MaxInt32 examples, if an
// index is outside [0, ds.Len()) or if weights is non-nil with a length other
// than ds.Len().
func New(ds *dataset.Dataset, indices []int, weights []float32, cfg *Config) *Sampler {
	if ds == nil {
		panic("sampler: nil Dataset")
	}
	c := cfg.resolved()
	n, size := ds.Len(), ds.ExampleSize()
	if n > math.MaxInt32 {
		panic(fmt.Sprintf("sampler: dataset %q has %d examples, more than MaxInt32", ds.Name, n))
	}
	if ds.Pixels != nil && len(ds.Pixels) != n*size {
		panic(fmt.Sprintf("sampler: dataset %q has %d pixels for %d examples of shape %v, want %d",
			ds.Name, len(ds.Pixels), n, ds.Shape, n*size))
	}
	if ds.Pixels == nil && len(ds.Images) != n*size {
		panic(fmt.Sprintf("sampler: dataset %q has %d image values for %d examples of shape %v, want %d",
			ds.Name, len(ds.Images), n, ds.Shape, n*size))
	}
	if weights != nil && len(weights) != n {
		panic(fmt.Sprintf("sampler: %d weights for dataset %q of %d examples", len(weights), ds.Name, n))
	}
	var list []int32
	if indices == nil {
		list = make([]int32, n)
		for i := range list {
			list[i] = int32(i)
		}
	} else {
		list = make([]int32, len(indices))
		for i, idx := range indices {
			if idx < 0 || idx >= n {
				panic(fmt.Sprintf("sampler: indices[%d] is %d, outside dataset %q of %d examples", i, idx, ds.Name, n))
			}
			list[i] = int32(idx)
		}
	}
	if weights != nil {
		weights = append([]float32(nil), weights...)
	}
	s := &Sampler{cfg: c, source: &indexSource{list: list}}
	s.stages = []orderStage{s.source}
	if c.Shuffle {
		s.stages = append(s.stages, shuffler{seed: c.Seed})
	}
	// A running epoch holds at most 2*Workers batches in the ordered map,
	// Prefetch+1 in the prefetcher and a few with the consumer.
	keep := 2*c.Workers + c.Prefetch + 4
	classes := 0
	if c.MixUpAlpha > 0 {
		classes = c.NumClasses
		if classes == 0 {
			classes = ds.NumClasses
		}
		if classes < ds.NumClasses {
			panic(fmt.Sprintf("sampler: NumClasses is %d, less than the %d classes of dataset %q", classes, ds.NumClasses, ds.Name))
		}
	}
	s.batch = &batcher{
		size:    c.BatchSize,
		drop:    c.DropRemainder,
		alpha:   c.MixUpAlpha,
		classes: classes,
		pool:    newBatchPool(c.BatchSize, size, classes, keep),
		mapper: &exampleMap{
			pixels:  ds.Pixels,
			images:  ds.Images,
			labels:  ds.Labels,
			weights: weights,
			size:    size,
			aug:     c.Augment,
			seed:    c.Seed,
		},
	}
	return s
}

// Len returns the number of examples drawn per epoch, the length of the index
// list (including duplicates), whether or not DropRemainder discards some.
func (s *Sampler) Len() int { return s.source.len() }

// StepsPerEpoch returns the number of batches in every epoch: Len()/BatchSize
// rounded down with DropRemainder, up without it.
func (s *Sampler) StepsPerEpoch() int { return s.batch.count(s.source.len()) }

// Epoch starts pass number epoch (from 0) over the index list and returns its
// iterator. Worker goroutines start at once and prefetch the first batches.
// The batches depend only on the sampler and epoch (see the package
// documentation on determinism); calling Epoch twice with the same number
// yields the same batches. Epoch panics if epoch is negative.
//
// The caller should call [Iterator.Close] unless Next has returned io.EOF or
// an error; an iterator dropped without that is stopped when the garbage
// collector finds it, later.
func (s *Sampler) Epoch(epoch int) *Iterator {
	if epoch < 0 {
		panic(fmt.Sprintf("sampler: epoch %d, want >= 0", epoch))
	}
	var order []int32
	for _, st := range s.stages {
		order = st.apply(epoch, order)
	}
	steps := s.batch.count(len(order))
	p := startPipeline(s.batch, s.cfg.Workers, s.cfg.Prefetch, epoch, order, steps)
	it := &Iterator{p: p, out: p.last.output(), steps: steps}
	runtime.AddCleanup(it, func(p *pipeline) { p.life.stop() }, p)
	return it
}

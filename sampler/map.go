package sampler

import "math/rand/v2"

// exampleMap is the per-example map step: it copies example idx out of the
// dataset into a batch row and, if an Augmenter is set, augments it in place
// with a generator seeded from (seed, epoch, position in the epoch). The
// result depends only on those values, not on the worker that runs it.
type exampleMap struct {
	images  []float32 // the dataset's values, read only
	labels  []int32   // the dataset's labels, read only
	weights []float32 // per dataset index; nil means 1
	size    int       // values per example
	aug     Augmenter // nil means none
	seed    uint64
}

// mapState is the per-worker scratch of the map: a generator reseeded for
// every example, so that running the map allocates nothing.
type mapState struct {
	src *rand.PCG
	rng *rand.Rand
}

func newMapState() *mapState {
	src := rand.NewPCG(0, 0)
	return &mapState{src: src, rng: rand.New(src)}
}

// apply writes example idx, at position pos of epoch, into dst (len size) and
// returns its label and loss weight.
func (m *exampleMap) apply(st *mapState, epoch, pos int, idx int32, dst []float32) (label int32, weight float32) {
	off := int(idx) * m.size
	src := m.images[off : off+m.size]
	if m.aug == nil {
		copy(dst, src)
	} else {
		st.src.Seed(deriveSeed(m.seed, streamAugment, epoch, pos))
		if ca, ok := m.aug.(CopyAugmenter); ok {
			ca.AugmentCopy(st.rng, dst, src)
		} else {
			copy(dst, src)
			m.aug.Augment(st.rng, dst)
		}
	}
	weight = 1
	if m.weights != nil {
		weight = m.weights[idx]
	}
	return m.labels[idx], weight
}

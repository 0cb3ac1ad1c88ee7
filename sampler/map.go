package sampler

import (
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// exampleMap is the per-example map step: it copies example idx out of the
// dataset into a batch row (converting pixels to float32) and, if an
// Augmenter is set, augments it in place with a generator seeded from (seed,
// epoch, position in the epoch). The result depends only on those values,
// not on the worker that runs it.
type exampleMap struct {
	pixels  []uint8   // the dataset's pixels, read only; nil for float32 data
	images  []float32 // the dataset's float32 values, read only
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
	if m.pixels != nil {
		m.applyPixels(st, epoch, pos, m.pixels[off:off+m.size], dst)
		return m.labelWeight(idx)
	}
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
	return m.labelWeight(idx)
}

// applyPixels writes the float32 values of src, augmented, into dst.
func (m *exampleMap) applyPixels(st *mapState, epoch, pos int, src []uint8, dst []float32) {
	if m.aug == nil {
		toFloat32(dst, src)
		return
	}
	st.src.Seed(deriveSeed(m.seed, streamAugment, epoch, pos))
	if pa, ok := m.aug.(PixelAugmenter); ok {
		pa.AugmentPixels(st.rng, dst, src)
		return
	}
	toFloat32(dst, src)
	m.aug.Augment(st.rng, dst)
}

// labelWeight returns the label and loss weight of example idx.
func (m *exampleMap) labelWeight(idx int32) (label int32, weight float32) {
	weight = 1
	if m.weights != nil {
		weight = m.weights[idx]
	}
	return m.labels[idx], weight
}

// toFloat32 writes float32(v)/255 for each pixel v of src into dst.
func toFloat32(dst []float32, src []uint8) {
	lut := &dataset.PixelValue
	for i, v := range src {
		dst[i] = lut[v]
	}
}

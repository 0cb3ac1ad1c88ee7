package augment

import (
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// CropFlip is an [sampler.Augmenter] doing torchvision's
// RandomCrop((H, W), padding=Pad) followed by RandomHorizontalFlip(p=0.5) on
// an H x W x C image: the image is padded with Pad zeros on every side, an
// H x W window is taken at a uniformly random offset (top and left each in
// 0..2*Pad), and the result is mirrored left-right with probability 0.5.
//
// The crop is done in place by shifting rows (no scratch buffer, no
// allocation), so CropFlip is safe for concurrent use.
type CropFlip struct {
	// H, W, C give the image shape (HWC).
	H, W, C int
	// Pad is the zero padding on each side, e.g. 4 for 32x32 CIFAR images.
	Pad int
}

// CropFlip implements sampler.Augmenter.
var _ sampler.Augmenter = CropFlip{}

// Augment crops and maybe flips x in place. It draws, in this order, the top
// offset (rng.IntN(2*Pad+1)), the left offset (same) and the flip
// (rng.Float64() < 0.5), as torchvision draws them. It panics if len(x) is
// not H*W*C or if Pad is negative.
func (cf CropFlip) Augment(rng *rand.Rand, x []float32) {
	cf.check(x, x)
	top, left, flip := cf.draw(rng)
	cropFlip(x, cf.H, cf.W, cf.C, cf.Pad, top, left, flip)
}

// draw makes the random choices of one Augment call: the window offsets in
// the padded image and whether to flip.
func (cf CropFlip) draw(rng *rand.Rand) (top, left int, flip bool) {
	top = rng.IntN(2*cf.Pad + 1)
	left = rng.IntN(2*cf.Pad + 1)
	flip = rng.Float64() < 0.5
	return top, left, flip
}

// cropFlip replaces x (h x w x c) by the h x w window at (top, left) of x
// padded with pad zeros on each side, mirrored left-right if flip is set.
// It works in place: output pixel (y, i) reads input pixel
// (y+top-pad, i+left-pad), so rows are visited in the direction that never
// overwrites a row before it has been read.
func cropFlip(x []float32, h, w, c, pad, top, left int, flip bool) {
	dy, dx := top-pad, left-pad
	if dy != 0 || dx != 0 {
		rowLen := w * c
		// Columns of the output row that have a source: [lo, hi).
		lo, hi := max(0, -dx), min(w, w-dx)
		for k := 0; k < h; k++ {
			y := k
			if dy < 0 {
				y = h - 1 - k // read rows above: go bottom up
			}
			row := x[y*rowLen : (y+1)*rowLen]
			sy := y + dy
			if sy < 0 || sy >= h || lo >= hi {
				clear(row)
				continue
			}
			srow := x[sy*rowLen : (sy+1)*rowLen]
			// copy is a memmove, so the same-row case (dy == 0) is fine.
			copy(row[lo*c:hi*c], srow[(lo+dx)*c:(hi+dx)*c])
			clear(row[:lo*c])
			clear(row[hi*c:])
		}
	}
	if flip {
		flipRows(x, h, w, c)
	}
}

// flipRows mirrors an h x w x c image left-right in place.
func flipRows(x []float32, h, w, c int) {
	rowLen := w * c
	for y := 0; y < h; y++ {
		row := x[y*rowLen : (y+1)*rowLen]
		for i, j := 0, w-1; i < j; i, j = i+1, j-1 {
			a, b := row[i*c:(i+1)*c], row[j*c:(j+1)*c]
			for k := range a {
				a[k], b[k] = b[k], a[k]
			}
		}
	}
}

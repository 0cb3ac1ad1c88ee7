package augment

import (
	"fmt"
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// For float32 datasets (see pixels.go for the pixel datasets, which all
// image datasets are) the sampler copies each example out of the dataset
// and then augments the copy in place. For single-channel images (MNIST, Fashion-MNIST) and the
// common chains (crop/flip, crop/flip then normalisation, normalisation) the
// steps fuse into one pass from the dataset's values into the batch row:
// every output value is read once from its source pixel (or is padding) and
// normalised on the way: 1.3 us instead of 2.2 us per 28x28 image
// (BenchmarkCropFlipNormalize28x28). For more channels the per-pixel loops
// were slower than copy + the in-place passes (11.6 vs 6.9 us at 32x32x3),
// so those keep the unfused path. The results are bit for bit those of
// copy + Augment (same float32 operations, same draws; tested).

var (
	_ sampler.CopyAugmenter = CropFlip{}
	_ sampler.CopyAugmenter = (*chain)(nil)
)

// AugmentCopy writes the crop and maybe flip of src into dst (see
// sampler.CopyAugmenter).
func (cf CropFlip) AugmentCopy(rng *rand.Rand, dst, src []float32) {
	if cf.C != 1 {
		copy(dst, src)
		cf.Augment(rng, dst)
		return
	}
	cf.check(dst, src)
	top, left, flip := cf.draw(rng)
	cropFlipFrom(dst, src, cf.H, cf.W, cf.C, cf.Pad, top, left, flip, nil)
}

func (cf CropFlip) check(dst, src []float32) {
	checkShape("CropFlip", len(src), cf.H, cf.W, cf.C)
	if len(dst) != len(src) {
		panic(fmt.Sprintf("augment: CropFlip: dst has %d values, src %d", len(dst), len(src)))
	}
	if cf.Pad < 0 {
		panic(fmt.Sprintf("augment: CropFlip: negative Pad %d", cf.Pad))
	}
}

// AugmentCopy applies the chain to a copy of src in dst (see
// sampler.CopyAugmenter), fusing a leading CropFlip (and a Normalize right
// after it), or a leading Normalize, into the copy.
func (ch *chain) AugmentCopy(rng *rand.Rand, dst, src []float32) {
	if len(ch.augs) == 0 {
		copy(dst, src)
		return
	}
	cf, ok := ch.augs[0].(CropFlip)
	if !ok || cf.C != 1 {
		if n, ok := ch.augs[0].(Normalize); ok && len(n.Mean) == 1 && n.valid() && len(dst) == len(src) {
			normalizeFrom(dst, src, n)
			for _, a := range ch.augs[1:] {
				a.Augment(rng, dst)
			}
			return
		}
		copy(dst, src)
		ch.Augment(rng, dst)
		return
	}
	cf.check(dst, src)
	top, left, flip := cf.draw(rng)
	rest := ch.augs[1:]
	var norm *Normalize
	if len(rest) > 0 {
		if n, ok := rest[0].(Normalize); ok && len(n.Mean) == cf.C && n.valid() {
			norm, rest = &n, rest[1:]
		}
	}
	cropFlipFrom(dst, src, cf.H, cf.W, cf.C, cf.Pad, top, left, flip, norm)
	for _, a := range rest {
		a.Augment(rng, dst)
	}
}

// valid reports whether Augment would accept n's parameters (it panics on
// the rest, which the unfused path then reports).
func (n Normalize) valid() bool {
	if len(n.Mean) == 0 || len(n.Std) != len(n.Mean) {
		return false
	}
	for _, s := range n.Std {
		if s == 0 {
			return false
		}
	}
	return true
}

// cropFlipFrom writes into dst what cropFlip(copy of src, ...) followed by
// norm (if not nil) leaves: output pixel (y, x) is source pixel
// (y+top-pad, cx+left-pad) with cx = w-1-x when flipped, else x; pixels
// outside the source are zeros (normalised: (0-mean)/std).
func cropFlipFrom(dst, src []float32, h, w, c, pad, top, left int, flip bool, norm *Normalize) {
	dy, dx := top-pad, left-pad
	rowLen := w * c
	var zero [4]float32
	zeros := zero[:0]
	if norm != nil {
		if c <= len(zero) {
			zeros = zero[:c]
		} else {
			zeros = make([]float32, c)
		}
		for k := range c {
			zeros[k] = (0 - norm.Mean[k]) / norm.Std[k]
		}
	}
	fill := func(row []float32) {
		if norm == nil {
			clear(row)
			return
		}
		for p := 0; p < len(row); p += c {
			copy(row[p:p+c], zeros)
		}
	}
	// Output columns with a source pixel, before any flip: [lo, hi).
	lo, hi := max(0, -dx), min(w, w-dx)
	for y := range h {
		drow := dst[y*rowLen : (y+1)*rowLen]
		sy := y + dy
		if sy < 0 || sy >= h || lo >= hi {
			fill(drow)
			continue
		}
		srow := src[sy*rowLen : (sy+1)*rowLen]
		if !flip {
			fill(drow[:lo*c])
			fill(drow[hi*c:])
			seg, s := drow[lo*c:hi*c], srow[(lo+dx)*c:(hi+dx)*c]
			if norm == nil {
				copy(seg, s)
			} else if c == 1 {
				m, sd := norm.Mean[0], norm.Std[0]
				for i, v := range s {
					seg[i] = (v - m) / sd
				}
			} else {
				normalizePixels(seg, s, norm.Mean, norm.Std)
			}
			continue
		}
		// Flipped: output column x is unflipped column w-1-x, so the
		// columns with a source are (w-hi, w-lo]; x reads source column
		// w-1-x+dx.
		fill(drow[:(w-hi)*c])
		fill(drow[(w-lo)*c:])
		if c == 1 {
			// Output column x reads source column w-1-x+dx.
			base := w - 1 + dx
			if norm == nil {
				for x := w - hi; x < w-lo; x++ {
					drow[x] = srow[base-x]
				}
			} else {
				m, sd := norm.Mean[0], norm.Std[0]
				for x := w - hi; x < w-lo; x++ {
					drow[x] = (srow[base-x] - m) / sd
				}
			}
			continue
		}
		for x := w - hi; x < w-lo; x++ {
			sx := w - 1 - x + dx
			o, p := drow[x*c:(x+1)*c], srow[sx*c:(sx+1)*c]
			if norm == nil {
				copy(o, p)
				continue
			}
			for k, v := range p {
				o[k] = (v - norm.Mean[k]) / norm.Std[k]
			}
		}
	}
}

// normalizeFrom writes src normalised by n into dst.
func normalizeFrom(dst, src []float32, n Normalize) {
	c := len(n.Mean)
	if c == 1 {
		m, sd := n.Mean[0], n.Std[0]
		for i, v := range src {
			dst[i] = (v - m) / sd
		}
		return
	}
	normalizePixels(dst, src, n.Mean, n.Std)
}

// normalizePixels writes (src - mean) / std channel by channel, pixel by
// pixel (len(mean) channels; no modulo per value).
func normalizePixels(dst, src, mean, std []float32) {
	c := len(mean)
	for p := 0; p+c <= len(src); p += c {
		d, s := dst[p:p+c:p+c], src[p:p+c:p+c]
		for k := range c {
			d[k] = (s[k] - mean[k]) / std[k]
		}
	}
}

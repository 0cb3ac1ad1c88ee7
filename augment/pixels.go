package augment

import (
	"fmt"
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// Image datasets hold their pixels as bytes; the sampler hands them to
// AugmentPixels, which converts them to float32 in the same pass that crops,
// flips and normalises (for any channel count): each output value is one
// table lookup, tab[k][pixel], where the table of channel k holds
// (v/255-mean)/std for every byte v (or v/255 without normalisation). The
// tables are computed with the float32 operations of the unfused path, so
// the results are bit for bit those of converting and then calling Augment
// (tested). Augmenters of a Chain after the fused CropFlip and Normalize
// (TrivialAugmentWide) then run in place on the float32 values.

var (
	_ sampler.PixelAugmenter = CropFlip{}
	_ sampler.PixelAugmenter = Normalize{}
	_ sampler.PixelAugmenter = (*chain)(nil)
)

// AugmentPixels writes the crop and maybe flip of the pixels src, as
// float32, into dst (see sampler.PixelAugmenter).
func (cf CropFlip) AugmentPixels(rng *rand.Rand, dst []float32, src []uint8) {
	cf.checkPixels(dst, src)
	top, left, flip := cf.draw(rng)
	cropFlipPixels(dst, src, cf.H, cf.W, cf.C, cf.Pad, top, left, flip, dataset.PixelValue[:], 0)
}

func (cf CropFlip) checkPixels(dst []float32, src []uint8) {
	checkShape("CropFlip", len(src), cf.H, cf.W, cf.C)
	if len(dst) != len(src) {
		panic(fmt.Sprintf("augment: CropFlip: dst has %d values, src %d", len(dst), len(src)))
	}
	if cf.Pad < 0 {
		panic(fmt.Sprintf("augment: CropFlip: negative Pad %d", cf.Pad))
	}
}

// AugmentPixels writes the pixels src normalised into dst (see
// sampler.PixelAugmenter).
func (n Normalize) AugmentPixels(rng *rand.Rand, dst []float32, src []uint8) {
	toFloat32(dst, src)
	n.Augment(rng, dst)
}

// AugmentPixels applies the chain to the float32 values of src in dst (see
// sampler.PixelAugmenter): a leading CropFlip, and a Normalize right after
// it (or leading), are fused into the conversion; the rest run in place.
func (ch *chain) AugmentPixels(rng *rand.Rand, dst []float32, src []uint8) {
	switch {
	case ch.crop != nil:
		cf := *ch.crop
		cf.checkPixels(dst, src)
		top, left, flip := cf.draw(rng)
		cropFlipPixels(dst, src, cf.H, cf.W, cf.C, cf.Pad, top, left, flip, ch.tab, ch.stride)
	case ch.norm > 0 && len(src)%ch.norm == 0 && len(dst) == len(src):
		convertPixels(dst, src, ch.norm, ch.tab, ch.stride)
	default:
		toFloat32(dst, src)
	}
	for _, a := range ch.rest {
		a.Augment(rng, dst)
	}
}

// toFloat32 writes float32(v)/255 for each pixel v of src into dst.
func toFloat32(dst []float32, src []uint8) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("augment: dst has %d values, src %d pixels", len(dst), len(src)))
	}
	t := (*[256]float32)(dataset.PixelValue[:])
	for i, v := range src {
		dst[i] = t[v]
	}
}

// convertPixels writes tab[k*stride+v] for the pixel v of channel k of
// each c-channel pixel of src into dst.
func convertPixels(dst []float32, src []uint8, c int, tab []float32, stride int) {
	switch c {
	case 1:
		t := (*[256]float32)(tab[:256])
		for i, v := range src {
			dst[i] = t[v]
		}
	case 3:
		t0, t1, t2 := (*[256]float32)(tab[:256]), (*[256]float32)(tab[stride:stride+256]), (*[256]float32)(tab[2*stride:2*stride+256])
		for p := 0; p+3 <= len(src); p += 3 {
			s, d := src[p:p+3:p+3], dst[p:p+3:p+3]
			d[0], d[1], d[2] = t0[s[0]], t1[s[1]], t2[s[2]]
		}
	default:
		for p := 0; p+c <= len(src); p += c {
			for k := range c {
				dst[p+k] = tab[k*stride+int(src[p+k])]
			}
		}
	}
}

// cropFlipPixels writes into dst what cropFlip (see cropflip.go) leaves for
// the float32 values of src, each value v of channel k read as
// tab[k*stride+v]: output pixel (y, x) is source pixel (y+top-pad,
// cx+left-pad) with cx = w-1-x when flipped, else x; pixels outside the
// source are the value of a zero pixel, tab[k*stride].
func cropFlipPixels(dst []float32, src []uint8, h, w, c, pad, top, left int, flip bool, tab []float32, stride int) {
	dy, dx := top-pad, left-pad
	rowLen := w * c
	fill := func(row []float32) {
		for p := 0; p < len(row); p += c {
			for k := range c {
				row[p+k] = tab[k*stride]
			}
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
			convertPixels(drow[lo*c:hi*c], srow[(lo+dx)*c:(hi+dx)*c], c, tab, stride)
			continue
		}
		// Flipped: output column x reads source column w-1-x+dx, for x in
		// [w-hi, w-lo).
		fill(drow[:(w-hi)*c])
		fill(drow[(w-lo)*c:])
		base := w - 1 + dx
		switch c {
		case 1:
			t := (*[256]float32)(tab[:256])
			for x := w - hi; x < w-lo; x++ {
				drow[x] = t[srow[base-x]]
			}
		case 3:
			t0, t1, t2 := (*[256]float32)(tab[:256]), (*[256]float32)(tab[stride:stride+256]), (*[256]float32)(tab[2*stride:2*stride+256])
			for x := w - hi; x < w-lo; x++ {
				sx := base - x
				s, d := srow[sx*3:sx*3+3:sx*3+3], drow[x*3:x*3+3:x*3+3]
				d[0], d[1], d[2] = t0[s[0]], t1[s[1]], t2[s[2]]
			}
		default:
			for x := w - hi; x < w-lo; x++ {
				sx := base - x
				for k := range c {
					drow[x*c+k] = tab[k*stride+int(srow[sx*c+k])]
				}
			}
		}
	}
}

package augment

import (
	"math/rand/v2"
	"testing"
)

// TestCropFlipGolden checks the flip and crop offsets on small images.
func TestCropFlipGolden(t *testing.T) {
	// Flip only (pad 0): a 2x3x2 image mirrored left-right, channels kept.
	src := []float32{
		0.01, 0.02, 0.03, 0.04, 0.05, 0.06,
		0.11, 0.12, 0.13, 0.14, 0.15, 0.16}
	x := append([]float32(nil), src...)
	cropFlip(x, 2, 3, 2, 0, 0, 0, true)
	assertClose(t, "flip", x, []float32{
		0.05, 0.06, 0.03, 0.04, 0.01, 0.02,
		0.15, 0.16, 0.13, 0.14, 0.11, 0.12}, 0)

	// Pad 2 on 4x4: window at (top 0, left 3) of the 8x8 padded image reads
	// input (y-2, i+1).
	x = grid16()
	cropFlip(x, 4, 4, 1, 2, 0, 3, false)
	assertClose(t, "crop top0 left3", x, g16(
		0, 0, 0, 0,
		0, 0, 0, 0,
		2, 3, 4, 0,
		6, 7, 8, 0), 0)
	// Window (top 3, left 1) reads input (y+1, i-1).
	x = grid16()
	cropFlip(x, 4, 4, 1, 2, 3, 1, false)
	assertClose(t, "crop top3 left1", x, g16(
		0, 5, 6, 7,
		0, 9, 10, 11,
		0, 13, 14, 15,
		0, 0, 0, 0), 0)
	// The same then flipped.
	x = grid16()
	cropFlip(x, 4, 4, 1, 2, 3, 1, true)
	assertClose(t, "crop top3 left1 flip", x, g16(
		7, 6, 5, 0,
		11, 10, 9, 0,
		15, 14, 13, 0,
		0, 0, 0, 0), 0)
	// Centre window (top = left = pad) without flip is the identity.
	x = grid16()
	cropFlip(x, 4, 4, 1, 2, 2, 2, false)
	assertClose(t, "crop centre", x, grid16(), 0)
}

// naiveCropFlip pads, crops and flips with explicit buffers, as torchvision
// describes the operation.
func naiveCropFlip(src []float32, h, w, c, pad, top, left int, flip bool) []float32 {
	ph, pw := h+2*pad, w+2*pad
	padded := make([]float32, ph*pw*c)
	for y := 0; y < h; y++ {
		copy(padded[((y+pad)*pw+pad)*c:], src[y*w*c:(y+1)*w*c])
	}
	out := make([]float32, h*w*c)
	for y := 0; y < h; y++ {
		for i := 0; i < w; i++ {
			si := i
			if flip {
				si = w - 1 - i
			}
			copy(out[(y*w+i)*c:(y*w+i+1)*c], padded[((y+top)*pw+si+left)*c:])
		}
	}
	return out
}

// TestCropFlipMatchesNaive compares the in-place crop with pad-crop-flip for every offset.
func TestCropFlipMatchesNaive(t *testing.T) {
	const h, w, c, pad = 5, 6, 3, 3
	src := ramp(h * w * c)
	for top := 0; top <= 2*pad; top++ {
		for left := 0; left <= 2*pad; left++ {
			for _, flip := range []bool{false, true} {
				x := append([]float32(nil), src...)
				cropFlip(x, h, w, c, pad, top, left, flip)
				want := naiveCropFlip(src, h, w, c, pad, top, left, flip)
				assertClose(t, "cropFlip vs naive", x, want, 0)
				if t.Failed() {
					t.Fatalf("top %d left %d flip %v", top, left, flip)
				}
			}
		}
	}
}

// TestCropFlipDistribution checks that offsets are uniform over 0..2*Pad and flips happen half the time.
func TestCropFlipDistribution(t *testing.T) {
	cf := CropFlip{H: 32, W: 32, C: 3, Pad: 4}
	rng := rand.New(rand.NewPCG(7, 7))
	const n = 9 * 9 * 2 * 400
	var tops, lefts [9]int
	flips := 0
	for range n {
		top, left, flip := cf.draw(rng)
		tops[top]++
		lefts[left]++
		if flip {
			flips++
		}
	}
	// Chi-square with 8 degrees of freedom; 26.12 is the 0.001 quantile.
	for name, counts := range map[string][]int{"top": tops[:], "left": lefts[:]} {
		if chi := chiSquare(counts, n); chi > 26.12 {
			t.Errorf("%s offsets not uniform over 0..8: %v (chi2 %.1f)", name, counts, chi)
		}
	}
	if f := float64(flips) / n; f < 0.49 || f > 0.51 {
		t.Errorf("flip rate %.4f, want 0.5", f)
	}
}

// TestCropFlipAugment checks that Augment applies the draws of draw, and its panics.
func TestCropFlipAugment(t *testing.T) {
	cf := CropFlip{H: 8, W: 7, C: 3, Pad: 2}
	src := ramp(8 * 7 * 3)
	for seed := range uint64(50) {
		x := append([]float32(nil), src...)
		cf.Augment(rand.New(rand.NewPCG(seed, 0)), x)
		top, left, flip := cf.draw(rand.New(rand.NewPCG(seed, 0)))
		assertClose(t, "Augment vs draw", x, naiveCropFlip(src, 8, 7, 3, 2, top, left, flip), 0)
	}
	mustPanic(t, "CropFlip length", func() { cf.Augment(rand.New(rand.NewPCG(1, 1)), src[1:]) })
	mustPanic(t, "CropFlip pad", func() {
		CropFlip{H: 8, W: 7, C: 3, Pad: -1}.Augment(rand.New(rand.NewPCG(1, 1)), src)
	})
}

// chiSquare returns Pearson's statistic of counts against a uniform
// distribution of n draws.
func chiSquare(counts []int, n int) float64 {
	e := float64(n) / float64(len(counts))
	var chi float64
	for _, k := range counts {
		d := float64(k) - e
		chi += d * d / e
	}
	return chi
}

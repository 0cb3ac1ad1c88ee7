package augment

import (
	"fmt"
	"sync"
)

// checkShape panics unless h, w and c are positive and n == h*w*c.
func checkShape(what string, n, h, w, c int) {
	if h <= 0 || w <= 0 || c <= 0 {
		panic(fmt.Sprintf("augment: %s: invalid shape %dx%dx%d (H, W, C must be positive)", what, h, w, c))
	}
	if n != h*w*c {
		panic(fmt.Sprintf("augment: %s: image has %d values, want H*W*C = %d*%d*%d = %d", what, n, h, w, c, h*w*c))
	}
}

// checkImage panics unless src and dst both hold one h x w x c image.
func checkImage(what string, dst, src []float32, h, w, c int) {
	checkShape(what, len(src), h, w, c)
	if len(dst) != len(src) {
		panic(fmt.Sprintf("augment: %s: dst has %d values, src has %d", what, len(dst), len(src)))
	}
}

// checkRGB panics unless c is 1 or 3, the channel counts torchvision accepts
// for the ops that use a grayscale version of the image.
func checkRGB(what string, c int) {
	if c != 1 && c != 3 {
		panic(fmt.Sprintf("augment: %s: needs 1 or 3 channels, got %d", what, c))
	}
}

// scratchPool holds *[]float32 buffers reused by the ops that need a copy of
// their input, so that they do not allocate per call and stay safe for
// concurrent use.
var scratchPool = sync.Pool{New: func() any { return new([]float32) }}

// getScratch returns a pooled buffer of length n (its contents are
// arbitrary). Hand it back with putScratch.
func getScratch(n int) *[]float32 {
	p := scratchPool.Get().(*[]float32)
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

// putScratch returns a buffer obtained from getScratch to the pool; nil is
// ignored.
func putScratch(p *[]float32) {
	if p != nil {
		scratchPool.Put(p)
	}
}

// distinctSource returns src itself when dst and src are different slices,
// or a pooled copy of src when they are the same slice (same first element),
// so that ops that read neighbouring pixels can run in place. The second
// result is the pooled buffer to release with putScratch (nil if none).
// Partially overlapping dst and src are not supported.
func distinctSource(dst, src []float32) ([]float32, *[]float32) {
	if len(src) == 0 || &dst[0] != &src[0] {
		return src, nil
	}
	p := getScratch(len(src))
	copy(*p, src)
	return *p, p
}

// u8ToFloat maps a uint8 level v to v/255 computed in float32, as
// torchvision's ToTensor does.
var u8ToFloat = func() (t [256]float32) {
	for v := range t {
		t[v] = float32(v) / 255
	}
	return t
}()

// toU8 quantises a value in [0,1] to the nearest uint8 level round(x*255),
// clamping values outside [0,1] (and NaN to 0). It is the exact inverse of
// u8ToFloat.
func toU8(x float32) uint8 {
	if !(x > 0) {
		return 0
	}
	if x >= 1 {
		return 255
	}
	return uint8(x*255 + 0.5)
}

// clamp01 clamps x to [0,1] as torch's clamp(0, 1) does (NaN stays NaN).
func clamp01(x float32) float32 {
	if x < 0 {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

package augment

import "fmt"

// Posterize writes to dst the h x w x c image src with each value quantised
// to a uint8 level v = round(x*255) (clamped to [0,255]) and reduced to its
// bits most significant bits, v & ^(1<<(8-bits)-1), then mapped back to v/255,
// as torchvision's F.posterize on a uint8 image. Bits 8 keeps every level
// (the image is still quantised), 0 gives black.
//
// dst may be src (in place). It panics if a length does not match h*w*c or if
// bits is outside 0..8.
func Posterize(dst, src []float32, h, w, c int, bits int) {
	checkImage("Posterize", dst, src, h, w, c)
	if bits < 0 || bits > 8 {
		panic(fmt.Sprintf("augment: Posterize: bits %d outside 0..8", bits))
	}
	mask := uint8(0xff << (8 - bits))
	for i, x := range src {
		dst[i] = u8ToFloat[toU8(x)&mask]
	}
}

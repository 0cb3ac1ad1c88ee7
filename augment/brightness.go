package augment

// Brightness writes to dst the h x w x c image src with its brightness
// scaled by factor: clamp(factor*x, 0, 1), i.e. a blend with a black image,
// as torchvision's F.adjust_brightness (TrivialAugmentWide's "Brightness" uses
// factor 1+magnitude). It works in float, without quantising.
//
// dst may be src (in place). It panics if a length does not match h*w*c or if
// factor is negative.
func Brightness(dst, src []float32, h, w, c int, factor float64) {
	checkImage("Brightness", dst, src, h, w, c)
	r, _ := blendWeights("Brightness", factor)
	for i, x := range src {
		dst[i] = clamp01(r * x)
	}
}

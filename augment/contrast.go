package augment

// Contrast writes to dst the h x w x c image src with its contrast adjusted:
// every value is blended with the mean m of the grayscale image (of the image
// itself if c is 1), clamp(factor*x + (1-factor)*m, 0, 1), as torchvision's
// F.adjust_contrast (TrivialAugmentWide's "Contrast" uses factor
// 1+magnitude). Factor 0 gives a flat image at the mean. It works in float,
// without quantising.
//
// dst may be src (in place). It panics if a length does not match h*w*c, if c
// is not 1 or 3, or if factor is negative.
func Contrast(dst, src []float32, h, w, c int, factor float64) {
	checkImage("Contrast", dst, src, h, w, c)
	checkRGB("Contrast", c)
	r, r1 := blendWeights("Contrast", factor)
	var sum float64
	if c == 3 {
		for o := 0; o < len(src); o += 3 {
			sum += float64(luma(src[o : o+3 : o+3]))
		}
	} else {
		for _, x := range src {
			sum += float64(x)
		}
	}
	m := r1 * float32(sum/float64(h*w))
	for i, x := range src {
		dst[i] = clamp01(r*x + m)
	}
}

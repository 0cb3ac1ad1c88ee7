package augment

// Color writes to dst the h x w x c image src with its saturation adjusted:
// each pixel is blended with its grayscale value (ITU-R 601-2 luma),
// clamp(factor*x + (1-factor)*gray, 0, 1), as torchvision's
// F.adjust_saturation (TrivialAugmentWide's "Color" uses factor 1+magnitude).
// Factor 0 gives the grayscale image, 1 the original. A 1-channel image is
// copied unchanged, as in torchvision (which matches PIL there). It works in
// float, without quantising.
//
// dst may be src (in place). It panics if a length does not match h*w*c, if c
// is not 1 or 3, or if factor is negative.
func Color(dst, src []float32, h, w, c int, factor float64) {
	checkImage("Color", dst, src, h, w, c)
	checkRGB("Color", c)
	r, r1 := blendWeights("Color", factor)
	if c == 1 {
		copy(dst, src)
		return
	}
	for o := 0; o < len(src); o += 3 {
		p := src[o : o+3 : o+3]
		g := r1 * luma(p)
		q := dst[o : o+3 : o+3]
		q[0], q[1], q[2] = clamp01(r*p[0]+g), clamp01(r*p[1]+g), clamp01(r*p[2]+g)
	}
}

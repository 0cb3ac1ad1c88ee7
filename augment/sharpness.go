package augment

// Sharpness writes to dst the h x w x c image src with its sharpness
// adjusted, as torchvision's F.adjust_sharpness (TrivialAugmentWide's
// "Sharpness" uses factor 1+magnitude): each interior pixel is blended with
// its smoothed value under the 3x3 kernel [[1,1,1],[1,5,1],[1,1,1]]/13,
// clamp(factor*x + (1-factor)*smooth, 0, 1), per channel; border pixels are
// kept. Factor 0 gives the smoothed image, 1 the original, above 1 a sharper
// one. Images with h or w <= 2 are copied unchanged, as in torchvision. It
// works in float, without quantising.
//
// dst may be src itself (a pooled copy is then used) but must not otherwise
// overlap it. It panics if a length does not match h*w*c or if factor is
// negative.
func Sharpness(dst, src []float32, h, w, c int, factor float64) {
	checkImage("Sharpness", dst, src, h, w, c)
	r, r1 := blendWeights("Sharpness", factor)
	if h <= 2 || w <= 2 {
		copy(dst, src)
		return
	}
	s, p := distinctSource(dst, src)
	defer putScratch(p)
	// The kernel as torch builds it in float32: ones, centre 5, divided by
	// the sum 13.
	const k1, k5 = float32(1) / 13, float32(5) / 13
	row := w * c
	copy(dst[:row], s[:row])
	copy(dst[(h-1)*row:], s[(h-1)*row:])
	for y := 1; y < h-1; y++ {
		up, mid, down := s[(y-1)*row:y*row], s[y*row:(y+1)*row], s[(y+1)*row:(y+2)*row]
		out := dst[y*row : (y+1)*row]
		copy(out[:c], mid[:c])
		copy(out[row-c:], mid[row-c:])
		for i := c; i < row-c; i++ {
			n := up[i-c] + up[i] + up[i+c] + mid[i-c] + mid[i+c] + down[i-c] + down[i] + down[i+c]
			smooth := k1*n + k5*mid[i]
			out[i] = clamp01(r*mid[i] + r1*smooth)
		}
	}
}

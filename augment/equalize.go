package augment

// Equalize writes to dst the h x w x c image src with each channel's
// histogram equalised, as torchvision's F.equalize on a uint8 image (itself
// the algorithm of PIL's ImageOps.equalize): values are quantised to uint8
// levels v = round(x*255); with hist the channel's 256-bin histogram and step
// = (number of pixels - count of the highest occupied level) / 255 (integer
// division), level v maps to min(255, (cumsum(hist)[v-1] + step/2) / step)
// (0 for v = 0), then /255. A channel with step 0 (one level, or too few
// pixels) is left as it is (quantised).
//
// dst may be src (in place). It panics if a length does not match h*w*c.
func Equalize(dst, src []float32, h, w, c int) {
	checkImage("Equalize", dst, src, h, w, c)
	for ch := 0; ch < c; ch++ {
		var hist [256]int
		for i := ch; i < len(src); i += c {
			hist[toU8(src[i])]++
		}
		last := 255
		for hist[last] == 0 {
			last--
		}
		step := (h*w - hist[last]) / 255
		var lut [256]float32
		if step == 0 {
			lut = u8ToFloat
		} else {
			n := step / 2
			for v := range lut {
				lut[v] = u8ToFloat[min(n/step, 255)]
				n += hist[v]
			}
		}
		for i := ch; i < len(src); i += c {
			dst[i] = lut[toU8(src[i])]
		}
	}
}

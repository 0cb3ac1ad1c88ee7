package augment

// AutoContrast writes to dst the h x w x c image src with each channel
// stretched so that its darkest value becomes 0 and its brightest 1, as
// torchvision's F.autocontrast on a uint8 image: values are quantised to
// uint8 levels v = round(x*255); with lo and hi the channel's minimum and
// maximum levels, v becomes trunc((v-lo) * (255/(hi-lo))), then /255,
// computed in float32 as torch does (the scale as a reciprocal times 255). A constant channel is left as it is (quantised).
//
// dst may be src (in place). It panics if a length does not match h*w*c.
func AutoContrast(dst, src []float32, h, w, c int) {
	checkImage("AutoContrast", dst, src, h, w, c)
	for ch := 0; ch < c; ch++ {
		lo, hi := uint8(255), uint8(0)
		for i := ch; i < len(src); i += c {
			v := toU8(src[i])
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo == hi {
			for i := ch; i < len(src); i += c {
				dst[i] = u8ToFloat[toU8(src[i])]
			}
			continue
		}
		// torch evaluates 255/(hi-lo) on a tensor as reciprocal(hi-lo)*255,
		// which can differ from the division in the last bit.
		scale := float32(1/float32(hi-lo)) * 255
		var lut [256]float32
		for v := int(lo); v <= int(hi); v++ {
			// (v-lo)*scale lies in [0,255]; the conversion truncates like
			// torch's .to(uint8).
			lut[v] = u8ToFloat[uint8(float32(v-int(lo))*scale)]
		}
		for i := ch; i < len(src); i += c {
			dst[i] = lut[toU8(src[i])]
		}
	}
}

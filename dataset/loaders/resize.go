package loaders

// resizeBilinear resizes the h x w RGB image src (HWC bytes) to dh x dw in
// dst by bilinear interpolation with half-pixel centres and no
// antialiasing, rounding to the nearest byte: what
// tf.image.resize(images, (dh, dw), method="bilinear", antialias=False)
// followed by rounding gives on the same image. Output pixel (y, x) samples
// the source at ((y+0.5)*h/dh-0.5, (x+0.5)*w/dw-0.5), clamped to the image.
func resizeBilinear(dst []byte, dh, dw int, src []byte, h, w int) {
	type tap struct {
		i0, i1 int
		f      float32
	}
	taps := func(n, dn int) []tap {
		out := make([]tap, dn)
		scale := float32(n) / float32(dn)
		for j := range out {
			s := (float32(j)+0.5)*scale - 0.5
			if s < 0 {
				s = 0
			}
			i0 := int(s)
			if i0 > n-1 {
				i0 = n - 1
			}
			out[j] = tap{i0: i0, i1: min(i0+1, n-1), f: s - float32(i0)}
		}
		return out
	}
	ys, xs := taps(h, dh), taps(w, dw)
	for y, ty := range ys {
		r0, r1 := src[ty.i0*w*3:], src[ty.i1*w*3:]
		out := dst[y*dw*3 : (y+1)*dw*3]
		for x, tx := range xs {
			for c := range 3 {
				a := float32(r0[tx.i0*3+c]) + (float32(r0[tx.i1*3+c])-float32(r0[tx.i0*3+c]))*tx.f
				b := float32(r1[tx.i0*3+c]) + (float32(r1[tx.i1*3+c])-float32(r1[tx.i0*3+c]))*tx.f
				v := a + (b-a)*ty.f + 0.5
				switch {
				case v < 0:
					v = 0
				case v > 255:
					v = 255
				}
				out[x*3+c] = byte(v)
			}
		}
	}
}

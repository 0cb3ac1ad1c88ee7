package augment

import "math"

// degToRad converts degrees to radians; math.degrees and math.radians in
// Python use the same constant, so shear angles round-trip as in torchvision.
const degToRad = math.Pi / 180

// inverseAffine returns torchvision's _get_inverse_affine_matrix(center,
// angle, translate, scale, shear): the 2x3 matrix mapping an output pixel to
// the input point it samples. Coordinates are pixel centres measured from the
// image centre (x right, y down); center is in those coordinates; angle and the
// shears are in degrees.
func inverseAffine(cx, cy, angle, tx, ty, scale, shearX, shearY float64) [6]float64 {
	rot := angle * degToRad
	sx := shearX * degToRad
	sy := shearY * degToRad
	// RotateScaleShear without scaling.
	a := math.Cos(rot-sy) / math.Cos(sy)
	b := -math.Cos(rot-sy)*math.Tan(sx)/math.Cos(sy) - math.Sin(rot)
	c := math.Sin(rot-sy) / math.Cos(sy)
	d := -math.Sin(rot-sy)*math.Tan(sx)/math.Cos(sy) + math.Cos(rot)
	// Inverse (the determinant is 1), divided by scale.
	m := [6]float64{d / scale, -b / scale, 0, -c / scale, a / scale, 0}
	m[2] += m[0]*(-cx-tx) + m[1]*(-cy-ty)
	m[5] += m[3]*(-cx-tx) + m[4]*(-cy-ty)
	m[2] += cx
	m[5] += cy
	return m
}

// warp resamples src into dst (both h x w x c, not overlapping) with nearest
// neighbour and fill 0, as torchvision's tensor affine/rotate do through
// _gen_affine_grid and grid_sample(mode="nearest", padding_mode="zeros",
// align_corners=False): output pixel (column i, row j) has centred coordinates
// x = i - w/2 + 0.5, y = j - h/2 + 0.5; it samples the input at
// (m[0]x + m[1]y + m[2], m[3]x + m[4]y + m[5]), i.e. input column
// round(that + w/2 - 0.5) (round half to even, as grid_sample), and is 0 if
// that pixel is outside the image.
//
// The arithmetic follows torch's float32 steps (matrix rounded to float32,
// divided by w/2 and h/2, the grid product accumulated as torch's CPU bmm
// does, then unnormalised), because sample points that fall exactly on a
// half-pixel boundary (e.g. a 45 degree turn of an even-sized image) are
// decided by that rounding.
func warp(dst, src []float32, h, w, c int, m [6]float64) {
	hw, hh := float32(0.5*float64(w)), float32(0.5*float64(h))
	// Rescaled theta: each row of the matrix divided by w/2 or h/2.
	ax, bx, cx := float32(m[0])/hw, float32(m[1])/hw, float32(m[2])/hw
	ay, by, cy := float32(m[3])/hh, float32(m[4])/hh, float32(m[5])/hh
	fw, fh := float32(w), float32(h)
	for j := 0; j < h; j++ {
		y := float32(j) - hh + 0.5
		for i := 0; i < w; i++ {
			x := float32(i) - hw + 0.5
			gx := gridCoord(x, y, ax, bx, cx)
			gy := gridCoord(x, y, ay, by, cy)
			// grid_sampler_unnormalize: ((g + 1) * size - 1) / 2.
			sx := math.RoundToEven(float64(float32(float32(gx+1)*fw)-1) / 2)
			sy := math.RoundToEven(float64(float32(float32(gy+1)*fh)-1) / 2)
			o := (j*w + i) * c
			out := dst[o : o+c]
			if sx >= 0 && sx < float64(w) && sy >= 0 && sy < float64(h) {
				s := (int(sy)*w + int(sx)) * c
				copy(out, src[s:s+c])
			} else {
				clear(out)
			}
		}
	}
}

// gridCoord returns the normalised grid coordinate a*x + b*y + c in float32
// as torch's CPU bmm computes it: fl(fl(fma(y, b, fl(x*a))) + c). The fused
// multiply-add is done in float64, where the product is exact.
func gridCoord(x, y, a, b, c float32) float32 {
	p := float32(x * a)
	q := float32(math.FMA(float64(y), float64(b), float64(p)))
	return float32(q + c)
}

// affineOp checks the arguments of a geometric op and applies warp with m,
// taking a pooled copy of src when it is dst.
func affineOp(what string, dst, src []float32, h, w, c int, m [6]float64) {
	checkImage(what, dst, src, h, w, c)
	s, p := distinctSource(dst, src)
	warp(dst, s, h, w, c, m)
	putScratch(p)
}

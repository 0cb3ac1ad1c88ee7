package augment

import "math"

// ShearX writes to dst the h x w x c image src sheared horizontally by m, as
// torchvision's TrivialAugmentWide op "ShearX" with magnitude m:
// F.affine(img, angle=0, translate=[0, 0], scale=1,
// shear=[degrees(atan(m)), 0], center=[0, 0]) with nearest interpolation and
// fill 0. Output pixel (column i, row j) is input pixel
// (round(i + m*(j+0.5)), j), or 0 outside the image.
//
// dst may be src itself (a pooled copy is then used) but must not otherwise
// overlap it. It panics if a length does not match h*w*c.
func ShearX(dst, src []float32, h, w, c int, m float64) {
	deg := math.Atan(m) / degToRad
	affineOp("ShearX", dst, src, h, w, c, shearMatrix(h, w, deg, 0))
}

// ShearY writes to dst the h x w x c image src sheared vertically by m, as
// torchvision's TrivialAugmentWide op "ShearY" with magnitude m:
// F.affine(img, angle=0, translate=[0, 0], scale=1,
// shear=[0, degrees(atan(m))], center=[0, 0]) with nearest interpolation and
// fill 0. Output pixel (column i, row j) is input pixel
// (i, round(j + m*(i+0.5))), or 0 outside the image.
//
// dst may be src itself but must not otherwise overlap it. It panics if a
// length does not match h*w*c.
func ShearY(dst, src []float32, h, w, c int, m float64) {
	deg := math.Atan(m) / degToRad
	affineOp("ShearY", dst, src, h, w, c, shearMatrix(h, w, 0, deg))
}

// shearMatrix is the inverse affine matrix of a shear by the given angles (in
// degrees) about the top-left corner (torchvision's center=[0, 0], which is
// (-w/2, -h/2) in centred coordinates).
func shearMatrix(h, w int, degX, degY float64) [6]float64 {
	return inverseAffine(-0.5*float64(w), -0.5*float64(h), 0, 0, 0, 1, degX, degY)
}

package augment

// Rotate writes to dst the h x w x c image src rotated counter-clockwise by
// deg degrees about the image centre, without expanding, with nearest
// interpolation and fill 0: torchvision's F.rotate(img, deg), the
// TrivialAugmentWide op "Rotate". On a square image 90 and 180 degrees are
// exact pixel permutations.
//
// dst may be src itself but must not otherwise overlap it. It panics if a
// length does not match h*w*c.
func Rotate(dst, src []float32, h, w, c int, deg float64) {
	// F.rotate passes -angle to the affine matrix (its angle convention is
	// the opposite of F.affine's) and rotates about the centre.
	affineOp("Rotate", dst, src, h, w, c, inverseAffine(0, 0, -deg, 0, 0, 1, 0, 0))
}

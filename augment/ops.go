package augment

import "fmt"

// Op names one of TrivialAugmentWide's 14 operations; the values follow
// torchvision's order of _augmentation_space.
type Op int

// The operations of TrivialAugmentWide, in torchvision's order.
const (
	OpIdentity Op = iota
	OpShearX
	OpShearY
	OpTranslateX
	OpTranslateY
	OpRotate
	OpBrightness
	OpColor
	OpContrast
	OpSharpness
	OpPosterize
	OpSolarize
	OpAutoContrast
	OpEqualize
	// NumOps is the number of operations.
	NumOps = iota
)

// opNames holds the torchvision names of the operations, indexed by Op.
var opNames = [NumOps]string{
	"Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate",
	"Brightness", "Color", "Contrast", "Sharpness", "Posterize", "Solarize",
	"AutoContrast", "Equalize",
}

// Ops returns the torchvision names of TrivialAugmentWide's operations, in
// the order of their Op values (a new slice each call).
func Ops() []string { return append([]string(nil), opNames[:]...) }

// String returns the torchvision name of op, or "Op(n)" if it is not one.
func (op Op) String() string {
	if op >= 0 && int(op) < NumOps {
		return opNames[op]
	}
	return fmt.Sprintf("Op(%d)", int(op))
}

// Apply writes to dst the h x w x c image src transformed by op with the
// given magnitude, as torchvision's autoaugment._apply_op(img, name,
// magnitude) does on a uint8 image (see the individual functions for how each
// op treats float values). magnitude is in torchvision's units: the shear
// factor for ShearX/ShearY; pixels for TranslateX/TranslateY, truncated
// toward zero like Python's int(); degrees for Rotate; factor-1 for
// Brightness, Color, Contrast and Sharpness; the number of bits (truncated)
// for Posterize; the threshold on the 0..255 scale for Solarize; and it is
// ignored by Identity, AutoContrast and Equalize.
//
// dst may be src (in place) but must not otherwise overlap it. It panics if
// op is unknown, if a length does not match h*w*c, or if the magnitude is out
// of the op's range.
func Apply(op Op, dst, src []float32, h, w, c int, magnitude float64) {
	switch op {
	case OpIdentity:
		checkImage("Identity", dst, src, h, w, c)
		copy(dst, src)
	case OpShearX:
		ShearX(dst, src, h, w, c, magnitude)
	case OpShearY:
		ShearY(dst, src, h, w, c, magnitude)
	case OpTranslateX:
		TranslateX(dst, src, h, w, c, int(magnitude))
	case OpTranslateY:
		TranslateY(dst, src, h, w, c, int(magnitude))
	case OpRotate:
		Rotate(dst, src, h, w, c, magnitude)
	case OpBrightness:
		Brightness(dst, src, h, w, c, 1+magnitude)
	case OpColor:
		Color(dst, src, h, w, c, 1+magnitude)
	case OpContrast:
		Contrast(dst, src, h, w, c, 1+magnitude)
	case OpSharpness:
		Sharpness(dst, src, h, w, c, 1+magnitude)
	case OpPosterize:
		Posterize(dst, src, h, w, c, int(magnitude))
	case OpSolarize:
		Solarize(dst, src, h, w, c, magnitude/255)
	case OpAutoContrast:
		AutoContrast(dst, src, h, w, c)
	case OpEqualize:
		Equalize(dst, src, h, w, c)
	default:
		panic(fmt.Sprintf("augment: Apply: unknown op %d", int(op)))
	}
}

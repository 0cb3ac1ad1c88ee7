package augment

import (
	"math/rand/v2"

	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// TrivialAugmentWide is an [sampler.Augmenter] implementing torchvision's
// transforms.TrivialAugmentWide(num_magnitude_bins=31, interpolation=NEAREST,
// fill=None) on an H x W x C image with values in [0,1] (C must be 1 or 3):
// each call applies ONE op drawn uniformly from the 14 of [Ops] with a
// magnitude bin drawn uniformly from 31, negated with probability 0.5 for the
// signed ops. The magnitude tables are torchvision's "wide" augmentation
// space, as the float32 values torch.linspace produces:
//
//	Identity      -
//	ShearX/Y      linspace(0, 0.99, 31), signed
//	TranslateX/Y  linspace(0, 32, 31) pixels, signed, truncated to int
//	              (bin 15 is 15.999999 in float32, hence 15 px)
//	Rotate        linspace(0, 135, 31) degrees, signed
//	Brightness,
//	Color,
//	Contrast,
//	Sharpness     linspace(0, 0.99, 31), signed, applied as factor 1+m
//	Posterize     8 - round(arange(31)/5) bits: 8 (3 bins), 7..3 (5 each), 2 (3)
//	Solarize      linspace(255, 0, 31) as thresholds (/255 on [0,1])
//	AutoContrast  -
//	Equalize      -
//
// Random draws follow torchvision's order: the op (rng.IntN(14)); the bin
// (rng.IntN(31)) only for ops with a magnitude table; the sign (rng.IntN(2),
// 1 negates) only for signed ops. Posterize, Solarize, AutoContrast and
// Equalize work on uint8 levels round(x*255), the other ops in float with
// clamping to [0,1] (see the op functions); for images that are exact uint8
// levels the result is that of torchvision on the uint8 image up to the
// float32 rounding of the float ops.
//
// The geometric ops and Sharpness use a pooled scratch copy of the image, so
// Augment does not allocate in steady state and is safe for concurrent use.
type TrivialAugmentWide struct {
	// H, W, C give the image shape (HWC).
	H, W, C int
}

// TrivialAugmentWide implements sampler.Augmenter.
var _ sampler.Augmenter = TrivialAugmentWide{}

// NumBins is the number of magnitude bins of [TrivialAugmentWide].
const NumBins = 31

// Magnitude tables of the wide augmentation space, as the float32 values of
// torch.linspace(...) with 31 steps (torchvision 0.15 and later).
var (
	linspace099 = [NumBins]float32{0.0, 0.033, 0.066, 0.099, 0.132, 0.16499999, 0.198, 0.231, 0.264, 0.297, 0.32999998, 0.363, 0.396, 0.429, 0.462, 0.495, 0.528, 0.561, 0.594, 0.62700003, 0.66, 0.693, 0.726, 0.759, 0.792, 0.825, 0.85800004, 0.89100003, 0.924, 0.957, 0.99}
	translate32 = [NumBins]float32{0.0, 1.0666667, 2.1333334, 3.2000003, 4.266667, 5.3333335, 6.4000006, 7.466667, 8.533334, 9.6, 10.666667, 11.733334, 12.800001, 13.866668, 14.933334, 15.999999, 17.066666, 18.133333, 19.199999, 20.266666, 21.333332, 22.4, 23.466667, 24.533333, 25.6, 26.666666, 27.733334, 28.8, 29.866667, 30.933332, 32.0}
	rotate135   = [NumBins]float32{0.0, 4.5, 9.0, 13.5, 18.0, 22.5, 27.0, 31.5, 36.0, 40.5, 45.0, 49.5, 54.0, 58.5, 63.0, 67.5, 72.0, 76.5, 81.0, 85.5, 90.0, 94.5, 99.0, 103.5, 108.0, 112.5, 117.0, 121.5, 126.0, 130.5, 135.0}
	solarize255 = [NumBins]float32{255.0, 246.5, 238.0, 229.5, 221.0, 212.5, 204.0, 195.5, 187.0, 178.5, 170.0, 161.5, 153.0, 144.5, 136.0, 127.5, 119.0, 110.5, 102.0, 93.5, 85.0, 76.5, 68.0, 59.5, 51.0, 42.5, 34.0, 25.5, 17.0, 8.5, 0.0}
)

// posterizeBits returns torchvision's 8 - round(bin / ((NumBins-1)/6)) for a
// bin (no bin lands on a rounding tie).
func posterizeBits(bin int) int {
	return 8 - (bin*6+NumBins/2)/(NumBins-1)
}

// opSpace tells, for op, the magnitude of a bin and whether the op is signed;
// table is false for the ops without magnitudes.
func opSpace(op Op, bin int) (magnitude float64, table, signed bool) {
	switch op {
	case OpShearX, OpShearY, OpBrightness, OpColor, OpContrast, OpSharpness:
		return float64(linspace099[bin]), true, true
	case OpTranslateX, OpTranslateY:
		return float64(translate32[bin]), true, true
	case OpRotate:
		return float64(rotate135[bin]), true, true
	case OpPosterize:
		return float64(posterizeBits(bin)), true, false
	case OpSolarize:
		return float64(solarize255[bin]), true, false
	}
	return 0, false, false
}

// choice is one draw of TrivialAugmentWide: the op, the magnitude bin (-1 if
// the op has none), whether the magnitude was negated, and the magnitude in
// [Apply]'s units.
type choice struct {
	op        Op
	bin       int
	negated   bool
	magnitude float64
}

// choose draws an op and its magnitude from rng in torchvision's order. It is
// the hook the tests use to observe the choices.
func choose(rng *rand.Rand) choice {
	ch := choice{op: Op(rng.IntN(NumOps)), bin: -1}
	if _, table, _ := opSpace(ch.op, 0); !table {
		return ch
	}
	ch.bin = rng.IntN(NumBins)
	var signed bool
	ch.magnitude, _, signed = opSpace(ch.op, ch.bin)
	if signed && rng.IntN(2) == 1 {
		ch.negated = true
		ch.magnitude = -ch.magnitude
	}
	return ch
}

// Augment applies one randomly chosen op to x in place. It panics if len(x)
// is not H*W*C or if C is not 1 or 3.
func (t TrivialAugmentWide) Augment(rng *rand.Rand, x []float32) {
	checkShape("TrivialAugmentWide", len(x), t.H, t.W, t.C)
	checkRGB("TrivialAugmentWide", t.C)
	ch := choose(rng)
	Apply(ch.op, x, x, t.H, t.W, t.C, ch.magnitude)
}

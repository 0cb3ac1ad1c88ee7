package augment

import (
	"fmt"
	"math"
)

// blendWeights checks an enhancement factor and returns the float32 weights
// (factor, 1-factor) of torchvision's _blend(img1, img2, factor) =
// clamp(factor*img1 + (1-factor)*img2, 0, 1), which the colour ops evaluate in
// float32 as torch does on float images.
func blendWeights(what string, factor float64) (r, r1 float32) {
	if !(factor >= 0) || math.IsInf(factor, 1) {
		panic(fmt.Sprintf("augment: %s: factor %v must be finite and non-negative", what, factor))
	}
	return float32(factor), float32(1 - factor)
}

// Grayscale weights of ITU-R 601-2 luma (L = 0.299 R + 0.587 G + 0.114 B),
// used by [Color] and [Contrast]. PIL uses these; torchvision's tensor
// rgb_to_grayscale uses 0.2989 for red, a difference of at most 1e-4.
const (
	lumaR = 0.299
	lumaG = 0.587
	lumaB = 0.114
)

// luma returns the grayscale value of one RGB pixel.
func luma(p []float32) float32 {
	return lumaR*p[0] + lumaG*p[1] + lumaB*p[2]
}

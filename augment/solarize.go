package augment

import "fmt"

// Solarize writes to dst the h x w x c image src with every value at or
// above threshold inverted, as torchvision's F.solarize on a uint8 image:
// each value is quantised to a uint8 level v = round(x*255), and v/255 >=
// threshold gives (255-v)/255, otherwise v/255. threshold is on the [0,1]
// scale (torchvision's uint8 threshold divided by 255): 1 inverts only white,
// 0 inverts everything, 0.5 inverts levels 128 and up.
//
// dst may be src (in place). It panics if a length does not match h*w*c or if
// threshold is above 1 (torchvision rejects a threshold above the maximum
// value) or NaN.
func Solarize(dst, src []float32, h, w, c int, threshold float64) {
	checkImage("Solarize", dst, src, h, w, c)
	if !(threshold <= 1) {
		panic(fmt.Sprintf("augment: Solarize: threshold %v above 1", threshold))
	}
	// Levels from first up are inverted; comparing v/255 keeps thresholds
	// that are exact uint8 levels (t = v/255) exact.
	first := 256
	for v := 255; v >= 0 && float64(v)/255 >= threshold; v-- {
		first = v
	}
	for i, x := range src {
		v := int(toU8(x))
		if v >= first {
			v = 255 - v
		}
		dst[i] = u8ToFloat[v]
	}
}

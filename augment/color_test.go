package augment

import "testing"

// TestIdentity checks that the Identity op copies the image.
func TestIdentity(t *testing.T) {
	src := ramp(5 * 5 * 3)
	dst := make([]float32, len(src))
	Apply(OpIdentity, dst, src, 5, 5, 3, 12.3)
	assertClose(t, "Identity", dst, src, 0)
}

// TestBrightnessGolden checks Brightness at factors 0.5 and 1.5 (clamped).
func TestBrightnessGolden(t *testing.T) {
	src := []float32{0, 0.2, 0.5, 0.8, 1}
	dst := make([]float32, len(src))
	Brightness(dst, src, 1, 5, 1, 0.5)
	assertClose(t, "Brightness 0.5", dst, []float32{0, 0.1, 0.25, 0.4, 0.5}, 1e-7)
	Brightness(dst, src, 1, 5, 1, 1.5)
	assertClose(t, "Brightness 1.5 clamps", dst, []float32{0, 0.3, 0.75, 1, 1}, 1e-7)
	// Apply uses factor 1+magnitude.
	Apply(OpBrightness, dst, src, 1, 5, 1, -0.5)
	assertClose(t, "Apply Brightness -0.5", dst, []float32{0, 0.1, 0.25, 0.4, 0.5}, 1e-7)
}

// TestColorGolden checks that Color 0 gives the luma grayscale and 2 extrapolates.
func TestColorGolden(t *testing.T) {
	// Two RGB pixels; gray = 0.299 R + 0.587 G + 0.114 B.
	src := []float32{1, 0, 0, 0.2, 0.4, 0.6}
	g1, g2 := float32(0.299), float32(0.299*0.2+0.587*0.4+0.114*0.6) // 0.363
	dst := make([]float32, 6)
	Color(dst, src, 1, 2, 3, 0)
	assertClose(t, "Color 0 is grayscale", dst, []float32{g1, g1, g1, g2, g2, g2}, 1e-6)
	Color(dst, src, 1, 2, 3, 2)
	assertClose(t, "Color 2", dst, []float32{1, 0, 0, 0.4 - g2, 0.8 - g2, 1.2 - g2}, 1e-6)
	Color(dst, src, 1, 2, 3, 1)
	assertClose(t, "Color 1", dst, src, 1e-7)
	// One channel: unchanged, as in torchvision.
	gray := []float32{0.1, 0.9}
	Color(dst[:2], gray, 1, 2, 1, 0)
	assertClose(t, "Color on 1 channel", dst[:2], gray, 0)
}

// TestContrastGolden checks that Contrast 0 gives the grayscale mean, and clamping.
func TestContrastGolden(t *testing.T) {
	src := []float32{1, 0, 0, 0.2, 0.4, 0.6}
	mean := float32((0.299 + 0.363) / 2) // mean of the grayscale image
	dst := make([]float32, 6)
	Contrast(dst, src, 1, 2, 3, 0)
	assertClose(t, "Contrast 0 is the mean", dst, []float32{mean, mean, mean, mean, mean, mean}, 1e-6)

	one := []float32{0, 0.5, 1, 0.5} // mean 0.5
	Contrast(dst[:4], one, 2, 2, 1, 0.5)
	assertClose(t, "Contrast 0.5", dst[:4], []float32{0.25, 0.5, 0.75, 0.5}, 1e-7)
	Contrast(dst[:4], one, 2, 2, 1, 3)
	assertClose(t, "Contrast 3 clamps", dst[:4], []float32{0, 0.5, 1, 0.5}, 1e-7)
}

// TestSharpnessGolden checks Sharpness on a delta image against the 3x3 kernel.
func TestSharpnessGolden(t *testing.T) {
	// 5x5 delta at the centre plus a corner pixel, which is kept (border)
	// but feeds its interior neighbour (1,1).
	src := make([]float32, 25)
	src[12], src[0] = 1, 1
	const k = float32(1) / 13
	dst := make([]float32, 25)
	Sharpness(dst, src, 5, 5, 1, 0) // the smoothed image
	assertClose(t, "Sharpness 0", dst, []float32{
		1, 0, 0, 0, 0,
		0, 2 * k, k, k, 0,
		0, k, 5 * k, k, 0,
		0, k, k, k, 0,
		0, 0, 0, 0, 0}, 1e-7)
	Sharpness(dst, src, 5, 5, 1, 0.5) // halfway: 0.5 x + 0.5 smooth
	assertClose(t, "Sharpness 0.5", dst, []float32{
		1, 0, 0, 0, 0,
		0, k, k / 2, k / 2, 0,
		0, k / 2, 9 * k, k / 2, 0,
		0, k / 2, k / 2, k / 2, 0,
		0, 0, 0, 0, 0}, 1e-7)
	Sharpness(dst, src, 5, 5, 1, 2) // 2x - smooth, clamped
	assertClose(t, "Sharpness 2", dst, src, 0)
	// Per channel: the same delta in channel 1 of 2, channel 0 flat.
	two := make([]float32, 50)
	for i := 0; i < 25; i++ {
		two[2*i] = 0.5
	}
	two[2*12+1] = 1
	out := make([]float32, 50)
	Sharpness(out, two, 5, 5, 2, 0)
	for i := 0; i < 25; i++ {
		if d := out[2*i] - 0.5; d > 1e-6 || d < -1e-6 {
			t.Fatalf("flat channel changed at %d: %v", i, out[2*i])
		}
	}
	if d := out[2*12+1] - 5*k; d > 1e-7 || d < -1e-7 {
		t.Errorf("delta channel centre %v, want %v", out[2*12+1], 5*k)
	}
	// Images of 2 rows or columns are copied (torchvision returns them).
	thin := ramp(2 * 5)
	Sharpness(out[:10], thin, 2, 5, 1, 0)
	assertClose(t, "Sharpness 2x5", out[:10], thin, 0)
}

// TestPosterizeGolden checks Posterize at 2, 8 and 0 bits.
func TestPosterizeGolden(t *testing.T) {
	src := levels(0, 63, 64, 127, 128, 191, 192, 255)
	dst := make([]float32, len(src))
	Posterize(dst, src, 1, 8, 1, 2)
	assertClose(t, "Posterize 2 bits", dst, levels(0, 0, 64, 64, 128, 128, 192, 192), 0)
	Posterize(dst, src, 1, 8, 1, 8)
	assertClose(t, "Posterize 8 bits", dst, src, 0)
	Posterize(dst, src, 1, 8, 1, 0)
	assertClose(t, "Posterize 0 bits", dst, levels(0, 0, 0, 0, 0, 0, 0, 0), 0)
	// Values between levels are rounded to the nearest level first.
	Posterize(dst[:2], []float32{63.6 / 255, 0.5}, 1, 2, 1, 2)
	assertClose(t, "Posterize quantises", dst[:2], levels(64, 128), 0)
}

// TestSolarizeGolden checks Solarize at thresholds 0.5, 1, 0 and an exact level.
func TestSolarizeGolden(t *testing.T) {
	src := levels(0, 100, 127, 128, 200, 255)
	dst := make([]float32, len(src))
	Solarize(dst, src, 1, 6, 1, 0.5) // levels >= 127.5 inverted
	assertClose(t, "Solarize 0.5", dst, levels(0, 100, 127, 127, 55, 0), 0)
	Solarize(dst, src, 1, 6, 1, 1)
	assertClose(t, "Solarize 1", dst, levels(0, 100, 127, 128, 200, 0), 0)
	Solarize(dst, src, 1, 6, 1, 0)
	assertClose(t, "Solarize 0", dst, levels(255, 155, 128, 127, 55, 0), 0)
	// A threshold that is an exact level inverts that level (>=): 200.
	Apply(OpSolarize, dst, src, 1, 6, 1, 200)
	assertClose(t, "Apply Solarize 200", dst, levels(0, 100, 127, 128, 55, 0), 0)
}

// TestAutoContrastGolden checks the per-channel stretch of [0.2,0.6] to [0,1].
func TestAutoContrastGolden(t *testing.T) {
	// Channel 0 spans [0.2, 0.6] = levels [51, 153]: scale 255/102 = 2.5,
	// v -> trunc((v-51)*2.5), so 102 -> 127 (127.5 truncated).
	// Channel 1 is constant and left alone.
	src := []float32{0.2, 0.5, 53.0 / 255, 0.5, 61.0 / 255, 0.5, 0.4, 0.5, 0.6, 0.5}
	dst := make([]float32, len(src))
	AutoContrast(dst, src, 1, 5, 2)
	assertClose(t, "AutoContrast", dst, levels(0, 128, 5, 128, 25, 128, 127, 128, 255, 128), 0)
	// Levels [0, 7]: torch's scale is fl(1/7)*255 = 36.428574, not
	// fl(255/7) = 36.42857, so 7 maps to 255 (254 with the plain division).
	AutoContrast(dst[:3], levels(0, 3, 7), 1, 3, 1)
	assertClose(t, "AutoContrast [0,7]", dst[:3], levels(0, 109, 255), 0)
}

// TestEqualizeGolden checks Equalize on a hand-computed three-level histogram.
func TestEqualizeGolden(t *testing.T) {
	// 32x32, channel 0: 512 pixels at 0, 256 at level 100, 256 at 200.
	// step = (1024 - 256) / 255 = 3; lut[v] = (cumsum[v-1] + 1) / 3:
	// 0 -> 0, 100 -> (512+1)/3 = 171, 200 -> (768+1)/3 = 256 -> 255.
	// Channel 1: 1020 pixels at 255 and 4 at 10: step = 4/255 = 0, unchanged.
	const n = 1024
	src := make([]float32, 2*n)
	want := make([]float32, 2*n)
	for i := 0; i < n; i++ {
		switch {
		case i < 512:
			src[2*i], want[2*i] = 0, 0
		case i < 768:
			src[2*i], want[2*i] = levels(100)[0], levels(171)[0]
		default:
			src[2*i], want[2*i] = levels(200)[0], 1
		}
		src[2*i+1] = 1
		if i%300 == 0 {
			src[2*i+1] = levels(10)[0]
		}
		want[2*i+1] = src[2*i+1]
	}
	dst := make([]float32, 2*n)
	Equalize(dst, src, 32, 32, 2)
	assertClose(t, "Equalize", dst, want, 0)
	// A single level stays.
	flat := levels(7, 7, 7, 7)
	Equalize(dst[:4], flat, 2, 2, 1)
	assertClose(t, "Equalize flat", dst[:4], flat, 0)
}

// TestPointOpsInPlace checks that the pixel-wise ops give the same result in place.
func TestPointOpsInPlace(t *testing.T) {
	src := randomImage(6*7*3, 3)
	for _, op := range []Op{OpIdentity, OpBrightness, OpColor, OpContrast, OpPosterize, OpSolarize, OpAutoContrast, OpEqualize} {
		mag := 0.4
		switch op {
		case OpPosterize:
			mag = 3
		case OpSolarize:
			mag = 100
		}
		want := make([]float32, len(src))
		Apply(op, want, src, 6, 7, 3, mag)
		x := append([]float32(nil), src...)
		Apply(op, x, x, 6, 7, 3, mag)
		assertClose(t, op.String()+" in place", x, want, 0)
	}
}

// TestQuantisation checks the float to uint8 level mapping.
func TestQuantisation(t *testing.T) {
	for v := 0; v < 256; v++ {
		if got := toU8(u8ToFloat[v]); int(got) != v {
			t.Fatalf("toU8(%d/255) = %d", v, got)
		}
	}
	for _, c := range []struct {
		x float32
		v uint8
	}{{-1, 0}, {2, 255}, {float32(nanF()), 0}, {0.5, 128}, {0.499 / 255, 0}, {0.501 / 255, 1}} {
		if got := toU8(c.x); got != c.v {
			t.Errorf("toU8(%v) = %d, want %d", c.x, got, c.v)
		}
	}
}

package augment

import "testing"

// grid16 is the 4x4x1 image with values 1..16 (row-major), scaled to (0,1).
func grid16() []float32 {
	v := make([]float32, 16)
	for i := range v {
		v[i] = float32(i + 1)
	}
	return scaled(1.0/16, v...)
}

// g16 scales hand-written 4x4 expectations like grid16.
func g16(v ...float32) []float32 { return scaled(1.0/16, v...) }

// TestShearGolden checks ShearX and ShearY at +-0.5 and on half-pixel ties.
func TestShearGolden(t *testing.T) {
	// Output (column i, row j) reads column round(i + m*(j+0.5)) of row j.
	// With m = 0.5 the shifts per row are 0.25, 0.75, 1.25, 1.75 -> 0, 1, 1, 2.
	cases := []struct {
		name string
		f    func(dst, src []float32, h, w, c int, m float64)
		m    float64
		want []float32
	}{
		{"ShearX+0.5", ShearX, 0.5, g16(
			1, 2, 3, 4,
			6, 7, 8, 0,
			10, 11, 12, 0,
			15, 16, 0, 0)},
		{"ShearX-0.5", ShearX, -0.5, g16(
			1, 2, 3, 4,
			0, 5, 6, 7,
			0, 9, 10, 11,
			0, 0, 13, 14)},
		// Column i reads row round(j + m*(i+0.5)): shifts 0, 1, 1, 2 by column.
		{"ShearY+0.5", ShearY, 0.5, g16(
			1, 6, 7, 12,
			5, 10, 11, 16,
			9, 14, 15, 0,
			13, 0, 0, 0)},
		{"ShearY-0.5", ShearY, -0.5, g16(
			1, 0, 0, 0,
			5, 2, 3, 0,
			9, 6, 7, 4,
			13, 10, 11, 8)},
		// m = 1 puts every sample on a half-pixel tie, i + j + 0.5, which
		// grid_sample rounds half to even: row 0 reads columns 0, 2, 2, 4.
		{"ShearX+1 ties", ShearX, 1, g16(
			1, 3, 3, 0,
			7, 7, 0, 0,
			11, 0, 0, 0,
			0, 0, 0, 0)},
		{"ShearY-1 ties", ShearY, -1, g16(
			1, 0, 0, 0,
			1, 2, 0, 0,
			9, 2, 3, 0,
			9, 10, 3, 4)},
	}
	for _, tc := range cases {
		dst := make([]float32, 16)
		tc.f(dst, grid16(), 4, 4, 1, tc.m)
		assertClose(t, tc.name, dst, tc.want, 0)
	}
}

// TestTranslateGolden checks TranslateX and TranslateY and the int() truncation of Apply.
func TestTranslateGolden(t *testing.T) {
	dst := make([]float32, 16)
	TranslateX(dst, grid16(), 4, 4, 1, 2)
	assertClose(t, "TranslateX+2", dst, g16(
		0, 0, 1, 2,
		0, 0, 5, 6,
		0, 0, 9, 10,
		0, 0, 13, 14), 0)
	TranslateX(dst, grid16(), 4, 4, 1, -1)
	assertClose(t, "TranslateX-1", dst, g16(
		2, 3, 4, 0,
		6, 7, 8, 0,
		10, 11, 12, 0,
		14, 15, 16, 0), 0)
	TranslateY(dst, grid16(), 4, 4, 1, -1)
	assertClose(t, "TranslateY-1", dst, g16(
		5, 6, 7, 8,
		9, 10, 11, 12,
		13, 14, 15, 16,
		0, 0, 0, 0), 0)
	TranslateY(dst, grid16(), 4, 4, 1, 2)
	assertClose(t, "TranslateY+2", dst, g16(
		0, 0, 0, 0,
		0, 0, 0, 0,
		1, 2, 3, 4,
		5, 6, 7, 8), 0)
	// Apply truncates the magnitude toward zero like Python's int():
	// torchvision's bin 15 is 15.999999 in float32, i.e. 15 px.
	src := ramp(1 * 40 * 1)
	a, b := make([]float32, 40), make([]float32, 40)
	Apply(OpTranslateX, a, src, 1, 40, 1, float64(translate32[15]))
	TranslateX(b, src, 1, 40, 1, 15)
	assertClose(t, "Apply TranslateX bin 15", a, b, 0)
	Apply(OpTranslateX, a, src, 1, 40, 1, -1.9)
	TranslateX(b, src, 1, 40, 1, -1)
	assertClose(t, "Apply TranslateX -1.9", a, b, 0)
}

// TestRotateGolden checks the exact quarter and half turns.
func TestRotateGolden(t *testing.T) {
	dst := make([]float32, 16)
	// Counter-clockwise: the right column becomes the top row.
	Rotate(dst, grid16(), 4, 4, 1, 90)
	assertClose(t, "Rotate90", dst, g16(
		4, 8, 12, 16,
		3, 7, 11, 15,
		2, 6, 10, 14,
		1, 5, 9, 13), 0)
	Rotate(dst, grid16(), 4, 4, 1, 180)
	assertClose(t, "Rotate180", dst, g16(
		16, 15, 14, 13,
		12, 11, 10, 9,
		8, 7, 6, 5,
		4, 3, 2, 1), 0)
	Rotate(dst, grid16(), 4, 4, 1, -90)
	assertClose(t, "Rotate-90", dst, g16(
		13, 9, 5, 1,
		14, 10, 6, 2,
		15, 11, 7, 3,
		16, 12, 8, 4), 0)

	// On an odd square with 3 channels 90 degrees is the permutation
	// out[j][i] = in[i][w-1-j], channels kept together.
	const n, c = 5, 3
	src := ramp(n * n * c)
	got := make([]float32, len(src))
	Rotate(got, src, n, n, c, 90)
	want := make([]float32, len(src))
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			copy(want[(j*n+i)*c:(j*n+i+1)*c], src[(i*n+n-1-j)*c:(i*n+n-j)*c])
		}
	}
	assertClose(t, "Rotate90 5x5x3", got, want, 0)
	// Four quarter turns in place give the original back.
	x := append([]float32(nil), src...)
	for range 4 {
		Rotate(x, x, n, n, c, 90)
	}
	assertClose(t, "Rotate 4x90 in place", x, src, 0)
}

// TestRotate45Corners checks that a 45 degree turn keeps the centre and clears the corners.
func TestRotate45Corners(t *testing.T) {
	// A 45 degree turn of a 5x5 image leaves the centre and clears the
	// corners (they sample outside the image).
	src := ramp(25)
	dst := make([]float32, 25)
	Rotate(dst, src, 5, 5, 1, 45)
	if dst[12] != src[12] {
		t.Errorf("centre %v, want %v", dst[12], src[12])
	}
	for _, k := range []int{0, 4, 20, 24} {
		if dst[k] != 0 {
			t.Errorf("corner %d = %v, want 0", k, dst[k])
		}
	}
}

// TestGeometricZeroIsIdentity checks that the geometric ops at magnitude 0 change nothing.
func TestGeometricZeroIsIdentity(t *testing.T) {
	src := ramp(6 * 7 * 3)
	for _, op := range []Op{OpShearX, OpShearY, OpTranslateX, OpTranslateY, OpRotate} {
		dst := make([]float32, len(src))
		Apply(op, dst, src, 6, 7, 3, 0)
		assertClose(t, op.String()+"(0)", dst, src, 0)
	}
}

// TestGeometricInPlace checks that the ops reading neighbours work in place.
func TestGeometricInPlace(t *testing.T) {
	src := ramp(6 * 7 * 3)
	for _, op := range []Op{OpShearX, OpShearY, OpTranslateX, OpTranslateY, OpRotate, OpSharpness} {
		want := make([]float32, len(src))
		Apply(op, want, src, 6, 7, 3, 0.7+float64(op))
		x := append([]float32(nil), src...)
		Apply(op, x, x, 6, 7, 3, 0.7+float64(op))
		assertClose(t, op.String()+" in place", x, want, 0)
	}
}

// TestRotate45Golden checks a 45 degree turn against torchvision.
func TestRotate45Golden(t *testing.T) {
	// torchvision 0.29 F.rotate(img, 45) of the 4x4 image 1..16 (uint8).
	dst := make([]float32, 16)
	Rotate(dst, grid16(), 4, 4, 1, 45)
	assertClose(t, "Rotate45", dst, g16(
		0, 3, 8, 0,
		2, 7, 11, 12,
		5, 10, 11, 15,
		0, 9, 14, 0), 0)
}

// TestRotateHalfPixelTies checks the pixels whose sample point is a half-pixel tie.
func TestRotateHalfPixelTies(t *testing.T) {
	// Turning a 32x32 image by 45 or 135 degrees puts some sample points
	// exactly on a half-pixel boundary; torch's float32 grid decides them.
	// These are the pixels where exact (float64) arithmetic picks the other
	// neighbour; the sources are torchvision 0.29's.
	const n = 32
	src := make([]float32, n*n)
	for i := range src {
		src[i] = float32(i)
	}
	type px struct{ j, i, sy, sx int }
	for _, c := range []struct {
		deg  float64
		pxls []px
	}{
		{45, []px{{6, 6, 2, 16}, {6, 25, 16, 29}, {7, 7, 3, 16}, {9, 22, 16, 25}, {12, 12, 11, 16}}},
		{135, []px{{6, 6, 16, 29}, {7, 7, 16, 28}, {12, 12, 16, 20}, {22, 9, 6, 16}, {25, 6, 2, 16}}},
	} {
		dst := make([]float32, n*n)
		Rotate(dst, src, n, n, 1, c.deg)
		for _, p := range c.pxls {
			if got, want := dst[p.j*n+p.i], float32(p.sy*n+p.sx); got != want {
				t.Errorf("Rotate %v: pixel (%d,%d) reads input (%d,%d), want (%d,%d)",
					c.deg, p.j, p.i, int(got)/n, int(got)%n, p.sy, p.sx)
			}
		}
	}
}

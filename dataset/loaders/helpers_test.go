package loaders

import (
	"bytes"
	"compress/gzip"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// wantFormatErr fails unless err is a *FormatError whose message contains
// every one of parts.
func wantFormatErr(t *testing.T, err error, parts ...string) *FormatError {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %q is a %T, want *FormatError", err, err)
	}
	if !IsFormatError(err) {
		t.Fatalf("IsFormatError(%q) = false", err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
	return fe
}

// wantMissing fails unless err is a *FormatError for a missing file that
// names path.
func wantMissing(t *testing.T, err error, path string) {
	t.Helper()
	wantFormatErr(t, err, path, "missing")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%q, fs.ErrNotExist) = false", err)
	}
}

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(path) // never write through a hard link (see linkTree)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// px is the float32 value of a pixel byte, as the loaders store it.
func px(b byte) float32 { return float32(b) / 255 }

func checkPixel(t *testing.T, what string, got float32, want byte) {
	t.Helper()
	if got != px(want) {
		t.Errorf("%s = %v (%v/255), want %v/255", what, got, got*255, want)
	}
}

func nearPixel(t *testing.T, what string, got float32, want byte, tol float64) {
	t.Helper()
	if math.Abs(float64(got)*255-float64(want)) > tol {
		t.Errorf("%s = %v/255, want %d/255 within %v", what, got*255, want, tol)
	}
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(path) // never write through a hard link (see linkTree)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeJPEG(t *testing.T, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(path) // never write through a hard link (see linkTree)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// rgbImage returns a w x h opaque RGBA image whose pixel (x, y) is f(x, y).
func rgbImage(w, h int, f func(x, y int) (r, g, b uint8)) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			r, g, b := f(x, y)
			img.SetRGBA(x, y, color.RGBA{r, g, b, 255})
		}
	}
	return img
}

func grayImage(w, h int, f func(x, y int) uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{f(x, y)})
		}
	}
	return img
}

func truncateFile(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

// linkTree recreates the tree src under dst with hard links to its files
// (much faster than copying). Writers in these tests remove a file before
// writing it, so a change in dst never reaches src.
func linkTree(t *testing.T, dst, src string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		return os.Link(p, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// floats returns every value of ds as float32, as the stages read them.
func floats(ds *dataset.Dataset) []float32 { return ds.AppendFloat32s(nil, 0, ds.Len()) }

// mustGunzip returns the content of a gzip file.
func mustGunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// floatsOf returns pixels as the float32 values the datasets give for them.
func floatsOf(pixels []uint8) []float32 {
	out := make([]float32, len(pixels))
	for i, v := range pixels {
		out[i] = dataset.PixelValue[v]
	}
	return out
}

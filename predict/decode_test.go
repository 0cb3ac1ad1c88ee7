package predict

import (
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDecodeColourRules checks the pixel levels decodeFile writes for the
// image types PNG and JPEG decode to, against the pixels written.
func TestDecodeColourRules(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 8))
	const w, h = 5, 3
	grey := image.NewGray(image.Rect(0, 0, w, h))
	nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	greyRGB := image.NewNRGBA(image.Rect(0, 0, w, h)) // colour type, R = G = B
	pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.NRGBA{1, 2, 3, 255}, color.NRGBA{250, 128, 0, 255}})
	g16 := image.NewGray16(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8(rng.IntN(256))
			grey.SetGray(x, y, color.Gray{v})
			nrgba.SetNRGBA(x, y, color.NRGBA{v, uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256))})
			greyRGB.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
			pal.SetColorIndex(x, y, uint8(rng.IntN(2)))
			g16.SetGray16(x, y, color.Gray16{uint16(rng.IntN(65536))})
		}
	}
	cases := []struct {
		name string
		img  image.Image
		c    int
		want func(x, y int) []float32
	}{
		{"grey into 1 channel", grey, 1, func(x, y int) []float32 { return []float32{float32(grey.GrayAt(x, y).Y)} }},
		{"grey replicated into 3", grey, 3, func(x, y int) []float32 {
			v := float32(grey.GrayAt(x, y).Y)
			return []float32{v, v, v}
		}},
		{"NRGBA: alpha dropped", nrgba, 3, func(x, y int) []float32 {
			p := nrgba.NRGBAAt(x, y)
			return []float32{float32(p.R), float32(p.G), float32(p.B)}
		}},
		{"colour type with R=G=B into 1 channel", greyRGB, 1, func(x, y int) []float32 { return []float32{float32(greyRGB.NRGBAAt(x, y).R)} }},
		{"palette", pal, 3, func(x, y int) []float32 {
			p := pal.Palette[pal.ColorIndexAt(x, y)].(color.NRGBA)
			return []float32{float32(p.R), float32(p.G), float32(p.B)}
		}},
		{"16-bit grey: high byte", g16, 1, func(x, y int) []float32 { return []float32{float32(g16.Gray16At(x, y).Y >> 8)} }},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strconv.Itoa(i)+".png")
			writePNG(t, path, tc.img)
			if err := checkImageSize(path, w, h); err != nil {
				t.Fatal(err)
			}
			got := make([]float32, w*h*tc.c)
			if err := decodeFile(path, w, h, tc.c, got); err != nil {
				t.Fatal(err)
			}
			for y := range h {
				for x := range w {
					want := tc.want(x, y)
					for k, v := range want {
						if g := got[(y*w+x)*tc.c+k]; g != v {
							t.Fatalf("pixel (%d,%d) channel %d = %v, want %v", x, y, k, g, v)
						}
					}
				}
			}
		})
	}
	t.Run("grey JPEG", func(t *testing.T) {
		path := filepath.Join(dir, "g.jpg")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := jpeg.Encode(f, grey, &jpeg.Options{Quality: 100}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		got := make([]float32, w*h)
		if err := decodeFile(path, w, h, 1, got); err != nil {
			t.Fatal(err)
		}
		// Quality 100 keeps a grey image within a couple of levels.
		for i, v := range got {
			if d := math.Abs(float64(v) - float64(grey.Pix[i])); d > 3 {
				t.Fatalf("pixel %d = %v, written %d", i, v, grey.Pix[i])
			}
		}
	})
	t.Run("wrong size", func(t *testing.T) {
		path := filepath.Join(dir, "0.png")
		err := decodeFile(path, w+1, h, 1, make([]float32, (w+1)*h))
		if err == nil || !strings.Contains(err.Error(), "5x3") || !strings.Contains(err.Error(), "6x3") {
			t.Fatalf("got %v, want an error naming 5x3 and 6x3", err)
		}
	})
}

func TestTopKOrderAndTies(t *testing.T) {
	probs := []float32{0.1, 0.3, 0.05, 0.3, 0.25}
	if got := topK(probs, 3, nil); strconv.Itoa(got[0])+strconv.Itoa(got[1])+strconv.Itoa(got[2]) != "134" {
		t.Fatalf("topK = %v, want [1 3 4] (tie 1, 3 by index)", got)
	}
	if got := topK(probs, 5, nil); got[4] != 2 {
		t.Fatalf("topK(all) = %v, last should be 2", got)
	}
}

func TestFormatProbRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for range 10000 {
		p := rng.Float32()
		s := formatProb(p)
		back, err := strconv.ParseFloat(s, 32)
		if err != nil || float32(back) != p {
			t.Fatalf("%v printed as %q reads back as %v", p, s, back)
		}
	}
	if s := formatProb(1); s != "1" {
		t.Fatalf("formatProb(1) = %q", s)
	}
}

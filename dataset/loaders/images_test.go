package loaders

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var cinicClassNames = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// writeCINIC writes train/, valid/ and test/ with n 32x32 PNGs per class
// (created in reverse class order). Image k of class c has pixel (row 1,
// col 2) = (200, 100, c) and (row 0, col 0) = (k, 0, 0).
func writeCINIC(t *testing.T, dir string, n int) {
	t.Helper()
	for _, split := range []string{"train", "valid", "test"} {
		for c := len(cinicClassNames) - 1; c >= 0; c-- {
			for k := range n {
				img := rgbImage(32, 32, func(x, y int) (uint8, uint8, uint8) {
					switch {
					case x == 2 && y == 1:
						return 200, 100, uint8(c)
					case x == 0 && y == 0:
						return uint8(k), 0, 0
					}
					return 10, 20, 30
				})
				writePNG(t, filepath.Join(dir, split, cinicClassNames[c], fmt.Sprintf("img%03d.png", k)), img)
			}
		}
	}
}

func TestCINIC10(t *testing.T) {
	dir := t.TempDir()
	writeCINIC(t, dir, 3)
	// A grey PNG (CINIC has some) and a non-image file, which is ignored.
	writePNG(t, filepath.Join(dir, "test", "dog", "zgray.png"), grayImage(32, 32, func(x, y int) uint8 { return uint8(x + 32*y) }))
	mustWrite(t, filepath.Join(dir, "test", "dog", "README"), []byte("not an image"))
	sp, err := Load("cinic10", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sp.ClassNames, cinicClassNames) {
		t.Fatalf("classes %v", sp.ClassNames)
	}
	if sp.Train.Len() != 30 || sp.Test.Len() != 31 || !slices.Equal(sp.Train.Shape, []int{32, 32, 3}) || sp.Train.NumClasses != 10 {
		t.Fatalf("got %d/%d examples of shape %v", sp.Train.Len(), sp.Test.Len(), sp.Train.Shape)
	}
	if err := sp.Test.Validate(); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		c, k := i/3, i%3
		if sp.Train.Labels[i] != int32(c) {
			t.Fatalf("train label %d = %d, want %d", i, sp.Train.Labels[i], c)
		}
		ex := sp.Train.Example(i)
		const W = 32
		checkPixel(t, "R(1,2)", ex[(1*W+2)*3+0], 200)
		checkPixel(t, "G(1,2)", ex[(1*W+2)*3+1], 100)
		checkPixel(t, "B(1,2)", ex[(1*W+2)*3+2], byte(c))
		checkPixel(t, "R(0,0)", ex[0], byte(k))
		checkPixel(t, "G(2,1)", ex[(2*W+1)*3+1], 20)
	}
	// The grey image follows dog's three colour images (dog is class 5).
	g := sp.Test.Example(5*3 + 3)
	if sp.Test.Labels[18] != 5 {
		t.Fatalf("grey image label %d", sp.Test.Labels[18])
	}
	for y := range 32 {
		for x := range 32 {
			for c := range 3 {
				checkPixel(t, fmt.Sprintf("grey (%d,%d,%d)", y, x, c), g[(y*32+x)*3+c], byte(x+32*y))
			}
		}
	}
	valid, err := LoadCINIC10Valid(dir)
	if err != nil || valid.Len() != 30 || valid.Name != "cinic10/valid" {
		t.Fatalf("valid: %v", err)
	}
}

func TestCINIC10Errors(t *testing.T) {
	t.Run("30x30 png", func(t *testing.T) {
		dir := t.TempDir()
		writeCINIC(t, dir, 2)
		p := filepath.Join(dir, "test", "cat", "img001.png")
		writePNG(t, p, rgbImage(30, 30, func(x, y int) (uint8, uint8, uint8) { return 1, 2, 3 }))
		_, err := LoadCINIC10(dir)
		fe := wantFormatErr(t, err, "cinic10: "+p+": image 7: png image is 30x30, want 32x32")
		if fe.Record != 7 || fe.Unit != "image" {
			t.Errorf("fields %+v", fe)
		}
	})
	t.Run("empty class folder", func(t *testing.T) {
		dir := t.TempDir()
		writeCINIC(t, dir, 2)
		p := filepath.Join(dir, "train", "frog")
		for _, f := range []string{"img000.png", "img001.png"} {
			os.Remove(filepath.Join(p, f))
		}
		_, err := LoadCINIC10(dir)
		wantFormatErr(t, err, p, "empty class folder")
	})
	t.Run("test lacks a class", func(t *testing.T) {
		dir := t.TempDir()
		writeCINIC(t, dir, 1)
		os.RemoveAll(filepath.Join(dir, "test", "ship"))
		_, err := LoadCINIC10(dir)
		wantFormatErr(t, err, filepath.Join(dir, "test", "ship"), `missing class folder "ship"`)
	})
	t.Run("test has an extra class", func(t *testing.T) {
		dir := t.TempDir()
		writeCINIC(t, dir, 1)
		writePNG(t, filepath.Join(dir, "test", "zebra", "a.png"), rgbImage(32, 32, func(x, y int) (uint8, uint8, uint8) { return 1, 2, 3 }))
		_, err := LoadCINIC10(dir)
		wantFormatErr(t, err, filepath.Join(dir, "test", "zebra"), `unexpected class folder "zebra"`)
	})
	t.Run("11 train classes", func(t *testing.T) {
		dir := t.TempDir()
		writeCINIC(t, dir, 1)
		os.MkdirAll(filepath.Join(dir, "train", "zebra"), 0o755)
		_, err := LoadCINIC10(dir)
		wantFormatErr(t, err, filepath.Join(dir, "train"), "11 class folders", "want 10")
	})
	t.Run("not a png", func(t *testing.T) {
		dir := t.TempDir()
		writeCINIC(t, dir, 2)
		p := filepath.Join(dir, "train", "airplane", "img001.png")
		mustWrite(t, p, []byte("\x89PNG\r\n\x1a\nnonsense"))
		_, err := LoadCINIC10(dir)
		wantFormatErr(t, err, p, "image 1: cannot decode image")
	})
	t.Run("truncated png", func(t *testing.T) {
		dir := t.TempDir()
		writeCINIC(t, dir, 2)
		p := filepath.Join(dir, "train", "truck", "img000.png")
		b := mustRead(t, p)
		mustWrite(t, p, b[:len(b)-30])
		_, err := LoadCINIC10(dir)
		wantFormatErr(t, err, p, "image 18: cannot decode png image")
	})
	t.Run("first error in file order", func(t *testing.T) {
		dir := t.TempDir()
		writeCINIC(t, dir, 3)
		for _, c := range []string{"truck", "bird", "ship"} {
			writePNG(t, filepath.Join(dir, "train", c, "img002.png"), rgbImage(31, 32, func(x, y int) (uint8, uint8, uint8) { return 1, 2, 3 }))
		}
		for range 5 {
			_, err := LoadCINIC10(dir)
			wantFormatErr(t, err, filepath.Join(dir, "train", "bird", "img002.png"), "image 8:", "31x32")
		}
	})
	t.Run("missing folder", func(t *testing.T) {
		dir := t.TempDir()
		_, err := LoadCINIC10(dir)
		wantMissing(t, err, filepath.Join(dir, "train"))
	})
}

func TestToRGBConversions(t *testing.T) {
	dir := t.TempDir()
	// NRGBA with alpha: alpha dropped, colour kept (as PIL's convert("RGB")).
	nrgba := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	nrgba.SetNRGBA(2, 1, color.NRGBA{200, 100, 50, 128})
	// Palette image.
	pal := image.NewPaletted(image.Rect(0, 0, 4, 3), color.Palette{color.RGBA{1, 2, 3, 255}, color.RGBA{200, 100, 50, 255}})
	pal.SetColorIndex(2, 1, 1)
	// 16-bit grey (generic path).
	g16 := image.NewGray16(image.Rect(0, 0, 4, 3))
	g16.SetGray16(2, 1, color.Gray16{200 << 8})
	for name, img := range map[string]image.Image{"nrgba": nrgba, "paletted": pal, "gray16": g16} {
		p := filepath.Join(dir, name+".png")
		writePNG(t, p, img)
		dst := make([]uint8, 4*3*3)
		if err := decodeImage("test", p, 0, mustRead(t, p), 4, 3, dst); err != nil {
			t.Fatal(err)
		}
		want := [3]byte{200, 100, 50}
		if name == "gray16" {
			want = [3]byte{200, 200, 200}
		}
		for c := range 3 {
			checkPixel(t, fmt.Sprintf("%s (1,2,%d)", name, c), px(dst[(1*4+2)*3+c]), want[c])
		}
	}
	// A sub-image (bounds not at the origin) converts from its own origin.
	rgba := rgbImage(6, 6, func(x, y int) (uint8, uint8, uint8) { return uint8(x), uint8(y), 9 })
	sub := rgba.SubImage(image.Rect(2, 3, 6, 6))
	dst := make([]byte, 4*3*3)
	toRGB(sub, dst)
	checkPixel(t, "sub R(1,2)", px(dst[(1*4+2)*3]), 4)
	checkPixel(t, "sub G(1,2)", px(dst[(1*4+2)*3+1]), 4)
}

// tinyWnids are 200 fake WordNet ids, listed in wnids.txt in this (not
// sorted) order.
func tinyWnids() []string {
	w := make([]string, 200)
	for i := range w {
		w[i] = fmt.Sprintf("n%08d", (i*7919)%1000)
	}
	return w
}

// writeTiny writes a Tiny-ImageNet-200 tree: one 64x64 JPEG per class in
// train (uniform colour (c, 255-c, 128); the JPEG of class 3 is grey), and
// one val image per class, val_k.JPEG of class (k*3)%200, listed in
// val_annotations.txt in k order.
func writeTiny(t *testing.T, dir string) {
	t.Helper()
	wn := tinyWnids()
	mustWrite(t, filepath.Join(dir, "wnids.txt"), []byte(strings.Join(wn, "\n")+"\n"))
	colour := func(c int) image.Image {
		if c == 3 {
			return grayImage(64, 64, func(x, y int) uint8 { return 77 })
		}
		return rgbImage(64, 64, func(x, y int) (uint8, uint8, uint8) { return uint8(c), uint8(255 - c), 128 })
	}
	for c, w := range wn {
		writeJPEG(t, filepath.Join(dir, "train", w, "images", w+"_0.JPEG"), colour(c))
		mustWrite(t, filepath.Join(dir, "train", w, w+"_boxes.txt"), []byte(w+"_0.JPEG\t0\t0\t63\t63\n"))
	}
	var ann strings.Builder
	for k := range 200 {
		c := (k * 3) % 200
		writeJPEG(t, filepath.Join(dir, "val", "images", fmt.Sprintf("val_%d.JPEG", k)), colour(c))
		fmt.Fprintf(&ann, "val_%d.JPEG\t%s\t0\t1\t62\t63\n", k, wn[c])
	}
	mustWrite(t, filepath.Join(dir, "val", "val_annotations.txt"), []byte(ann.String()))
}

func TestTinyImageNet(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "tiny-imagenet-200")
	writeTiny(t, dir)
	sp, err := Load("tinyimagenet", root)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sp.ClassNames, tinyWnids()) {
		t.Fatal("class names are not wnids.txt in line order")
	}
	if sp.Train.Len() != 200 || sp.Test.Len() != 200 || !slices.Equal(sp.Train.Shape, []int{64, 64, 3}) || sp.Train.NumClasses != 200 {
		t.Fatalf("got %d/%d examples of shape %v", sp.Train.Len(), sp.Test.Len(), sp.Train.Shape)
	}
	if err := sp.Train.Validate(); err != nil {
		t.Fatal(err)
	}
	check := func(what string, ex []float32, c int) {
		t.Helper()
		for _, p := range []int{0, 1*64 + 2, 63*64 + 63} {
			if c == 3 {
				for ch := range 3 {
					checkPixel(t, what+" grey", ex[p*3+ch], 77)
				}
				continue
			}
			nearPixel(t, what+" R", ex[p*3], uint8(c), 3)
			nearPixel(t, what+" G", ex[p*3+1], uint8(255-c), 3)
			nearPixel(t, what+" B", ex[p*3+2], 128, 3)
		}
	}
	for c := range 200 {
		if sp.Train.Labels[c] != int32(c) {
			t.Fatalf("train label %d = %d", c, sp.Train.Labels[c])
		}
		check(fmt.Sprint("train ", c), sp.Train.Example(c), c)
	}
	for k := range 200 {
		c := (k * 3) % 200
		if sp.Test.Labels[k] != int32(c) {
			t.Fatalf("val label %d = %d, want %d", k, sp.Test.Labels[k], c)
		}
		check(fmt.Sprint("val ", k), sp.Test.Example(k), c)
	}
}

func TestTinyImageNetErrors(t *testing.T) {
	wn := tinyWnids()
	edit := func(t *testing.T, dir, rel string, f func(string) string) string {
		p := filepath.Join(dir, rel)
		mustWrite(t, p, []byte(f(string(mustRead(t, p)))))
		return p
	}
	cases := []struct {
		name    string
		breakIt func(t *testing.T, dir string) (file string)
		want    []string
	}{
		{"unknown wnid", func(t *testing.T, dir string) string {
			return edit(t, dir, "val/val_annotations.txt", func(s string) string {
				return strings.Replace(s, "val_4.JPEG\t"+wn[12], "val_4.JPEG\tn99999999", 1)
			})
		}, []string{"line 5: unknown wnid \"n99999999\" for val_4.JPEG"}},
		{"short annotation line", func(t *testing.T, dir string) string {
			return edit(t, dir, "val/val_annotations.txt", func(s string) string { return s + "val_x.JPEG\n" })
		}, []string{"line 201:", "1 tab-separated fields"}},
		{"path in annotation", func(t *testing.T, dir string) string {
			return edit(t, dir, "val/val_annotations.txt", func(s string) string { return "../../x.JPEG\t" + wn[0] + "\n" + s })
		}, []string{"line 1:", `bad image file name "../../x.JPEG"`}},
		{"duplicate annotation", func(t *testing.T, dir string) string {
			return edit(t, dir, "val/val_annotations.txt", func(s string) string { return s + "val_7.JPEG\t" + wn[0] + "\n" })
		}, []string{"line 201:", `duplicate image "val_7.JPEG" (also on line 8)`}},
		{"wnids 199", func(t *testing.T, dir string) string {
			return edit(t, dir, "wnids.txt", func(s string) string { return strings.Join(wn[:199], "\n") })
		}, []string{"199 wnids, want 200"}},
		{"duplicate wnid", func(t *testing.T, dir string) string {
			return edit(t, dir, "wnids.txt", func(s string) string { return s + wn[1] + "\n" })
		}, []string{"line 201:", "duplicate wnid"}},
		{"empty class", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train", wn[9], "images")
			os.Remove(filepath.Join(p, wn[9]+"_0.JPEG"))
			return p
		}, []string{"empty class folder"}},
		{"missing class", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train", wn[9])
			os.RemoveAll(p)
			return filepath.Join(p, "images")
		}, []string{"missing file"}},
		{"extra class", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train", "n77777777")
			os.MkdirAll(p, 0o755)
			return p
		}, []string{`"n77777777" is not in wnids.txt`}},
		{"wrong size", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "val", "images", "val_9.JPEG")
			writeJPEG(t, p, rgbImage(60, 64, func(x, y int) (uint8, uint8, uint8) { return 1, 2, 3 }))
			return p
		}, []string{"image 9: jpeg image is 60x64, want 64x64"}},
		{"missing val image", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "val", "images", "val_150.JPEG")
			os.Remove(p)
			return p
		}, []string{"image 150: missing file"}},
		{"missing annotations", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "val", "val_annotations.txt")
			os.Remove(p)
			return p
		}, []string{"missing file"}},
	}
	// Build one tree and link it per case (JPEG encoding is the slow part).
	base := t.TempDir()
	writeTiny(t, base)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			linkTree(t, dir, base)
			file := c.breakIt(t, dir)
			_, err := LoadTinyImageNet(dir)
			wantFormatErr(t, err, append([]string{"tinyimagenet: " + file + ": "}, c.want...)...)
		})
	}
}

package loaders

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Fuzz targets for the text and image parsers of the folder datasets
// (Tiny-ImageNet's wnids.txt and val_annotations.txt, the optional class
// name files of CIFAR and STL-10, and the PNG/JPEG decode path of CINIC-10,
// Tiny-ImageNet and LoadImageFolder). CIFAR-100 records (fine and coarse)
// are fuzzed by FuzzCIFAR10Record, which runs all three CIFAR layouts.

// wantFileErr fails unless err is a *FormatError of format naming file.
func wantFileErr(t *testing.T, err error, format, file string) *FormatError {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %q is a %T, want *FormatError", err, err)
	}
	if fe.Format != format || fe.File != file || !strings.Contains(err.Error(), file) {
		t.Fatalf("error %q: format %q file %q, want %q and %q", err, fe.Format, fe.File, format, file)
	}
	return fe
}

// textLines splits data as the loaders do (strings.Lines: after each "\n"),
// without the newline; a final empty piece after a trailing "\n" is dropped.
func textLines(data []byte) []string {
	lines := strings.Split(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// checkLine fails unless a line error's line number is a line of data.
func checkLine(t *testing.T, fe *FormatError, data []byte) {
	t.Helper()
	switch fe.Unit {
	case "line":
		if n := len(textLines(data)); fe.Record < 1 || fe.Record > n {
			t.Fatalf("error %q: line %d of a %d-line file", fe, fe.Record, n)
		}
	case "":
		if fe.Record != -1 {
			t.Fatalf("error %q: record %d in a text file", fe, fe.Record)
		}
	default:
		t.Fatalf("error %q: unit %q in a text file", fe, fe.Unit)
	}
}

// nonBlank returns the trimmed non-blank lines of data.
func nonBlank(data []byte) []string {
	var out []string
	for _, l := range textLines(data) {
		if s := strings.TrimSpace(l); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func FuzzClassNames(f *testing.F) {
	f.Add([]byte(strings.Join(CIFAR10Classes, "\n") + "\n"))
	f.Add([]byte(strings.Join(STL10Classes, "\r\n")))
	f.Add([]byte(strings.Join(CIFAR100CoarseClasses, "\n\n  ") + "\n"))
	f.Add([]byte("airplane\nbird\n"))
	f.Add([]byte("\n \t\n"))
	f.Add([]byte("a\xffb\nc\x00d\n\u00a0e\u00a0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz/batches.meta.txt"
		want := nonBlank(data)
		for _, n := range []int{10, 20, len(want)} {
			names, err := parseClassNames("cifar10", path, data, n)
			if err != nil {
				fe := wantFileErr(t, err, "cifar10", path)
				checkLine(t, fe, data)
				if len(want) == n {
					t.Fatalf("n=%d: %d names but error %v", n, len(want), err)
				}
				continue
			}
			if len(names) != n {
				t.Fatalf("n=%d: %d names", n, len(names))
			}
			for i, s := range names {
				if s != want[i] || s == "" || s != strings.TrimSpace(s) || strings.Contains(s, "\n") {
					t.Fatalf("name %d = %q, want %q", i, s, want[i])
				}
			}
		}
	})
}

// checkPathElem fails unless s is one safe path element (a folder or file
// name that stays where it is joined).
func checkPathElem(t *testing.T, what, s string) {
	t.Helper()
	if s == "" || s == "." || s == ".." || !filepath.IsLocal(s) || filepath.Base(s) != s || strings.ContainsAny(s, `/\`) {
		t.Fatalf("%s %q is not a single path element", what, s)
	}
}

func FuzzTinyWnids(f *testing.F) {
	f.Add([]byte("n01443537\nn01629819\nn01641577\n"))
	f.Add([]byte("n01443537\r\n\r\n  n01629819  \r\n"))
	f.Add([]byte("n01443537\nn01443537\n"))
	f.Add([]byte("n014 43537\n"))
	f.Add([]byte("../etc\n..\n.\nn01/x\nn01\\x\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz/wnids.txt"
		lines := nonBlank(data)
		for _, want := range []int{len(lines), tinyClasses} {
			wnids, err := parseWnids(path, data, want)
			if err != nil {
				fe := wantFileErr(t, err, "tinyimagenet", path)
				checkLine(t, fe, data)
				continue
			}
			if len(wnids) != want {
				t.Fatalf("want=%d: %d wnids", want, len(wnids))
			}
			seen := map[string]bool{}
			for i, w := range wnids {
				if w != lines[i] {
					t.Fatalf("wnid %d = %q, want line %q", i, w, lines[i])
				}
				checkPathElem(t, "wnid", w) // a folder name under train/
				if strings.ContainsAny(w, " \t") || seen[w] {
					t.Fatalf("wnid %d = %q (duplicate %v)", i, w, seen[w])
				}
				seen[w] = true
			}
			if want >= tinyClasses {
				continue
			}
			// A real-size file: these wnids, then new ones up to 200.
			full := bytes.Clone(data)
			extra := tinyWnids()[:tinyClasses-want]
			for _, w := range extra {
				if seen[w] {
					return
				}
				full = append(full, "\n"+w...)
			}
			all, err := parseWnids(path, full, tinyClasses)
			if err != nil || len(all) != tinyClasses || !slices.Equal(all[:want], wnids) || !slices.Equal(all[want:], extra) {
				t.Fatalf("real-size file: %d wnids, %v", len(all), err)
			}
		}
	})
}

func FuzzTinyValAnnotations(f *testing.F) {
	wn := []byte("n01443537\nn01629819\nn01641577\n")
	f.Add(wn, []byte("val_0.JPEG\tn01443537\t0\t32\t44\t62\nval_1.JPEG\tn01641577\t52\t37\t63\t63\n"))
	f.Add(wn, []byte("val_0.JPEG\tn01629819\r\n\r\nval_1.JPEG\t n01443537 \t1\t2\t3\t4"))
	f.Add(wn, []byte("val_0.JPEG\tn99999999\t0\t0\t1\t1\n"))
	f.Add(wn, []byte("val_0.JPEG\tn01443537\nval_0.JPEG\tn01629819\n"))
	f.Add(wn, []byte("../../etc/passwd\tn01443537\n..\tn01443537\n"))
	f.Add(wn, []byte("val_0.JPEG n01443537 0 0 1 1\n"))
	f.Add(wn, []byte("\n\n"))
	f.Add([]byte("a\na\n"), []byte("x.JPEG\ta\n"))
	f.Fuzz(func(t *testing.T, wnids, ann []byte) {
		const file = "fuzz/val/val_annotations.txt"
		ids, err := parseWnids("fuzz/wnids.txt", wnids, len(nonBlank(wnids)))
		if err != nil {
			ids = []string{"n01443537", "n01629819", "n01641577"}
		}
		class := make(map[string]int, len(ids))
		for i, w := range ids {
			class[w] = i
		}
		names, labels, err := parseValAnnotations(file, ann, class)
		if err != nil {
			fe := wantFileErr(t, err, "tinyimagenet", file)
			checkLine(t, fe, ann)
			return
		}
		if len(names) == 0 || len(names) != len(labels) {
			t.Fatalf("%d names, %d labels", len(names), len(labels))
		}
		// The same lines, parsed again here.
		i := 0
		seen := map[string]bool{}
		for _, line := range textLines(ann) {
			line = strings.TrimRight(line, "\r")
			if strings.TrimSpace(line) == "" {
				continue
			}
			if i >= len(names) {
				t.Fatalf("more annotation lines than the %d results", len(names))
			}
			fields := strings.Split(line, "\t")
			name, wnid := strings.TrimSpace(fields[0]), strings.TrimSpace(fields[1])
			c, ok := class[wnid]
			if names[i] != name || !ok || int(labels[i]) != c {
				t.Fatalf("line %q gave %q label %d", line, names[i], labels[i])
			}
			if labels[i] < 0 || int(labels[i]) >= len(ids) {
				t.Fatalf("label %d = %d of %d classes", i, labels[i], len(ids))
			}
			checkPathElem(t, "image name", name) // joined under val/images
			if filepath.Dir(filepath.Join("val", "images", name)) != filepath.Join("val", "images") || seen[name] {
				t.Fatalf("image name %q (duplicate %v)", name, seen[name])
			}
			seen[name] = true
			i++
		}
		if i != len(names) {
			t.Fatalf("%d annotation lines, %d results", i, len(names))
		}
	})
}

// encodePNG and encodeJPEG encode seed images.
func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func encodeJPEG(img image.Image, q int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// checkDecoded compares the HWC values that decodeImage wrote with img (the
// same bytes decoded by the image package): every value in [0, 1], an opaque
// pixel's colour as img.At reports it, a translucent pixel's as its
// non-premultiplied colour (alpha dropped). YCbCr may differ by one step
// (8-bit fast path against the 16-bit colour model).
func checkDecoded(t *testing.T, img image.Image, dst []float32) {
	t.Helper()
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if len(dst) != 3*w*h {
		t.Fatalf("%d values for a %dx%d image", len(dst), w, h)
	}
	tol := 1e-3
	if _, ok := img.(*image.YCbCr); ok {
		tol += 1
	}
	_, rgba := img.(*image.RGBA)
	for y := range h {
		for x := range w {
			px := dst[(y*w+x)*3 : (y*w+x)*3+3]
			for c, v := range px {
				if !(v >= 0 && v <= 1) || math.IsNaN(float64(v)) {
					t.Fatalf("%T pixel (%d,%d) channel %d = %v", img, x, y, c, v)
				}
			}
			col := img.At(b.Min.X+x, b.Min.Y+y)
			if _, _, _, a := col.RGBA(); a != 0xffff && rgba {
				continue // premultiplied: only the range is checked
			}
			n := color.NRGBAModel.Convert(col).(color.NRGBA)
			for c, want := range [3]uint8{n.R, n.G, n.B} {
				if math.Abs(float64(px[c])*255-float64(want)) > tol {
					t.Fatalf("%T pixel (%d,%d) channel %d = %v/255, want %d/255", img, x, y, c, px[c]*255, want)
				}
			}
		}
	}
}

func FuzzDecodeImage(f *testing.F) {
	// Seeds are kept small (simple images compress well) so that the fuzzer
	// mutates and minimises them quickly.
	quad := rgbImage(32, 32, func(x, y int) (uint8, uint8, uint8) { return uint8(x/16) * 200, uint8(y/16) * 100, 50 })
	cinic := encodePNG(quad)
	f.Add(cinic)                                                                                          // CINIC-10: 32x32 RGB PNG
	f.Add(encodePNG(grayImage(32, 32, func(x, y int) uint8 { return uint8(x / 8) })))                     // grey PNG
	f.Add(encodeJPEG(rgbImage(64, 64, func(x, y int) (uint8, uint8, uint8) { return 200, 100, 50 }), 50)) // Tiny-ImageNet JPEG
	f.Add(encodeJPEG(grayImage(8, 8, func(x, y int) uint8 { return uint8(x * 30) }), 50))                 // grey JPEG
	nrgba := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	nrgba.SetNRGBA(2, 1, color.NRGBA{200, 100, 50, 128})
	f.Add(encodePNG(nrgba)) // alpha
	pal := image.NewPaletted(image.Rect(0, 0, 4, 3), color.Palette{color.RGBA{1, 2, 3, 255}, color.NRGBA{200, 100, 50, 100}})
	pal.SetColorIndex(2, 1, 1)
	f.Add(encodePNG(pal)) // palette with transparency
	g16 := image.NewGray16(image.Rect(0, 0, 4, 3))
	g16.SetGray16(2, 1, color.Gray16{Y: 0xc812})
	f.Add(encodePNG(g16)) // 16-bit
	// Corrupt: truncated, a flipped byte in the image data (bad CRC),
	// another format, a header claiming a huge image, nothing.
	f.Add(cinic[:len(cinic)/2])
	bad := bytes.Clone(cinic)
	bad[len(bad)-20] ^= 0x55
	f.Add(bad)
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
	huge := encodePNG(image.NewGray(image.Rect(0, 0, 1, 1)))
	copy(huge[16:24], []byte{0, 1, 0, 0, 0, 1, 0, 0}) // IHDR width and height 65536
	binary.BigEndian.PutUint32(huge[29:], crc32.ChecksumIEEE(huge[12:29]))
	f.Add(huge)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "fuzz/img.png"
		run := func(w, h int) error {
			dst := make([]uint8, 3*w*h)
			var err error
			allocBound(t, "decodeImage", 1<<20+16*uint64(w*h)+8*uint64(len(data)), func() { err = decodeImage("cinic10", file, 7, data, w, h, dst) })
			if err != nil {
				fe := wantFileErr(t, err, "cinic10", file)
				if fe.Record != 7 || fe.Unit != "image" {
					t.Fatalf("error %q: %s %d, want image 7", err, fe.Unit, fe.Record)
				}
				if strings.Contains(err.Error(), "panicked") {
					t.Fatalf("decode panicked: %v", err)
				}
				return err
			}
			img, _, err2 := image.Decode(bytes.NewReader(data))
			if err2 != nil {
				t.Fatalf("decodeImage accepted what image.Decode rejects: %v", err2)
			}
			if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
				t.Fatalf("accepted a %v image as %dx%d", b, w, h)
			}
			checkDecoded(t, img, floatsOf(dst))
			return nil
		}
		// Resized to 5x7, as an imagefolder with Config.ImageSize: at most
		// the image its header claims (capped by maxPixels) is allocated.
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
			claimed := uint64(max(cfg.Width, 0)) * uint64(max(cfg.Height, 0))
			dst := make([]uint8, 3*5*7)
			var err error
			allocBound(t, "resize", 1<<20+8*min(claimed, maxPixels)+8*uint64(len(data)), func() {
				err = decodeImageSpec("imagefolder", file, 7, data, imageSpec{width: 5, height: 7, resize: true}, dst)
			})
			if err != nil {
				wantFileErr(t, err, "imagefolder", file)
			}
		}
		okCINIC := run(32, 32) == nil
		okTiny := run(tinySide, tinySide) == nil
		if okCINIC && okTiny {
			t.Fatal("one image accepted as 32x32 and 64x64")
		}
		// At the size the header states, when small enough to be cheap; one
		// pixel wider must then fail.
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > 64*64 {
			return
		}
		if run(cfg.Width, cfg.Height) == nil {
			err := run(cfg.Width+1, cfg.Height)
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("want %dx%d", cfg.Width+1, cfg.Height)) {
				t.Fatalf("wrong size: %v", err)
			}
		}
	})
}

package main

// Bad input at every entry point of the command, through run() in process:
// each dataset format damaged in the ways real downloads go wrong, every
// flag out of range, and SavedModel folders that do not fit the data. Bad
// input exits 2 with a message naming the file or flag and the value, no
// panic and no stack trace, and creates no run directory; a failure that is
// not about the input exits 1.

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
)

// expectExit runs the command and checks the exit code, that stderr holds
// every fragment of wants, that it holds no panic or stack trace, and, for
// bad input (code 2), that runDir was not created.
func expectExit(t *testing.T, code int, runDir string, args []string, wants ...string) {
	t.Helper()
	got, _, stderr := runCmd(args...)
	if testing.Verbose() {
		t.Logf("exit %d: %s", got, strings.TrimSpace(stderr))
	}
	if got != code {
		t.Errorf("exit code %d, want %d; stderr:\n%s", got, code, stderr)
	}
	for _, w := range wants {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr does not contain %q; stderr:\n%s", w, stderr)
		}
	}
	if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
		t.Errorf("stderr has a panic or a stack trace:\n%s", stderr)
	}
	if code == 2 {
		if _, err := os.Stat(runDir); !os.IsNotExist(err) {
			t.Errorf("run directory %s was created for bad input", runDir)
		}
	}
}

// linkTree recreates src under dst with hard links to its files (fast, and
// the fixture is written once per format). Edits must replace a file (see
// rewrite), never write through it.
func linkTree(t *testing.T, dst, src string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		return os.Link(p, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// replaceFile writes data to path as a new file (breaking a hard link).
func replaceFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// rewrite replaces path with f(its content).
func rewrite(t *testing.T, path string, f func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	replaceFile(t, path, f(slices.Clone(b)))
}

// rewriteContent is rewrite on the uncompressed content of a (possibly
// gzipped) file: f sees and returns the content, which is gzipped again.
func rewriteContent(t *testing.T, path string, f func([]byte) []byte) {
	t.Helper()
	if !strings.HasSuffix(path, ".gz") {
		rewrite(t, path, f)
		return
	}
	rewrite(t, path, func(b []byte) []byte {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		zw := gzip.NewWriter(&out)
		zw.Write(f(raw))
		zw.Close()
		return out.Bytes()
	})
}

func cut(n int) func([]byte) []byte { return func(b []byte) []byte { return b[:n] } }

func cutEnd(k int) func([]byte) []byte { return func(b []byte) []byte { return b[:len(b)-k] } }

func setBytes(at int, v ...byte) func([]byte) []byte {
	return func(b []byte) []byte { copy(b[at:], v); return b }
}

func removeAll(t *testing.T, path string) {
	t.Helper()
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
}

// encodeImage encodes a w x h grey-pattern RGB image as PNG or JPEG.
func encodeImage(t *testing.T, w, h int, jpg bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), 90, 255})
		}
	}
	var buf bytes.Buffer
	var err error
	if jpg {
		err = jpeg.Encode(&buf, img, nil)
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// dataCase damages a copy of a valid fixture; edit returns the file (or
// folder) that the message must name.
type dataCase struct {
	name string
	edit func(t *testing.T, dir string) string
	want []string
}

// dataFormat is one --dataset with a writer of a small valid fixture.
type dataFormat struct {
	dataset string
	write   func(dir string) error
	cases   []dataCase
}

const (
	cifarRec    = 1 + 3*32*32
	cifar100Rec = 2 + 3*32*32
	stlImg      = 3 * 96 * 96
	idxImg      = 28 * 28
)

// idxCases are the damages of an IDX dataset of 20 train images (labels
// i%10), gzipped when gz; classNames are the dataset's class names.
func idxCases(gz bool, classNames []string) []dataCase {
	sfx := ""
	if gz {
		sfx = ".gz"
	}
	img := func(dir string) string { return filepath.Join(dir, loaders.IDXTrainImages+sfx) }
	lbl := func(dir string) string { return filepath.Join(dir, loaders.IDXTrainLabels+sfx) }
	content := func(path func(string) string, f func([]byte) []byte) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string { rewriteContent(t, path(dir), f); return path(dir) }
	}
	cases := []dataCase{
		{"images truncated inside the header", content(img, cut(10)), []string{"truncated: 10 bytes", "16-byte header"}},
		{"images truncated mid-record", content(img, cut(16+3*idxImg+100)), []string{"record 3: truncated: header says 20 images of 28x28, file holds 3 and 100 of 784 bytes"}},
		{"images one byte short", content(img, cutEnd(1)), []string{"record 19: truncated: header says 20 images of 28x28, file holds 19 and 783 of 784 bytes"}},
		{"labels truncated inside the header", content(lbl, cut(5)), []string{"truncated: 5 bytes", "8-byte header"}},
		{"labels one byte short", content(lbl, cutEnd(1)), []string{"record 19: truncated: header says 20 labels, file holds 19"}},
		{"images wrong magic", content(img, setBytes(3, 0x04)), []string{"magic 0x00000804, want 0x00000803"}},
		{"labels wrong magic", content(lbl, setBytes(0, 0x12)), []string{"magic 0x12000801, want 0x00000801"}},
		{"garbage instead of images", func(t *testing.T, dir string) string {
			replaceFile(t, img(dir), []byte("<html>404 Not Found</html>"))
			return img(dir)
		}, []string{"magic 0x3c68746d"}},
		{"images of 32x32", content(img, func([]byte) []byte {
			b := make([]byte, 16+20*32*32)
			binary.BigEndian.PutUint32(b, 0x803)
			binary.BigEndian.PutUint32(b[4:], 20)
			binary.BigEndian.PutUint32(b[8:], 32)
			binary.BigEndian.PutUint32(b[12:], 32)
			return b
		}), []string{"header says images of 32x32, want 28x28"}},
		{"label 10", content(lbl, setBytes(8+4, 10)), []string{"record 4: label 10, want 0..9"}},
		{"label 255", content(lbl, setBytes(8+19, 255)), []string{"record 19: label 255, want 0..9"}},
		{"more labels than images", content(lbl, func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[4:], 21)
			return append(b, 3)
		}), []string{"21 labels, but", "holds 20 images"}},
		{"empty class", content(lbl, func(b []byte) []byte {
			for i := 8; i < len(b); i++ {
				if b[i] == 7 {
					b[i] = 0
				}
			}
			return b
		}), []string{fmt.Sprintf("class 7 (%s) has no training examples", classNames[7])}},
		{"missing test labels", func(t *testing.T, dir string) string {
			os.Remove(filepath.Join(dir, loaders.IDXTestLabels+sfx))
			return filepath.Join(dir, loaders.IDXTestLabels)
		}, []string{"missing file"}},
	}
	if gz {
		file := func(f func([]byte) []byte) func(*testing.T, string) string {
			return func(t *testing.T, dir string) string { rewrite(t, img(dir), f); return img(dir) }
		}
		cases = append(cases,
			dataCase{"gzip truncated inside its header", file(cut(5)), []string{"bad gzip header"}},
			dataCase{"gzip truncated mid-stream", file(func(b []byte) []byte { return b[:len(b)/2] }), []string{"truncated gzip stream"}},
			dataCase{"gzip one byte short", file(cutEnd(1)), []string{"truncated gzip stream"}},
			dataCase{"gzip stream corrupt", file(func(b []byte) []byte {
				for i := 20; i < 60; i++ {
					b[i] ^= 0x5a
				}
				return b
			}), []string{"gzip"}},
		)
	}
	return cases
}

// cifar10Cases damage a CIFAR-10 fixture of 20 records per file.
func cifar10Cases() []dataCase {
	file := func(name string, f func([]byte) []byte) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string {
			p := filepath.Join(dir, name)
			rewrite(t, p, f)
			return p
		}
	}
	return []dataCase{
		{"empty batch", file("data_batch_2.bin", cut(0)), []string{"empty file, want 3073-byte records"}},
		{"truncated inside the first record's label", file("data_batch_2.bin", cut(1)), []string{"record 0: truncated: file size 1 is not a multiple of the 3073-byte record"}},
		{"truncated mid-record", file("data_batch_2.bin", cut(5*cifarRec+1500)), []string{"record 5: truncated", "the last record has 1500 of 3073 bytes"}},
		{"one byte short", file("data_batch_5.bin", cutEnd(1)), []string{"record 19: truncated", "3072 of 3073 bytes"}},
		{"test batch one byte short", file("test_batch.bin", cutEnd(1)), []string{"record 19: truncated"}},
		{"CIFAR-100 records in a CIFAR-10 file", file("test_batch.bin", func([]byte) []byte { return make([]byte, 10*cifar100Rec) }), []string{"record 10: truncated: file size 30740 is not a multiple of the 3073-byte record"}},
		{"label 10", file("data_batch_3.bin", setBytes(4*cifarRec, 10)), []string{"record 4: label 10, want 0..9"}},
		{"label 255 in the test batch", file("test_batch.bin", setBytes(0, 255)), []string{"record 0: label 255, want 0..9"}},
		{"empty class", func(t *testing.T, dir string) string {
			for _, f := range loaders.CIFAR10TrainFiles {
				rewrite(t, filepath.Join(dir, f), func(b []byte) []byte {
					for r := 0; r < len(b); r += cifarRec {
						if b[r] == 3 {
							b[r] = 0
						}
					}
					return b
				})
			}
			return filepath.Join(dir, "data_batch_")
		}, []string{"class 3 (cat) has no training examples"}},
		{"missing batch", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "data_batch_4.bin")
			os.Remove(p)
			return p
		}, []string{"missing file"}},
		{"class names file with 9 names", file("batches.meta.txt", func(b []byte) []byte {
			return []byte(strings.Join(loaders.CIFAR10Classes[:9], "\n"))
		}), []string{"9 class names, want 10"}},
	}
}

// cifar100Cases damage a CIFAR-100 fixture of 100 records per file (record
// r: coarse r%20, fine r%100).
func cifar100Cases() []dataCase {
	file := func(name string, f func([]byte) []byte) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string {
			p := filepath.Join(dir, name)
			rewrite(t, p, f)
			return p
		}
	}
	return []dataCase{
		{"empty train file", file("train.bin", cut(0)), []string{"empty file, want 3074-byte records"}},
		{"truncated inside the label bytes", file("train.bin", cut(1)), []string{"record 0: truncated", "3074-byte record"}},
		{"truncated mid-record", file("train.bin", cut(40*cifar100Rec+7)), []string{"record 40: truncated", "7 of 3074 bytes"}},
		{"one byte short", file("test.bin", cutEnd(1)), []string{"record 99: truncated", "3073 of 3074 bytes"}},
		{"CIFAR-10 records in a CIFAR-100 file", file("train.bin", func([]byte) []byte { return make([]byte, 100*cifarRec) }), []string{"file size 307300 is not a multiple of the 3074-byte record"}},
		{"fine label 100", file("train.bin", setBytes(7*cifar100Rec+1, 100)), []string{"record 7: fine label 100, want 0..99"}},
		{"coarse label 20", file("test.bin", setBytes(9*cifar100Rec, 20)), []string{"record 9: coarse label 20, want 0..19"}},
		{"empty class", file("train.bin", func(b []byte) []byte {
			for r := 0; r < len(b); r += cifar100Rec {
				if b[r+1] == 42 {
					b[r+1] = 0
				}
			}
			return b
		}), []string{fmt.Sprintf("class 42 (%s) has no training examples", loaders.CIFAR100FineClasses[42])}},
		{"missing test file", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "test.bin")
			os.Remove(p)
			return p
		}, []string{"missing file"}},
		{"class names file with 99 names", file("fine_label_names.txt", func([]byte) []byte {
			return []byte(strings.Join(loaders.CIFAR100FineClasses[:99], "\n"))
		}), []string{"99 class names, want 100"}},
	}
}

// cifar100CoarseCases damage the same fixture read as 20 superclasses.
func cifar100CoarseCases() []dataCase {
	return []dataCase{
		{"coarse label 20", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train.bin")
			rewrite(t, p, setBytes(3*cifar100Rec, 20))
			return p
		}, []string{"record 3: coarse label 20, want 0..19"}},
		{"empty superclass", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train.bin")
			rewrite(t, p, func(b []byte) []byte {
				for r := 0; r < len(b); r += cifar100Rec {
					if b[r] == 5 {
						b[r] = 6
					}
				}
				return b
			})
			return p
		}, []string{fmt.Sprintf("class 5 (%s) has no training examples", loaders.CIFAR100CoarseClasses[5])}},
	}
}

// stl10Cases damage an STL-10 fixture of 10 images per split (labels 1..10).
func stl10Cases() []dataCase {
	file := func(name string, f func([]byte) []byte) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string {
			p := filepath.Join(dir, name)
			rewrite(t, p, f)
			return p
		}
	}
	return []dataCase{
		{"empty image file", file("train_X.bin", cut(0)), []string{"empty file, want 27648-byte images"}},
		{"truncated inside the first image", file("train_X.bin", cut(1000)), []string{"record 0: truncated", "1000 of 27648 bytes"}},
		{"truncated mid-file", file("train_X.bin", cut(3*stlImg+5000)), []string{"record 3: truncated", "5000 of 27648 bytes"}},
		{"one byte short", file("test_X.bin", cutEnd(1)), []string{"record 9: truncated", "27647 of 27648 bytes"}},
		{"labels one short", file("train_y.bin", cutEnd(1)), []string{"record 9: truncated: 9 labels, but", "holds 10 images"}},
		{"labels one too many", file("train_y.bin", func(b []byte) []byte { return append(b, 1) }), []string{"11 labels, but", "holds 10 images"}},
		{"images of 32x32", file("train_X.bin", func([]byte) []byte { return make([]byte, 10*3*32*32) }), []string{"file size 30720 is not a multiple of the 27648-byte image"}},
		{"label 0 (labels are 1-based)", file("train_y.bin", setBytes(2, 0)), []string{"record 2: label 0, want 1..10"}},
		{"label 11", file("test_y.bin", setBytes(5, 11)), []string{"record 5: label 11, want 1..10"}},
		{"empty class", file("train_y.bin", func(b []byte) []byte {
			for i := range b {
				if b[i] == 10 {
					b[i] = 1
				}
			}
			return b
		}), []string{"class 9 (truck) has no training examples"}},
		{"missing test labels", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "test_y.bin")
			os.Remove(p)
			return p
		}, []string{"missing file"}},
		{"class names file with 11 names", file("class_names.txt", func(b []byte) []byte { return append(b, "unicorn\n"...) }), []string{"11 class names, want 10"}},
	}
}

// imageFileCases are the damages of one image file of an image-folder
// dataset (side x side images).
func imageFileCases(pick func(dir string) string, side int, jpg bool) []dataCase {
	kind := "png"
	if jpg {
		kind = "jpeg"
	}
	file := func(f func([]byte) []byte) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string {
			p := pick(dir)
			rewrite(t, p, f)
			return p
		}
	}
	return []dataCase{
		{"image truncated inside the header", file(cut(4)), []string{"image 0: cannot decode image"}},
		{"image truncated mid-file", file(func(b []byte) []byte { return b[:len(b)/2] }), []string{"image 0: cannot decode " + kind + " image: "}},
		{"image one byte short", file(cutEnd(1)), []string{"cannot decode " + kind + " image"}},
		{"image wrong magic", file(setBytes(0, 'X')), []string{"cannot decode image: image: unknown format"}},
		{"empty image file", file(cut(0)), []string{"cannot decode image"}},
		{"garbage image", func(t *testing.T, dir string) string {
			p := pick(dir)
			replaceFile(t, p, []byte("this is not an image at all, just text"))
			return p
		}, []string{"cannot decode image: image: unknown format"}},
		{"image of another size", func(t *testing.T, dir string) string {
			p := pick(dir)
			replaceFile(t, p, encodeImage(t, side/2, side/2, jpg))
			return p
		}, []string{fmt.Sprintf("%s image is %dx%d, want %dx%d", kind, side/2, side/2, side, side)}},
	}
}

// cinic10Cases damage a CINIC-10 fixture of 2 PNGs per class and split.
func cinic10Cases() []dataCase {
	first := func(dir string) string { return filepath.Join(dir, "train", "airplane", "train_0.png") }
	return append(imageFileCases(first, 32, false),
		dataCase{"an eleventh class folder", func(t *testing.T, dir string) string {
			replaceFile(t, filepath.Join(dir, "train", "unicorn", "u.png"), encodeImage(t, 32, 32, false))
			return filepath.Join(dir, "train")
		}, []string{"11 class folders", "unicorn", "want 10"}},
		dataCase{"test class not in train", func(t *testing.T, dir string) string {
			replaceFile(t, filepath.Join(dir, "test", "unicorn", "u.png"), encodeImage(t, 32, 32, false))
			return filepath.Join(dir, "test", "unicorn")
		}, []string{`unexpected class folder "unicorn"`}},
		dataCase{"empty class folder", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train", "cat")
			removeAll(t, p)
			os.Mkdir(p, 0o755)
			os.WriteFile(filepath.Join(p, "README"), []byte("no images"), 0o644)
			return p
		}, []string{"empty class folder: no .png or .jpg images"}},
		dataCase{"missing test class folder", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "test", "dog")
			removeAll(t, p)
			return p
		}, []string{`missing class folder "dog"`}},
		dataCase{"missing test split", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "test")
			removeAll(t, p)
			return p
		}, []string{"missing file"}},
	)
}

// imageFolderCases put each refused tree of testdata/imagefolder-bad in
// place of the 3-class image folder.
func imageFolderCases() []dataCase {
	tree := func(name, bad string) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string {
			removeAll(t, dir)
			if err := loaderstest.CopyTree(dir, loaderstest.Path("imagefolder-bad", name)); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, bad)
		}
	}
	return []dataCase{
		{"empty class folder", tree("empty-class", "train/b"), []string{"empty class folder"}},
		{"mixed sizes without --image-size", tree("mixed-sizes", "train/a/1.png"), []string{"8x6, want 8x8", "--image-size"}},
		{"one class only", tree("one-class", "train"), []string{"1 class folder(s)", "want at least 2"}},
		{"unreadable image", tree("unreadable", "train/a/1.png"), []string{"cannot decode image"}},
	}
}

// tinyCases damage a Tiny-ImageNet fixture of 1 JPEG per class and split.
func tinyCases() []dataCase {
	wn := loaderstest.TinyImageNetWnids()
	first := func(dir string) string {
		return filepath.Join(dir, "train", wn[0], "images", wn[0]+"_0.JPEG")
	}
	ann := func(dir string) string { return filepath.Join(dir, "val", "val_annotations.txt") }
	wnids := func(dir string) string { return filepath.Join(dir, "wnids.txt") }
	cases := imageFileCases(first, 64, true)
	return append(cases,
		dataCase{"val image truncated", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "val", "images", "val_7.JPEG")
			rewrite(t, p, func(b []byte) []byte { return b[:len(b)/3] })
			return p
		}, []string{"image 7: cannot decode jpeg image"}},
		dataCase{"wnids.txt truncated mid-file", func(t *testing.T, dir string) string {
			rewrite(t, wnids(dir), func(b []byte) []byte { return b[:len(b)/2] })
			return wnids(dir)
		}, []string{"wnids, want 200"}},
		dataCase{"wnids.txt with a duplicate", func(t *testing.T, dir string) string {
			rewrite(t, wnids(dir), func([]byte) []byte { return []byte(strings.Join(append(wn[:199:199], wn[5]), "\n")) })
			return wnids(dir)
		}, []string{"line 200: duplicate wnid", "also on line 6"}},
		dataCase{"val_annotations.txt truncated mid-line", func(t *testing.T, dir string) string {
			rewrite(t, ann(dir), func(b []byte) []byte {
				i := bytes.Index(b, []byte("\nval_57.JPEG"))
				return b[:i+6]
			})
			return ann(dir)
		}, []string{"line 58: 1 tab-separated fields", `"val_5"`}},
		dataCase{"unknown wnid (label out of range)", func(t *testing.T, dir string) string {
			rewrite(t, ann(dir), func(b []byte) []byte { return bytes.Replace(b, []byte(wn[3]), []byte("n99999999"), 1) })
			return ann(dir)
		}, []string{`line 4: unknown wnid "n99999999"`}},
		dataCase{"annotation of a missing image", func(t *testing.T, dir string) string {
			rewrite(t, ann(dir), func(b []byte) []byte { return append(b, "val_999.JPEG\t"+wn[0]+"\t0\t0\t63\t63\n"...) })
			return filepath.Join(dir, "val", "images", "val_999.JPEG")
		}, []string{"image 200: missing file"}},
		dataCase{"train class folder not in wnids.txt", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train", "n77777777")
			replaceFile(t, filepath.Join(p, "images", "x.JPEG"), encodeImage(t, 64, 64, true))
			return p
		}, []string{`class folder "n77777777" is not in wnids.txt`}},
		dataCase{"empty class", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train", wn[9], "images")
			removeAll(t, p)
			os.Mkdir(p, 0o755)
			return p
		}, []string{"empty class folder"}},
		dataCase{"missing class folder", func(t *testing.T, dir string) string {
			removeAll(t, filepath.Join(dir, "train", wn[11]))
			return filepath.Join(dir, "train", wn[11], "images")
		}, []string{"missing file"}},
		dataCase{"missing wnids.txt", func(t *testing.T, dir string) string {
			os.Remove(wnids(dir))
			return wnids(dir)
		}, []string{"missing file"}},
	)
}

func dataFormats() []dataFormat {
	return []dataFormat{
		{"fashion-mnist", func(d string) error { return loaderstest.CopyTree(d, loaderstest.Path("idx", "gz")) }, idxCases(true, loaders.FashionMNISTClasses)},
		{"mnist", func(d string) error { return loaderstest.CopyTree(d, loaderstest.Path("idx", "raw")) }, idxCases(false, loaders.MNISTClasses)},
		{"cifar10", func(d string) error { return loaderstest.CopyTree(d, loaderstest.Path("cifar10")) }, cifar10Cases()},
		{"cifar100", func(d string) error { return loaderstest.CopyTree(d, loaderstest.Path("cifar100")) }, cifar100Cases()},
		{"cifar100-coarse", func(d string) error { return loaderstest.CopyTree(d, loaderstest.Path("cifar100")) }, cifar100CoarseCases()},
		{"stl10", func(d string) error { return loaderstest.CopyTree(d, loaderstest.Path("stl10")) }, stl10Cases()},
		{"cinic10", func(d string) error { return loaderstest.CopyTree(d, loaderstest.Path("cinic10")) }, cinic10Cases()},
		{"tinyimagenet", func(d string) error { return loaderstest.CopyTree(d, loaderstest.Path("tinyimagenet")) }, tinyCases()},
		{"imagefolder", func(d string) error { return loaderstest.CopyTree(d, loaderstest.Path("imagefolder")) }, imageFolderCases()},
	}
}

// TestBadInputDatasets: for every dataset format, a valid fixture loads
// (--stage load), and each damaged copy is bad input naming the file and
// the fault.
func TestBadInputDatasets(t *testing.T) {
	formats := dataFormats()
	var names []string
	for _, f := range formats {
		names = append(names, f.dataset)
	}
	for _, d := range loaders.Names {
		if !slices.Contains(names, d) {
			t.Errorf("dataset %s has no bad-input cases", d)
		}
	}
	for _, f := range formats {
		t.Run(f.dataset, func(t *testing.T) {
			base := filepath.Join(t.TempDir(), "data")
			if err := f.write(base); err != nil {
				t.Fatal(err)
			}
			args := func(data, runDir string, extra ...string) []string {
				return append([]string{"--run-dir", runDir, "--models-dir", modelsDir(t), "--quiet", "--dataset", f.dataset, "--data-dir", data}, extra...)
			}
			runDir := filepath.Join(t.TempDir(), "run")
			expectExit(t, 0, runDir, args(base, runDir, "--stage", "load"))
			for _, c := range f.cases {
				t.Run(c.name, func(t *testing.T) {
					data := filepath.Join(t.TempDir(), "data")
					linkTree(t, data, base)
					file := c.edit(t, data)
					runDir := filepath.Join(t.TempDir(), "run")
					expectExit(t, 2, runDir, args(data, runDir), append([]string{f.dataset, file}, c.want...)...)
				})
			}
		})
	}
}

// flagCase is one bad value of a flag (args are added to a small toy run).
type flagCase struct {
	args []string
	want string
	code int // 0 means 2
}

// rangelessFlags take no value that could be out of range; the reason is
// given for each. Every other flag must have cases in flagCases.
var rangelessFlags = map[string]string{
	// none at present: bools are checked for syntax, paths for existence
}

// flagCases lists bad values per flag. Float flags also get NaN, +Inf and
// -Inf cases, and integer flags a non-integer case, generated from the flag
// type (see TestBadInputFlags).
func flagCases(t *testing.T) map[string][]flagCase {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o644)
	return map[string][]flagCase{
		"stage":      {{[]string{"--stage", "train"}, `--stage "train": unknown stage`, 0}, {[]string{"--stage", ""}, `--stage "": unknown stage`, 0}},
		"run-dir":    {{[]string{"--run-dir", ""}, "--run-dir is empty", 0}},
		"dataset":    {{[]string{"--dataset", "imagenet"}, `--dataset "imagenet": unknown dataset`, 0}, {[]string{"--dataset", "cifar10"}, "--data-dir is required for --dataset cifar10", 0}},
		"data-dir":   {{[]string{"--data-dir", "/nonexistent/data"}, `--data-dir "/nonexistent/data"`, 0}, {[]string{"--data-dir", file}, "not a folder", 0}},
		"model":      {{[]string{"--model", "resnet9000"}, "resnet9000-3x50-c2", 0}},
		"models-dir": {{[]string{"--models-dir", "/nonexistent/models"}, `--models-dir "/nonexistent/models": stat /nonexistent/models: no such file or directory`, 0}, {[]string{"--models-dir", file}, "not a folder", 0}},
		"method": {
			{[]string{"--method", "adam"}, `--method "adam": unknown method`, 0},
			{[]string{"--method", ","}, "--method is empty", 0},
			{[]string{"--method", "sgd,sgd"}, `--method "sgd": listed twice`, 0},
		},
		"useful": {{[]string{"--useful=maybe"}, `invalid argument "maybe" for "--useful" flag`, 0}},
		"separate-epoch": {
			{[]string{"--separate-epoch", "0"}, "--separate-epoch 0: want 1 <= separate-epoch < --epochs (120)", 0},
			{[]string{"--separate-epoch", "-3"}, "--separate-epoch -3: want 1", 0},
			{[]string{"--separate-epoch", "120"}, "--separate-epoch 120: want 1 <= separate-epoch < --epochs (120)", 0},
			{[]string{"--separate-epoch", "soon"}, `invalid argument "soon" for "--separate-epoch" flag: want an integer or auto`, 0},
			{[]string{"--separate-epoch", "auto", "--epochs", "2"}, "--separate-epoch auto needs --epochs >= 3, got 2", 0},
		},
		"upsample-factor": {
			{[]string{"--upsample-factor", "0"}, "--upsample-factor 0: want >= 1", 0},
			{[]string{"--upsample-factor", "-2"}, "--upsample-factor -2: want >= 1", 0},
			{[]string{"--upsample-factor", "101"}, "--upsample-factor 101: want <= 100", 0},
		},
		"epochs": {
			{[]string{"--epochs", "0"}, "--epochs 0: want >= 1", 0},
			{[]string{"--epochs", "-7"}, "--epochs -7: want >= 1", 0},
			{[]string{"--epochs", "99999999999999999999"}, `invalid argument "99999999999999999999" for "--epochs" flag`, 0},
		},
		"batch-size": {
			{[]string{"--batch-size", "-1"}, "--batch-size -1: want >= 1, or 0 (full batch)", 0},
			{[]string{"--batch-size", "all"}, `invalid argument "all" for "--batch-size" flag: want an integer`, 0},
			{[]string{"--batch-size", "1001"}, "--batch-size 1001: want <= 1000, the number of training examples", 0},
		},
		"lr":           {{[]string{"--lr", "0"}, "--lr 0: want a finite value > 0", 0}, {[]string{"--lr", "-1"}, "--lr -1: want", 0}},
		"lr-schedule":  {{[]string{"--lr-schedule", "cosine"}, `--lr-schedule "cosine": want constant or step`, 0}},
		"momentum":     {{[]string{"--momentum", "1"}, "--momentum 1: want 0 <= momentum < 1", 0}, {[]string{"--momentum", "-0.1"}, "--momentum -0.1: want", 0}},
		"weight-decay": {{[]string{"--weight-decay", "-1e-4"}, "--weight-decay -0.0001: want a finite value >= 0", 0}},
		"rho":          {{[]string{"--rho", "-0.05"}, "--rho -0.05: want a finite value >= 0", 0}},
		"asam-rho":     {{[]string{"--asam-rho", "-1"}, "--asam-rho -1: want a finite value >= 0", 0}},
		"seed": {{[]string{"--seed", "-1"}, `invalid argument "-1" for "--seed" flag`, 0}, {[]string{"--seed", "18446744073709551616"}, `invalid argument "18446744073709551616" for "--seed" flag`, 0},
			{[]string{"--seed", "1,2,1"}, "--seed 1: listed twice", 0}, {[]string{"--seed", "1,,2"}, `invalid argument "1,,2" for "--seed" flag`, 0}},
		"overwrite":       {{[]string{"--overwrite=now"}, `invalid argument "now" for "--overwrite" flag`, 0}, {[]string{"--overwrite", "--resume"}, "--overwrite starts a run afresh", 0}},
		"eval-every":      {{[]string{"--eval-every", "-2"}, "--eval-every -2: want >= 0", 0}},
		"augment":         {{[]string{"--augment", "mixup"}, `--augment "mixup": want one of none, cropflip, trivialaugment`, 0}, {[]string{"--augment", "cropflip"}, `--augment "cropflip": the toy data takes no augmentation`, 0}},
		"imbalance-ratio": {{[]string{"--imbalance-ratio", "0.5"}, "--imbalance-ratio 0.5: want a finite value >= 1 (0 means balanced)", 0}, {[]string{"--imbalance-ratio", "-10"}, "--imbalance-ratio -10: want", 0}},
		"label-noise":     {{[]string{"--label-noise", "1"}, "--label-noise 1: want 0 <= fraction < 1", 0}, {[]string{"--label-noise", "-0.2"}, "--label-noise -0.2: want", 0}},
		"baselines": {
			{[]string{"--baselines", "magic"}, `--baselines "magic": unknown baseline`, 0},
			{[]string{"--baselines", "random,upweight,random"}, `--baselines "random": listed twice`, 0},
			{[]string{"--baselines", "random", "--useful=false"}, `--baselines "random" needs --useful`, 0},
		},
		"sharpness": {{[]string{"--sharpness=2"}, `invalid argument "2" for "--sharpness" flag`, 0}},
		"resume":    {{[]string{"--resume=yes"}, `invalid argument "yes" for "--resume" flag`, 0}},
		"quiet":     {{[]string{"--quiet=loud"}, `invalid argument "loud" for "--quiet" flag`, 0}},
		"threads":   {{[]string{"--threads", "-1"}, "--threads -1: want >= 0", 0}, {[]string{"--threads", "1025"}, "--threads 1025: want <= 1024", 0}},
		"parallel": {
			{[]string{"--parallel", "0"}, "--parallel 0: want 1..256", 0},
			{[]string{"--parallel", "257"}, "--parallel 257: want 1..256", 0},
			{[]string{"--parallel", "two"}, `invalid argument "two" for "--parallel" flag`, 0},
		},
		"toy-n": {
			{[]string{"--toy-n", "0"}, "--toy-n 0: want >= 2", 0},
			{[]string{"--toy-n", "1"}, "--toy-n 1: want >= 2", 0},
			{[]string{"--toy-n", "-5"}, "--toy-n -5: want >= 2", 0},
			{[]string{"--toy-n", "1000001"}, "--toy-n 1000001: want <= 1000000", 0},
		},
		"toy-beta-d":         {{[]string{"--toy-beta-d", "-0.1"}, "--toy-beta-d -0.1: want a finite value >= 0", 0}},
		"toy-compare-beta-d": {{[]string{"--toy-compare-beta-d", "abc"}, `invalid argument "abc" for "--toy-compare-beta-d" flag`, 0}},
		"version":            {{[]string{"--version=please"}, `invalid argument "please" for "--version" flag`, 0}},
		"image-size": {{[]string{"--image-size", "0,5"}, "--image-size 0,5: want H,W between 1 and 4096", 0}, {[]string{"--image-size", "32"}, `invalid argument "32" for "--image-size" flag: want H,W`, 0},
			{[]string{"--image-size", "32,32"}, "--image-size 32,32: only for --dataset imagefolder", 0}},
		"mixup":        {{[]string{"--mixup", "-1"}, "--mixup -1: want a finite alpha >= 0", 0}, {[]string{"--mixup", "1"}, "--mixup 1: the toy data takes no augmentation", 0}},
		"verbose":      {{[]string{"--verbose=loud"}, `invalid argument "loud" for "--verbose" flag`, 0}},
		"print-config": {{[]string{"--print-config=yes"}, `invalid argument "yes" for "--print-config" flag`, 0}},
		"config": {
			{[]string{"--config", "/nonexistent/run.yaml"}, `--config "/nonexistent/run.yaml": open /nonexistent/run.yaml: no such file or directory`, 0},
			{[]string{"--config", file}, fmt.Sprintf("%s: want a map of option names to values", file), 0},
		},
	}
}

// TestBadInputFlags: every flag of the command has bad-value cases (a new
// flag without any fails here), each exits 2 naming the flag and the value.
func TestBadInputFlags(t *testing.T) {
	cases := flagCases(t)
	fset := newRunFlags().fs
	var flags []*pflag.Flag
	fset.VisitAll(func(f *pflag.Flag) { flags = append(flags, f) })
	for _, f := range flags {
		_, ok := cases[f.Name]
		if _, exempt := rangelessFlags[f.Name]; !ok && !exempt {
			t.Errorf("flag --%s has no bad-input case: add one to flagCases (or to rangelessFlags with the reason)", f.Name)
		}
		switch f.Value.Type() {
		case "float64":
			for _, v := range []struct{ arg, shown string }{{"NaN", "NaN"}, {"Inf", "+Inf"}, {"+Inf", "+Inf"}, {"-Inf", "-Inf"}} {
				cases[f.Name] = append(cases[f.Name], flagCase{[]string{"--" + f.Name, v.arg}, fmt.Sprintf("--%s %s: want", f.Name, v.shown), 0})
			}
			cases[f.Name] = append(cases[f.Name], flagCase{[]string{"--" + f.Name, "1e400"}, fmt.Sprintf(`invalid argument "1e400" for "--%s" flag`, f.Name), 0})
		case "int", "uint64":
			cases[f.Name] = append(cases[f.Name], flagCase{[]string{"--" + f.Name, "1.5"}, fmt.Sprintf(`invalid argument "1.5" for "--%s" flag`, f.Name), 0})
		}
	}
	for name := range cases {
		if fset.Lookup(name) == nil {
			t.Errorf("flagCases has cases for --%s, which is not a flag", name)
		}
	}
	n := 0
	for _, f := range flags {
		for _, c := range cases[f.Name] {
			n++
			t.Run(strings.Join(c.args, " "), func(t *testing.T) {
				runDir := filepath.Join(t.TempDir(), "run")
				code := c.code
				if code == 0 {
					code = 2
				}
				expectExit(t, code, runDir, small(t, runDir, c.args...), c.want)
			})
		}
	}
	t.Logf("%d flag cases over %d flags", n, len(flags))
}

// copyModel copies the model folder name into models as newName,
// hard-linking the large files that no case edits.
func copyModel(t *testing.T, name, models, newName string) string {
	t.Helper()
	src := filepath.Join(modelsDir(t), name)
	dst := filepath.Join(models, newName)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if rel == "manifest.json" || rel == "saved_model.pb" {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
		}
		return os.Link(p, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func editManifest(t *testing.T, dir string, edit func(m map[string]any)) {
	t.Helper()
	p := filepath.Join(dir, "manifest.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ = json.Marshal(m)
	replaceFile(t, p, b)
}

func signatures(m map[string]any) map[string]any { return m["signatures"].(map[string]any) }

// TestBadInputModelFolders: a --models-dir whose SavedModel folder is
// damaged or does not fit the data is bad input naming the folder (or file)
// and the mismatch; nothing is written.
func TestBadInputModelFolders(t *testing.T) {
	const toy = "toy_cnn-3x50-c2"
	toyArgs := func(models, runDir string) []string {
		return []string{"--run-dir", runDir, "--models-dir", models, "--quiet", "--toy-n", "200", "--epochs", "20", "--separate-epoch", "5", "--seed", "0"}
	}
	type modelCase struct {
		name string
		// setup fills the models folder and returns the command's arguments
		// and the path the message must name.
		setup func(t *testing.T, models, runDir string) (args []string, path string)
		want  []string
	}
	doctored := func(edit func(t *testing.T, dir string)) func(t *testing.T, models, runDir string) ([]string, string) {
		return func(t *testing.T, models, runDir string) ([]string, string) {
			dir := copyModel(t, toy, models, toy)
			edit(t, dir)
			return toyArgs(models, runDir), dir
		}
	}
	cifar := t.TempDir()
	if err := loaderstest.CopyTree(cifar, loaderstest.Path("cifar10")); err != nil {
		t.Fatal(err)
	}
	cifar100 := t.TempDir()
	if err := loaderstest.CopyTree(cifar100, loaderstest.Path("cifar100")); err != nil {
		t.Fatal(err)
	}
	cases := []modelCase{
		{"no model folder", func(t *testing.T, models, runDir string) ([]string, string) {
			return toyArgs(models, runDir), filepath.Join(models, toy)
		}, []string{"not there: export the model for this data with", "python_export/export.py --model toy_cnn --input-shape 3,50 --num-classes 2 --out "}},
		{"manifest.json missing", doctored(func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "manifest.json")) }), []string{"manifest.json: no such file or directory"}},
		{"manifest.json not JSON", doctored(func(t *testing.T, dir string) {
			replaceFile(t, filepath.Join(dir, "manifest.json"), []byte("{\"format\": 1, oops"))
		}), []string{"manifest.json: invalid character 'o'"}},
		{"manifest.json truncated", doctored(func(t *testing.T, dir string) {
			rewrite(t, filepath.Join(dir, "manifest.json"), func(b []byte) []byte { return b[:len(b)/2] })
		}), []string{"manifest.json: unexpected end of JSON input"}},
		{"manifest format 2", doctored(func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["format"] = 2 })
		}), []string{"manifest.json: format is 2, want 1"}},
		{"signature missing from the manifest", doctored(func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { delete(signatures(m), "train_sam") })
		}), []string{`signature "train_sam": expected in manifest.json`}},
		{"signature input missing from the manifest", doctored(func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) {
				delete(signatures(m)["train_asam"].(map[string]any)["inputs"].(map[string]any), "rho")
			})
		}), []string{`signature "train_asam": expected inputs`, "rho"}},
		{"tensor name disagrees with saved_model.pb", doctored(func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) {
				in := signatures(m)["predict"].(map[string]any)["inputs"].(map[string]any)
				in["images"].(map[string]any)["name"] = "predict_pictures:0"
			})
		}), []string{`signature "predict" input "images": manifest says tensor "predict_pictures:0", SavedModel has "predict_images:0"`}},
		{"dtype disagrees with saved_model.pb", doctored(func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) {
				in := signatures(m)["evaluate"].(map[string]any)["inputs"].(map[string]any)
				in["labels"].(map[string]any)["dtype"] = "int64"
			})
		}), []string{`signature "evaluate" input "labels": manifest says dtype int64, SavedModel has int32`}},
		{"manifest input_shape disagrees with its signatures", doctored(func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["input_shape"] = []int{3, 40} })
		}), []string{"expected shape [-1 3 40] (input_shape [3 40]), found [-1 3 50]"}},
		{"manifest class count differs from the data", doctored(func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["num_classes"] = 3 })
		}), []string{"(num_classes 3), found [-1 2]"}},
		{"saved_model.pb missing", doctored(func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "saved_model.pb")) }), []string{"load SavedModel"}},
		{"saved_model.pb truncated", doctored(func(t *testing.T, dir string) {
			rewrite(t, filepath.Join(dir, "saved_model.pb"), func(b []byte) []byte { return b[:len(b)/2] })
		}), []string{"load SavedModel"}},
		{"saved_model.pb garbage", doctored(func(t *testing.T, dir string) {
			replaceFile(t, filepath.Join(dir, "saved_model.pb"), []byte("not a protobuf at all"))
		}), []string{"load SavedModel"}},
		// (A folder without variables/ loads: the weights come from the reset
		// signature, so that is not bad input.)
		{"variables data truncated", doctored(func(t *testing.T, dir string) {
			rewrite(t, filepath.Join(dir, "variables", "variables.data-00000-of-00001"), func(b []byte) []byte { return b[:len(b)/2] })
		}), []string{"load SavedModel"}},
		{"variables index garbage", doctored(func(t *testing.T, dir string) {
			replaceFile(t, filepath.Join(dir, "variables", "variables.index"), []byte("garbage"))
		}), []string{"load SavedModel"}},
		{"model of another input shape under the data's folder name", func(t *testing.T, models, runDir string) ([]string, string) {
			dir := filepath.Join(models, toy)
			if err := os.Symlink(filepath.Join(modelsDir(t), "mlp3-28x28x1-c10"), dir); err != nil {
				t.Fatal(err)
			}
			return toyArgs(models, runDir), dir
		}, []string{"input shape [28 28 1], but the data has examples of shape [3 50]"}},
		{"CIFAR-10 data with a 28x28x1 model", func(t *testing.T, models, runDir string) ([]string, string) {
			dir := filepath.Join(models, "mlp3-32x32x3-c10")
			if err := os.Symlink(filepath.Join(modelsDir(t), "mlp3-28x28x1-c10"), dir); err != nil {
				t.Fatal(err)
			}
			return []string{"--run-dir", runDir, "--models-dir", models, "--quiet", "--dataset", "cifar10", "--data-dir", cifar, "--model", "mlp3"}, dir
		}, []string{"input shape [28 28 1], but the data has examples of shape [32 32 3]"}},
		{"CIFAR-100 data with a 10-class model", func(t *testing.T, models, runDir string) ([]string, string) {
			if testing.Short() {
				t.Skip("loads preact_resnet18")
			}
			dir := filepath.Join(models, "preact_resnet18-32x32x3-c100")
			if err := os.Symlink(filepath.Join(modelsDir(t), "preact_resnet18-32x32x3-c10"), dir); err != nil {
				t.Fatal(err)
			}
			return []string{"--run-dir", runDir, "--models-dir", models, "--quiet", "--dataset", "cifar100", "--data-dir", cifar100, "--model", "preact_resnet18"}, dir
		}, []string{"10 classes, but the data has 100"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			models := t.TempDir()
			runDir := filepath.Join(t.TempDir(), "run")
			args, path := c.setup(t, models, runDir)
			expectExit(t, 2, runDir, args, append([]string{path}, c.want...)...)
		})
	}
}

// TestRuntimeFailureExitsOne: a failure that is not about the input (the
// run directory cannot be made where the flag points: /proc takes no new
// folders) exits 1 with the path, and no stack trace. A --run-dir that is
// a file, or under one, is bad input (exit 2).
func TestRuntimeFailureExitsOne(t *testing.T) {
	runDir := "/proc/useful-pipeline-run"
	expectExit(t, 1, runDir, small(t, runDir, "--toy-n", "200"), runDir)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, runDir := range []string{filepath.Join(file, "run"), file} {
		t.Run(runDir, func(t *testing.T) {
			expectExit(t, 2, filepath.Join(t.TempDir(), "never"), small(t, runDir, "--toy-n", "200"), runDir)
			if b, err := os.ReadFile(file); err != nil || string(b) != "x" {
				t.Fatalf("the file changed: %q, %v", b, err)
			}
		})
	}
}

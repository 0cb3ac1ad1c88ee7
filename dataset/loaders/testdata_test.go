package loaders_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"flag"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
)

// update rewrites the committed fixtures of testdata/ from their generator:
//
//	go test ./dataset/loaders -run TestTestdata -update
var update = flag.Bool("update", false, "rewrite testdata/ from the fixture generator")

// generateTestdata writes every committed fixture of testdata/ into root.
// testdata/README.md says what each is; TestTestdata checks that this
// generator still makes the committed files.
func generateTestdata(root string) error {
	p := func(elem ...string) string { return filepath.Join(append([]string{root}, elem...)...) }
	steps := []func() error{
		func() error { return loaderstest.WriteCIFAR10(p("cifar10"), 2, 1) },
		// The published batches.meta.txt ends with an empty line.
		func() error {
			return loaderstest.WriteLines(p("cifar10", "batches.meta.txt"), append(slices.Clone(loaders.CIFAR10Classes), ""))
		},
		func() error { return loaderstest.WriteCIFAR100(p("cifar100"), 1, 1) },
		func() error {
			return loaderstest.WriteLines(p("cifar100", "fine_label_names.txt"), loaders.CIFAR100FineClasses)
		},
		func() error {
			return loaderstest.WriteLines(p("cifar100", "coarse_label_names.txt"), loaders.CIFAR100CoarseClasses)
		},
		func() error { return loaderstest.WriteSTL10(p("stl10"), 1, 1) },
		func() error { return loaderstest.WriteLines(p("stl10", "class_names.txt"), loaders.STL10Classes) },
		func() error { return loaderstest.WriteIDX(p("idx", "raw"), 20, 10, 1, false) },
		func() error { return loaderstest.WriteIDX(p("idx", "gz"), 20, 10, 1, true) },
		func() error { return loaderstest.WriteCINIC10(p("cinic10"), loaders.CIFAR10Classes, 2, 1) },
		func() error { return loaderstest.WriteTinyImageNet(p("tinyimagenet"), 1, 1) },
		func() error { return writeCorrupt(root) },
		func() error {
			return loaderstest.WriteImageFolder(p("imagefolder"), []string{"a_red", "b_green", "c_blue"}, 8, 4, 40, 40, 1)
		},
		func() error { return writeBadImageFolders(p("imagefolder-bad")) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// writeCorrupt writes testdata/corrupt/: damaged copies of single files of
// the fixtures above, which tests put in place of the good file.
func writeCorrupt(root string) error {
	read := func(elem ...string) ([]byte, error) {
		return os.ReadFile(filepath.Join(append([]string{root}, elem...)...))
	}
	out := func(rel string, data []byte) error {
		return loaderstest.WriteFile(filepath.Join(root, "corrupt", rel), data)
	}
	b3, err := read("cifar10", "data_batch_3.bin")
	if err != nil {
		return err
	}
	b3 = slices.Clone(b3)
	b3[17*3073] = 12
	if err := out("cifar10/data_batch_3.label12.bin", b3); err != nil {
		return err
	}
	tb, err := read("cifar10", "test_batch.bin")
	if err != nil {
		return err
	}
	if err := out("cifar10/test_batch.truncated.bin", tb[:5*3073+3000]); err != nil {
		return err
	}
	img, err := read("idx", "raw", loaders.IDXTrainImages)
	if err != nil {
		return err
	}
	bad := slices.Clone(img)
	binary.BigEndian.PutUint32(bad, 0x801)
	if err := out("idx/train-images-idx3-ubyte.badmagic", bad); err != nil {
		return err
	}
	lying := slices.Clone(img)
	binary.BigEndian.PutUint32(lying[4:], 0xffffffff)
	if err := out("idx/train-images-idx3-ubyte.lying", lying); err != nil {
		return err
	}
	gz, err := read("idx", "gz", loaders.IDXTrainImages+".gz")
	if err != nil {
		return err
	}
	if err := out("idx/train-images-idx3-ubyte.truncated.gz", gz[:len(gz)/2]); err != nil {
		return err
	}
	y, err := read("stl10", "test_y.bin")
	if err != nil {
		return err
	}
	y = slices.Clone(y)
	y[6] = 11
	if err := out("stl10/test_y.label11.bin", y); err != nil {
		return err
	}
	pngData, err := read("cinic10", "train", "truck", "train_0.png")
	if err != nil {
		return err
	}
	if err := out("png/truncated.png", pngData[:len(pngData)-30]); err != nil {
		return err
	}
	if err := out("png/nonsense.png", []byte("\x89PNG\r\n\x1a\nnonsense")); err != nil {
		return err
	}
	var small bytes.Buffer
	if err := png.Encode(&small, image.NewRGBA(image.Rect(0, 0, 30, 30))); err != nil {
		return err
	}
	if err := out("png/30x30.png", small.Bytes()); err != nil {
		return err
	}
	wn := loaderstest.TinyImageNetWnids()
	jpg, err := read("tinyimagenet", "val", "images", "val_7.JPEG")
	if err != nil {
		return err
	}
	if err := out("jpeg/truncated.JPEG", jpg[:len(jpg)/3]); err != nil {
		return err
	}
	var narrow bytes.Buffer
	if err := jpeg.Encode(&narrow, image.NewRGBA(image.Rect(0, 0, 60, 64)), &jpeg.Options{Quality: 90}); err != nil {
		return err
	}
	if err := out("jpeg/60x64.JPEG", narrow.Bytes()); err != nil {
		return err
	}
	if err := out("tinyimagenet/wnids.199.txt", []byte(strings.Join(wn[:199], "\n")+"\n")); err != nil {
		return err
	}
	ann, err := read("tinyimagenet", "val", "val_annotations.txt")
	if err != nil {
		return err
	}
	return out("tinyimagenet/val_annotations.unknown-wnid.txt", bytes.Replace(ann, []byte("val_4.JPEG\t"+wn[4]), []byte("val_4.JPEG\tn99999999"), 1))
}

// writeBadImageFolders writes small image-folder trees that the
// imagefolder loader must refuse: an empty class folder, images of two
// sizes, a file that does not decode, and a single class.
func writeBadImageFolders(root string) error {
	img := loaderstest.EncodePNG(8, 8, 200, 100, 50)
	files := map[string][]byte{
		"empty-class/train/a/0.png":      img,
		"empty-class/train/b/README.txt": []byte("a class folder with no image\n"),
		"empty-class/test/a/0.png":       img,
		"mixed-sizes/train/a/0.png":      img,
		"mixed-sizes/train/a/1.png":      loaderstest.EncodePNG(6, 8, 1, 2, 3),
		"mixed-sizes/train/b/0.png":      img,
		"mixed-sizes/test/a/0.png":       img,
		"unreadable/train/a/0.png":       img,
		"unreadable/train/a/1.png":       []byte("this is not an image at all"),
		"unreadable/train/b/0.png":       img,
		"unreadable/test/b/0.png":        img,
		"one-class/train/only/0.png":     img,
		"one-class/test/only/0.png":      img,
	}
	for rel, data := range files {
		if err := loaderstest.WriteFile(filepath.Join(root, filepath.FromSlash(rel)), data); err != nil {
			return err
		}
	}
	return nil
}

// TestTestdata: the generator still makes the committed fixtures (so the
// README's account of them is true), every top-level fixture is in the
// README, and testdata/ stays small. With -update it rewrites them first.
func TestTestdata(t *testing.T) {
	root := loaderstest.Root()
	if *update {
		for _, e := range mustReadDir(t, root) {
			if e.IsDir() {
				if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := generateTestdata(root); err != nil {
			t.Fatal(err)
		}
	}
	fresh := t.TempDir()
	if err := generateTestdata(fresh); err != nil {
		t.Fatal(err)
	}
	made := treeFiles(t, fresh)
	committed := treeFiles(t, root)
	for rel := range made {
		if _, ok := committed[rel]; !ok {
			t.Errorf("testdata/%s: made by the generator, not committed", rel)
			continue
		}
		sameFixture(t, rel, filepath.Join(fresh, rel), filepath.Join(root, rel))
	}
	readme := string(mustReadFile(t, filepath.Join(root, "README.md")))
	var total int64
	for rel, size := range committed {
		total += size
		if _, ok := made[rel]; !ok && !strings.HasPrefix(rel, "README") && !handMade(rel) {
			t.Errorf("testdata/%s: committed, but no generator makes it", rel)
		}
		top, _, inFolder := strings.Cut(rel, "/")
		if inFolder && !strings.Contains(readme, "`"+top+"/") && !strings.Contains(readme, "`"+top+"`") {
			t.Errorf("testdata/README.md does not describe %s", top)
		}
	}
	if total > 7<<19 {
		t.Errorf("testdata/ holds %d bytes, want at most 3.5 MiB", total)
	}
	t.Logf("testdata/: %d files, %d bytes", len(committed), total)
}

// handMade lists the committed fixtures made by other generators than
// generateTestdata (none yet).
func handMade(rel string) bool { return false }

// treeFiles lists the regular files under root with their sizes, by slash
// path relative to root.
func treeFiles(t *testing.T, root string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = info.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameFixture fails unless two fixture files hold the same data: the same
// bytes, or for gzip the same content, for PNG the same pixels, and for JPEG
// pixels within 8 levels (encoders may change between Go releases).
func sameFixture(t *testing.T, rel, a, b string) {
	t.Helper()
	x, y := mustReadFile(t, a), mustReadFile(t, b)
	if bytes.Equal(x, y) {
		return
	}
	switch {
	case strings.HasSuffix(rel, ".gz") && !strings.Contains(rel, "truncated"):
		if bytes.Equal(gunzip(t, x), gunzip(t, y)) {
			return
		}
	case strings.HasSuffix(rel, ".png") || strings.HasSuffix(rel, ".JPEG"):
		tol := 0
		if strings.HasSuffix(rel, ".JPEG") {
			tol = 8
		}
		if sameImage(x, y, tol) {
			return
		}
	}
	t.Errorf("testdata/%s differs from what the generator makes (go test ./dataset/loaders -run TestTestdata -update)", rel)
}

func sameImage(a, b []byte, tol int) bool {
	ia, _, err1 := image.Decode(bytes.NewReader(a))
	ib, _, err2 := image.Decode(bytes.NewReader(b))
	if err1 != nil || err2 != nil || ia.Bounds() != ib.Bounds() {
		return false
	}
	r := ia.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := ia.At(x, y).RGBA()
			r2, g2, b2, _ := ib.At(x, y).RGBA()
			for _, d := range []float64{float64(r1) - float64(r2), float64(g1) - float64(g2), float64(b1) - float64(b2)} {
				if math.Abs(d)/257 > float64(tol) {
					return false
				}
			}
		}
	}
	return true
}

func gunzip(t *testing.T, b []byte) []byte {
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

func mustReadFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustReadDir(t *testing.T, p string) []fs.DirEntry {
	t.Helper()
	e, err := os.ReadDir(p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

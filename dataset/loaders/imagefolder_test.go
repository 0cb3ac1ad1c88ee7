package loaders

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
)

// TestImageFolder reads the committed fixture testdata/imagefolder (3
// classes, 8 train and 4 test 40x40 PNGs each).
func TestImageFolder(t *testing.T) {
	dir := loaderstest.Path("imagefolder")
	sp, err := Load("imagefolder", dir)
	if err != nil {
		t.Fatal(err)
	}
	classes := []string{"a_red", "b_green", "c_blue"}
	if !slices.Equal(sp.ClassNames, classes) || !slices.Equal(sp.Train.ClassNames, classes) || !slices.Equal(sp.Test.ClassNames, classes) {
		t.Fatalf("class names %v %v %v", sp.ClassNames, sp.Train.ClassNames, sp.Test.ClassNames)
	}
	if sp.Train.Len() != 24 || sp.Test.Len() != 12 || !slices.Equal(sp.Train.Shape, []int{40, 40, 3}) || sp.Train.NumClasses != 3 {
		t.Fatalf("got %d/%d examples of shape %v, %d classes", sp.Train.Len(), sp.Test.Len(), sp.Train.Shape, sp.Train.NumClasses)
	}
	if sp.Train.Name != "imagefolder/train" || sp.Test.Name != "imagefolder/test" {
		t.Errorf("names %q %q", sp.Train.Name, sp.Test.Name)
	}
	for _, ds := range []struct {
		per   int
		split string
		d     interface{ Validate() error }
	}{{8, "train", sp.Train}, {4, "test", sp.Test}} {
		if err := ds.d.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	// Example i of train is class i/8, file i%8 in sorted name order; its
	// values are the PNG's pixels decoded by image/png.
	for i := range 24 {
		c, k := i/8, i%8
		if sp.Train.Labels[i] != int32(c) {
			t.Fatalf("train label %d = %d, want %d", i, sp.Train.Labels[i], c)
		}
		f, err := os.Open(filepath.Join(dir, "train", classes[c], string(rune('0'+k))+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		ex := sp.Train.Example(i)
		var bright [3]float64
		for y := range 40 {
			for x := range 40 {
				r, g, b, _ := img.At(x, y).RGBA()
				for ch, v := range [3]uint32{r >> 8, g >> 8, b >> 8} {
					checkPixel(t, "pixel", ex[(y*40+x)*3+ch], byte(v))
					bright[ch] += float64(v)
				}
			}
		}
		// The generator makes channel c%3 of class c bright (a_red: R).
		if m := slices.Index(bright[:], slices.Max(bright[:])); m != c {
			t.Errorf("train example %d (class %d): brightest channel %d", i, c, m)
		}
	}

	// val/ in place of test/.
	cp := loaderstest.Copy(t, "imagefolder")
	if err := os.Rename(filepath.Join(cp, "test"), filepath.Join(cp, "val")); err != nil {
		t.Fatal(err)
	}
	if sp2, err := Load("imagefolder", cp); err != nil || !slices.Equal(floats(sp2.Test), floats(sp.Test)) {
		t.Errorf("val/ as the test split: %v", err)
	}
	// A test split lacking a class is accepted; the labels keep the
	// training classes' numbering.
	if err := os.RemoveAll(filepath.Join(cp, "val", "b_green")); err != nil {
		t.Fatal(err)
	}
	sp3, err := Load("imagefolder", cp)
	if err != nil || sp3.Test.Len() != 8 || sp3.Test.Labels[4] != 2 || sp3.Test.NumClasses != 3 {
		t.Errorf("test without b_green: %v", err)
	}
}

// TestImageFolderResize: with Config.ImageSize every image is resized, so
// images of several sizes load.
func TestImageFolderResize(t *testing.T) {
	sp, err := LoadWith("imagefolder", loaderstest.Path("imagefolder"), &Config{ImageSize: [2]int{20, 24}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sp.Train.Shape, []int{20, 24, 3}) || sp.Train.Len() != 24 {
		t.Fatalf("shape %v, %d examples", sp.Train.Shape, sp.Train.Len())
	}
	mixed := loaderstest.Path("imagefolder-bad", "mixed-sizes")
	sp, err = LoadWith("imagefolder", mixed, &Config{ImageSize: [2]int{8, 8}})
	if err != nil || sp.Train.Len() != 3 {
		t.Fatalf("mixed sizes resized to 8x8: %v", err)
	}
	// The 8x6 image (uniform colour 1, 2, 3) stays uniform.
	ex := sp.Train.Example(1)
	for p := range 64 {
		for c, want := range []byte{1, 2, 3} {
			checkPixel(t, "resized", ex[p*3+c], want)
		}
	}
	for _, size := range [][2]int{{0, 5}, {-1, 3}, {1 << 20, 2}} {
		if _, err := LoadWith("imagefolder", mixed, &Config{ImageSize: size}); err == nil || IsFormatError(err) {
			t.Errorf("ImageSize %v: %v, want a plain error", size, err)
		}
	}
}

// TestResizeBilinear compares resizeBilinear with TensorFlow 2.18's
// tf.image.resize(x, (h, w), method="bilinear", antialias=False) on a 2x3
// RGB image, rounded to the nearest byte (computed with the project's
// .venv: np.floor(r+0.5)).
func TestResizeBilinear(t *testing.T) {
	src := []byte{0, 10, 200, 50, 60, 70, 255, 0, 128, 30, 40, 50, 90, 180, 20, 5, 250, 100}
	cases := []struct {
		h, w int
		want []byte
	}{
		{5, 4, []byte{0, 10, 200, 31, 41, 119, 127, 38, 92, 255, 0, 128, 3, 13, 185, 35, 50, 110, 120, 54, 88, 230, 25, 125, 15, 25, 125, 49, 84, 75, 93, 122, 71, 130, 125, 114, 27, 37, 65, 64, 119, 40, 65, 189, 54, 30, 225, 103, 30, 40, 50, 68, 128, 31, 58, 206, 50, 5, 250, 100}},
		{1, 2, []byte{29, 49, 105, 115, 124, 97}},
		{3, 3, []byte{0, 10, 200, 50, 60, 70, 255, 0, 128, 15, 25, 125, 70, 120, 45, 130, 125, 114, 30, 40, 50, 90, 180, 20, 5, 250, 100}},
		{2, 3, src},
	}
	for _, c := range cases {
		got := make([]byte, 3*c.h*c.w)
		resizeBilinear(got, c.h, c.w, src, 2, 3)
		if !bytes.Equal(got, c.want) {
			t.Errorf("%dx%d: got %v, want %v", c.h, c.w, got, c.want)
		}
	}
}

// TestImageFolderErrors: the bad trees of testdata/imagefolder-bad and a
// few more are refused with a *FormatError naming the file or folder.
func TestImageFolderErrors(t *testing.T) {
	bad := func(elem ...string) string { return loaderstest.Path(append([]string{"imagefolder-bad"}, elem...)...) }
	cases := []struct {
		name string
		dir  string
		want []string
	}{
		{"empty class", bad("empty-class"), []string{"imagefolder: " + bad("empty-class", "train", "b") + ": empty class folder"}},
		{"mixed sizes", bad("mixed-sizes"), []string{"imagefolder: " + bad("mixed-sizes", "train", "a", "1.png") + ": image 1: png image is 8x6, want 8x8 (the size of " + bad("mixed-sizes", "train", "a", "0.png"), "--image-size"}},
		{"unreadable", bad("unreadable"), []string{"imagefolder: " + bad("unreadable", "train", "a", "1.png") + ": image 1: cannot decode image"}},
		{"one class", bad("one-class"), []string{"imagefolder: " + bad("one-class", "train") + ": 1 class folder(s) [only], want at least 2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("imagefolder", c.dir)
			wantFormatErr(t, err, c.want...)
		})
	}
	t.Run("no test split", func(t *testing.T) {
		dir := loaderstest.Copy(t, "imagefolder")
		os.RemoveAll(filepath.Join(dir, "test"))
		_, err := Load("imagefolder", dir)
		wantFormatErr(t, err, filepath.Join(dir, "test"), "missing folder")
	})
	t.Run("test class not in train", func(t *testing.T) {
		dir := loaderstest.Copy(t, "imagefolder")
		mustWrite(t, filepath.Join(dir, "test", "purple", "0.png"), loaderstest.EncodePNG(40, 40, 1, 2, 3))
		_, err := Load("imagefolder", dir)
		wantFormatErr(t, err, filepath.Join(dir, "test", "purple"), `class folder "purple" is not a training class`)
	})
	t.Run("test image of another size", func(t *testing.T) {
		dir := loaderstest.Copy(t, "imagefolder")
		p := filepath.Join(dir, "test", "c_blue", "2.png")
		mustWrite(t, p, loaderstest.EncodePNG(40, 41, 1, 2, 3))
		_, err := Load("imagefolder", dir)
		wantFormatErr(t, err, p, "image 10: png image is 41x40, want 40x40")
	})
	t.Run("missing folder", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "nope")
		_, err := Load("imagefolder", p)
		wantMissing(t, err, p)
	})
}

// TestClassNamesEveryLoader: every loader fills ClassNames on both
// datasets, one name per class, the same as Split.ClassNames.
func TestClassNamesEveryLoader(t *testing.T) {
	cases := []struct {
		name, dir string
		first     string
	}{
		{"cifar10", loaderstest.Path("cifar10"), "airplane"},
		{"cifar100", loaderstest.Path("cifar100"), "apple"},
		{"cifar100-coarse", loaderstest.Path("cifar100"), "aquatic_mammals"},
		{"stl10", loaderstest.Path("stl10"), "airplane"},
		{"mnist", loaderstest.Path("idx", "raw"), "0"},
		{"fashion-mnist", loaderstest.Path("idx", "gz"), "T-shirt/top"},
		{"cinic10", loaderstest.Path("cinic10"), "airplane"},
		{"tinyimagenet", loaderstest.Path("tinyimagenet"), loaderstest.TinyImageNetWnids()[0]},
		{"imagefolder", loaderstest.Path("imagefolder"), "a_red"},
	}
	for _, c := range cases {
		sp, err := Load(c.name, c.dir)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, ds := range []*Split{sp} {
			if len(ds.ClassNames) != ds.Train.NumClasses || !slices.Equal(ds.Train.ClassNames, ds.ClassNames) || !slices.Equal(ds.Test.ClassNames, ds.ClassNames) || ds.ClassNames[0] != c.first {
				t.Errorf("%s: class names %d for %d classes, first %q", c.name, len(ds.ClassNames), ds.Train.NumClasses, ds.ClassNames[0])
			}
		}
	}
}

// TestMaxBytes: a split whose images exceed Config.MaxBytes is refused
// naming its first file; the machine's memory is read from meminfo.
func TestMaxBytes(t *testing.T) {
	dir := loaderstest.Path("cifar10")
	_, err := LoadWith("cifar10", dir, &Config{MaxBytes: 100 << 10})
	wantFormatErr(t, err, filepath.Join(dir, "data_batch_1.bin"), "the images need 307200 bytes in memory, more than the 102400 bytes allowed")
	if _, err := LoadWith("cifar10", dir, &Config{MaxBytes: -1}); err != nil {
		t.Errorf("no bound: %v", err)
	}
	p := filepath.Join(t.TempDir(), "meminfo")
	mustWrite(t, p, []byte("MemTotal:       24576000 kB\nMemFree:         1000 kB\n"))
	if got := memTotal(p); got != 24576000<<10 {
		t.Errorf("memTotal = %d", got)
	}
	if machineMemory() <= 0 {
		t.Errorf("machineMemory() = %d on this machine", machineMemory())
	}
}

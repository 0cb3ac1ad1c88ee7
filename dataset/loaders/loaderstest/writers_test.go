package loaderstest

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
)

// TestWriters: every writer gives a dataset that loaders.Load reads with
// the announced sizes, every class in both splits, and the same bytes for
// the same arguments.
func TestWriters(t *testing.T) {
	cases := []struct {
		name            string
		write           func(dir string) error
		train, test     int
		shape           []int
		classes         int
		deterministicIn string
	}{
		{"cifar10", func(d string) error { return WriteCIFAR10(d, 2, 7) }, 100, 20, []int{32, 32, 3}, 10, "data_batch_5.bin"},
		{"cifar100", func(d string) error { return WriteCIFAR100(d, 2, 3) }, 200, 200, []int{32, 32, 3}, 100, "train.bin"},
		{"cifar100-coarse", func(d string) error { return WriteCIFAR100(d, 1, 3) }, 100, 100, []int{32, 32, 3}, 20, "test.bin"},
		{"stl10", func(d string) error { return WriteSTL10(d, 2, 3) }, 20, 20, []int{96, 96, 3}, 10, "train_X.bin"},
		{"mnist", func(d string) error { return WriteIDX(d, 30, 12, 5, true) }, 30, 12, []int{28, 28, 1}, 10, "t10k-images-idx3-ubyte.gz"},
		{"cinic10", func(d string) error { return WriteCINIC10(d, loaders.CIFAR10Classes, 2, 3) }, 20, 20, []int{32, 32, 3}, 10, filepath.Join("test", "dog", "test_1.png")},
		{"tinyimagenet", func(d string) error { return WriteTinyImageNet(d, 1, 3) }, 200, 200, []int{64, 64, 3}, 200, filepath.Join("val", "images", "val_5.JPEG")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := c.write(dir); err != nil {
				t.Fatal(err)
			}
			sp, err := loaders.Load(c.name, dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, ds := range []interface{ Validate() error }{sp.Train, sp.Test} {
				if err := ds.Validate(); err != nil {
					t.Fatal(err)
				}
			}
			if sp.Train.Len() != c.train || sp.Test.Len() != c.test || !slices.Equal(sp.Train.Shape, c.shape) || sp.Train.NumClasses != c.classes {
				t.Fatalf("got %d/%d examples of shape %v, %d classes", sp.Train.Len(), sp.Test.Len(), sp.Train.Shape, sp.Train.NumClasses)
			}
			for _, idx := range sp.Test.ClassIndices() {
				if len(idx) == 0 {
					t.Fatal("a class has no test example")
				}
			}
			again := t.TempDir()
			if err := c.write(again); err != nil {
				t.Fatal(err)
			}
			a, err1 := os.ReadFile(filepath.Join(dir, c.deterministicIn))
			b, err2 := os.ReadFile(filepath.Join(again, c.deterministicIn))
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Errorf("%s differs between two writes with the same arguments (%v, %v)", c.deterministicIn, err1, err2)
			}
		})
	}
	for name, err := range map[string]error{
		"WriteCIFAR10":      WriteCIFAR10(t.TempDir(), 0, 1),
		"WriteCIFAR100":     WriteCIFAR100(t.TempDir(), 0, 1),
		"WriteSTL10":        WriteSTL10(t.TempDir(), 0, 1),
		"WriteIDX":          WriteIDX(t.TempDir(), 0, 1, 1, false),
		"WriteCINIC10":      WriteCINIC10(t.TempDir(), loaders.CIFAR10Classes, 0, 1),
		"WriteTinyImageNet": WriteTinyImageNet(t.TempDir(), 0, 1),
	} {
		if err == nil {
			t.Errorf("%s with no examples gave no error", name)
		}
	}
}

// TestCopy: Copy makes a real copy of a committed fixture, which a test may
// change without touching testdata/.
func TestCopy(t *testing.T) {
	dir := Copy(t, "stl10")
	p := filepath.Join(dir, "test_y.bin")
	if err := os.Truncate(p, 3); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(Path("stl10", "test_y.bin"))
	if err != nil || fi.Size() != 10 {
		t.Fatalf("committed stl10/test_y.bin after truncating the copy: %v, %v", fi, err)
	}
	if filepath.Base(dir) != "stl10" || filepath.Base(Copy(t, "stl10", "class_names.txt")) != "class_names.txt" {
		t.Errorf("copy names %q", dir)
	}
}

package loaders

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"
)

// TestFixtureWriters: every fixture writer gives a dataset that Load reads
// with the announced sizes, every class in both splits, and the same bytes
// for the same arguments.
func TestFixtureWriters(t *testing.T) {
	cases := []struct {
		name            string
		write           func(dir string) error
		train, test     int
		shape           []int
		classes         int
		deterministicIn string
	}{
		{"cifar100", func(d string) error { return WriteCIFAR100Fixture(d, 2, 3) }, 200, 200, []int{32, 32, 3}, 100, "train.bin"},
		{"cifar100-coarse", func(d string) error { return WriteCIFAR100Fixture(d, 1, 3) }, 100, 100, []int{32, 32, 3}, 20, "test.bin"},
		{"stl10", func(d string) error { return WriteSTL10Fixture(d, 2, 3) }, 20, 20, []int{96, 96, 3}, 10, "train_X.bin"},
		{"cinic10", func(d string) error { return WriteCINIC10Fixture(d, 2, 3) }, 20, 20, []int{32, 32, 3}, 10, filepath.Join("test", "dog", "test_1.png")},
		{"tinyimagenet", func(d string) error { return WriteTinyImageNetFixture(d, 1, 3) }, 200, 200, []int{64, 64, 3}, 200, filepath.Join("val", "images", "val_5.JPEG")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := c.write(dir); err != nil {
				t.Fatal(err)
			}
			sp, err := Load(c.name, dir)
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
			if a, b := mustRead(t, filepath.Join(dir, c.deterministicIn)), mustRead(t, filepath.Join(again, c.deterministicIn)); !bytes.Equal(a, b) {
				t.Errorf("%s differs between two writes with the same arguments", c.deterministicIn)
			}
		})
	}
	if err := WriteSTL10Fixture(t.TempDir(), 0, 1); err == nil {
		t.Error("WriteSTL10Fixture(nPerClass=0) gave no error")
	}
}

// TestLoadRefusesEmptyTrainingClass: Load refuses a training set in which a
// class has no example, naming the label file and the class; a test set
// without a class is accepted.
func TestLoadRefusesEmptyTrainingClass(t *testing.T) {
	dir := t.TempDir()
	if err := WriteIDXFixture(dir, 20, 5, 1, false); err != nil {
		t.Fatal(err)
	}
	if _, err := Load("mnist", dir); err != nil { // test labels 0..4 only
		t.Fatalf("test set without classes 5..9: %v", err)
	}
	p := filepath.Join(dir, IDXTrainLabels)
	b := mustRead(t, p)
	for i := 8; i < len(b); i++ {
		if b[i] == 4 || b[i] == 6 {
			b[i] = 0
		}
	}
	mustWrite(t, p, b)
	_, err := Load("mnist", dir)
	fe := wantFormatErr(t, err, p, "classes 4 (4), 6 (6) have no training examples")
	if fe.Record != -1 {
		t.Errorf("Record %d, want -1", fe.Record)
	}
	if _, err := LoadMNIST(dir); err != nil { // the format loaders do not check
		t.Errorf("LoadMNIST: %v", err)
	}
}

package loaders

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
)

func TestNamesAndDefaultDir(t *testing.T) {
	want := []string{"cifar10", "cifar100", "cifar100-coarse", "stl10", "cinic10", "tinyimagenet", "mnist", "fashion-mnist", "imagefolder"}
	if !slices.Equal(Names, want) {
		t.Errorf("Names = %v", Names)
	}
	for _, n := range Names {
		d := DefaultDir(n)
		if (n == "fashion-mnist") != (d != "") {
			t.Errorf("DefaultDir(%q) = %q", n, d)
		}
	}
	if DefaultDir("fashion-mnist") != "/usr/share/datasets/fashion-mnist" {
		t.Error(DefaultDir("fashion-mnist"))
	}
	_, err := Load("imagenet", "/tmp")
	if !errors.Is(err, ErrUnknownDataset) || IsFormatError(err) {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := Load("cifar10", ""); err == nil || IsFormatError(err) {
		t.Errorf("cifar10 without folder: %v", err)
	}
	dir := loaderstest.Path("cifar10")
	if sp, err := Load("CIFAR10", dir); err != nil || sp.Train.Len() != 100 {
		t.Errorf("Load(CIFAR10): %v", err)
	}
	// A file, not a folder.
	f := filepath.Join(dir, "test_batch.bin")
	for _, n := range Names {
		if _, err := Load(n, f); !IsFormatError(err) {
			t.Errorf("Load(%q, file): %v, want a FormatError", n, err)
		}
	}
}

func TestFormatErrorMessage(t *testing.T) {
	e := &FormatError{Format: "cifar10", File: "/data/data_batch_3.bin", Record: 17, Msg: "label 12, want 0..9"}
	if got := e.Error(); got != "cifar10: /data/data_batch_3.bin: record 17: label 12, want 0..9" {
		t.Error(got)
	}
	e = &FormatError{Format: "tinyimagenet", File: "a.txt", Record: 3, Unit: "line", Msg: "x"}
	if got := e.Error(); got != "tinyimagenet: a.txt: line 3: x" {
		t.Error(got)
	}
	e = &FormatError{Format: "idx", File: "f", Record: -1, Msg: "missing file", Err: os.ErrNotExist}
	if got := e.Error(); got != "idx: f: missing file: file does not exist" || !errors.Is(e, os.ErrNotExist) {
		t.Error(got)
	}
}

// TestFashionMNISTReal loads the real Fashion-MNIST files of Debian's
// dataset-fashion-mnist package when they are installed.
func TestFashionMNISTReal(t *testing.T) {
	dir := DefaultDir("fashion-mnist")
	if _, err := os.Stat(filepath.Join(dir, IDXTrainImages+".gz")); err != nil {
		t.Skipf("Fashion-MNIST not installed at %s (apt-get install dataset-fashion-mnist): %v", dir, err)
	}
	start := time.Now()
	sp, err := Load("fashion-mnist", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded Fashion-MNIST (60000 + 10000 images) from %s in %v", dir, time.Since(start))
	if sp.Train.Len() != 60000 || sp.Test.Len() != 10000 || !slices.Equal(sp.Train.Shape, []int{28, 28, 1}) {
		t.Fatalf("got %d/%d examples of shape %v", sp.Train.Len(), sp.Test.Len(), sp.Train.Shape)
	}
	for _, d := range []struct {
		n   int
		per int
		ds  interface {
			Validate() error
			ClassIndices() [][]int
		}
	}{{60000, 6000, sp.Train}, {10000, 1000, sp.Test}} {
		if err := d.ds.Validate(); err != nil {
			t.Fatal(err)
		}
		for c, idx := range d.ds.ClassIndices() {
			if len(idx) != d.per {
				t.Errorf("class %d has %d examples, want %d", c, len(idx), d.per)
			}
		}
	}
	// Known first labels: train starts with an ankle boot; test with
	// 9 2 1 1 6 1 4 6 5 7.
	if sp.Train.Labels[0] != 9 || !slices.Equal(sp.Test.Labels[:10], []int32{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}) {
		t.Errorf("first labels %d, %v", sp.Train.Labels[0], sp.Test.Labels[:10])
	}
	var lo, hi float32 = 1, 0
	for _, v := range floats(sp.Train) {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo != 0 || hi != 1 {
		t.Errorf("pixel range [%v, %v], want [0, 1]", lo, hi)
	}
}

// TestLoadRefusesEmptyTrainingClass: Load refuses a training set in which a
// class has no example, naming the label file and the class; a test set
// without a class is accepted.
func TestLoadRefusesEmptyTrainingClass(t *testing.T) {
	dir := loaderstest.Copy(t, "idx", "raw")
	// Test labels 0..4 only.
	tp := filepath.Join(dir, IDXTestLabels)
	tb := mustRead(t, tp)
	for i := 8; i < len(tb); i++ {
		tb[i] %= 5
	}
	mustWrite(t, tp, tb)
	if _, err := Load("mnist", dir); err != nil {
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

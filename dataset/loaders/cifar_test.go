package loaders

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
)

// TestCIFAR10Fixture reads the committed fixture testdata/cifar10 (20
// records per file, record r has label r%10).
func TestCIFAR10Fixture(t *testing.T) {
	dir := loaderstest.Path("cifar10")
	sp, err := LoadCIFAR10(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ds := range []struct {
		name string
		n    int
	}{{"cifar10/train", 100}, {"cifar10/test", 20}} {
		d := sp.Train
		if ds.name == "cifar10/test" {
			d = sp.Test
		}
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		if d.Name != ds.name || d.Len() != ds.n || !slices.Equal(d.Shape, []int{32, 32, 3}) || d.NumClasses != 10 {
			t.Fatalf("%s: got name %q, %d examples, shape %v, %d classes", ds.name, d.Name, d.Len(), d.Shape, d.NumClasses)
		}
		for i, l := range d.Labels {
			if int(l) != i%10 {
				t.Fatalf("%s: label %d = %d, want %d", ds.name, i, l, i%10)
			}
		}
		for i, v := range floats(d) {
			if v < 0 || v > 1 {
				t.Fatalf("%s: value %d = %v, not in [0,1]", ds.name, i, v)
			}
		}
	}
	if !slices.Equal(sp.ClassNames, CIFAR10Classes) {
		t.Errorf("class names %v", sp.ClassNames)
	}
	// Every pixel of a record in the third batch against the raw bytes:
	// record 13 of data_batch_3.bin is train example 2*20+13 = 53.
	raw := mustRead(t, filepath.Join(dir, "data_batch_3.bin"))[13*3073 : 14*3073]
	ex := sp.Train.Example(53)
	for c := range 3 {
		for y := range 32 {
			for x := range 32 {
				if got, want := ex[(y*32+x)*3+c], px(raw[1+c*1024+y*32+x]); got != want {
					t.Fatalf("example 53 (y=%d x=%d c=%d) = %v, want %v", y, x, c, got, want)
				}
			}
		}
	}
	// Test examples come from test_batch.bin.
	rawT := mustRead(t, filepath.Join(dir, "test_batch.bin"))
	checkPixel(t, "test example 3 pixel (0,0) G", sp.Test.Example(3)[1], rawT[3*3073+1+1024])
}

// cifarRecord builds one CIFAR record: the label bytes, then the planes with
// R(1,2)=200, G(1,2)=100, B(31,0)=7 and the rest 0.
func cifarRecord(labels ...byte) []byte {
	rec := make([]byte, len(labels)+3072)
	copy(rec, labels)
	pix := rec[len(labels):]
	pix[0*1024+1*32+2] = 200
	pix[1*1024+1*32+2] = 100
	pix[2*1024+31*32+0] = 7
	return rec
}

func TestCIFAR10KnownPixelHWC(t *testing.T) {
	dir := loaderstest.Copy(t, "cifar10")
	// Replace the test batch with two hand-made records.
	mustWrite(t, filepath.Join(dir, "test_batch.bin"), append(cifarRecord(3), cifarRecord(9)...))
	sp, err := LoadCIFAR10(dir)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Test.Len() != 2 || sp.Test.Labels[0] != 3 || sp.Test.Labels[1] != 9 {
		t.Fatalf("test labels %v", sp.Test.Labels)
	}
	for i := range 2 {
		ex := sp.Test.Example(i)
		const W = 32
		checkPixel(t, "R(1,2)", ex[(1*W+2)*3+0], 200)
		checkPixel(t, "G(1,2)", ex[(1*W+2)*3+1], 100)
		checkPixel(t, "B(1,2)", ex[(1*W+2)*3+2], 0)
		checkPixel(t, "B(31,0)", ex[(31*W+0)*3+2], 7)
		checkPixel(t, "R(2,1)", ex[(2*W+1)*3+0], 0)
		var sum float32
		for _, v := range ex {
			sum += v
		}
		if want := px(200) + px(100) + px(7); sum != want {
			t.Errorf("example %d: sum %v, want %v", i, sum, want)
		}
	}
	if v := floats(sp.Test)[(1*32+2)*3]; v != 200.0/255 {
		t.Errorf("value (1*W+2)*3+0 = %v, want 200/255", v)
	}
}

func TestCIFAR10ArchiveFolder(t *testing.T) {
	root := t.TempDir()
	if err := loaderstest.CopyTree(filepath.Join(root, "cifar-10-batches-bin"), loaderstest.Path("cifar10")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(root, "cifar-10-batches-bin", "batches.meta.txt"))
	sp, err := Load("cifar10", root)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Train.Len() != 100 || sp.Test.Len() != 20 || !slices.Equal(sp.ClassNames, CIFAR10Classes) {
		t.Fatalf("got %d/%d examples, classes %v", sp.Train.Len(), sp.Test.Len(), sp.ClassNames)
	}
}

func TestCIFAR10Errors(t *testing.T) {
	fresh := func(t *testing.T) string { return loaderstest.Copy(t, "cifar10") }
	t.Run("label out of range", func(t *testing.T) {
		dir := fresh(t)
		p := filepath.Join(dir, "data_batch_3.bin")
		mustWrite(t, p, mustRead(t, loaderstest.Path("corrupt", "cifar10", "data_batch_3.label12.bin")))
		_, err := LoadCIFAR10(dir)
		fe := wantFormatErr(t, err)
		if want := fmt.Sprintf("cifar10: %s: record 17: label 12, want 0..9", p); err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
		if fe.File != p || fe.Record != 17 || fe.Format != "cifar10" {
			t.Errorf("FormatError fields %+v", fe)
		}
	})
	for _, size := range []int64{0, 1, 3072, 3073 + 100, 20*3073 - 1} {
		t.Run(fmt.Sprintf("truncated to %d", size), func(t *testing.T) {
			dir := fresh(t)
			p := filepath.Join(dir, "data_batch_3.bin")
			truncateFile(t, p, size)
			_, err := LoadCIFAR10(dir)
			if size == 0 {
				wantFormatErr(t, err, p, "empty file")
				return
			}
			fe := wantFormatErr(t, err, p, "truncated", fmt.Sprintf("record %d:", size/3073), fmt.Sprintf("file size %d", size), fmt.Sprintf("%d of 3073 bytes", size%3073))
			if fe.Record != int(size/3073) {
				t.Errorf("Record = %d, want %d", fe.Record, size/3073)
			}
		})
	}
	t.Run("truncated test batch", func(t *testing.T) {
		dir := fresh(t)
		p := filepath.Join(dir, "test_batch.bin")
		mustWrite(t, p, mustRead(t, loaderstest.Path("corrupt", "cifar10", "test_batch.truncated.bin")))
		_, err := LoadCIFAR10(dir)
		wantFormatErr(t, err, p, "record 5", "3000 of 3073")
	})
	for _, f := range []string{"data_batch_1.bin", "data_batch_5.bin", "test_batch.bin"} {
		t.Run("missing "+f, func(t *testing.T) {
			dir := fresh(t)
			p := filepath.Join(dir, f)
			os.Remove(p)
			_, err := LoadCIFAR10(dir)
			wantMissing(t, err, p)
		})
	}
	t.Run("missing folder", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "nope")
		_, err := LoadCIFAR10(p)
		wantMissing(t, err, p)
	})
	t.Run("bad meta", func(t *testing.T) {
		dir := fresh(t)
		p := filepath.Join(dir, "batches.meta.txt")
		mustWrite(t, p, []byte("cat\ndog\n"))
		_, err := LoadCIFAR10(dir)
		wantFormatErr(t, err, p, "2 class names, want 10")
	})
	t.Run("not a regular file", func(t *testing.T) {
		dir := fresh(t)
		p := filepath.Join(dir, "data_batch_2.bin")
		os.Remove(p)
		os.Mkdir(p, 0o755)
		_, err := LoadCIFAR10(dir)
		wantFormatErr(t, err, p, "not a regular file")
	})
}

// writeCIFAR100 writes train.bin and test.bin with n and m records; record r
// has coarse label r%20 and fine label (7*r)%100.
func writeCIFAR100(t *testing.T, dir string, n, m int) {
	t.Helper()
	for _, f := range []struct {
		name string
		n    int
	}{{"train.bin", n}, {"test.bin", m}} {
		var b []byte
		for r := range f.n {
			rec := cifarRecord(byte(r%20), byte(7*r%100))
			rec[2+5] = byte(r) // R(0,5) = r, to tell records apart
			b = append(b, rec...)
		}
		mustWrite(t, filepath.Join(dir, f.name), b)
	}
}

func TestCIFAR100FineCoarse(t *testing.T) {
	dir := t.TempDir()
	writeCIFAR100(t, dir, 120, 30)
	fine, err := Load("cifar100", dir)
	if err != nil {
		t.Fatal(err)
	}
	coarse, err := Load("cifar100-coarse", dir)
	if err != nil {
		t.Fatal(err)
	}
	if fine.Train.NumClasses != 100 || coarse.Train.NumClasses != 20 || fine.Test.NumClasses != 100 {
		t.Fatalf("classes %d/%d", fine.Train.NumClasses, coarse.Train.NumClasses)
	}
	if len(fine.ClassNames) != 100 || len(coarse.ClassNames) != 20 || fine.ClassNames[99] != "worm" || coarse.ClassNames[19] != "vehicles_2" {
		t.Fatalf("class names %d %d", len(fine.ClassNames), len(coarse.ClassNames))
	}
	for _, sp := range []*Split{fine, coarse} {
		for _, d := range []struct {
			n  int
			ds interface{ Validate() error }
		}{{120, sp.Train}, {30, sp.Test}} {
			if err := d.ds.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if fine.Train.Len() != 120 || fine.Test.Len() != 30 || fine.Train.Name != "cifar100/train" || coarse.Test.Name != "cifar100-coarse/test" {
		t.Fatalf("sizes %d %d names %q %q", fine.Train.Len(), fine.Test.Len(), fine.Train.Name, coarse.Test.Name)
	}
	for r := range 120 {
		if fine.Train.Labels[r] != int32(7*r%100) || coarse.Train.Labels[r] != int32(r%20) {
			t.Fatalf("record %d: fine %d coarse %d", r, fine.Train.Labels[r], coarse.Train.Labels[r])
		}
		ex := fine.Train.Example(r)
		checkPixel(t, "R(0,5)", ex[5*3], byte(r))
		checkPixel(t, "R(1,2)", ex[(1*32+2)*3], 200)
		checkPixel(t, "G(1,2)", ex[(1*32+2)*3+1], 100)
		checkPixel(t, "B(31,0)", ex[31*32*3+2], 7)
	}
	if !slices.Equal(floats(fine.Train), floats(coarse.Train)) {
		t.Error("fine and coarse images differ")
	}
	// The built-in names are the published lists, which are in alphabetical
	// order.
	if len(CIFAR100FineClasses) != 100 || !slices.IsSorted(CIFAR100FineClasses) || len(slices.Compact(slices.Clone(CIFAR100FineClasses))) != 100 ||
		len(CIFAR100CoarseClasses) != 20 || !slices.IsSorted(CIFAR100CoarseClasses) {
		t.Error("built-in CIFAR-100 class names are not 100 + 20 sorted distinct names")
	}
	// Names files, when present, are used.
	names := make([]string, 20)
	for i := range names {
		names[i] = fmt.Sprintf("super%d", i)
	}
	mustWrite(t, filepath.Join(dir, "coarse_label_names.txt"), []byte(strings.Join(names, "\n")+"\n"))
	coarse, err = LoadCIFAR100(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(coarse.ClassNames, names) {
		t.Errorf("class names %v", coarse.ClassNames)
	}
}

func TestCIFAR100Errors(t *testing.T) {
	cases := []struct {
		name, file string
		rec        int
		coarse     byte
		fine       byte
		want       string
	}{
		{"fine 100", "train.bin", 9, 3, 100, "record 9: fine label 100, want 0..99"},
		{"coarse 20", "test.bin", 4, 20, 5, "record 4: coarse label 20, want 0..19"},
	}
	for _, c := range cases {
		for _, coarse := range []bool{false, true} {
			t.Run(fmt.Sprint(c.name, coarse), func(t *testing.T) {
				dir := t.TempDir()
				writeCIFAR100(t, dir, 20, 10)
				p := filepath.Join(dir, c.file)
				b := mustRead(t, p)
				b[c.rec*3074], b[c.rec*3074+1] = c.coarse, c.fine
				mustWrite(t, p, b)
				_, err := LoadCIFAR100(dir, coarse)
				wantFormatErr(t, err, p, c.want)
			})
		}
	}
	t.Run("truncated", func(t *testing.T) {
		dir := t.TempDir()
		writeCIFAR100(t, dir, 20, 10)
		p := filepath.Join(dir, "train.bin")
		truncateFile(t, p, 3*3074+10)
		_, err := LoadCIFAR100(dir, false)
		wantFormatErr(t, err, p, "record 3", "3074-byte record", "10 of 3074")
	})
	t.Run("cifar10 file as cifar100", func(t *testing.T) {
		// 10 CIFAR-10 records (30730 bytes) are not a whole number of
		// CIFAR-100 records.
		dir := t.TempDir()
		writeCIFAR100(t, dir, 20, 10)
		p := filepath.Join(dir, "test.bin")
		var b []byte
		for range 10 {
			b = append(b, cifarRecord(1)...)
		}
		mustWrite(t, p, b)
		_, err := LoadCIFAR100(dir, false)
		wantFormatErr(t, err, p, "truncated", "file size 30730")
	})
	t.Run("missing", func(t *testing.T) {
		dir := t.TempDir()
		writeCIFAR100(t, dir, 20, 10)
		p := filepath.Join(dir, "test.bin")
		os.Remove(p)
		_, err := LoadCIFAR100(dir, false)
		wantMissing(t, err, p)
		if !errors.Is(err, os.ErrNotExist) {
			t.Error("not ErrNotExist")
		}
	})
}

func TestParseCIFARInMemory(t *testing.T) {
	data := append(cifarRecord(4), cifarRecord(2)...)
	images, labels, err := parseCIFAR(cifar10Spec, "mem", data)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(labels, []int32{4, 2}) || len(images) != 2*3072 {
		t.Fatalf("labels %v, %d values", labels, len(images))
	}
	_, _, err = parseCIFAR(cifar10Spec, "mem", data[:len(data)-1])
	wantFormatErr(t, err, "cifar10: mem: record 1: truncated")
}

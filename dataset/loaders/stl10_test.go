package loaders

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
)

const stlImg = 3 * 96 * 96

// writeSTL10 writes train (n images) and test (m images) files; image i has
// label byte 1+i%10, random pixels, and in the red plane the column-major
// byte of pixel (row 1, col 2) = 200 and of (row 2, col 1) = 50.
func writeSTL10(t *testing.T, dir string, n, m int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range []struct {
		split string
		n     int
	}{{"train", n}, {"test", m}} {
		x := make([]byte, s.n*stlImg)
		loaderstest.FillRandom(rng, x)
		y := make([]byte, s.n)
		for i := range s.n {
			y[i] = byte(1 + i%10)
			img := x[i*stlImg:]
			img[2*96+1] = 200 // col 2, row 1
			img[1*96+2] = 50  // col 1, row 2
		}
		mustWrite(t, filepath.Join(dir, s.split+"_X.bin"), x)
		mustWrite(t, filepath.Join(dir, s.split+"_y.bin"), y)
	}
}

func TestSTL10(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "stl10_binary")
	writeSTL10(t, dir, 20, 10)
	mustWrite(t, filepath.Join(dir, "unlabeled_X.bin"), []byte{1, 2, 3}) // ignored
	sp, err := Load("stl10", root)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Train.Len() != 20 || sp.Test.Len() != 10 || !slices.Equal(sp.Train.Shape, []int{96, 96, 3}) || sp.Train.NumClasses != 10 {
		t.Fatalf("got %d/%d examples of shape %v", sp.Train.Len(), sp.Test.Len(), sp.Train.Shape)
	}
	if err := sp.Train.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sp.ClassNames, STL10Classes) || sp.Test.Name != "stl10/test" {
		t.Errorf("class names %v name %q", sp.ClassNames, sp.Test.Name)
	}
	for i, l := range sp.Train.Labels {
		if int(l) != i%10 {
			t.Fatalf("label %d = %d, want %d (1-based byte %d)", i, l, i%10, 1+i%10)
		}
	}
	const W = 96
	x := mustRead(t, filepath.Join(dir, "test_X.bin"))
	for i := range sp.Test.Len() {
		ex := sp.Test.Example(i)
		checkPixel(t, "R(1,2)", ex[(1*W+2)*3+0], 200)
		checkPixel(t, "R(2,1)", ex[(2*W+1)*3+0], 50)
		raw := x[i*stlImg : (i+1)*stlImg]
		// numpy: reshape(x, (-1, 3, 96, 96)).transpose(0, 3, 2, 1)
		for c := range 3 {
			for a := range 96 {
				for b := range 96 {
					if got, want := ex[(b*W+a)*3+c], px(raw[c*9216+a*96+b]); got != want {
						t.Fatalf("test image %d HWC (%d,%d,%d) = %v, want %v", i, b, a, c, got, want)
					}
				}
			}
		}
	}
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	mustWrite(t, filepath.Join(dir, "class_names.txt"), []byte("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"))
	if sp, err = LoadSTL10(dir); err != nil || !slices.Equal(sp.ClassNames, names) {
		t.Errorf("class_names.txt: %v %v", err, sp)
	}
}

func TestSTL10Errors(t *testing.T) {
	for _, b := range []byte{0, 11, 255} {
		t.Run(fmt.Sprint("label ", b), func(t *testing.T) {
			dir := t.TempDir()
			writeSTL10(t, dir, 20, 10)
			p := filepath.Join(dir, "test_y.bin")
			y := mustRead(t, p)
			y[6] = b
			mustWrite(t, p, y)
			_, err := LoadSTL10(dir)
			fe := wantFormatErr(t, err)
			if want := fmt.Sprintf("stl10: %s: record 6: label %d, want 1..10", p, b); err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
			if fe.Record != 6 || fe.File != p {
				t.Errorf("fields %+v", fe)
			}
		})
	}
	for _, size := range []int64{0, 100, stlImg - 1, 5*stlImg + 17} {
		t.Run(fmt.Sprint("X truncated to ", size), func(t *testing.T) {
			dir := t.TempDir()
			writeSTL10(t, dir, 20, 10)
			p := filepath.Join(dir, "train_X.bin")
			truncateFile(t, p, size)
			_, err := LoadSTL10(dir)
			if size == 0 {
				wantFormatErr(t, err, p, "empty file")
				return
			}
			wantFormatErr(t, err, p, fmt.Sprintf("record %d: truncated", size/stlImg), fmt.Sprintf("file size %d", size), fmt.Sprintf("%d of 27648 bytes", size%stlImg))
		})
	}
	t.Run("y short", func(t *testing.T) {
		dir := t.TempDir()
		writeSTL10(t, dir, 20, 10)
		p := filepath.Join(dir, "train_y.bin")
		truncateFile(t, p, 19)
		_, err := LoadSTL10(dir)
		wantFormatErr(t, err, p, "record 19: truncated: 19 labels", "train_X.bin holds 20 images")
	})
	t.Run("y long", func(t *testing.T) {
		dir := t.TempDir()
		writeSTL10(t, dir, 20, 10)
		p := filepath.Join(dir, "test_y.bin")
		mustWrite(t, p, append(mustRead(t, p), 1))
		_, err := LoadSTL10(dir)
		wantFormatErr(t, err, p, "11 labels", "holds 10 images")
	})
	for _, f := range []string{"train_X.bin", "train_y.bin", "test_X.bin", "test_y.bin"} {
		t.Run("missing "+f, func(t *testing.T) {
			dir := t.TempDir()
			writeSTL10(t, dir, 20, 10)
			p := filepath.Join(dir, f)
			os.Remove(p)
			_, err := LoadSTL10(dir)
			wantMissing(t, err, p)
		})
	}
}

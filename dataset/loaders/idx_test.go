package loaders

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
)

// TestIDXFixtureGzipAndRaw reads the committed fixtures testdata/idx/gz and
// testdata/idx/raw (20 train and 10 test images, label i%10).
func TestIDXFixtureGzipAndRaw(t *testing.T) {
	gzDir, rawDir := loaderstest.Copy(t, "idx", "gz"), loaderstest.Copy(t, "idx", "raw")
	if _, err := os.Stat(filepath.Join(gzDir, "train-images-idx3-ubyte.gz")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(rawDir, "t10k-labels-idx1-ubyte")); err != nil {
		t.Fatal(err)
	}
	gz, err := Load("mnist", gzDir)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := LoadMNIST(rawDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range []*Split{gz, raw} {
		if sp.Train.Len() != 20 || sp.Test.Len() != 10 || !slices.Equal(sp.Train.Shape, []int{28, 28, 1}) || sp.Train.NumClasses != 10 {
			t.Fatalf("got %d/%d examples of shape %v", sp.Train.Len(), sp.Test.Len(), sp.Train.Shape)
		}
		if err := sp.Train.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := sp.Test.Validate(); err != nil {
			t.Fatal(err)
		}
		for i, l := range sp.Test.Labels {
			if int(l) != i%10 {
				t.Fatalf("test label %d = %d", i, l)
			}
		}
	}
	if sp := gz; sp.Train.Name != "mnist/train" || sp.Test.Name != "mnist/test" || !slices.Equal(sp.ClassNames, MNISTClasses) {
		t.Errorf("names %q %q %v", sp.Train.Name, sp.Test.Name, sp.ClassNames)
	}
	if !slices.Equal(floats(gz.Train), floats(raw.Train)) || !slices.Equal(floats(gz.Test), floats(raw.Test)) {
		t.Error("gzipped and raw fixtures load differently")
	}
	// Pixel values against the raw file.
	b := mustRead(t, filepath.Join(rawDir, "train-images-idx3-ubyte"))
	gzTrain := floats(gz.Train)
	for i := range 20 * 784 {
		if gzTrain[i] != px(b[16+i]) {
			t.Fatalf("train value %d = %v, want %v", i, gzTrain[i], px(b[16+i]))
		}
	}
	// Gzipped content under the plain name is detected by its magic.
	os.Rename(filepath.Join(gzDir, "t10k-images-idx3-ubyte.gz"), filepath.Join(gzDir, "t10k-images-idx3-ubyte"))
	if sp, err := LoadMNIST(gzDir); err != nil || !slices.Equal(floats(sp.Test), floats(raw.Test)) {
		t.Errorf("gzip content under plain name: %v", err)
	}
	// And raw content under a .gz name.
	os.Rename(filepath.Join(rawDir, "t10k-labels-idx1-ubyte"), filepath.Join(rawDir, "t10k-labels-idx1-ubyte.gz"))
	if sp, err := LoadFashionMNIST(rawDir); err != nil || !slices.Equal(sp.Test.Labels, raw.Test.Labels) || !slices.Equal(sp.ClassNames, FashionMNISTClasses) || sp.Train.Name != "fashion-mnist/train" {
		t.Errorf("raw content under .gz name: %v", err)
	}
}

// writeIDX writes a 3-image (28x28) IDX pair; image 1 has pixel (3, 5) =
// 200 and (5, 3) = 9; labels are 7, 0, 9.
func writeIDX(t *testing.T, dir string, gz bool) {
	t.Helper()
	img := loaderstest.IDXImages(3, 28, 28)
	img[16+784+3*28+5] = 200
	img[16+784+5*28+3] = 9
	lbl := loaderstest.IDXLabels(3)
	copy(lbl[8:], []byte{7, 0, 9})
	sfx := ""
	if gz {
		img, lbl, sfx = loaderstest.Gzip(img), loaderstest.Gzip(lbl), ".gz"
	}
	for _, base := range []string{IDXTrainImages, IDXTestImages} {
		mustWrite(t, filepath.Join(dir, base+sfx), img)
	}
	for _, base := range []string{IDXTrainLabels, IDXTestLabels} {
		mustWrite(t, filepath.Join(dir, base+sfx), lbl)
	}
}

func TestIDXKnownPixel(t *testing.T) {
	for _, gz := range []bool{false, true} {
		dir := t.TempDir()
		writeIDX(t, dir, gz)
		sp, err := LoadMNIST(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sp.Train.Labels, []int32{7, 0, 9}) {
			t.Fatalf("labels %v", sp.Train.Labels)
		}
		ex := sp.Test.Example(1)
		checkPixel(t, "(3,5)", ex[3*28+5], 200)
		checkPixel(t, "(5,3)", ex[5*28+3], 9)
		checkPixel(t, "(0,0)", ex[0], 0)
		if floats(sp.Train)[784+3*28+5] != 200.0/255 {
			t.Error("Images[784+3*28+5] != 200/255")
		}
	}
}

func TestIDXErrors(t *testing.T) {
	// setup copies the raw or gzipped fixture (20 train images) and returns
	// the folder and the path of the train image and label files.
	setup := func(t *testing.T, gz bool) (dir, imgPath, lblPath string) {
		sfx := ""
		if gz {
			dir, sfx = loaderstest.Copy(t, "idx", "gz"), ".gz"
		} else {
			dir = loaderstest.Copy(t, "idx", "raw")
		}
		return dir, filepath.Join(dir, IDXTrainImages+sfx), filepath.Join(dir, IDXTrainLabels+sfx)
	}
	// rewrite replaces a file's (uncompressed) content.
	rewrite := func(t *testing.T, path string, gz bool, f func([]byte) []byte) {
		b := mustRead(t, path)
		if gz {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		b = f(slices.Clone(b))
		if gz {
			b = loaderstest.Gzip(b)
		}
		mustWrite(t, path, b)
	}
	for _, gz := range []bool{false, true} {
		name := fmt.Sprintf("gz=%v/", gz)
		for _, size := range []int{0, 3, 10, 16, 16 + 784, 16 + 4*784 + 100, 16 + 20*784 - 1} {
			t.Run(fmt.Sprintf("%simages truncated to %d", name, size), func(t *testing.T) {
				dir, ip, _ := setup(t, gz)
				rewrite(t, ip, gz, func(b []byte) []byte { return b[:size] })
				_, err := LoadMNIST(dir)
				switch {
				case size < 16:
					wantFormatErr(t, err, "idx: "+ip+": truncated:", fmt.Sprintf("%d bytes", size), "16-byte header")
				default:
					have := (size - 16) / 784
					msg := fmt.Sprintf("truncated: header says 20 images of 28x28, file holds %d", have)
					if part := (size - 16) % 784; part != 0 {
						msg += fmt.Sprintf(" and %d of 784 bytes of the next", part)
					}
					fe := wantFormatErr(t, err, "idx: "+ip+": record "+fmt.Sprint(have)+": "+msg)
					if !strings.HasSuffix(err.Error(), msg) {
						t.Errorf("error %q does not end with %q", err, msg)
					}
					if fe.Record != have {
						t.Errorf("Record %d, want %d", fe.Record, have)
					}
				}
			})
		}
		for _, size := range []int{0, 7, 8, 10} {
			t.Run(fmt.Sprintf("%slabels truncated to %d", name, size), func(t *testing.T) {
				dir, _, lp := setup(t, gz)
				rewrite(t, lp, gz, func(b []byte) []byte { return b[:size] })
				_, err := LoadMNIST(dir)
				if size < 8 {
					wantFormatErr(t, err, lp, "truncated", "8-byte header")
				} else {
					wantFormatErr(t, err, lp, fmt.Sprintf("truncated: header says 20 labels, file holds %d", size-8))
				}
			})
		}
		t.Run(name+"wrong image magic", func(t *testing.T) {
			dir, ip, _ := setup(t, gz)
			bad := mustRead(t, loaderstest.Path("corrupt", "idx", "train-images-idx3-ubyte.badmagic"))
			rewrite(t, ip, gz, func([]byte) []byte { return bad })
			_, err := LoadMNIST(dir)
			wantFormatErr(t, err, ip, "magic 0x00000801, want 0x00000803")
		})
		t.Run(name+"wrong label magic", func(t *testing.T) {
			dir, _, lp := setup(t, gz)
			rewrite(t, lp, gz, func(b []byte) []byte { binary.BigEndian.PutUint32(b, 0x803); return b })
			_, err := LoadMNIST(dir)
			wantFormatErr(t, err, lp, "magic 0x00000803, want 0x00000801")
		})
		t.Run(name+"label 10", func(t *testing.T) {
			dir, _, lp := setup(t, gz)
			rewrite(t, lp, gz, func(b []byte) []byte { b[8+3] = 10; return b })
			_, err := LoadMNIST(dir)
			if want := "idx: " + lp + ": record 3: label 10, want 0..9"; err == nil || err.Error() != want {
				t.Errorf("error %v, want %q", err, want)
			}
			wantFormatErr(t, err)
		})
		t.Run(name+"wrong size", func(t *testing.T) {
			dir, ip, _ := setup(t, gz)
			b := loaderstest.IDXImages(20, 27, 28)
			if gz {
				b = loaderstest.Gzip(b)
			}
			mustWrite(t, ip, b)
			_, err := LoadMNIST(dir)
			wantFormatErr(t, err, ip, "images of 27x28, want 28x28")
		})
		t.Run(name+"extra bytes", func(t *testing.T) {
			dir, ip, _ := setup(t, gz)
			rewrite(t, ip, gz, func(b []byte) []byte { return append(b, 1, 2, 3) })
			_, err := LoadMNIST(dir)
			wantFormatErr(t, err, ip, "3 extra bytes")
		})
		t.Run(name+"count mismatch", func(t *testing.T) {
			dir, ip, lp := setup(t, gz)
			rewrite(t, lp, gz, func([]byte) []byte { return loaderstest.IDXLabels(4) })
			_, err := LoadMNIST(dir)
			wantFormatErr(t, err, lp, "4 labels", ip, "holds 20 images")
		})
		t.Run(name+"missing", func(t *testing.T) {
			dir, _, lp := setup(t, gz)
			os.Remove(lp)
			_, err := LoadMNIST(dir)
			wantMissing(t, err, filepath.Join(dir, IDXTrainLabels)+"[.gz]")
		})
	}
	t.Run("corrupt gzip", func(t *testing.T) {
		dir, ip, _ := setup(t, true)
		b := mustRead(t, ip)
		mustWrite(t, ip, mustRead(t, loaderstest.Path("corrupt", "idx", "train-images-idx3-ubyte.truncated.gz")))
		_, err := LoadMNIST(dir)
		wantFormatErr(t, err, ip, "truncated gzip stream")
		b[len(b)-3] ^= 0xff // CRC/size trailer
		mustWrite(t, ip, b)
		_, err = LoadMNIST(dir)
		wantFormatErr(t, err, ip, "gzip")
	})
	t.Run("zero images", func(t *testing.T) {
		b := loaderstest.IDXImages(0, 28, 28)
		_, _, _, err := idxImagesHeader("idx", "mem", b, uint64(len(b)), false, 28, 28)
		wantFormatErr(t, err, "mem", "0 images")
	})
	t.Run("huge header", func(t *testing.T) {
		b := loaderstest.IDXImages(0, 0, 0)
		binary.BigEndian.PutUint32(b[4:], 0xffffffff)
		binary.BigEndian.PutUint32(b[8:], 0xffffffff)
		binary.BigEndian.PutUint32(b[12:], 0xffffffff)
		_, _, _, err := idxImagesHeader("idx", "mem", b, uint64(len(b)), false, 0, 0)
		wantFormatErr(t, err, "mem", "truncated: header says 4294967295 images of 4294967295x4294967295, file holds 0")
	})
	t.Run("missing folder", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "none")
		_, err := LoadMNIST(p)
		wantMissing(t, err, p)
	})
}

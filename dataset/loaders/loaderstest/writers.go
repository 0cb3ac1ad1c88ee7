package loaderstest

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
)

// stream is the PCG stream of the writers; file f of a dataset uses stream
// stream+f.
const stream = 0x66697874757265 // "fixture"

// CIFAR-10 binary file names (cifar-10-batches-bin).
var (
	cifar10Train = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
	cifar10Test  = "test_batch.bin"
)

// cifarPixels is the number of pixel bytes of a CIFAR record (3 planes of
// 32x32).
const cifarPixels = 3 * 32 * 32

// WriteCIFAR10 writes a small CIFAR-10 binary dataset into dir (created if
// needed): data_batch_1.bin to data_batch_5.bin and test_batch.bin, each
// holding nPerClass records of every class (record r has label r%10) with
// uniformly random pixel bytes. The train set thus has 50*nPerClass
// examples and the test set 10*nPerClass. No batches.meta.txt is written
// (the loader then uses the published class names). The content is a
// function of (nPerClass, seed).
func WriteCIFAR10(dir string, nPerClass int, seed uint64) error {
	if nPerClass < 1 {
		return fmt.Errorf("loaderstest: WriteCIFAR10: nPerClass %d, want >= 1", nPerClass)
	}
	const rs = 1 + cifarPixels
	for f, name := range append(append([]string(nil), cifar10Train...), cifar10Test) {
		rng := rand.New(rand.NewPCG(seed, stream+uint64(f)))
		n := 10 * nPerClass
		buf := make([]byte, n*rs)
		for r := range n {
			rec := buf[r*rs : (r+1)*rs]
			rec[0] = byte(r % 10)
			FillRandom(rng, rec[1:])
		}
		if err := WriteFile(filepath.Join(dir, name), buf); err != nil {
			return err
		}
	}
	return nil
}

// WriteCIFAR100 writes a small CIFAR-100 binary dataset into dir (created
// if needed): train.bin and test.bin, each holding nPerClass records of
// every fine class (record r has coarse label r%20 and fine label r%100)
// with uniformly random pixel bytes. No label name files are written. The
// content is a function of (nPerClass, seed).
func WriteCIFAR100(dir string, nPerClass int, seed uint64) error {
	if nPerClass < 1 {
		return fmt.Errorf("loaderstest: WriteCIFAR100: nPerClass %d, want >= 1", nPerClass)
	}
	const rs = 2 + cifarPixels
	for f, name := range []string{"train.bin", "test.bin"} {
		rng := rand.New(rand.NewPCG(seed, stream+uint64(f)))
		n := 100 * nPerClass
		buf := make([]byte, n*rs)
		for r := range n {
			rec := buf[r*rs : (r+1)*rs]
			rec[0], rec[1] = byte(r%20), byte(r%100)
			FillRandom(rng, rec[2:])
		}
		if err := WriteFile(filepath.Join(dir, name), buf); err != nil {
			return err
		}
	}
	return nil
}

// WriteSTL10 writes a small labelled STL-10 binary dataset into dir
// (created if needed): train_X.bin, train_y.bin, test_X.bin and test_y.bin,
// each split holding nPerClass 96x96 RGB images of every class (image i has
// the 1-based label 1+i%10) with uniformly random pixel bytes. No
// class_names.txt is written. The content is a function of (nPerClass,
// seed).
func WriteSTL10(dir string, nPerClass int, seed uint64) error {
	if nPerClass < 1 {
		return fmt.Errorf("loaderstest: WriteSTL10: nPerClass %d, want >= 1", nPerClass)
	}
	const npix = 3 * 96 * 96
	for f, split := range []string{"train", "test"} {
		rng := rand.New(rand.NewPCG(seed, stream+uint64(f)))
		n := 10 * nPerClass
		x := make([]byte, n*npix)
		FillRandom(rng, x)
		y := make([]byte, n)
		for i := range y {
			y[i] = byte(1 + i%10)
		}
		if err := WriteFile(filepath.Join(dir, split+"_X.bin"), x); err != nil {
			return err
		}
		if err := WriteFile(filepath.Join(dir, split+"_y.bin"), y); err != nil {
			return err
		}
	}
	return nil
}

// IDX file names (MNIST, Fashion-MNIST), without the ".gz" suffix.
const (
	idxTrainImages = "train-images-idx3-ubyte"
	idxTrainLabels = "train-labels-idx1-ubyte"
	idxTestImages  = "t10k-images-idx3-ubyte"
	idxTestLabels  = "t10k-labels-idx1-ubyte"
)

// WriteIDX writes a small MNIST-like IDX dataset into dir (created if
// needed): train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, gzipped and named with
// a ".gz" suffix when gz is true. Images are 28x28 with uniformly random
// pixel bytes; example i has label i%10. The content (before compression)
// is a function of (nTrain, nTest, seed).
func WriteIDX(dir string, nTrain, nTest int, seed uint64, gz bool) error {
	if nTrain < 1 || nTest < 1 {
		return fmt.Errorf("loaderstest: WriteIDX: nTrain %d, nTest %d, want >= 1", nTrain, nTest)
	}
	write := func(name string, data []byte) error {
		if gz {
			name += ".gz"
			data = Gzip(data)
		}
		return WriteFile(filepath.Join(dir, name), data)
	}
	for f, s := range []struct {
		images, labels string
		n              int
	}{{idxTrainImages, idxTrainLabels, nTrain}, {idxTestImages, idxTestLabels, nTest}} {
		rng := rand.New(rand.NewPCG(seed, stream+uint64(f)))
		img := IDXImages(s.n, 28, 28)
		FillRandom(rng, img[16:])
		lbl := IDXLabels(s.n)
		for i := range s.n {
			lbl[8+i] = byte(i % 10)
		}
		if err := write(s.images, img); err != nil {
			return err
		}
		if err := write(s.labels, lbl); err != nil {
			return err
		}
	}
	return nil
}

// WriteCINIC10 writes a small CINIC-10 dataset into dir (created if
// needed): train/, valid/ and test/, each with a folder per class (named by
// classes, normally the CIFAR-10 class names) holding nPerClass 32x32 RGB
// PNGs of uniformly random pixels. The content is a function of (classes,
// nPerClass, seed).
func WriteCINIC10(dir string, classes []string, nPerClass int, seed uint64) error {
	if nPerClass < 1 {
		return fmt.Errorf("loaderstest: WriteCINIC10: nPerClass %d, want >= 1", nPerClass)
	}
	for f, split := range []string{"train", "valid", "test"} {
		rng := rand.New(rand.NewPCG(seed, stream+uint64(f)))
		for _, c := range classes {
			for k := range nPerClass {
				data, err := RandomImage(rng, 32, 32, png.Encode)
				if err != nil {
					return err
				}
				if err := WriteFile(filepath.Join(dir, split, c, fmt.Sprintf("%s_%d.png", split, k)), data); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// tinyClasses and tinySide are Tiny-ImageNet-200's class count and image
// side.
const (
	tinyClasses = 200
	tinySide    = 64
)

// TinyImageNetWnids returns the 200 WordNet ids that WriteTinyImageNet
// lists in wnids.txt, in line order (not sorted).
func TinyImageNetWnids() []string {
	w := make([]string, tinyClasses)
	for i := range w {
		w[i] = fmt.Sprintf("n%08d", 1000000+(i*7919)%1000)
	}
	return w
}

// WriteTinyImageNet writes a small Tiny-ImageNet-200 tree into dir (created
// if needed): wnids.txt (TinyImageNetWnids), train/<wnid>/images/
// <wnid>_<k>.JPEG and train/<wnid>/<wnid>_boxes.txt with nPerClass 64x64
// JPEGs (quality 90) per class, and val/images/val_<k>.JPEG with
// val/val_annotations.txt giving nPerClass validation images per class
// (image k has class k%200). The images are noisy random colour ramps
// (SmoothImage), which keeps the JPEGs near 2 KB. The content is a function
// of (nPerClass, seed).
func WriteTinyImageNet(dir string, nPerClass int, seed uint64) error {
	return WriteTinyImageNetN(dir, nPerClass, nPerClass, seed)
}

// WriteTinyImageNetN is WriteTinyImageNet with nTrain training and nVal
// validation images per class (the real dataset has 500 and 50).
func WriteTinyImageNetN(dir string, nTrain, nVal int, seed uint64) error {
	if nTrain < 1 || nVal < 1 {
		return fmt.Errorf("loaderstest: WriteTinyImageNet: %d train and %d val images per class, want >= 1", nTrain, nVal)
	}
	jpg := func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, &jpeg.Options{Quality: 90}) }
	wn := TinyImageNetWnids()
	if err := WriteFile(filepath.Join(dir, "wnids.txt"), []byte(strings.Join(wn, "\n")+"\n")); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, stream))
	for _, w := range wn {
		var boxes strings.Builder
		for k := range nTrain {
			name := fmt.Sprintf("%s_%d.JPEG", w, k)
			data, err := SmoothImage(rng, tinySide, tinySide, jpg)
			if err != nil {
				return err
			}
			if err := WriteFile(filepath.Join(dir, "train", w, "images", name), data); err != nil {
				return err
			}
			fmt.Fprintf(&boxes, "%s\t0\t0\t63\t63\n", name)
		}
		if err := WriteFile(filepath.Join(dir, "train", w, w+"_boxes.txt"), []byte(boxes.String())); err != nil {
			return err
		}
	}
	rng = rand.New(rand.NewPCG(seed, stream+1))
	var ann strings.Builder
	for k := range tinyClasses * nVal {
		name := fmt.Sprintf("val_%d.JPEG", k)
		data, err := SmoothImage(rng, tinySide, tinySide, jpg)
		if err != nil {
			return err
		}
		if err := WriteFile(filepath.Join(dir, "val", "images", name), data); err != nil {
			return err
		}
		fmt.Fprintf(&ann, "%s\t%s\t0\t0\t63\t63\n", name, wn[k%tinyClasses])
	}
	return WriteFile(filepath.Join(dir, "val", "val_annotations.txt"), []byte(ann.String()))
}

// WriteLines writes lines to path, one per line, each ending in "\n".
func WriteLines(path string, lines []string) error {
	return WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"))
}

// WriteImageFolder writes an image-folder dataset into dir (created if
// needed): train/<class>/<k>.png (nTrain per class) and test/<class>/<k>.png
// (nTest per class), h x w RGB PNGs. Class c's images are noisy with the
// colour channel c%3 bright and the others dark (channel values 160..223
// and 32..95), so that a small network can tell 3 classes apart. The
// content is a function of (classes, nTrain, nTest, h, w, seed).
func WriteImageFolder(dir string, classes []string, nTrain, nTest, h, w int, seed uint64) error {
	if nTrain < 1 || nTest < 1 || h < 1 || w < 1 {
		return fmt.Errorf("loaderstest: WriteImageFolder: nTrain %d, nTest %d, size %dx%d, want all >= 1", nTrain, nTest, h, w)
	}
	for f, split := range []struct {
		name string
		n    int
	}{{"train", nTrain}, {"test", nTest}} {
		rng := rand.New(rand.NewPCG(seed, stream+uint64(f)))
		for c, class := range classes {
			for k := range split.n {
				img := image.NewNRGBA(image.Rect(0, 0, w, h))
				for p := 0; p < len(img.Pix); p += 4 {
					for ch := range 3 {
						v := 32 + rng.IntN(64)
						if ch == c%3 {
							v += 128
						}
						img.Pix[p+ch] = byte(v)
					}
					img.Pix[p+3] = 255
				}
				var buf bytes.Buffer
				if err := png.Encode(&buf, img); err != nil {
					return err
				}
				if err := WriteFile(filepath.Join(dir, split.name, class, fmt.Sprintf("%d.png", k)), buf.Bytes()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// EncodePNG encodes an h x w opaque RGB image of one colour.
func EncodePNG(h, w int, r, g, b byte) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for p := 0; p < len(img.Pix); p += 4 {
		img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = r, g, b, 255
	}
	var buf bytes.Buffer
	png.Encode(&buf, img) // encoding to a bytes.Buffer does not fail
	return buf.Bytes()
}

package loaders

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// fixtureStream is the PCG stream of the fixture writers; file f of a
// fixture uses stream fixtureStream+f.
const fixtureStream = 0x66697874757265 // "fixture"

// WriteCIFAR10Fixture writes a small CIFAR-10 binary dataset into dir
// (created if needed): data_batch_1.bin to data_batch_5.bin and
// test_batch.bin, each holding nPerClass records of every class (record r
// has label r%10) with uniformly random pixel bytes, plus batches.meta.txt.
// The train set thus has 50*nPerClass examples and the test set
// 10*nPerClass. The content is a function of (nPerClass, seed).
func WriteCIFAR10Fixture(dir string, nPerClass int, seed uint64) error {
	if nPerClass < 1 {
		return fmt.Errorf("loaders: WriteCIFAR10Fixture: nPerClass %d, want >= 1", nPerClass)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := append(append([]string(nil), CIFAR10TrainFiles...), CIFAR10TestFile)
	const rs = 1 + cifarPixels
	for f, name := range files {
		rng := rand.New(rand.NewPCG(seed, fixtureStream+uint64(f)))
		n := 10 * nPerClass
		buf := make([]byte, n*rs)
		for r := range n {
			rec := buf[r*rs : (r+1)*rs]
			rec[0] = byte(r % 10)
			fillRandom(rng, rec[1:])
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
			return err
		}
	}
	meta := strings.Join(CIFAR10Classes, "\n") + "\n\n"
	return os.WriteFile(filepath.Join(dir, "batches.meta.txt"), []byte(meta), 0o644)
}

// WriteIDXFixture writes a small MNIST-like IDX dataset into dir (created if
// needed): train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, gzipped and named with
// a ".gz" suffix when gz is true. Images are 28x28 with uniformly random
// pixel bytes; example i has label i%10. The content is a function of
// (nTrain, nTest, seed).
func WriteIDXFixture(dir string, nTrain, nTest int, seed uint64, gz bool) error {
	if nTrain < 1 || nTest < 1 {
		return fmt.Errorf("loaders: WriteIDXFixture: nTrain %d, nTest %d, want >= 1", nTrain, nTest)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, data []byte) error {
		if gz {
			name += ".gz"
			data = gzipBytes(data)
		}
		return os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	for f, s := range []struct {
		images, labels string
		n              int
	}{{IDXTrainImages, IDXTrainLabels, nTrain}, {IDXTestImages, IDXTestLabels, nTest}} {
		rng := rand.New(rand.NewPCG(seed, fixtureStream+uint64(f)))
		img := idxImagesBytes(s.n, 28, 28)
		fillRandom(rng, img[16:])
		lbl := idxLabelsBytes(s.n)
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

// idxImagesBytes returns a zeroed IDX image file of n rows x cols images.
func idxImagesBytes(n, rows, cols int) []byte {
	b := make([]byte, 16+n*rows*cols)
	binary.BigEndian.PutUint32(b, idxImagesMagic)
	binary.BigEndian.PutUint32(b[4:], uint32(n))
	binary.BigEndian.PutUint32(b[8:], uint32(rows))
	binary.BigEndian.PutUint32(b[12:], uint32(cols))
	return b
}

// idxLabelsBytes returns a zeroed IDX label file of n labels.
func idxLabelsBytes(n int) []byte {
	b := make([]byte, 8+n)
	binary.BigEndian.PutUint32(b, idxLabelsMagic)
	binary.BigEndian.PutUint32(b[4:], uint32(n))
	return b
}

func gzipBytes(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data) // writes to a bytes.Buffer do not fail
	zw.Close()
	return buf.Bytes()
}

func fillRandom(rng *rand.Rand, b []byte) {
	for i := 0; i < len(b); i += 8 {
		v := rng.Uint64()
		for j := i; j < min(i+8, len(b)); j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
}

// WriteCIFAR100Fixture writes a small CIFAR-100 binary dataset into dir
// (created if needed): train.bin and test.bin, each holding nPerClass
// records of every fine class (record r has fine label r%100 and coarse
// label r%20) with uniformly random pixel bytes, plus fine_label_names.txt
// and coarse_label_names.txt. The content is a function of (nPerClass,
// seed).
func WriteCIFAR100Fixture(dir string, nPerClass int, seed uint64) error {
	if nPerClass < 1 {
		return fmt.Errorf("loaders: WriteCIFAR100Fixture: nPerClass %d, want >= 1", nPerClass)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rs := cifar100FineSpec.recordSize()
	for f, name := range []string{"train.bin", "test.bin"} {
		rng := rand.New(rand.NewPCG(seed, fixtureStream+uint64(f)))
		n := 100 * nPerClass
		buf := make([]byte, n*rs)
		for r := range n {
			rec := buf[r*rs : (r+1)*rs]
			rec[0], rec[1] = byte(r%20), byte(r%100)
			fillRandom(rng, rec[2:])
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "fine_label_names.txt"), []byte(strings.Join(CIFAR100FineClasses, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "coarse_label_names.txt"), []byte(strings.Join(CIFAR100CoarseClasses, "\n")+"\n"), 0o644)
}

// WriteSTL10Fixture writes a small labelled STL-10 binary dataset into dir
// (created if needed): train_X.bin, train_y.bin, test_X.bin and test_y.bin,
// each split holding nPerClass 96x96 RGB images of every class (image i has
// the 1-based label 1+i%10) with uniformly random pixel bytes, plus
// class_names.txt. The content is a function of (nPerClass, seed).
func WriteSTL10Fixture(dir string, nPerClass int, seed uint64) error {
	if nPerClass < 1 {
		return fmt.Errorf("loaders: WriteSTL10Fixture: nPerClass %d, want >= 1", nPerClass)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for f, split := range []string{"train", "test"} {
		rng := rand.New(rand.NewPCG(seed, fixtureStream+uint64(f)))
		n := 10 * nPerClass
		x := make([]byte, n*stlPixels)
		fillRandom(rng, x)
		y := make([]byte, n)
		for i := range y {
			y[i] = byte(1 + i%10)
		}
		if err := os.WriteFile(filepath.Join(dir, split+"_X.bin"), x, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, split+"_y.bin"), y, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "class_names.txt"), []byte(strings.Join(STL10Classes, "\n")+"\n"), 0o644)
}

// WriteCINIC10Fixture writes a small CINIC-10 dataset into dir (created if
// needed): train/, valid/ and test/, each with a folder per class (the
// CIFAR-10 class names) holding nPerClass 32x32 RGB PNGs of uniformly random
// pixels. The content is a function of (nPerClass, seed).
func WriteCINIC10Fixture(dir string, nPerClass int, seed uint64) error {
	if nPerClass < 1 {
		return fmt.Errorf("loaders: WriteCINIC10Fixture: nPerClass %d, want >= 1", nPerClass)
	}
	for f, split := range []string{"train", "valid", "test"} {
		rng := rand.New(rand.NewPCG(seed, fixtureStream+uint64(f)))
		for _, c := range CIFAR10Classes {
			for k := range nPerClass {
				data, err := randomImage(rng, 32, png.Encode)
				if err != nil {
					return err
				}
				if err := writeFileMkdir(filepath.Join(dir, split, c, fmt.Sprintf("%s_%d.png", split, k)), data); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// TinyImageNetFixtureWnids returns the 200 WordNet ids that
// WriteTinyImageNetFixture lists in wnids.txt, in line order.
func TinyImageNetFixtureWnids() []string {
	w := make([]string, tinyClasses)
	for i := range w {
		w[i] = fmt.Sprintf("n%08d", 1000000+(i*7919)%1000)
	}
	return w
}

// WriteTinyImageNetFixture writes a small Tiny-ImageNet-200 tree into dir
// (created if needed): wnids.txt (TinyImageNetFixtureWnids),
// train/<wnid>/images/<wnid>_<k>.JPEG and train/<wnid>/<wnid>_boxes.txt with
// nPerClass 64x64 JPEGs of uniformly random pixels per class, and
// val/images/val_<k>.JPEG with val/val_annotations.txt giving nPerClass
// validation images per class (image k has class k%200). The content is a
// function of (nPerClass, seed).
func WriteTinyImageNetFixture(dir string, nPerClass int, seed uint64) error {
	if nPerClass < 1 {
		return fmt.Errorf("loaders: WriteTinyImageNetFixture: nPerClass %d, want >= 1", nPerClass)
	}
	jpg := func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, &jpeg.Options{Quality: 90}) }
	wn := TinyImageNetFixtureWnids()
	if err := writeFileMkdir(filepath.Join(dir, "wnids.txt"), []byte(strings.Join(wn, "\n")+"\n")); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, fixtureStream))
	for _, w := range wn {
		var boxes strings.Builder
		for k := range nPerClass {
			name := fmt.Sprintf("%s_%d.JPEG", w, k)
			data, err := randomImage(rng, tinySide, jpg)
			if err != nil {
				return err
			}
			if err := writeFileMkdir(filepath.Join(dir, "train", w, "images", name), data); err != nil {
				return err
			}
			fmt.Fprintf(&boxes, "%s\t0\t0\t63\t63\n", name)
		}
		if err := os.WriteFile(filepath.Join(dir, "train", w, w+"_boxes.txt"), []byte(boxes.String()), 0o644); err != nil {
			return err
		}
	}
	rng = rand.New(rand.NewPCG(seed, fixtureStream+1))
	var ann strings.Builder
	for k := range tinyClasses * nPerClass {
		name := fmt.Sprintf("val_%d.JPEG", k)
		data, err := randomImage(rng, tinySide, jpg)
		if err != nil {
			return err
		}
		if err := writeFileMkdir(filepath.Join(dir, "val", "images", name), data); err != nil {
			return err
		}
		fmt.Fprintf(&ann, "%s\t%s\t0\t0\t63\t63\n", name, wn[k%tinyClasses])
	}
	return os.WriteFile(filepath.Join(dir, "val", "val_annotations.txt"), []byte(ann.String()), 0o644)
}

// randomImage encodes a side x side RGB image of uniformly random pixels.
func randomImage(rng *rand.Rand, side int, encode func(io.Writer, image.Image) error) ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	fillRandom(rng, img.Pix)
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255 // opaque
	}
	var buf bytes.Buffer
	if err := encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeFileMkdir(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

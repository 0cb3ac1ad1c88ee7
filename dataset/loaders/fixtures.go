package loaders

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
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

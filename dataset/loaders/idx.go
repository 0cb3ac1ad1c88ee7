package loaders

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// IDX magic numbers: two zero bytes, the type (0x08 unsigned byte) and the
// number of dimensions.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
)

// IDX file names (MNIST and Fashion-MNIST). Each may also carry a ".gz"
// suffix; the content, not the name, decides whether it is gunzipped.
const (
	IDXTrainImages = "train-images-idx3-ubyte"
	IDXTrainLabels = "train-labels-idx1-ubyte"
	IDXTestImages  = "t10k-images-idx3-ubyte"
	IDXTestLabels  = "t10k-labels-idx1-ubyte"
)

// FashionMNISTClasses are the Fashion-MNIST class names.
var FashionMNISTClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// MNISTClasses are the MNIST class names (the digits).
var MNISTClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// maxInflation is deflate's largest compression ratio (a run of one byte
// value costs at least 1 bit per 258 bytes, about 1032:1): a gzip file
// cannot inflate to more than maxInflation times its size.
const maxInflation = 1032

// idxContent opens an IDX input, reads its first hlen header bytes and
// returns them with the length of the content: the file size for a plain
// file; for a gzip file, the bytes the stream really inflates to, counted
// without keeping them (up to want plus 64 MiB; beyond that over is set),
// which also checks the stream's CRC. want is the content length that the
// header asks for, given the header; a gzip file too small to inflate to
// it is refused without inflating.
func idxContent(format string, in input, hlen int, want func(h []byte) uint64) (h []byte, length uint64, over bool, err error) {
	r, gz, c, err := content(format, in)
	if err != nil {
		return nil, 0, false, err
	}
	defer c.Close()
	h = make([]byte, hlen)
	got, err := readUpTo(r, h)
	if err != nil {
		return nil, 0, false, streamErr(format, in, gz, err)
	}
	h = h[:got]
	if !gz {
		return h, uint64(in.size), false, nil
	}
	if got < hlen {
		return h, uint64(got), false, nil
	}
	w := want(h)
	if ceiling := uint64(in.size)*maxInflation + 1024; w > ceiling {
		// Report it as the length it can reach at most: the checks of the
		// header then say "truncated".
		return h, 0, false, ferr(format, in.name, "header asks for %d bytes, but a gzip file of %d bytes inflates to at most %d", w, in.size, ceiling)
	}
	n, over, err := countRest(r, int64(w-uint64(hlen))+64<<20)
	if err != nil {
		return nil, 0, false, streamErr(format, in, gz, err)
	}
	return h, uint64(hlen) + uint64(n), over, nil
}

// idxImagesWant is the content length an IDX image header asks for (capped
// to keep the arithmetic in range).
func idxImagesWant(h []byte) uint64 {
	n := uint64(binary.BigEndian.Uint32(h[4:]))
	per := uint64(binary.BigEndian.Uint32(h[8:])) * uint64(binary.BigEndian.Uint32(h[12:]))
	if per != 0 && n > (1<<62)/per {
		return 1 << 62
	}
	return 16 + n*per
}

// idxLabelsWant is the content length an IDX label header asks for.
func idxLabelsWant(h []byte) uint64 { return 8 + uint64(binary.BigEndian.Uint32(h[4:])) }

// idxImagesHeader checks an IDX image header h (the first 16 bytes, fewer
// if the content is shorter) against the content length: magic 0x00000803,
// then big-endian uint32 count, rows and cols, then the pixels. wantRows and
// wantCols, when nonzero, are the required image size; over means the
// content is longer than length.
func idxImagesHeader(format, file string, h []byte, length uint64, over bool, wantRows, wantCols int) (n, rows, cols int, err error) {
	if len(h) < 16 {
		return 0, 0, 0, ferr(format, file, "truncated: %d bytes, an IDX image file has a 16-byte header", len(h))
	}
	if m := binary.BigEndian.Uint32(h); m != idxImagesMagic {
		return 0, 0, 0, ferr(format, file, "magic 0x%08x, want 0x%08x (IDX unsigned-byte images, 3 dimensions)", m, idxImagesMagic)
	}
	un := uint64(binary.BigEndian.Uint32(h[4:]))
	ur := uint64(binary.BigEndian.Uint32(h[8:]))
	uc := uint64(binary.BigEndian.Uint32(h[12:]))
	if ur == 0 || uc == 0 || (wantRows > 0 && (ur != uint64(wantRows) || uc != uint64(wantCols))) {
		want := "nonzero"
		if wantRows > 0 {
			want = strconv.Itoa(wantRows) + "x" + strconv.Itoa(wantCols)
		}
		return 0, 0, 0, ferr(format, file, "header says images of %dx%d, want %s", ur, uc, want)
	}
	if un == 0 {
		return 0, 0, 0, ferr(format, file, "header says 0 images")
	}
	per := ur * uc // < 2^64
	avail := length - 16
	have := avail / per
	if have < un {
		msg := fmt.Sprintf("truncated: header says %d images of %dx%d, file holds %d", un, ur, uc, have)
		if part := avail % per; part != 0 {
			msg += fmt.Sprintf(" and %d of %d bytes of the next", part, per)
		}
		return 0, 0, 0, rerr(format, file, int(have), "%s", msg)
	}
	if over {
		return 0, 0, 0, ferr(format, file, "header says %d images of %dx%d, file has more than %d extra bytes after them", un, ur, uc, avail-un*per)
	}
	if extra := avail - un*per; extra != 0 {
		return 0, 0, 0, ferr(format, file, "header says %d images of %dx%d, file has %d extra bytes after them", un, ur, uc, extra)
	}
	return int(un), int(ur), int(uc), nil
}

// idxLabelsHeader checks an IDX label header h (magic 0x00000801, a
// big-endian uint32 count) against the content length.
func idxLabelsHeader(format, file string, h []byte, length uint64, over bool) (int, error) {
	if len(h) < 8 {
		return 0, ferr(format, file, "truncated: %d bytes, an IDX label file has an 8-byte header", len(h))
	}
	if m := binary.BigEndian.Uint32(h); m != idxLabelsMagic {
		return 0, ferr(format, file, "magic 0x%08x, want 0x%08x (IDX unsigned-byte labels, 1 dimension)", m, idxLabelsMagic)
	}
	un := uint64(binary.BigEndian.Uint32(h[4:]))
	if un == 0 {
		return 0, ferr(format, file, "header says 0 labels")
	}
	avail := length - 8
	if avail < un {
		return 0, rerr(format, file, int(avail), "truncated: header says %d labels, file holds %d", un, avail)
	}
	if over {
		return 0, ferr(format, file, "header says %d labels, file has more than %d extra bytes after them", un, avail-un)
	}
	if avail > un {
		return 0, ferr(format, file, "header says %d labels, file has %d extra bytes after them", un, avail-un)
	}
	return int(un), nil
}

// readIDXBody opens an IDX input again and passes its body (after the hlen
// header bytes) to use in chunks of at most chunk bytes, n bytes in all.
func readIDXBody(format string, in input, hlen, n, chunk int, use func(off int, b []byte) error) error {
	r, gz, c, err := content(format, in)
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, max(hlen, min(n, chunk)))
	if got, err := readUpTo(r, buf[:hlen]); err != nil || got < hlen {
		return changed(format, in, gz, err)
	}
	for off := 0; off < n; {
		k := min(n-off, len(buf))
		got, err := readUpTo(r, buf[:k])
		if err != nil || got < k {
			return changed(format, in, gz, err)
		}
		if err := use(off, buf[:k]); err != nil {
			return err
		}
		off += k
	}
	return nil
}

// changed is the error for an input that ended early on the second read.
func changed(format string, in input, gz bool, err error) error {
	if err != nil {
		return streamErr(format, in, gz, err)
	}
	return fmt.Errorf("%s: %s: file changed while reading: it is shorter than on the first read", format, in.name)
}

// loadIDXPair reads an image and a label input (each possibly gzipped) into
// a dataset of Shape [rows cols 1]. Both headers are checked against the
// content really there (sizes, or the inflated length of a gzip stream,
// counted without keeping it) and against each other, and the labels are
// checked, before the images are allocated; maxImages, when positive, is
// the most images the pair may hold.
func loadIDXPair(format, name string, img, lbl input, wantRows, wantCols, numClasses, maxImages int, b *budget) (*dataset.Dataset, error) {
	ih, ilen, iover, err := idxContent(format, img, 16, idxImagesWant)
	if err != nil {
		return nil, err
	}
	n, rows, cols, err := idxImagesHeader(format, img.name, ih, ilen, iover, wantRows, wantCols)
	if err != nil {
		return nil, err
	}
	lh, llen, lover, err := idxContent(format, lbl, 8, idxLabelsWant)
	if err != nil {
		return nil, err
	}
	nl, err := idxLabelsHeader(format, lbl.name, lh, llen, lover)
	if err != nil {
		return nil, err
	}
	if nl != n {
		return nil, ferr(format, lbl.name, "%d labels, but %s holds %d images", nl, img.name, n)
	}
	if maxImages > 0 && n > maxImages {
		return nil, ferr(format, img.name, "%d images, more than the %d of the published file", n, maxImages)
	}
	labels := make([]int32, n)
	err = readIDXBody(format, lbl, 8, n, 1<<16, func(off int, b []byte) error {
		for i, c := range b {
			if int(c) >= numClasses {
				return rerr(format, lbl.name, off+i, "label %d, want 0..%d", c, numClasses-1)
			}
			labels[off+i] = int32(c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	size := n * rows * cols
	if err := b.check(format, img.name, int64(size), 1); err != nil {
		return nil, err
	}
	images := make([]uint8, size)
	err = readIDXBody(format, img, 16, size, 1<<16, func(off int, b []byte) error {
		copy(images[off:], b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dataset.Dataset{Name: name, Shape: []int{rows, cols, 1}, NumClasses: numClasses, Pixels: images, Labels: labels}, nil
}

// parseIDXPair is loadIDXPair on files held in memory (tests and fuzzing).
func parseIDXPair(format, name, imgFile string, imgData []byte, lblFile string, lblData []byte, wantRows, wantCols, numClasses int) (*dataset.Dataset, error) {
	return loadIDXPair(format, name, bytesInput(imgFile, imgData), bytesInput(lblFile, lblData), wantRows, wantCols, numClasses, 0, nil)
}

// findIDX returns the path of base or base+".gz" in dir (the plain name
// first).
func findIDX(format, dir, base string) (string, error) {
	var firstErr error
	for _, p := range []string{filepath.Join(dir, base), filepath.Join(dir, base+".gz")} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if firstErr == nil && !os.IsNotExist(err) {
			firstErr = openErr(format, p, err)
		}
	}
	if firstErr != nil {
		return "", firstErr
	}
	return "", &FormatError{Format: format, File: filepath.Join(dir, base) + "[.gz]", Record: -1, Msg: "missing file", Err: fs.ErrNotExist}
}

// LoadIDX reads the four IDX files of an MNIST-like dataset from dir:
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
// and t10k-labels-idx1-ubyte, each either plain or gzipped and named with or
// without ".gz". Images must be rows x cols (Shape [rows cols 1]) and labels
// below len(classNames). name names the datasets (name+"/train",
// name+"/test") and the errors. The content is checked (for a gzip file by
// a first pass that inflates it without keeping it) before the images are
// allocated.
func LoadIDX(name, dir string, rows, cols int, classNames []string) (*Split, error) {
	return loadIDX(name, dir, rows, cols, classNames, 0, 0, newBudget(nil))
}

// loadIDX is LoadIDX with the most images the train and test files may
// hold (0: no bound but the budget).
func loadIDX(name, dir string, rows, cols int, classNames []string, maxTrain, maxTest int, b *budget) (*Split, error) {
	const format = "idx"
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, openErr(format, dir, err)
	}
	if !fi.IsDir() {
		return nil, ferr(format, dir, "not a folder")
	}
	open := func(base string) (input, error) {
		p, err := findIDX(format, dir, base)
		if err != nil {
			return input{}, err
		}
		return fileInput(format, p)
	}
	load := func(split, imgBase, lblBase string, maxImages int) (*dataset.Dataset, error) {
		img, err := open(imgBase)
		if err != nil {
			return nil, err
		}
		lbl, err := open(lblBase)
		if err != nil {
			return nil, err
		}
		return loadIDXPair(format, name+"/"+split, img, lbl, rows, cols, len(classNames), maxImages, b)
	}
	tr, err := load("train", IDXTrainImages, IDXTrainLabels, maxTrain)
	if err != nil {
		return nil, err
	}
	te, err := load("test", IDXTestImages, IDXTestLabels, maxTest)
	if err != nil {
		return nil, err
	}
	return newSplit(tr, te, append([]string(nil), classNames...)), nil
}

// LoadMNIST reads MNIST in IDX format from dir (28x28 grey images, 10
// classes, 60000 train and 10000 test; more is refused).
func LoadMNIST(dir string) (*Split, error) { return loadMNIST(dir, newBudget(nil)) }

func loadMNIST(dir string, b *budget) (*Split, error) {
	return loadIDX("mnist", dir, 28, 28, MNISTClasses, mnistMaxTrain, mnistMaxTest, b)
}

// The published MNIST and Fashion-MNIST split sizes: the most images a
// split may hold.
const (
	mnistMaxTrain = 60000
	mnistMaxTest  = 10000
)

// LoadFashionMNIST reads Fashion-MNIST in IDX format from dir, by default
// DefaultDir("fashion-mnist") (Debian's dataset-fashion-mnist ships the four
// files gzipped there).
func LoadFashionMNIST(dir string) (*Split, error) { return loadFashionMNIST(dir, newBudget(nil)) }

func loadFashionMNIST(dir string, b *budget) (*Split, error) {
	if strings.TrimSpace(dir) == "" {
		dir = DefaultDir("fashion-mnist")
	}
	return loadIDX("fashion-mnist", dir, 28, 28, FashionMNISTClasses, mnistMaxTrain, mnistMaxTest, b)
}

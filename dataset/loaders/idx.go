package loaders

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
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

// maybeGunzip returns data, gunzipped when it starts with the gzip magic
// 1f 8b. A corrupt or truncated gzip stream is a *FormatError.
func maybeGunzip(format, file string, data []byte) ([]byte, error) {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, &FormatError{Format: format, File: file, Record: -1, Msg: "bad gzip header", Err: err}
	}
	var buf bytes.Buffer
	if len(data) >= 18 {
		// The gzip trailer holds the uncompressed size mod 2^32 (of the last
		// member); use it as a hint, bounded by deflate's maximum ratio.
		hint := int64(binary.LittleEndian.Uint32(data[len(data)-4:]))
		if limit := int64(len(data))*1032 + 1024; hint > limit {
			hint = limit
		}
		buf.Grow(int(hint) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(zr); err != nil {
		msg := "corrupt gzip stream"
		if errors.Is(err, io.ErrUnexpectedEOF) {
			msg = "truncated gzip stream"
		}
		return nil, &FormatError{Format: format, File: file, Record: -1, Msg: msg, Err: err}
	}
	return buf.Bytes(), nil
}

// parseIDXImages parses an (already gunzipped) IDX image file: magic
// 0x00000803, then big-endian uint32 count, rows and cols, then the pixels.
// wantRows and wantCols, when nonzero, are the required image size. It
// returns the pixel bytes (aliasing data).
func parseIDXImages(format, file string, data []byte, wantRows, wantCols int) (n, rows, cols int, pix []byte, err error) {
	if len(data) < 16 {
		return 0, 0, 0, nil, ferr(format, file, "truncated: %d bytes, an IDX image file has a 16-byte header", len(data))
	}
	if m := binary.BigEndian.Uint32(data); m != idxImagesMagic {
		return 0, 0, 0, nil, ferr(format, file, "magic 0x%08x, want 0x%08x (IDX unsigned-byte images, 3 dimensions)", m, idxImagesMagic)
	}
	un := uint64(binary.BigEndian.Uint32(data[4:]))
	ur := uint64(binary.BigEndian.Uint32(data[8:]))
	uc := uint64(binary.BigEndian.Uint32(data[12:]))
	if ur == 0 || uc == 0 || (wantRows > 0 && (ur != uint64(wantRows) || uc != uint64(wantCols))) {
		want := "nonzero"
		if wantRows > 0 {
			want = strconv.Itoa(wantRows) + "x" + strconv.Itoa(wantCols)
		}
		return 0, 0, 0, nil, ferr(format, file, "header says images of %dx%d, want %s", ur, uc, want)
	}
	if un == 0 {
		return 0, 0, 0, nil, ferr(format, file, "header says 0 images")
	}
	per := ur * uc // < 2^64
	avail := uint64(len(data) - 16)
	have := avail / per
	if have < un {
		msg := fmt.Sprintf("truncated: header says %d images of %dx%d, file holds %d", un, ur, uc, have)
		if part := avail % per; part != 0 {
			msg += fmt.Sprintf(" and %d of %d bytes of the next", part, per)
		}
		return 0, 0, 0, nil, rerr(format, file, int(have), "%s", msg)
	}
	if extra := avail - un*per; extra != 0 {
		return 0, 0, 0, nil, ferr(format, file, "header says %d images of %dx%d, file has %d extra bytes after them", un, ur, uc, extra)
	}
	return int(un), int(ur), int(uc), data[16:], nil
}

// parseIDXLabels parses an (already gunzipped) IDX label file: magic
// 0x00000801, a big-endian uint32 count, then one byte per label, each
// checked to be below numClasses.
func parseIDXLabels(format, file string, data []byte, numClasses int) ([]int32, error) {
	if len(data) < 8 {
		return nil, ferr(format, file, "truncated: %d bytes, an IDX label file has an 8-byte header", len(data))
	}
	if m := binary.BigEndian.Uint32(data); m != idxLabelsMagic {
		return nil, ferr(format, file, "magic 0x%08x, want 0x%08x (IDX unsigned-byte labels, 1 dimension)", m, idxLabelsMagic)
	}
	un := uint64(binary.BigEndian.Uint32(data[4:]))
	if un == 0 {
		return nil, ferr(format, file, "header says 0 labels")
	}
	avail := uint64(len(data) - 8)
	if avail < un {
		return nil, rerr(format, file, int(avail), "truncated: header says %d labels, file holds %d", un, avail)
	}
	if avail > un {
		return nil, ferr(format, file, "header says %d labels, file has %d extra bytes after them", un, avail-un)
	}
	labels := make([]int32, un)
	for i, b := range data[8:] {
		if int(b) >= numClasses {
			return nil, rerr(format, file, i, "label %d, want 0..%d", b, numClasses-1)
		}
		labels[i] = int32(b)
	}
	return labels, nil
}

// parseIDXPair parses an image and a label file (each possibly gzipped) into
// a dataset of Shape [rows cols 1].
func parseIDXPair(format, name, imgFile string, imgData []byte, lblFile string, lblData []byte, wantRows, wantCols, numClasses int) (*dataset.Dataset, error) {
	imgData, err := maybeGunzip(format, imgFile, imgData)
	if err != nil {
		return nil, err
	}
	n, rows, cols, pix, err := parseIDXImages(format, imgFile, imgData, wantRows, wantCols)
	if err != nil {
		return nil, err
	}
	lblData, err = maybeGunzip(format, lblFile, lblData)
	if err != nil {
		return nil, err
	}
	labels, err := parseIDXLabels(format, lblFile, lblData, numClasses)
	if err != nil {
		return nil, err
	}
	if len(labels) != n {
		return nil, ferr(format, lblFile, "%d labels, but %s holds %d images", len(labels), imgFile, n)
	}
	images := make([]float32, len(pix))
	lut := &pixelLUT
	for i, b := range pix {
		images[i] = lut[b]
	}
	return &dataset.Dataset{Name: name, Shape: []int{rows, cols, 1}, NumClasses: numClasses, Images: images, Labels: labels}, nil
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

func readIDXFile(format, dir, base string) (string, []byte, error) {
	p, err := findIDX(format, dir, base)
	if err != nil {
		return "", nil, err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return "", nil, openErr(format, p, err)
	}
	return p, data, nil
}

// LoadIDX reads the four IDX files of an MNIST-like dataset from dir:
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
// and t10k-labels-idx1-ubyte, each either plain or gzipped and named with or
// without ".gz". Images must be rows x cols (Shape [rows cols 1]) and labels
// below len(classNames). name names the datasets (name+"/train",
// name+"/test") and the errors.
func LoadIDX(name, dir string, rows, cols int, classNames []string) (*Split, error) {
	const format = "idx"
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, openErr(format, dir, err)
	}
	if !fi.IsDir() {
		return nil, ferr(format, dir, "not a folder")
	}
	load := func(split, imgBase, lblBase string) (*dataset.Dataset, error) {
		ip, idata, err := readIDXFile(format, dir, imgBase)
		if err != nil {
			return nil, err
		}
		lp, ldata, err := readIDXFile(format, dir, lblBase)
		if err != nil {
			return nil, err
		}
		return parseIDXPair(format, name+"/"+split, ip, idata, lp, ldata, rows, cols, len(classNames))
	}
	tr, err := load("train", IDXTrainImages, IDXTrainLabels)
	if err != nil {
		return nil, err
	}
	te, err := load("test", IDXTestImages, IDXTestLabels)
	if err != nil {
		return nil, err
	}
	return &Split{Train: tr, Test: te, ClassNames: append([]string(nil), classNames...)}, nil
}

// LoadMNIST reads MNIST in IDX format from dir (28x28 grey images, 10
// classes, 60000 train and 10000 test).
func LoadMNIST(dir string) (*Split, error) { return LoadIDX("mnist", dir, 28, 28, MNISTClasses) }

// LoadFashionMNIST reads Fashion-MNIST in IDX format from dir, by default
// DefaultDir("fashion-mnist") (Debian's dataset-fashion-mnist ships the four
// files gzipped there).
func LoadFashionMNIST(dir string) (*Split, error) {
	if strings.TrimSpace(dir) == "" {
		dir = DefaultDir("fashion-mnist")
	}
	return LoadIDX("fashion-mnist", dir, 28, 28, FashionMNISTClasses)
}

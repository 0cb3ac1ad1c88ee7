package loaders

import (
	"fmt"
	"path/filepath"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// STL-10 image geometry: 96x96 RGB, three 96x96 planes, each column-major.
const (
	stlSide   = 96
	stlPixels = 3 * stlSide * stlSide
)

// STL10Classes are the STL-10 class names (class_names.txt), for labels
// 1..10 shifted to 0..9.
var STL10Classes = []string{"airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"}

// stlCount checks the size of an STL-10 X file of side x side images and
// returns its image count.
func stlCount(file string, size int64, side int) (int, error) {
	npix := int64(3 * side * side)
	if size == 0 {
		return 0, ferr("stl10", file, "empty file, want %d-byte images", npix)
	}
	if size%npix != 0 {
		return 0, rerr("stl10", file, int(size/npix), "truncated: file size %d is not a multiple of the %d-byte image; the last image has %d of %d bytes", size, npix, size%npix, npix)
	}
	return int(size / npix), nil
}

// STL-10's published split sizes: the most images a split may hold.
const (
	stlMaxTrain = 5000
	stlMaxTest  = 8000
)

// parseSTL10Side decodes an STL-10 image file (uint8, N x 3 x side x side
// with each plane column-major) and its label file (one byte 1..10 per
// image), held in memory, into HWC pixels and 0-based labels (96;
// tests and fuzzing use smaller sides).
func parseSTL10Side(xFile string, x []byte, yFile string, y []byte, side int) (pixels []uint8, labels []int32, err error) {
	ds, err := loadSTL10Inputs("mem", bytesInput(xFile, x), bytesInput(yFile, y), side, 0, nil)
	if err != nil {
		return nil, nil, err
	}
	return ds.Pixels, ds.Labels, nil
}

// loadSTL10Inputs reads an image and a label input of side x side images.
// The image count comes from the image file's size and must equal the
// label file's size, and be at most maxImages when that is positive, before
// anything but the labels is read; the images are then read in chunks.
func loadSTL10Inputs(name string, xIn, yIn input, side, maxImages int, b *budget) (*dataset.Dataset, error) {
	n, err := stlCount(xIn.name, xIn.size, side)
	if err != nil {
		return nil, err
	}
	if yIn.size != int64(n) {
		if yIn.size < int64(n) {
			return nil, rerr("stl10", yIn.name, int(yIn.size), "truncated: %d labels, but %s holds %d images", yIn.size, xIn.name, n)
		}
		return nil, ferr("stl10", yIn.name, "%d labels, but %s holds %d images", yIn.size, xIn.name, n)
	}
	if maxImages > 0 && n > maxImages {
		return nil, ferr("stl10", xIn.name, "file size %d holds %d images, more than the %d of the published file", xIn.size, n, maxImages)
	}
	y := make([]byte, n)
	if err := readInput("stl10", yIn, y); err != nil {
		return nil, err
	}
	labels := make([]int32, n)
	for i, c := range y {
		if c < 1 || c > 10 {
			return nil, rerr("stl10", yIn.name, i, "label %d, want 1..10", c)
		}
		labels[i] = int32(c) - 1
	}
	planeSize := side * side
	npix := 3 * planeSize
	if err := b.check("stl10", xIn.name, int64(n)*int64(npix), 1); err != nil {
		return nil, err
	}
	images := make([]uint8, n*npix)
	r, err := xIn.open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	buf := make([]byte, npix)
	for i := range n {
		if got, err := readUpTo(r, buf); err != nil || got < npix {
			if err != nil {
				return nil, openErr("stl10", xIn.name, err)
			}
			return nil, fmt.Errorf("stl10: %s: file changed while reading: it ends in image %d of the %d it had", xIn.name, i, n)
		}
		out := images[i*npix : (i+1)*npix]
		for c := range 3 {
			plane := buf[c*planeSize : (c+1)*planeSize]
			// plane[col*side+row] is pixel (row, col).
			for col := range side {
				column := plane[col*side : (col+1)*side]
				for row, v := range column {
					out[(row*side+col)*3+c] = v
				}
			}
		}
	}
	return &dataset.Dataset{Name: name, Shape: []int{side, side, 3}, NumClasses: 10, Pixels: images, Labels: labels}, nil
}

func loadSTL10File(name, xPath, yPath string, maxImages int, b *budget) (*dataset.Dataset, error) {
	xIn, err := fileInput("stl10", xPath)
	if err != nil {
		return nil, err
	}
	if _, err := stlCount(xPath, xIn.size, stlSide); err != nil {
		return nil, err
	}
	yIn, err := fileInput("stl10", yPath)
	if err != nil {
		return nil, err
	}
	return loadSTL10Inputs(name, xIn, yIn, stlSide, maxImages, b)
}

// LoadSTL10 reads the labelled part of the STL-10 binary version from dir
// (the stl10_binary folder, or a folder holding it): train_X.bin and
// train_y.bin (5000 images), test_X.bin and test_y.bin (8000 images); a
// split with more images than those is refused. Images are 96x96 RGB,
// stored as three column-major planes, converted to HWC; labels 1..10
// become 0..9. unlabeled_X.bin is ignored. Class names come from
// class_names.txt when present.
func LoadSTL10(dir string) (*Split, error) { return loadSTL10(dir, newBudget(nil)) }

func loadSTL10(dir string, b *budget) (*Split, error) {
	dir, err := resolveDir("stl10", dir, "test_X.bin", "stl10_binary")
	if err != nil {
		return nil, err
	}
	names, err := readClassNames("stl10", filepath.Join(dir, "class_names.txt"), 10, STL10Classes)
	if err != nil {
		return nil, err
	}
	tr, err := loadSTL10File("stl10/train", filepath.Join(dir, "train_X.bin"), filepath.Join(dir, "train_y.bin"), stlMaxTrain, b)
	if err != nil {
		return nil, err
	}
	te, err := loadSTL10File("stl10/test", filepath.Join(dir, "test_X.bin"), filepath.Join(dir, "test_y.bin"), stlMaxTest, b)
	if err != nil {
		return nil, err
	}
	return newSplit(tr, te, names), nil
}

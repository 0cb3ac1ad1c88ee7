package loaders

import (
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

// parseSTL10 decodes an STL-10 image file (uint8, N x 3 x 96 x 96 with each
// 96x96 plane column-major) and its label file (one byte 1..10 per image)
// into HWC float32 images and 0-based labels.
func parseSTL10(xFile string, x []byte, yFile string, y []byte) (images []float32, labels []int32, err error) {
	return parseSTL10Side(xFile, x, yFile, y, stlSide)
}

// parseSTL10Side is parseSTL10 for side x side images (96; tests and
// fuzzing use smaller ones).
func parseSTL10Side(xFile string, x []byte, yFile string, y []byte, side int) (images []float32, labels []int32, err error) {
	n, err := stlCount(xFile, int64(len(x)), side)
	if err != nil {
		return nil, nil, err
	}
	if len(y) != n {
		if len(y) < n {
			return nil, nil, rerr("stl10", yFile, len(y), "truncated: %d labels, but %s holds %d images", len(y), xFile, n)
		}
		return nil, nil, ferr("stl10", yFile, "%d labels, but %s holds %d images", len(y), xFile, n)
	}
	labels = make([]int32, n)
	for i, b := range y {
		if b < 1 || b > 10 {
			return nil, nil, rerr("stl10", yFile, i, "label %d, want 1..10", b)
		}
		labels[i] = int32(b) - 1
	}
	planeSize := side * side
	npix := 3 * planeSize
	images = make([]float32, n*npix)
	lut := &pixelLUT
	for i := range n {
		src := x[i*npix : (i+1)*npix]
		out := images[i*npix : (i+1)*npix]
		for c := range 3 {
			plane := src[c*planeSize : (c+1)*planeSize]
			// plane[col*side+row] is pixel (row, col).
			for col := range side {
				column := plane[col*side : (col+1)*side]
				for row, b := range column {
					out[(row*side+col)*3+c] = lut[b]
				}
			}
		}
	}
	return images, labels, nil
}

func loadSTL10File(name, xPath, yPath string) (*dataset.Dataset, error) {
	xs, err := statSize("stl10", xPath)
	if err != nil {
		return nil, err
	}
	if _, err := stlCount(xPath, xs, stlSide); err != nil {
		return nil, err
	}
	ys, err := statSize("stl10", yPath)
	if err != nil {
		return nil, err
	}
	y, err := readExact("stl10", yPath, ys)
	if err != nil {
		return nil, err
	}
	x, err := readExact("stl10", xPath, xs)
	if err != nil {
		return nil, err
	}
	images, labels, err := parseSTL10(xPath, x, yPath, y)
	if err != nil {
		return nil, err
	}
	return &dataset.Dataset{Name: name, Shape: []int{stlSide, stlSide, 3}, NumClasses: 10, Images: images, Labels: labels}, nil
}

// LoadSTL10 reads the labelled part of the STL-10 binary version from dir
// (the stl10_binary folder, or a folder holding it): train_X.bin and
// train_y.bin (5000 images), test_X.bin and test_y.bin (8000 images).
// Images are 96x96 RGB, stored as three column-major planes, converted to
// HWC; labels 1..10 become 0..9. unlabeled_X.bin is ignored. Class names
// come from class_names.txt when present.
func LoadSTL10(dir string) (*Split, error) {
	dir, err := resolveDir("stl10", dir, "test_X.bin", "stl10_binary")
	if err != nil {
		return nil, err
	}
	names, err := readClassNames("stl10", filepath.Join(dir, "class_names.txt"), 10, STL10Classes)
	if err != nil {
		return nil, err
	}
	tr, err := loadSTL10File("stl10/train", filepath.Join(dir, "train_X.bin"), filepath.Join(dir, "train_y.bin"))
	if err != nil {
		return nil, err
	}
	te, err := loadSTL10File("stl10/test", filepath.Join(dir, "test_X.bin"), filepath.Join(dir, "test_y.bin"))
	if err != nil {
		return nil, err
	}
	return &Split{Train: tr, Test: te, ClassNames: names}, nil
}

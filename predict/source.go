package predict

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
)

// source is the images of a run, in order.
type source interface {
	// Len returns the number of images.
	Len() int
	// Input returns the input column of image i.
	Input(i int) string
	// Label returns the true class name of image i; hasLabels tells
	// whether the source has labels at all.
	Label(i int) string
	hasLabels() bool
	// Fill writes image i into dst as the model's input values.
	Fill(i int, dst []float32) error
}

// model is what a source needs to know of the model.
type model struct {
	shape      []int // one example, e.g. [28 28 1]
	pixelInput bool  // true: levels 0..255; false: raw values
}

// openSource resolves spec (a file, a folder, or NAME[:DIR]) and checks
// every image against the model. Errors name the file, folder or dataset and
// the values.
func openSource(spec string, m model) (source, error) {
	if fi, err := os.Stat(spec); err == nil {
		if !m.pixelInput {
			return nil, fmt.Errorf("--images %s: the model takes raw values (it was exported without image normalisation), not image files", spec)
		}
		if len(m.shape) != 3 || (m.shape[2] != 1 && m.shape[2] != 3) {
			return nil, fmt.Errorf("--images %s: the model's input shape %v is not an image (height, width, 1 or 3 channels)", spec, m.shape)
		}
		files := []string{spec}
		if fi.IsDir() {
			if files, err = listImages(spec); err != nil {
				return nil, err
			}
		}
		for _, f := range files {
			if err := checkImageSize(f, m.shape[1], m.shape[0]); err != nil {
				return nil, err
			}
		}
		return &fileSource{files: files, m: m}, nil
	}
	name, dir, _ := strings.Cut(spec, ":")
	if !slices.Contains(loaders.Names, strings.ToLower(name)) {
		return nil, fmt.Errorf("--images %q: no such file or folder, and not a dataset NAME[:DIR] with NAME one of %s", spec, strings.Join(loaders.Names, ", "))
	}
	sp, err := loaders.Load(name, dir)
	if err != nil {
		return nil, fmt.Errorf("--images %s: %w", spec, err)
	}
	ds := sp.Test
	if !slices.Equal(ds.Shape, m.shape) {
		return nil, fmt.Errorf("--images %s: the dataset's images have shape %v, but the model takes %v", spec, ds.Shape, m.shape)
	}
	if ds.Len() == 0 {
		return nil, fmt.Errorf("--images %s: the test split is empty", spec)
	}
	return &datasetSource{spec: spec, ds: ds, classes: sp.ClassNames, m: m}, nil
}

// listImages returns the PNG/JPEG files directly in dir, sorted by name.
func listImages(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries { // ReadDir sorts by name
		if !e.IsDir() && loaders.IsImageName(e.Name()) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--images %s: empty folder: no .png, .jpg or .jpeg files in it (subfolders are not searched)", dir)
	}
	return out, nil
}

type fileSource struct {
	files []string
	m     model
}

func (s *fileSource) Len() int           { return len(s.files) }
func (s *fileSource) Input(i int) string { return s.files[i] }
func (s *fileSource) Label(int) string   { return "" }
func (s *fileSource) hasLabels() bool    { return false }
func (s *fileSource) Fill(i int, dst []float32) error {
	return decodeFile(s.files[i], s.m.shape[1], s.m.shape[0], s.m.shape[2], dst)
}

type datasetSource struct {
	spec    string
	ds      *dataset.Dataset
	classes []string
	m       model
	buf     []float32
}

func (s *datasetSource) Len() int           { return s.ds.Len() }
func (s *datasetSource) Input(i int) string { return strconv.Itoa(i) }
func (s *datasetSource) hasLabels() bool    { return true }
func (s *datasetSource) Label(i int) string {
	l := int(s.ds.Labels[i])
	if l < len(s.classes) {
		return s.classes[l]
	}
	return strconv.Itoa(l)
}

// Fill copies example i; for a model of pixel input, the dataset's values
// v/255 become the levels v again (the loaders store float32(v)/255).
func (s *datasetSource) Fill(i int, dst []float32) error {
	s.buf = s.ds.AppendFloat32s(s.buf[:0], i, i+1)
	if !s.m.pixelInput {
		copy(dst, s.buf)
		return nil
	}
	for k, x := range s.buf {
		v := math.Round(float64(x) * 255)
		if v < 0 || v > 255 || math.Abs(float64(x)*255-v) > 1e-3 {
			return fmt.Errorf("--images %s: example %d value %d is %v, not a pixel level v/255", s.spec, i, k, x)
		}
		dst[k] = float32(v)
	}
	return nil
}

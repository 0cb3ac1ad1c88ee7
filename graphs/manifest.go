package graphs

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// TensorSpec describes one signature input or output as the manifest records
// it. Shape nil means unknown rank; -1 marks an unknown dimension.
type TensorSpec struct {
	Name  string  `json:"name"`
	DType string  `json:"dtype"`
	Shape []int64 `json:"shape"`
}

// SignatureSpec lists a signature's inputs and outputs by argument name.
type SignatureSpec struct {
	Inputs  map[string]TensorSpec `json:"inputs"`
	Outputs map[string]TensorSpec `json:"outputs"`
}

// ParamSpec is one trainable tensor, in the order get_params concatenates them.
type ParamSpec struct {
	Name  string  `json:"name"`
	Shape []int   `json:"shape"`
	Init  string  `json:"init"`
	Scale float64 `json:"scale"`
}

// Manifest is manifest.json beside a SavedModel.
type Manifest struct {
	Format     int                      `json:"format"`
	Model      string                   `json:"model"`
	InputShape []int                    `json:"input_shape"`
	NumClasses int                      `json:"num_classes"`
	ParamCount int                      `json:"param_count"`
	Params     []ParamSpec              `json:"params"`
	Options    map[string]any           `json:"options"`
	TFVersion  string                   `json:"tf_version"`
	Tag        string                   `json:"tag"`
	Signatures map[string]SignatureSpec `json:"signatures"`
}

// ReadManifest reads and checks dir/manifest.json. Errors name the file and
// the field at fault.
func ReadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model folder %s: %w", dir, err)
	}
	return ParseManifest(path, data)
}

// ParseManifest decodes and checks manifest bytes; path is used in errors.
func ParseManifest(path string, data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("%s: format is %d, want %d", path, m.Format, ManifestFormat)
	}
	if m.Model == "" {
		return nil, fmt.Errorf("%s: model is empty", path)
	}
	if len(m.InputShape) == 0 {
		return nil, fmt.Errorf("%s: input_shape is empty", path)
	}
	size := 1
	for i, d := range m.InputShape {
		if d <= 0 {
			return nil, fmt.Errorf("%s: input_shape[%d] is %d, want > 0", path, i, d)
		}
		if size > math.MaxInt/d {
			return nil, fmt.Errorf("%s: input_shape %v has too many values", path, m.InputShape)
		}
		size *= d
	}
	if m.NumClasses < 2 {
		return nil, fmt.Errorf("%s: num_classes is %d, want >= 2", path, m.NumClasses)
	}
	n := 0
	for _, p := range m.Params {
		k := 1
		for _, d := range p.Shape {
			if d <= 0 {
				return nil, fmt.Errorf("%s: param %q has shape %v", path, p.Name, p.Shape)
			}
			if k > math.MaxInt/d {
				return nil, fmt.Errorf("%s: param %q has shape %v: too many values", path, p.Name, p.Shape)
			}
			k *= d
		}
		if n > math.MaxInt-k {
			return nil, fmt.Errorf("%s: params add up to more than %d values", path, math.MaxInt)
		}
		n += k
	}
	if n != m.ParamCount {
		return nil, fmt.Errorf("%s: param_count is %d but params add up to %d", path, m.ParamCount, n)
	}
	if m.Tag == "" {
		m.Tag = Tag
	}
	return &m, nil
}

// ExampleSize is the number of float32 values in one input example.
func (m *Manifest) ExampleSize() int {
	n := 1
	for _, d := range m.InputShape {
		n *= d
	}
	return n
}

// ParamOffset returns the offset and size in the get_params vector of the
// parameter named name, or ok false if there is none.
func (m *Manifest) ParamOffset(name string) (offset, size int, ok bool) {
	for _, p := range m.Params {
		k := 1
		for _, d := range p.Shape {
			k *= d
		}
		if p.Name == name {
			return offset, k, true
		}
		offset += k
	}
	return 0, 0, false
}

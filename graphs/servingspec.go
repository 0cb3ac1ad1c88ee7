package graphs

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// Names of the serving template and of exported serving models; mirrored
// from python_export/serving.py (change both together).
const (
	// ServingTemplateDir is the folder, inside a training model folder, that
	// holds the serving template SavedModel and ServingSpecFile.
	ServingTemplateDir = "serving"
	// ServingSpecFile lists the template's checkpoint entries and their sources.
	ServingSpecFile   = "serving.json"
	ServingSpecFormat = 1
	// ServingSignature is the only signature of a serving model.
	ServingSignature = "serving_default"
	// ServingInput is the images input of ServingSignature: float32
	// [batch] + input shape, pixel levels in [0,255] (raw values when the
	// divisor is 1).
	ServingInput = "images"
	// OutProbabilities is the softmax of OutLogits.
	OutProbabilities = "probabilities"
	// ClassNamesAsset is the asset file (in assets/) with one class name per line.
	ClassNamesAsset = "class_names.txt"
	// ObjectGraphKey is the checkpoint entry of TensorFlow's object graph.
	ObjectGraphKey = "_CHECKPOINTABLE_OBJECT_GRAPH"

	// Sources of the template variables that hold the input normalisation:
	// x = (images / divisor - mean) / std, per channel (last axis).
	SourceDivisor = "input/divisor"
	SourceMean    = "input/mean"
	SourceStd     = "input/std"

	// ExportInfoFile is the description of an exported serving model,
	// relative to its folder (assets.extra/ is the SavedModel folder for
	// files the graph does not use).
	ExportInfoFile   = "assets.extra/export.json"
	ExportInfoFormat = 1
)

// ServingVariable is one checkpoint entry of a serving template: its
// object-based key, dtype and shape, and the source of its value (a key of
// the training checkpoint, or SourceDivisor, SourceMean, SourceStd).
type ServingVariable struct {
	Key    string `json:"key"`
	Source string `json:"source"`
	DType  string `json:"dtype"`
	Shape  []int  `json:"shape"`
}

// ServingTemplate is serving.json of a serving template (see
// python_export/serving.py).
type ServingTemplate struct {
	Format          int               `json:"format"`
	Model           string            `json:"model"`
	InputShape      []int             `json:"input_shape"`
	NumClasses      int               `json:"num_classes"`
	Signature       string            `json:"signature"`
	Input           string            `json:"input"`
	Outputs         []string          `json:"outputs"`
	ClassNamesAsset string            `json:"class_names_asset"`
	ObjectGraphKey  string            `json:"object_graph_key"`
	Variables       []ServingVariable `json:"variables"`

	dir string
}

// Dir returns the template folder.
func (t *ServingTemplate) Dir() string { return t.dir }

// ReadServingTemplate reads the serving template of the training model
// folder modelDir (modelDir/serving/serving.json) and checks it against
// modelDir's manifest and against the names above. Errors name the file, the
// field and the value; a missing template names the export command's
// python_export/export.py.
func ReadServingTemplate(modelDir string) (*ServingTemplate, error) {
	man, err := ReadManifest(modelDir)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(modelDir, ServingTemplateDir)
	path := filepath.Join(dir, ServingSpecFile)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("model folder %s: no serving template (%s is missing); re-export the model with python_export/export.py", modelDir, path)
	}
	if err != nil {
		return nil, fmt.Errorf("serving template %s: %w", path, err)
	}
	var t ServingTemplate
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("serving template %s: %w", path, err)
	}
	t.dir = dir
	bad := func(field string, got, want any) error {
		return fmt.Errorf("serving template %s: %s is %v, want %v", path, field, got, want)
	}
	switch {
	case t.Format != ServingSpecFormat:
		return nil, bad("format", t.Format, ServingSpecFormat)
	case t.Model != man.Model:
		return nil, bad("model", t.Model, man.Model+" (manifest)")
	case !reflect.DeepEqual(t.InputShape, man.InputShape):
		return nil, bad("input_shape", t.InputShape, fmt.Sprint(man.InputShape)+" (manifest)")
	case t.NumClasses != man.NumClasses:
		return nil, bad("num_classes", t.NumClasses, fmt.Sprint(man.NumClasses)+" (manifest)")
	case t.Signature != ServingSignature:
		return nil, bad("signature", t.Signature, ServingSignature)
	case t.Input != ServingInput:
		return nil, bad("input", t.Input, ServingInput)
	case !reflect.DeepEqual(t.Outputs, []string{OutLogits, OutProbabilities}):
		return nil, bad("outputs", t.Outputs, []string{OutLogits, OutProbabilities})
	case t.ClassNamesAsset != ClassNamesAsset:
		return nil, bad("class_names_asset", t.ClassNamesAsset, ClassNamesAsset)
	case t.ObjectGraphKey != ObjectGraphKey:
		return nil, bad("object_graph_key", t.ObjectGraphKey, ObjectGraphKey)
	}
	channels := t.InputShape[len(t.InputShape)-1]
	want := map[string][]int{SourceDivisor: {}, SourceMean: {channels}, SourceStd: {channels}}
	seenKey, seenSource := map[string]bool{}, map[string]bool{}
	for i, v := range t.Variables {
		field := fmt.Sprintf("variables[%d]", i)
		if v.Key == "" || seenKey[v.Key] || v.Key == ObjectGraphKey {
			return nil, bad(field+".key", fmt.Sprintf("%q", v.Key), "a unique checkpoint key")
		}
		if v.Source == "" || seenSource[v.Source] {
			return nil, bad(field+".source", fmt.Sprintf("%q", v.Source), "a unique source")
		}
		seenKey[v.Key], seenSource[v.Source] = true, true
		if v.DType != "float32" {
			return nil, bad(field+".dtype", v.DType, "float32")
		}
		if s, ok := want[v.Source]; ok && fmt.Sprint(v.Shape) != fmt.Sprint(s) {
			return nil, bad(field+".shape", v.Shape, s)
		}
		if _, ok := want[v.Source]; !ok && !strings.HasPrefix(v.Source, "param/") && !strings.HasPrefix(v.Source, "state/") {
			return nil, bad(field+".source", fmt.Sprintf("%q", v.Source), "param/<name>, state/<name> or input/...")
		}
	}
	for s := range want {
		if !seenSource[s] {
			return nil, fmt.Errorf("serving template %s: no variable with source %q", path, s)
		}
	}
	for _, p := range man.Params {
		if !seenSource["param/"+p.Name] {
			return nil, fmt.Errorf("serving template %s: no variable with source %q (parameter of the manifest)", path, "param/"+p.Name)
		}
	}
	return &t, nil
}

// ExportInfo is assets.extra/export.json of an exported serving model: what
// was exported from where, and how the graph prepares its input.
type ExportInfo struct {
	Format     int    `json:"format"`
	Model      string `json:"model"`
	InputShape []int  `json:"input_shape"`
	NumClasses int    `json:"num_classes"`
	// Divisor is 255 when the input is pixel levels in [0,255] (then Mean
	// and Std, one per channel, standardise v/255), 1 for raw inputs (Mean
	// 0 and Std 1).
	Divisor float32   `json:"divisor"`
	Mean    []float32 `json:"mean"`
	Std     []float32 `json:"std"`
	// ModelDir and Checkpoint are the training model folder and the
	// checkpoint prefix the weights came from (absolute paths).
	ModelDir   string `json:"model_dir"`
	Checkpoint string `json:"checkpoint"`
	TFVersion  string `json:"tf_version"`
}

// PixelInput reports whether the model takes pixel levels in [0,255]
// (Divisor 255) rather than raw values.
func (e *ExportInfo) PixelInput() bool { return e.Divisor == 255 }

// ReadExportInfo reads dir/assets.extra/export.json. Errors name the file,
// the field and the value.
func ReadExportInfo(dir string) (*ExportInfo, error) {
	path := filepath.Join(dir, ExportInfoFile)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("serving model %s: %s is missing: not a model written by export", dir, ExportInfoFile)
	}
	if err != nil {
		return nil, fmt.Errorf("serving model %s: %w", dir, err)
	}
	var e ExportInfo
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch {
	case e.Format != ExportInfoFormat:
		return nil, fmt.Errorf("%s: format is %d, want %d", path, e.Format, ExportInfoFormat)
	case len(e.InputShape) == 0:
		return nil, fmt.Errorf("%s: input_shape is empty", path)
	case e.NumClasses < 2:
		return nil, fmt.Errorf("%s: num_classes is %d, want >= 2", path, e.NumClasses)
	case e.Divisor != 1 && e.Divisor != 255:
		return nil, fmt.Errorf("%s: divisor is %v, want 1 or 255", path, e.Divisor)
	}
	for i, d := range e.InputShape {
		if d <= 0 {
			return nil, fmt.Errorf("%s: input_shape[%d] is %d, want > 0", path, i, d)
		}
	}
	if c := e.InputShape[len(e.InputShape)-1]; len(e.Mean) != c || len(e.Std) != c {
		return nil, fmt.Errorf("%s: %d mean and %d std values, want %d (channels)", path, len(e.Mean), len(e.Std), c)
	}
	return &e, nil
}

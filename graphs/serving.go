package graphs

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/useful-pipeline/useful-pipeline/internal/tfenv"
)

// Serving is a loaded serving model (written by Export): its
// serving_default signature, class names and export description. It is not
// safe for concurrent use; Close releases the session.
type Serving struct {
	dir     string
	info    *ExportInfo
	classes []string
	sm      *tf.SavedModel
	input   tf.Output
	outputs []tf.Output // logits, probabilities
	in      inputs
}

// LoadServing loads the serving model in dir (a version folder holding
// saved_model.pb) and checks its signature serving_default against
// assets.extra/export.json: input images float32 [-1]+input shape, outputs
// logits and probabilities float32 [-1, classes], and one class name per
// class in assets/class_names.txt. cfg nil means default threads. Errors name
// the folder or file, what was expected and what was found.
func LoadServing(dir string, cfg *Config) (*Serving, error) {
	info, err := ReadExportInfo(dir)
	if err != nil {
		return nil, err
	}
	classes, err := readClassNames(filepath.Join(dir, "assets", ClassNamesAsset), info.NumClasses)
	if err != nil {
		return nil, err
	}
	tfenv.Apply()
	opts, err := cfg.withDefaults().sessionOptions()
	if err != nil {
		return nil, err
	}
	var sm *tf.SavedModel
	firstRunQuiet(func() { sm, err = tf.LoadSavedModel(dir, []string{Tag}, opts) })
	if err != nil {
		return nil, fmt.Errorf("serving model %s: load SavedModel: %w", dir, err)
	}
	s := &Serving{dir: dir, info: info, classes: classes, sm: sm}
	if err := s.bind(); err != nil {
		sm.Session.Close()
		return nil, err
	}
	return s, nil
}

func (s *Serving) bind() error {
	sig, ok := s.sm.Signatures[ServingSignature]
	if !ok {
		return fmt.Errorf("serving model %s: signature %q: expected in saved_model.pb, found signatures %v", s.dir, ServingSignature, sortedKeys(s.sm.Signatures))
	}
	check := func(kind, name string, info tf.TensorInfo, ok bool, want []int64) (tf.Output, error) {
		if !ok {
			return tf.Output{}, fmt.Errorf("serving model %s: signature %q: expected %s %q, found inputs %v and outputs %v", s.dir, ServingSignature, kind, name, sortedKeys(sig.Inputs), sortedKeys(sig.Outputs))
		}
		if info.DType != tf.Float {
			return tf.Output{}, fmt.Errorf("serving model %s: signature %q %s %q: expected float32, found %s", s.dir, ServingSignature, kind, name, dtypeName(info.DType))
		}
		if got := shapeOf(info.Shape); !reflect.DeepEqual(got, want) {
			return tf.Output{}, fmt.Errorf("serving model %s: signature %q %s %q: expected shape %v (%s), found %v", s.dir, ServingSignature, kind, name, want, ExportInfoFile, got)
		}
		return s.output(info.Name)
	}
	in, ok := sig.Inputs[ServingInput]
	var err error
	if s.input, err = check("input", ServingInput, in, ok && len(sig.Inputs) == 1, append([]int64{-1}, intsTo64(s.info.InputShape)...)); err != nil {
		return err
	}
	for _, key := range []string{OutLogits, OutProbabilities} {
		info, ok := sig.Outputs[key]
		o, err := check("output", key, info, ok, []int64{-1, int64(s.info.NumClasses)})
		if err != nil {
			return err
		}
		s.outputs = append(s.outputs, o)
	}
	return nil
}

// output resolves "op:index" through the graph.
func (s *Serving) output(name string) (tf.Output, error) {
	opName, idx := name, 0
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		n, err := strconv.Atoi(name[i+1:])
		if err != nil {
			return tf.Output{}, fmt.Errorf("serving model %s: tensor name %q: bad output index", s.dir, name)
		}
		opName, idx = name[:i], n
	}
	o := s.sm.Graph.Operation(opName)
	if o == nil || idx >= o.NumOutputs() {
		return tf.Output{}, fmt.Errorf("serving model %s: tensor %q is not in the graph", s.dir, name)
	}
	return o.Output(idx), nil
}

// readClassNames reads one name per line (a final newline is optional);
// there must be n non-empty names.
func readClassNames(path string, n int) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("serving model: class names: %w", err)
	}
	names := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(names) != n {
		return nil, fmt.Errorf("%s: %d class names, want %d (num_classes)", path, len(names), n)
	}
	for i, s := range names {
		if s == "" {
			return nil, fmt.Errorf("%s: line %d: empty class name", path, i+1)
		}
	}
	return names, nil
}

// Predict runs serving_default on n examples (images flat, n*ExampleSize
// values: pixel levels in [0,255], or raw values when Info().Divisor is 1)
// and returns their logits and probabilities (n*NumClasses values each). It
// panics if len(images) != n*ExampleSize or n <= 0.
func (s *Serving) Predict(images []float32, n int) (logits, probs []float32, err error) {
	if s.sm == nil {
		panic("graphs: serving model used after Close")
	}
	size := 1
	for _, d := range s.info.InputShape {
		size *= d
	}
	if n <= 0 || len(images) != n*size {
		panic(fmt.Sprintf("graphs: serving predict: %d image values for n=%d examples of size %d", len(images), n, size))
	}
	shape := append([]int64{int64(n)}, intsTo64(s.info.InputShape)...)
	x, err := s.in.float32s(ServingSignature, ServingInput, shape, images)
	if err != nil {
		return nil, nil, err
	}
	res, err := s.sm.Session.Run(map[tf.Output]*tf.Tensor{s.input: x}, s.outputs, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("serving model %s: %s: %w", s.dir, ServingSignature, err)
	}
	defer releaseAll(res)
	logits = append([]float32(nil), rawFloat32(res[0])...)
	probs = append([]float32(nil), rawFloat32(res[1])...)
	return logits, probs, nil
}

// ClassNames returns the class names, indexed by class (do not modify).
func (s *Serving) ClassNames() []string { return s.classes }

// InputShape returns the shape of one example, e.g. [28 28 1] (do not modify).
func (s *Serving) InputShape() []int { return s.info.InputShape }

// Info returns the export description (do not modify).
func (s *Serving) Info() *ExportInfo { return s.info }

// Dir returns the model folder.
func (s *Serving) Dir() string { return s.dir }

// Close releases the session and the cached input tensors. The Serving must
// not be used afterwards.
func (s *Serving) Close() error {
	if s.sm == nil {
		return nil
	}
	s.in.releaseAll()
	err := s.sm.Session.Close()
	s.sm = nil
	return err
}

// ResolveServingDir returns path if it holds saved_model.pb, else the
// highest-numbered version folder in path that holds one (as TF Serving
// picks the latest version of a model). The error names path.
func ResolveServingDir(path string) (string, error) {
	if _, err := os.Stat(filepath.Join(path, "saved_model.pb")); err == nil {
		return path, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return "", fmt.Errorf("serving model %s: %w", path, err)
	}
	var versions []int
	for _, e := range entries {
		v, err := strconv.Atoi(e.Name())
		if err != nil || v <= 0 || !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(path, e.Name(), "saved_model.pb")); err == nil {
			versions = append(versions, v)
		}
	}
	if len(versions) == 0 {
		return "", fmt.Errorf("serving model %s: no saved_model.pb in it nor in a numbered version folder", path)
	}
	sort.Ints(versions)
	return filepath.Join(path, strconv.Itoa(versions[len(versions)-1])), nil
}

package graphs

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/useful-pipeline/useful-pipeline/internal/tfenv"
)

// Model is a loaded SavedModel with its manifest. Methods are not safe for
// concurrent use. Close releases the session; a Model must stay referenced
// while it is used (graft closes the session when the SavedModel is
// collected).
type Model struct {
	dir      string
	manifest *Manifest
	sm       *tf.SavedModel
	sigs     map[string]*boundSig
	in       inputs
}

// boundSig resolves a signature's tensors to graph outputs once.
type boundSig struct {
	name    string
	inputs  map[string]tf.Output
	outputs []tf.Output // in contract order
	keys    []string
	feeds   map[tf.Output]*tf.Tensor
}

// Load loads the SavedModel in dir, reads dir/manifest.json and checks that
// the model exports every signature of the contract with the tensors the
// manifest lists. cfg nil means default threads (see Config). Errors name the
// folder, the signature, what was expected and what was found.
func Load(dir string, cfg *Config) (*Model, error) {
	man, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if err := checkManifestContract(dir, man); err != nil {
		return nil, err
	}
	tfenv.Apply()
	opts, err := cfg.withDefaults().sessionOptions()
	if err != nil {
		return nil, err
	}
	var sm *tf.SavedModel
	firstRunQuiet(func() { sm, err = tf.LoadSavedModel(dir, []string{man.Tag}, opts) })
	if err != nil {
		return nil, fmt.Errorf("model folder %s: load SavedModel: %w", dir, err)
	}
	m := &Model{dir: dir, manifest: man, sm: sm, sigs: map[string]*boundSig{}}
	for _, name := range sortedKeys(contract) {
		b, err := m.bind(name)
		if err != nil {
			sm.Session.Close()
			return nil, err
		}
		m.sigs[name] = b
	}
	return m, nil
}

// checkManifestContract checks the manifest's signature table against the
// contract before TensorFlow is touched.
func checkManifestContract(dir string, man *Manifest) error {
	for _, name := range sortedKeys(contract) {
		want := contract[name]
		got, ok := man.Signatures[name]
		if !ok {
			return fmt.Errorf("model folder %s: signature %q: expected in %s, found signatures %v", dir, name, ManifestFile, sortedKeys(man.Signatures))
		}
		if g, w := sortedKeys(got.Inputs), sorted(want.inputs); !reflect.DeepEqual(g, w) {
			return fmt.Errorf("model folder %s: signature %q: expected inputs %v, found %v", dir, name, w, g)
		}
		if g, w := sortedKeys(got.Outputs), sorted(want.outputs); !reflect.DeepEqual(g, w) {
			return fmt.Errorf("model folder %s: signature %q: expected outputs %v, found %v", dir, name, w, g)
		}
	}
	img := man.Signatures[SigTrainSGD].Inputs[ArgImages]
	want := append([]int64{-1}, intsTo64(man.InputShape)...)
	if !reflect.DeepEqual(img.Shape, want) {
		return fmt.Errorf("model folder %s: signature %q input %q: expected shape %v (input_shape %v), found %v", dir, SigTrainSGD, ArgImages, want, man.InputShape, img.Shape)
	}
	for _, sig := range []string{SigTrainSGDSoft, SigTrainSAMSoft, SigTrainASAMSoft} {
		got := man.Signatures[sig].Inputs[ArgTargets].Shape
		if want := []int64{-1, int64(man.NumClasses)}; !reflect.DeepEqual(got, want) {
			return fmt.Errorf("model folder %s: signature %q input %q: expected shape %v (num_classes %d), found %v", dir, sig, ArgTargets, want, man.NumClasses, got)
		}
	}
	return nil
}

// bind resolves one signature of the loaded graph and checks it against the
// manifest.
func (m *Model) bind(name string) (*boundSig, error) {
	sig, ok := m.sm.Signatures[name]
	if !ok {
		return nil, fmt.Errorf("model folder %s: signature %q: expected in saved_model.pb, found signatures %v", m.dir, name, sortedKeys(m.sm.Signatures))
	}
	spec := m.manifest.Signatures[name]
	c := contract[name]
	b := &boundSig{name: name, inputs: map[string]tf.Output{}, keys: c.outputs, feeds: map[tf.Output]*tf.Tensor{}}
	check := func(kind, arg string, info tf.TensorInfo, want TensorSpec) (tf.Output, error) {
		if info.Name != want.Name {
			return tf.Output{}, fmt.Errorf("model folder %s: signature %q %s %q: manifest says tensor %q, SavedModel has %q", m.dir, name, kind, arg, want.Name, info.Name)
		}
		if got := dtypeName(info.DType); got != want.DType {
			return tf.Output{}, fmt.Errorf("model folder %s: signature %q %s %q: manifest says dtype %s, SavedModel has %s", m.dir, name, kind, arg, want.DType, got)
		}
		if got := shapeOf(info.Shape); !reflect.DeepEqual(got, want.Shape) {
			return tf.Output{}, fmt.Errorf("model folder %s: signature %q %s %q: manifest says shape %v, SavedModel has %v", m.dir, name, kind, arg, want.Shape, got)
		}
		return m.output(info.Name)
	}
	if g, w := sortedKeys(sig.Inputs), sorted(c.inputs); !reflect.DeepEqual(g, w) {
		return nil, fmt.Errorf("model folder %s: signature %q: expected inputs %v, found %v in saved_model.pb", m.dir, name, w, g)
	}
	for _, arg := range c.inputs {
		o, err := check("input", arg, sig.Inputs[arg], spec.Inputs[arg])
		if err != nil {
			return nil, err
		}
		b.inputs[arg] = o
	}
	for _, key := range c.outputs {
		info, ok := sig.Outputs[key]
		if !ok {
			return nil, fmt.Errorf("model folder %s: signature %q: expected output %q, found %v in saved_model.pb", m.dir, name, key, sortedKeys(sig.Outputs))
		}
		o, err := check("output", key, info, spec.Outputs[key])
		if err != nil {
			return nil, err
		}
		b.outputs = append(b.outputs, o)
	}
	return b, nil
}

// output resolves "op:index" through the graph.
func (m *Model) output(name string) (tf.Output, error) {
	op, idx := name, 0
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		n, err := strconv.Atoi(name[i+1:])
		if err != nil {
			return tf.Output{}, fmt.Errorf("model folder %s: tensor name %q: bad output index", m.dir, name)
		}
		op, idx = name[:i], n
	}
	o := m.sm.Graph.Operation(op)
	if o == nil {
		return tf.Output{}, fmt.Errorf("model folder %s: tensor %q: no operation %q in the graph", m.dir, name, op)
	}
	if idx >= o.NumOutputs() {
		return tf.Output{}, fmt.Errorf("model folder %s: tensor %q: operation has %d outputs", m.dir, name, o.NumOutputs())
	}
	return o.Output(idx), nil
}

// run feeds the given tensors to a signature and returns its outputs in
// contract order. The caller releases the returned tensors.
func (m *Model) run(sig string, feeds map[string]*tf.Tensor) ([]*tf.Tensor, error) {
	if m.sm == nil {
		panic("graphs: model used after Close")
	}
	b := m.sigs[sig]
	clear(b.feeds)
	for arg, t := range feeds {
		b.feeds[b.inputs[arg]] = t
	}
	var out []*tf.Tensor
	var err error
	firstRunQuiet(func() { out, err = m.sm.Session.Run(b.feeds, b.outputs, nil) })
	if err != nil {
		return nil, fmt.Errorf("model %s: %s: %w", m.manifest.Model, sig, err)
	}
	return out, nil
}

// Manifest returns the model's manifest (do not modify it).
func (m *Model) Manifest() *Manifest { return m.manifest }

// Dir returns the model folder.
func (m *Model) Dir() string { return m.dir }

// Close releases the session and the cached input tensors. The Model must
// not be used afterwards.
func (m *Model) Close() error {
	if m.sm == nil {
		return nil
	}
	m.in.releaseAll()
	err := m.sm.Session.Close()
	m.sm = nil
	return err
}

// CheckData returns an error if examples of shape exampleShape with
// numClasses classes cannot be fed to the model; it names the model folder
// and both values.
func (m *Model) CheckData(exampleShape []int, numClasses int) error {
	if !reflect.DeepEqual(exampleShape, m.manifest.InputShape) {
		return fmt.Errorf("model folder %s: input shape %v, but the data has examples of shape %v", m.dir, m.manifest.InputShape, exampleShape)
	}
	if numClasses != m.manifest.NumClasses {
		return fmt.Errorf("model folder %s: %d classes, but the data has %d", m.dir, m.manifest.NumClasses, numClasses)
	}
	return nil
}

func dtypeName(dt tf.DataType) string {
	switch dt {
	case tf.Float:
		return "float32"
	case tf.Double:
		return "float64"
	case tf.Int32:
		return "int32"
	case tf.Int64:
		return "int64"
	case tf.String:
		return "string"
	case tf.Bool:
		return "bool"
	}
	return fmt.Sprintf("dtype(%d)", int(dt))
}

func shapeOf(s tf.Shape) []int64 {
	if s.NumDimensions() < 0 {
		return nil
	}
	out, err := s.ToSlice()
	if err != nil || out == nil {
		return []int64{}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func intsTo64(s []int) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[i] = int64(v)
	}
	return out
}

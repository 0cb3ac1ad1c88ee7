package graphs

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"
)

// repoRoot is the repository root (the folder holding .venv and models/).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

// venvTool returns the path of a program of the project's Python venv.
func venvTool(t testing.TB, name string) string {
	p := filepath.Join(repoRoot(), ".venv", "bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is missing (run `make setup`): %v", p, err)
	}
	return p
}

// exportFixture is a model trained for a few steps, its checkpoint, and
// test images as pixel levels (or raw values for toy data) with the same
// images normalised as the Go sampler does.
type exportFixture struct {
	m          *Model
	ckpt       string
	norm       *Normalization
	raw, input []float32 // raw: what serving_default takes; input: what evaluate takes
	n          int
}

func newExportFixture(t *testing.T, name string) *exportFixture {
	m := load(t, name)
	man := m.Manifest()
	if err := m.Reset(11); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	size, c := man.ExampleSize(), man.InputShape[len(man.InputShape)-1]
	f := &exportFixture{m: m, n: 12}
	if !strings.HasPrefix(name, "toy_cnn") {
		f.norm = &Normalization{Mean: make([]float32, c), Std: make([]float32, c)}
		for k := range c {
			f.norm.Mean[k], f.norm.Std[k] = 0.2860+0.01*float32(k), 0.3530-0.02*float32(k)
		}
	}
	// images returns n examples: uint8 levels (image models) or N(0,1)
	// values (toy), and the values the training graph takes.
	images := func(n int) (raw, input []float32) {
		raw, input = make([]float32, n*size), make([]float32, n*size)
		for i := range raw {
			if f.norm == nil {
				raw[i] = float32(rng.NormFloat64())
				input[i] = raw[i]
				continue
			}
			raw[i] = float32(rng.IntN(256))
			x := raw[i] / 255 // the loaders' float32(v)/255
			input[i] = (x - f.norm.Mean[i%c]) / f.norm.Std[i%c]
		}
		return raw, input
	}
	for step := range 3 {
		_, x := images(16)
		b := &Batch{Images: x, Labels: make([]int32, 16), Weights: make([]float32, 16), N: 16}
		for i := range b.Labels {
			b.Labels[i], b.Weights[i] = int32(rng.IntN(man.NumClasses)), 1
		}
		if _, err := m.TrainSGD(b, Hyper{LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4, Seed: int64(step)}); err != nil {
			t.Fatal(err)
		}
	}
	f.ckpt = filepath.Join(t.TempDir(), "ckpt", "w")
	if err := m.Save(f.ckpt); err != nil {
		t.Fatal(err)
	}
	f.raw, f.input = images(f.n)
	return f
}

func (f *exportFixture) config(out string) ExportConfig {
	return ExportConfig{ModelDir: f.m.Dir(), Checkpoint: f.ckpt, Normalization: f.norm, OutDir: out}
}

func writeF32(t *testing.T, path string, v []float32) {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readF32(t *testing.T, path string) []float32 {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// softmax64 is the softmax of each row of logits in float64.
func softmax64(logits []float32, classes int) []float64 {
	out := make([]float64, len(logits))
	for r := 0; r < len(logits); r += classes {
		m := math.Inf(-1)
		for _, v := range logits[r : r+classes] {
			m = math.Max(m, float64(v))
		}
		sum := 0.0
		for k, v := range logits[r : r+classes] {
			out[r+k] = math.Exp(float64(v) - m)
			sum += out[r+k]
		}
		for k := range classes {
			out[r+k] /= sum
		}
	}
	return out
}

// TestExportMatchesEvaluate exports briefly trained models and checks that
// their serving_default, run from Go and from TensorFlow Python
// (tf.saved_model.load), gives the training model's evaluate logits (from Go
// and from Python) on the same inputs normalised by Go, and that
// saved_model_cli lists no other signature.
func TestExportMatchesEvaluate(t *testing.T) {
	type job struct {
		Serving string `json:"serving"`
		Raw     string `json:"raw"`
		N       int    `json:"n"`
		Out     string `json:"out"`
		Train   string `json:"train"`
		Ckpt    string `json:"ckpt"`
		Norm    string `json:"norm"`

		name          string
		logits, probs []float32 // from Go
	}
	var jobs []*job
	for _, name := range testModels {
		func() { // one model; temporary folders live until the Python check below
			f := newExportFixture(t, name)
			classes := f.m.Manifest().NumClasses
			names := make([]string, classes)
			for k := range names {
				names[k] = "class " + string(rune('A'+k))
			}
			cfg := f.config(t.TempDir())
			cfg.ClassNames = names
			dir, err := Export(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(cfg.OutDir, "1"); dir != want {
				t.Fatalf("%s: Export wrote %s, want %s", name, dir, want)
			}
			ev, err := f.m.Evaluate(f.input, make([]int32, f.n), f.n, nil)
			if err != nil {
				t.Fatal(err)
			}
			s, err := LoadServing(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if !slices.Equal(s.ClassNames(), names) || !slices.Equal(s.InputShape(), f.m.Manifest().InputShape) {
				t.Fatalf("%s: LoadServing: classes %q shape %v, want %q %v", name, s.ClassNames(), s.InputShape(), names, f.m.Manifest().InputShape)
			}
			logits, probs, err := s.Predict(f.raw, f.n)
			if err != nil {
				t.Fatal(err)
			}
			d := maxAbsDiff(logits, ev.Logits)
			t.Logf("%s: Go: max |serving logits - evaluate logits| = %.3g (largest |logit| %.3g)", name, d, maxAbs(ev.Logits))
			if d > 1e-6*math.Max(1, maxAbs(ev.Logits)) {
				t.Errorf("%s: Go serving logits differ from evaluate's by %g", name, d)
			}
			if d := maxAbsDiff64(probs, softmax64(ev.Logits, classes)); d > 1e-6 {
				t.Errorf("%s: probabilities differ from the float64 softmax of evaluate's logits by %g", name, d)
			}
			checkSavedModelCLI(t, dir)
			j := &job{Serving: dir, N: f.n, Out: t.TempDir(), Train: f.m.Dir(), Ckpt: f.ckpt, name: name, logits: logits, probs: probs}
			j.Raw, j.Norm = filepath.Join(j.Out, "raw.f32"), filepath.Join(j.Out, "norm.f32")
			writeF32(t, j.Raw, f.raw)
			writeF32(t, j.Norm, f.input)
			jobs = append(jobs, j)
		}()
	}
	if t.Failed() {
		return
	}
	// TensorFlow Python on the same folders, in one process.
	data, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(t.TempDir(), "jobs.json")
	if err := os.WriteFile(list, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(venvTool(t, "python"), filepath.Join("testdata", "serving_check.py"), list).CombinedOutput(); err != nil {
		t.Fatalf("serving_check.py: %v\n%s", err, out)
	}
	for _, j := range jobs {
		pyLogits, pyProbs := readF32(t, filepath.Join(j.Out, "serving_logits.f32")), readF32(t, filepath.Join(j.Out, "serving_probs.f32"))
		pyEval := readF32(t, filepath.Join(j.Out, "eval_logits.f32"))
		dPy, dGo, dProb := maxAbsDiff(pyLogits, pyEval), maxAbsDiff(pyLogits, j.logits), maxAbsDiff(pyProbs, j.probs)
		t.Logf("%s: Python: max |serving logits - evaluate logits| = %.3g; |Python - Go|: logits %.3g, probabilities %.3g", j.name, dPy, dGo, dProb)
		if tol := 1e-6 * math.Max(1, maxAbs(pyEval)); dPy > tol || dGo > tol || dProb > 1e-6 {
			t.Errorf("%s: Python serving_default disagrees: vs evaluate %g, vs Go logits %g, probabilities %g", j.name, dPy, dGo, dProb)
		}
		var check struct {
			Signatures []string `json:"signatures"`
			Asset      string   `json:"class_names_asset"`
		}
		data, err := os.ReadFile(filepath.Join(j.Out, "check.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &check); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(check.Signatures, []string{ServingSignature}) || check.Asset != ClassNamesAsset {
			t.Errorf("%s: tf.saved_model.load: signatures %v, asset %q; want [%s], %s", j.name, check.Signatures, check.Asset, ServingSignature, ClassNamesAsset)
		}
	}
}

// checkSavedModelCLI runs `saved_model_cli show --all` on dir and checks
// that the only signatures are serving_default and the NoOp init entry that
// every TF2 SavedModel carries, and that no other function is listed.
func checkSavedModelCLI(t *testing.T, dir string) {
	out, err := exec.Command(venvTool(t, "saved_model_cli"), "show", "--all", "--dir", dir).Output()
	if err != nil {
		t.Fatalf("saved_model_cli: %v", err)
	}
	text := string(out)
	var sigs []string
	for _, m := range regexp.MustCompile(`signature_def\['([^']+)'\]`).FindAllStringSubmatch(text, -1) {
		sigs = append(sigs, m[1])
	}
	if !slices.Equal(sigs, []string{"__saved_model_init_op", ServingSignature}) {
		t.Errorf("saved_model_cli lists signatures %v, want [__saved_model_init_op %s]", sigs, ServingSignature)
	}
	initOp := strings.Split(text, "signature_def['"+ServingSignature+"']")[0]
	if !strings.Contains(initOp, "name: NoOp") {
		t.Errorf("__saved_model_init_op is not a NoOp:\n%s", initOp)
	}
	parts := strings.Split(text, "Concrete Functions:")
	if len(parts) != 2 || strings.TrimSpace(parts[1]) != "" {
		t.Errorf("saved_model_cli lists functions besides the signature:\n%s", text)
	}
	for _, w := range []string{"inputs['images']", "outputs['logits']", "outputs['probabilities']"} {
		if !strings.Contains(text, w) {
			t.Errorf("saved_model_cli output lacks %s:\n%s", w, text)
		}
	}
}

func maxAbs(v []float32) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	return m
}

func maxAbsDiff64(a []float32, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-b[i]))
	}
	return m
}

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// TestExportVersions checks the numbered layout: the next free version by
// default, an explicit version, and refusal of an existing one.
func TestExportVersions(t *testing.T) {
	f := newExportFixture(t, "mlp3-28x28x1-c10")
	out := t.TempDir()
	cfg := f.config(out)
	for _, want := range []string{"1", "2"} {
		dir, err := Export(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if dir != filepath.Join(out, want) {
			t.Fatalf("Export wrote %s, want version %s", dir, want)
		}
	}
	cfg.Version = 7
	if _, err := Export(cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Version = 2
	_, err := Export(cfg)
	if err == nil || !strings.Contains(err.Error(), "already holds version 2") || !strings.Contains(err.Error(), filepath.Join(out, "2")) {
		t.Fatalf("exporting over version 2: got %v", err)
	}
	if got := entries(t, out); !slices.Equal(got, []string{"1", "2", "7"}) {
		t.Fatalf("output folder holds %v, want [1 2 7]", got)
	}
	if got, err := ResolveServingDir(out); err != nil || got != filepath.Join(out, "7") {
		t.Fatalf("ResolveServingDir(%s) = %s, %v; want version 7", out, got, err)
	}
	if _, err := os.Stat(filepath.Join(out, "1", "fingerprint.pb")); !os.IsNotExist(err) {
		t.Errorf("fingerprint.pb of the template was copied (it hashes the template's variables): %v", err)
	}
}

// writeCheckpoint writes a checkpoint with the given float32 tensors (all
// ones) through SaveV2, for a checkpoint that disagrees with a model.
func writeCheckpoint(t *testing.T, prefix string, shapes map[string][]int64) {
	s := op.NewScope()
	c := func(v any) tf.Output { return op.Const(s.SubScope("c"), v) }
	var keys []string
	var values []tf.Output
	for k, shape := range shapes {
		keys = append(keys, k)
		values = append(values, op.Fill(s.SubScope("fill"), c(shape), c(float32(1))))
	}
	save := op.SaveV2(s, c(prefix), c(keys), c(make([]string, len(keys))), values)
	g, err := s.Finalize()
	if err != nil {
		t.Fatal(err)
	}
	sess, err := tf.NewSession(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if _, err := sess.Run(nil, nil, []*tf.Operation{save}); err != nil {
		t.Fatal(err)
	}
}

// TestExportBadInput checks that bad input is an error naming the path or
// field and the values, and that nothing is left in the output folder.
func TestExportBadInput(t *testing.T) {
	f := newExportFixture(t, "mlp3-28x28x1-c10")
	man := f.m.Manifest()
	tmp := t.TempDir()
	wrongShape := filepath.Join(tmp, "wrong", "w")
	shapes := map[string][]int64{}
	for _, p := range man.Params {
		shapes["param/"+p.Name] = intsTo64(p.Shape)
	}
	shapes["param/fc2/kernel"] = []int64{512, 256}
	writeCheckpoint(t, wrongShape, shapes)
	noTemplate := filepath.Join(tmp, "no-template")
	if err := os.MkdirAll(noTemplate, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(f.m.Dir(), ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(noTemplate, ManifestFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit func(*ExportConfig)
		want []string
	}{
		{"missing checkpoint", func(c *ExportConfig) { c.Checkpoint = filepath.Join(tmp, "nope", "w") }, []string{filepath.Join(tmp, "nope", "w"), "no such file"}},
		{"checkpoint of other shapes", func(c *ExportConfig) { c.Checkpoint = wrongShape }, []string{wrongShape, `"param/fc2/kernel"`, "[512 256]", "[512 512]"}},
		{"checkpoint of another model", func(c *ExportConfig) { c.ModelDir = modelDir(t, "cnn_bn-28x28x1-c10") }, []string{f.ckpt, "not found"}},
		{"no template", func(c *ExportConfig) { c.ModelDir = noTemplate }, []string{noTemplate, "serving.json", "export.py"}},
		{"channels", func(c *ExportConfig) {
			c.Normalization = &Normalization{Mean: []float32{0.5, 0.5, 0.5}, Std: []float32{1, 1, 1}}
		}, []string{"3 mean and 3 std", "1 channels", "[28 28 1]"}},
		{"zero std", func(c *ExportConfig) { c.Normalization = &Normalization{Mean: []float32{0.5}, Std: []float32{0}} }, []string{"std[0] is 0"}},
		{"NaN mean", func(c *ExportConfig) {
			c.Normalization = &Normalization{Mean: []float32{float32(math.NaN())}, Std: []float32{1}}
		}, []string{"mean[0] is NaN"}},
		{"class count", func(c *ExportConfig) { c.ClassNames = []string{"a", "b"} }, []string{"2 class names", "10 classes"}},
		{"class name", func(c *ExportConfig) {
			c.ClassNames = []string{"0", "1", "2", "3", "4", "5", "6", "7", "a\nb", "9"}
		}, []string{"class name 8", `"a\nb"`}},
		{"negative version", func(c *ExportConfig) { c.Version = -1 }, []string{"version is -1"}},
	}
	out := filepath.Join(tmp, "out")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := f.config(out)
			tc.edit(&cfg)
			dir, err := Export(cfg)
			if err == nil {
				t.Fatalf("Export succeeded (%s)", dir)
			}
			t.Logf("%v", err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if es, err := os.ReadDir(out); err == nil && len(es) != 0 {
				t.Errorf("failed export left %v in %s", entries(t, out), out)
			}
		})
	}
}

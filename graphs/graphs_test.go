package graphs

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	tf "github.com/wamuir/graft/tensorflow"
)

// modelsDir is where `make models` exports the SavedModels the tests use.
func modelsDir(t testing.TB) string {
	if d := os.Getenv("USEFUL_MODELS_DIR"); d != "" {
		return d
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "models")
}

func modelDir(t testing.TB, name string) string {
	d := filepath.Join(modelsDir(t), name)
	if _, err := os.Stat(filepath.Join(d, ManifestFile)); err != nil {
		t.Fatalf("test model %s is missing (run `make models`): %v", d, err)
	}
	return d
}

func load(t testing.TB, name string) *Model {
	m, err := Load(modelDir(t, name), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

var testModels = []string{"toy_cnn-3x50-c2", "mlp3-28x28x1-c10", "cnn_bn-28x28x1-c10"}

func TestVersionIsPinned(t *testing.T) {
	if v := Version(); v != "2.18.0" {
		t.Fatalf("TF_Version() = %q, want 2.18.0", v)
	}
}

func TestRawTensorAccess(t *testing.T) {
	x, err := zeroTensor(tf.Float, []int64{2, 3})
	if err != nil {
		t.Fatal(err)
	}
	copy(rawFloat32(x), []float32{1, 2, 3, 4, 5, 6})
	got := x.Value().([][]float32)
	if got[0][2] != 3 || got[1][0] != 4 || got[1][2] != 6 {
		t.Fatalf("raw write not seen by graft: %v", got)
	}
	release(x)
	release(x) // idempotent
}

type reference struct {
	Hyper struct {
		LR, Momentum, WeightDecay, Rho float32
		DropoutSeed, ResetSeed, Steps  int64
		BatchSize                      int
	}
	Losses  map[string][]float64 `json:"losses"`
	Files   map[string]string    `json:"files"`
	Methods []string             `json:"methods"`
	dir     string
}

func readReference(t *testing.T, dir string) *reference {
	data, err := os.ReadFile(filepath.Join(dir, "reference", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		HP      map[string]float64   `json:"hyperparameters"`
		Losses  map[string][]float64 `json:"losses"`
		Files   map[string]string    `json:"files"`
		Methods []string             `json:"methods"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	r := &reference{Losses: raw.Losses, Files: raw.Files, Methods: raw.Methods, dir: filepath.Join(dir, "reference")}
	r.Hyper.LR, r.Hyper.Momentum = float32(raw.HP["lr"]), float32(raw.HP["momentum"])
	r.Hyper.WeightDecay, r.Hyper.Rho = float32(raw.HP["weight_decay"]), float32(raw.HP["rho"])
	r.Hyper.DropoutSeed, r.Hyper.ResetSeed = int64(raw.HP["dropout_seed"]), int64(raw.HP["reset_seed"])
	r.Hyper.Steps, r.Hyper.BatchSize = int64(raw.HP["steps"]), int(raw.HP["batch_size"])
	return r
}

func (r *reference) f32(t *testing.T, key string) []float32 {
	b, err := os.ReadFile(filepath.Join(r.dir, r.Files[key]))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func (r *reference) i32(t *testing.T, key string) []int32 {
	b, err := os.ReadFile(filepath.Join(r.dir, r.Files[key]))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int32, len(b)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// TestCrossCheckEagerReference runs SGD, SAM and ASAM steps, with labels and
// with soft (MixUp) targets, from Go and compares them with the same steps
// computed eagerly in Python by the export script (python_export/reference.py),
// on the same W0 and batches. mlp3 has dropout, so its SAM and ASAM steps
// check the second pass's fresh mask; toy_cnn checks the two-bank model with
// bias.
func TestCrossCheckEagerReference(t *testing.T) {
	wantMethods := []string{"sgd", "sam", "asam", "sgd_soft", "sam_soft", "asam_soft"}
	for _, name := range testModels {
		t.Run(name, func(t *testing.T) {
			m := load(t, name)
			ref := readReference(t, m.Dir())
			if strings.Join(ref.Methods, ",") != strings.Join(wantMethods, ",") {
				t.Fatalf("reference methods %v, want %v (re-export with `make models`)", ref.Methods, wantMethods)
			}
			for _, method := range ref.Methods {
				base, soft := strings.TrimSuffix(method, "_soft"), strings.HasSuffix(method, "_soft")
				if err := m.Reset(ref.Hyper.ResetSeed); err != nil {
					t.Fatal(err)
				}
				w0, err := m.Params()
				if err != nil {
					t.Fatal(err)
				}
				if d := maxAbsDiff(w0, ref.f32(t, "params_w0")); d != 0 {
					t.Fatalf("W0 differs from Python's by %g", d)
				}
				for k := int64(0); k < ref.Hyper.Steps; k++ {
					b := &Batch{Images: ref.f32(t, "images_"+itoa(k)), Labels: ref.i32(t, "labels_"+itoa(k)),
						Weights: ref.f32(t, "weights_"+itoa(k)), N: ref.Hyper.BatchSize}
					if soft {
						b.Targets = ref.f32(t, "targets_"+itoa(k))
					}
					h := Hyper{LR: ref.Hyper.LR, Momentum: ref.Hyper.Momentum, WeightDecay: ref.Hyper.WeightDecay,
						Rho: ref.Hyper.Rho, Seed: ref.Hyper.DropoutSeed + k}
					res, err := m.Train(base, b, h)
					if err != nil {
						t.Fatal(err)
					}
					if d := math.Abs(float64(res.Loss) - ref.Losses[method][k]); d > 1e-5 {
						t.Errorf("%s step %d: loss %v, Python %v (diff %g)", method, k, res.Loss, ref.Losses[method][k], d)
					}
				}
				got, err := m.Params()
				if err != nil {
					t.Fatal(err)
				}
				d := maxAbsDiff(got, ref.f32(t, "params_"+method))
				t.Logf("%s: max |Go - eager Python| over %d parameters = %.3g", method, len(got), d)
				if d > 1e-5 {
					t.Errorf("%s: parameters differ from the eager reference by %g > 1e-5", method, d)
				}
				if maxAbsDiff(got, w0) < 1e-4 {
					t.Errorf("%s: the steps did not move the weights", method)
				}
				logits := make([]float32, ref.Hyper.BatchSize*m.Manifest().NumClasses)
				if err := m.Predict(ref.f32(t, "images_0"), ref.Hyper.BatchSize, logits); err != nil {
					t.Fatal(err)
				}
				// Logits can be large (toy_cnn is cubic); compare relative to scale.
				want := ref.f32(t, "logits_"+method)
				scale := 1.0
				for _, v := range want {
					scale = math.Max(scale, math.Abs(float64(v)))
				}
				if d := maxAbsDiff(logits, want); d > 1e-5*scale {
					t.Errorf("%s: logits after the steps differ from the reference by %g (largest logit %g)", method, d, scale)
				}
			}
			// The soft targets are not one-hot: the soft steps end elsewhere.
			if maxAbsDiff(ref.f32(t, "params_sgd"), ref.f32(t, "params_sgd_soft")) < 1e-5 {
				t.Error("the soft and hard reference steps agree: the targets test nothing")
			}
		})
	}
}

func itoa(k int64) string { return string(rune('0' + k)) }

// randomBatch draws a batch for m from r.
func randomBatch(m *Model, n int, r *rand.Rand) *Batch {
	b := &Batch{Images: make([]float32, n*m.Manifest().ExampleSize()), Labels: make([]int32, n), N: n}
	for i := range b.Images {
		b.Images[i] = float32(r.NormFloat64())
	}
	for i := range b.Labels {
		b.Labels[i] = int32(r.IntN(m.Manifest().NumClasses))
	}
	return b
}

func TestSaveTrainRestoreBitwise(t *testing.T) {
	for _, name := range testModels {
		t.Run(name, func(t *testing.T) {
			m := load(t, name)
			r := rand.New(rand.NewPCG(1, 2))
			b := randomBatch(m, 32, r)
			h := Hyper{LR: 0.01, Momentum: 0.9, WeightDecay: 5e-4, Rho: 0.05}
			if err := m.Reset(3); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				if _, err := m.TrainSAM(b, h); err != nil {
					t.Fatal(err)
				}
			}
			prefix := filepath.Join(t.TempDir(), "ckpt", "w")
			if err := m.Save(prefix); err != nil {
				t.Fatal(err)
			}
			want := make([]float32, 32*m.Manifest().NumClasses)
			if err := m.Predict(b.Images, 32, want); err != nil {
				t.Fatal(err)
			}
			// Train further: outputs change; then restore: bitwise equal again,
			// and the next step from the restored state equals the next step
			// from the saved state (momentum slots restored).
			s1, _ := m.TrainSGD(b, h)
			after1, _ := m.Params()
			for i := 0; i < 3; i++ {
				m.TrainSGD(b, h)
			}
			got := make([]float32, len(want))
			m.Predict(b.Images, 32, got)
			if maxAbsDiff(got, want) == 0 {
				t.Fatal("training further did not change the outputs")
			}
			if err := m.Restore(prefix); err != nil {
				t.Fatal(err)
			}
			m.Predict(b.Images, 32, got)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("after restore, logit %d = %v, at save %v", i, got[i], want[i])
				}
			}
			s2, _ := m.TrainSGD(b, h)
			again, _ := m.Params()
			if s1 != s2 || maxAbsDiff(after1, again) != 0 {
				t.Fatalf("step after restore differs: loss %v vs %v, params diff %g", s1.Loss, s2.Loss, maxAbsDiff(after1, again))
			}
		})
	}
}

func TestRestoreMissingCheckpoint(t *testing.T) {
	m := load(t, testModels[1])
	p := filepath.Join(t.TempDir(), "nothing")
	err := m.Restore(p)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("Restore(%s) = %v, want an error naming it", p, err)
	}
}

func TestSAMRhoZeroIsSGD(t *testing.T) {
	m := load(t, "cnn_bn-28x28x1-c10")
	r := rand.New(rand.NewPCG(5, 6))
	b := randomBatch(m, 16, r)
	h := Hyper{LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4, Seed: 4}
	run := func(sam bool) ([]float32, []float32) {
		m.Reset(9)
		var losses []float32
		for i := 0; i < 3; i++ {
			var s StepResult
			var err error
			if sam {
				s, err = m.TrainSAM(b, h)
			} else {
				s, err = m.TrainSGD(b, h)
			}
			if err != nil {
				t.Fatal(err)
			}
			losses = append(losses, s.Loss)
		}
		p, _ := m.Params()
		return losses, p
	}
	l1, p1 := run(false)
	l2, p2 := run(true)
	if maxAbsDiff(l1, l2) != 0 || maxAbsDiff(p1, p2) != 0 {
		t.Fatalf("SAM with rho=0 differs from SGD: losses %v vs %v, params diff %g", l1, l2, maxAbsDiff(p1, p2))
	}
}

// TestIdenticalRunsAreBitwiseEqual: the same seeds give the same losses.
func TestIdenticalRunsAreBitwiseEqual(t *testing.T) {
	m := load(t, "mlp3-28x28x1-c10")
	run := func() []float32 {
		m.Reset(11)
		r := rand.New(rand.NewPCG(7, 8))
		var out []float32
		for i := 0; i < 5; i++ {
			s, err := m.TrainSAM(randomBatch(m, 64, r), Hyper{LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4, Rho: 0.01, Seed: int64(i)})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s.Loss)
		}
		return out
	}
	a, b := run(), run()
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("run 1 losses %v, run 2 %v", a, b)
		}
	}
}

// separable10 makes a 10-class set whose classes are well-separated
// Gaussian blobs in input space.
func separable10(m *Model, n int, seed uint64) ([]float32, []int32) {
	r := rand.New(rand.NewPCG(seed, 99))
	size := m.Manifest().ExampleSize()
	centres := make([][]float32, 10)
	for c := range centres {
		centres[c] = make([]float32, size)
		for i := range centres[c] {
			centres[c][i] = float32(r.NormFloat64())
		}
	}
	x := make([]float32, n*size)
	y := make([]int32, n)
	for i := 0; i < n; i++ {
		y[i] = int32(i % 10)
		for j := 0; j < size; j++ {
			x[i*size+j] = centres[y[i]][j] + 0.5*float32(r.NormFloat64())
		}
	}
	return x, y
}

// TestTrainMLP3FromGo trains mlp3 on a separable 10-class set: the training
// loss must fall below 10% of its starting value.
func TestTrainMLP3FromGo(t *testing.T) {
	m := load(t, "mlp3-28x28x1-c10")
	const n, bs = 2560, 128
	x, y := separable10(m, n, 1)
	size := m.Manifest().ExampleSize()
	if err := m.Reset(1); err != nil {
		t.Fatal(err)
	}
	epochLoss := func(epoch int, train bool) float64 {
		sum := 0.0
		for s := 0; s < n/bs; s++ {
			b := &Batch{Images: x[s*bs*size : (s+1)*bs*size], Labels: y[s*bs : (s+1)*bs], N: bs}
			if train {
				r, err := m.TrainSGD(b, Hyper{LR: 0.01, Momentum: 0.9, WeightDecay: 5e-4, Seed: int64(epoch*1000 + s)})
				if err != nil {
					t.Fatal(err)
				}
				sum += float64(r.Loss)
			} else {
				e, err := m.Evaluate(b.Images, b.Labels, bs, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range e.Loss {
					sum += float64(l) / bs
				}
			}
		}
		return sum / float64(n/bs)
	}
	start := epochLoss(0, false)
	var last float64
	for e := 0; e < 5; e++ {
		last = epochLoss(e, true)
		t.Logf("epoch %d: mean training loss %.4f", e+1, last)
	}
	final := epochLoss(0, false)
	t.Logf("loss at W0 %.4f, after 5 epochs %.4f (%.2f%%)", start, final, 100*final/start)
	if !(final < 0.1*start) {
		t.Fatalf("training loss %.4f is not below 10%% of its start %.4f", final, start)
	}
}

// TestHVPSymmetricAndLinear: the Hessian-vector product from Go is linear
// in v and symmetric (u.Hv == v.Hu) on cnn_bn.
func TestHVPSymmetricAndLinear(t *testing.T) {
	m := load(t, "cnn_bn-28x28x1-c10")
	r := rand.New(rand.NewPCG(3, 4))
	b := randomBatch(m, 32, r)
	p := m.Manifest().ParamCount
	u, v := make([]float32, p), make([]float32, p)
	for i := range u {
		u[i], v[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	hu, hv, h2v := make([]float32, p), make([]float32, p), make([]float32, p)
	if err := m.HVP(b.Images, b.Labels, 32, u, hu); err != nil {
		t.Fatal(err)
	}
	m.HVP(b.Images, b.Labels, 32, v, hv)
	v2 := make([]float32, p)
	for i := range v {
		v2[i] = 2 * v[i]
	}
	m.HVP(b.Images, b.Labels, 32, v2, h2v)
	var uhv, vhu, norm float64
	for i := range u {
		uhv += float64(u[i]) * float64(hv[i])
		vhu += float64(v[i]) * float64(hu[i])
		norm += float64(hv[i]) * float64(hv[i])
		if d := math.Abs(float64(h2v[i]) - 2*float64(hv[i])); d > 1e-4*(1+math.Abs(float64(hv[i]))) {
			t.Fatalf("H(2v)[%d] = %v, 2 Hv = %v", i, h2v[i], 2*hv[i])
		}
	}
	if norm == 0 {
		t.Fatal("Hv is zero")
	}
	if math.Abs(uhv-vhu) > 1e-3*math.Max(math.Abs(uhv), 1) {
		t.Fatalf("u.Hv = %v, v.Hu = %v", uhv, vhu)
	}
}

// secondPassSeed is python_export/module.py's second_pass_seed: the dropout
// seed of SAM's second forward pass.
func secondPassSeed(seed int64) int64 { return seed ^ int64(-0x61C8864680B583EB) }

// TestSAMSecondPassDrawsFreshDropoutMask: on mlp3 (dropout 0.1), SAM and
// ASAM with rho 0 take exactly the SGD step of the second pass's mask (seed
// XOR 0x9E3779B97F4A7C15), not the SGD step of the first pass's mask, and
// report the first pass's loss.
func TestSAMSecondPassDrawsFreshDropoutMask(t *testing.T) {
	m := load(t, "mlp3-28x28x1-c10")
	r := rand.New(rand.NewPCG(9, 10))
	b := randomBatch(m, 32, r)
	const seed = 77
	run := func(method string, s int64) (float32, []float32) {
		if err := m.Reset(2); err != nil {
			t.Fatal(err)
		}
		res, err := m.Train(method, b, Hyper{LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4, Seed: s})
		if err != nil {
			t.Fatal(err)
		}
		p, err := m.Params()
		if err != nil {
			t.Fatal(err)
		}
		return res.Loss, p
	}
	sgdLoss, sgd := run("sgd", seed)
	_, sgd2 := run("sgd", secondPassSeed(seed))
	if d := maxAbsDiff(sgd, sgd2); d < 1e-6 {
		t.Fatalf("the two masks give the same SGD step (diff %g): the test cannot tell them apart", d)
	}
	for _, method := range []string{"sam", "asam"} {
		loss, p := run(method, seed)
		if d := maxAbsDiff(p, sgd2); d != 0 {
			t.Errorf("%s(rho 0, seed %d) differs from SGD with the second-pass seed by %g", method, seed, d)
		}
		if loss != sgdLoss {
			t.Errorf("%s reports loss %v, the first pass (SGD, seed %d) has %v", method, loss, seed, sgdLoss)
		}
	}
}

func TestTrainDispatch(t *testing.T) {
	m := load(t, "mlp3-28x28x1-c10")
	r := rand.New(rand.NewPCG(11, 12))
	b := randomBatch(m, 16, r)
	if _, err := m.Train("adam", b, Hyper{}); err == nil || !strings.Contains(err.Error(), `"adam"`) {
		t.Fatalf("Train(adam) = %v, want an error naming the method", err)
	}
	// One-hot targets: the soft step is the labelled step up to rounding.
	c := m.Manifest().NumClasses
	onehot := make([]float32, b.N*c)
	for i, y := range b.Labels {
		onehot[i*c+int(y)] = 1
	}
	h := Hyper{LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4, Rho: 0.05, Seed: 3}
	for _, method := range []string{"sgd", "sam", "asam"} {
		m.Reset(1)
		hard, err := m.Train(method, b, h)
		if err != nil {
			t.Fatal(err)
		}
		ph, _ := m.Params()
		m.Reset(1)
		sb := *b
		sb.Labels, sb.Targets = nil, onehot
		soft, err := m.Train(method, &sb, h)
		if err != nil {
			t.Fatal(err)
		}
		ps, _ := m.Params()
		if math.Abs(float64(hard.Loss-soft.Loss)) > 1e-6 || hard.Correct != soft.Correct || maxAbsDiff(ph, ps) > 1e-6 {
			t.Errorf("%s: soft step with one-hot targets: loss %v correct %d, labelled %v %d, params diff %g",
				method, soft.Loss, soft.Correct, hard.Loss, hard.Correct, maxAbsDiff(ph, ps))
		}
	}
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "targets") {
			t.Fatalf("targets of the wrong length: panic %v, want one naming targets", p)
		}
	}()
	sb := *b
	sb.Targets = onehot[:len(onehot)-1]
	m.Train("sgd", &sb, h)
}

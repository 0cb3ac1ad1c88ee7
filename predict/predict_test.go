package predict

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
	"github.com/useful-pipeline/useful-pipeline/graphs"
)

// fmnistDir is where `make fmnist-data` installs Debian's dataset-fashion-mnist.
const fmnistDir = "/usr/share/datasets/fashion-mnist"

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

func modelDir(t testing.TB, name string) string {
	d := os.Getenv("USEFUL_MODELS_DIR")
	if d == "" {
		d = filepath.Join(repoRoot(), "models")
	}
	d = filepath.Join(d, name)
	if _, err := os.Stat(filepath.Join(d, graphs.ManifestFile)); err != nil {
		t.Fatalf("test model %s is missing (run `make models`): %v", d, err)
	}
	return d
}

var fmnist struct {
	once  sync.Once
	split *loaders.Split
	err   error
}

// fashionMNIST loads Fashion-MNIST once for the package's tests.
func fashionMNIST(t testing.TB) *loaders.Split {
	fmnist.once.Do(func() { fmnist.split, fmnist.err = loaders.LoadFashionMNIST(fmnistDir) })
	if fmnist.err != nil {
		t.Fatalf("Fashion-MNIST (run `make fmnist-data`): %v", fmnist.err)
	}
	return fmnist.split
}

var served struct {
	once sync.Once
	dir  string // folder of versions
	err  error
}

// servingModel returns a folder of versions holding mlp3 trained for 150
// SGD steps (batch 128, seed 1) on Fashion-MNIST and exported with the
// training set's normalisation and class names; made once per test binary.
func servingModel(t testing.TB) string {
	split := fashionMNIST(t)
	dir := modelDir(t, "mlp3-28x28x1-c10")
	served.once.Do(func() { served.dir, served.err = trainAndExport(dir, split) })
	if served.err != nil {
		t.Fatal(served.err)
	}
	return served.dir
}

func trainAndExport(modelDir string, split *loaders.Split) (string, error) {
	m, err := graphs.Load(modelDir, nil)
	if err != nil {
		return "", err
	}
	defer m.Close()
	if err := m.Reset(1); err != nil {
		return "", err
	}
	tr := split.Train
	mean, std := tr.ChannelStats()
	rng := rand.New(rand.NewPCG(1, 2))
	const bs = 128
	size := tr.ExampleSize()
	b := &graphs.Batch{Images: make([]float32, bs*size), Labels: make([]int32, bs), Weights: make([]float32, bs), N: bs}
	var ex []float32
	for step := range 150 {
		for i := range bs {
			j := rng.IntN(tr.Len())
			ex = tr.AppendFloat32s(ex[:0], j, j+1)
			for k, x := range ex {
				b.Images[i*size+k] = (x - mean[0]) / std[0] // the sampler's normalisation
			}
			b.Labels[i], b.Weights[i] = tr.Labels[j], 1
		}
		if _, err := m.TrainSGD(b, graphs.Hyper{LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4, Seed: int64(step)}); err != nil {
			return "", err
		}
	}
	tmp, err := os.MkdirTemp("", "predict-test-")
	if err != nil {
		return "", err
	}
	ckpt := filepath.Join(tmp, "ckpt", "w")
	if err := m.Save(ckpt); err != nil {
		return "", err
	}
	out := filepath.Join(tmp, "served")
	_, err = graphs.Export(graphs.ExportConfig{ModelDir: m.Dir(), Checkpoint: ckpt,
		Normalization: &graphs.Normalization{Mean: mean, Std: std}, ClassNames: split.ClassNames, OutDir: out})
	return out, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if served.dir != "" {
		os.RemoveAll(filepath.Dir(served.dir))
	}
	os.Exit(code)
}

// writeTestPNGs writes test examples [0, n) of Fashion-MNIST as grey PNGs
// img_00.png, ... into dir.
func writeTestPNGs(t *testing.T, split *loaders.Split, n int, dir string) {
	te := split.Test
	var ex []float32
	for i := range n {
		ex = te.AppendFloat32s(ex[:0], i, i+1)
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		for k, x := range ex {
			img.Pix[k] = uint8(math.Round(float64(x) * 255))
		}
		writePNG(t, filepath.Join(dir, fmt.Sprintf("img_%02d.png", i)), img)
	}
}

func writePNG(t *testing.T, path string, img image.Image) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readCSV runs predict and parses its CSV.
func runCSV(t *testing.T, o Options) [][]string {
	var out bytes.Buffer
	if err := Run(o, &out); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// probsByClass maps a CSV row's class_j/probability_j pairs (from column
// first on) to class name -> probability.
func probsByClass(t *testing.T, row []string, first int) map[string]float64 {
	out := map[string]float64{}
	for j := first; j+1 < len(row); j += 2 {
		p, err := strconv.ParseFloat(row[j+1], 32)
		if err != nil {
			t.Fatal(err)
		}
		out[row[j]] = p
	}
	return out
}

// TestMatchesTensorFlowPython runs predict on 20 PNGs written from the
// Fashion-MNIST test set through an exported mlp3 and compares every
// probability with TensorFlow Python on the same SavedModel (PNGs decoded
// by tf.io.decode_png), and the dataset route with the PNG route.
func TestMatchesTensorFlowPython(t *testing.T) {
	split := fashionMNIST(t)
	root := servingModel(t)
	dir := t.TempDir()
	writeTestPNGs(t, split, 20, dir)
	rows := runCSV(t, Options{Model: root, Images: dir, TopK: 10}) // one batch of 20, as Python
	want := append([]string{"input"}, header(10, false)[1:]...)
	if strings.Join(rows[0], ",") != strings.Join(want, ",") || len(rows) != 21 {
		t.Fatalf("CSV header %v and %d rows, want %v and 21", rows[0], len(rows), want)
	}

	version, err := graphs.ResolveServingDir(root)
	if err != nil {
		t.Fatal(err)
	}
	py := filepath.Join(t.TempDir(), "py.json")
	cmd := exec.Command(filepath.Join(repoRoot(), ".venv", "bin", "python"), filepath.Join("testdata", "predict_check.py"), version, dir, py)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("predict_check.py: %v\n%s", err, out)
	}
	var ref struct {
		Files []string    `json:"files"`
		Probs [][]float64 `json:"probabilities"`
	}
	data, err := os.ReadFile(py)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Files) != 20 {
		t.Fatalf("Python read %d files, want 20", len(ref.Files))
	}
	maxDiff, correct := 0.0, 0
	for i, row := range rows[1:] {
		if filepath.Base(row[0]) != ref.Files[i] || filepath.Dir(row[0]) != dir {
			t.Fatalf("row %d is %s, Python's file %d is %s", i, row[0], i, ref.Files[i])
		}
		got := probsByClass(t, row, 1)
		best := 0
		for c, name := range split.ClassNames {
			maxDiff = math.Max(maxDiff, math.Abs(got[name]-ref.Probs[i][c]))
			if ref.Probs[i][c] > ref.Probs[i][best] {
				best = c
			}
		}
		if row[1] != split.ClassNames[best] {
			t.Errorf("%s: top class %s, Python's %s", row[0], row[1], split.ClassNames[best])
		}
		if row[1] == split.ClassNames[split.Test.Labels[i]] {
			correct++
		}
	}
	t.Logf("max |Go predict - TF Python| over 20 images x 10 classes = %.3g; %d/20 correct", maxDiff, correct)
	if maxDiff > 1e-6 {
		t.Errorf("probabilities differ from TensorFlow Python by %g > 1e-6", maxDiff)
	}
	if correct < 12 { // 150 steps of mlp3 reach ~80% test accuracy
		t.Errorf("only %d of 20 correct: the exported weights look untrained", correct)
	}

	// The dataset route reads the same pixels: its first batch of 20 gives
	// the same probabilities, and labels are the true class names.
	ds := runCSV(t, Options{Model: root, Images: "fashion-mnist:" + fmnistDir, TopK: 3, BatchSize: 20})
	if len(ds) != split.Test.Len()+1 || strings.Join(ds[0], ",") != "input,label,class_1,probability_1,class_2,probability_2,class_3,probability_3" {
		t.Fatalf("dataset CSV: %d rows, header %v", len(ds), ds[0])
	}
	for i := range 20 {
		row := ds[i+1]
		if row[0] != strconv.Itoa(i) || row[1] != split.ClassNames[split.Test.Labels[i]] {
			t.Fatalf("dataset row %d: input %s label %s", i, row[0], row[1])
		}
		if strings.Join(row[2:], ",") != strings.Join(rows[i+1][1:7], ",") {
			t.Errorf("dataset row %d %v differs from the PNG row %v", i, row[2:], rows[i+1][1:7])
		}
	}
}

// TestBatchSizeAndOut checks that the batch size changes the output only
// by float32 rounding (TensorFlow's matmul blocking depends on the batch),
// and that --out receives what stdout would.
func TestBatchSizeAndOut(t *testing.T) {
	split := fashionMNIST(t)
	root := servingModel(t)
	dir := t.TempDir()
	writeTestPNGs(t, split, 11, dir)
	one := runCSV(t, Options{Model: root, Images: dir, BatchSize: 1, TopK: 10})
	all := runCSV(t, Options{Model: root, Images: dir, TopK: 10})
	maxDiff := 0.0
	for i := 1; i < len(all); i++ {
		a, b := probsByClass(t, one[i], 1), probsByClass(t, all[i], 1)
		for c, p := range a {
			maxDiff = math.Max(maxDiff, math.Abs(p-b[c]))
		}
		if one[i][0] != all[i][0] || one[i][1] != all[i][1] {
			t.Errorf("row %d: batch size 1 gives %v, 256 gives %v", i, one[i][:2], all[i][:2])
		}
	}
	t.Logf("max |batch 1 - batch 256| = %.3g", maxDiff)
	if maxDiff > 1e-6 {
		t.Errorf("batch sizes 1 and 256 differ by %g", maxDiff)
	}
	def := runCSV(t, Options{Model: root, Images: dir})
	if len(def[0]) != 1+2*DefaultTopK {
		t.Errorf("default top-k: header %v", def[0])
	}
	out := filepath.Join(t.TempDir(), "p.csv")
	if err := Run(Options{Model: root, Images: filepath.Join(dir, "img_03.png"), Out: out, TopK: 1}, nil); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	one3 := runCSV(t, Options{Model: root, Images: filepath.Join(dir, "img_03.png"), TopK: 1})
	want := "input,class_1,probability_1\n" + strings.Join(one3[1], ",") + "\n"
	if string(data) != want || one3[1][1] != all[4][1] {
		t.Errorf("--out wrote %q, want %q (top class %s)", data, want, all[4][1])
	}
}

// TestBadInput checks that bad input is a *BadInputError naming the flag,
// file or folder and the values, and that --out is not written.
func TestBadInput(t *testing.T) {
	split := fashionMNIST(t)
	root := servingModel(t)
	tmp := t.TempDir()
	mk := func(name string) string {
		d := filepath.Join(tmp, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		writeTestPNGs(t, split, 3, d)
		return d
	}
	wrongSize := mk("wrong-size")
	writePNG(t, filepath.Join(wrongSize, "big.png"), image.NewGray(image.Rect(0, 0, 32, 30)))
	corrupt := mk("corrupt")
	if err := os.WriteFile(filepath.Join(corrupt, "img_01.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	colour := mk("colour")
	c := image.NewNRGBA(image.Rect(0, 0, 28, 28))
	c.SetNRGBA(5, 7, color.NRGBA{R: 200, G: 10, B: 10, A: 255})
	writePNG(t, filepath.Join(colour, "red.png"), c)
	empty := filepath.Join(tmp, "empty")
	if err := os.MkdirAll(filepath.Join(empty, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(empty, "notes.txt"), []byte("x"), 0o644)
	cifar := filepath.Join(tmp, "cifar")
	if err := loaderstest.CopyTree(cifar, loaderstest.Path("cifar10")); err != nil {
		t.Fatal(err)
	}
	ok := mk("ok")
	cases := []struct {
		name string
		o    Options
		want []string
	}{
		{"image of another size", Options{Images: wrongSize}, []string{filepath.Join(wrongSize, "big.png"), "32x30", "28x28"}},
		{"unreadable image", Options{Images: corrupt}, []string{filepath.Join(corrupt, "img_01.png"), "cannot decode"}},
		{"colour image, grey model", Options{Images: colour}, []string{filepath.Join(colour, "red.png"), "x=5 y=7", "200,10,10", "1 channel"}},
		{"empty folder", Options{Images: empty}, []string{empty, "empty folder"}},
		{"missing path", Options{Images: filepath.Join(tmp, "nope")}, []string{filepath.Join(tmp, "nope"), "fashion-mnist"}},
		{"dataset of another shape", Options{Images: "cifar10:" + cifar}, []string{"cifar10:" + cifar, "[32 32 3]", "[28 28 1]"}},
		{"missing dataset folder", Options{Images: "mnist:" + filepath.Join(tmp, "nope")}, []string{filepath.Join(tmp, "nope")}},
		{"top-k above classes", Options{Images: ok, TopK: 11}, []string{"--top-k 11", "10 classes"}},
		{"negative top-k", Options{Images: ok, TopK: -1}, []string{"--top-k -1"}},
		{"negative batch size", Options{Images: ok, BatchSize: -2}, []string{"--batch-size -2"}},
		{"missing model", Options{Images: ok, Model: filepath.Join(tmp, "nomodel")}, []string{"--model", filepath.Join(tmp, "nomodel")}},
		{"training model folder", Options{Images: ok, Model: modelDir(t, "mlp3-28x28x1-c10")}, []string{"--model", "export.json"}},
		{"out in a missing folder", Options{Images: ok, Out: filepath.Join(tmp, "no", "p.csv")}, []string{"--out", filepath.Join(tmp, "no")}},
		{"no images", Options{}, []string{"--images"}},
	}
	out := filepath.Join(tmp, "out.csv")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			if o.Model == "" {
				o.Model = root
			}
			if o.Out == "" {
				o.Out = out
			}
			err := Run(o, nil)
			var bad *BadInputError
			if !errors.As(err, &bad) {
				t.Fatalf("got %v, want a *BadInputError", err)
			}
			t.Logf("%v", err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("--out was written: %v", err)
			}
		})
	}
}

package main

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
	"github.com/useful-pipeline/useful-pipeline/dataset/toy"
	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// repoRoot and venvPython locate the checkout and its Python.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	r, _ := filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
	return r
}

func venvPython(t *testing.T) string {
	py := filepath.Join(repoRoot(), ".venv", "bin", "python")
	if _, err := os.Stat(py); err != nil {
		t.Skipf("no %s (make setup): %v", py, err)
	}
	return py
}

// writeTestSet writes a test set as the raw inputs an exported model takes
// (pixel levels 0..255 for image data, the values for the toy) and labels.
func writeTestSet(t *testing.T, ds *dataset.Dataset, dir string) (string, string, string) {
	t.Helper()
	x := ds.AppendFloat32s(nil, 0, ds.Len())
	if ds.Pixels != nil {
		for i := range x {
			x[i] = float32(math.Round(float64(x[i]) * 255))
		}
	}
	xb := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(xb[4*i:], math.Float32bits(v))
	}
	yb := make([]byte, 4*ds.Len())
	for i, l := range ds.Labels {
		binary.LittleEndian.PutUint32(yb[4*i:], uint32(l))
	}
	xp, yp := filepath.Join(dir, "x.f32"), filepath.Join(dir, "y.i32")
	os.WriteFile(xp, xb, 0o644)
	os.WriteFile(yp, yb, 0o644)
	shape := make([]string, len(ds.Shape))
	for i, s := range ds.Shape {
		shape[i] = strconv.Itoa(s)
	}
	return xp, yp, strings.Join(shape, ",")
}

// checkExport runs TF Python on the export of run in dir: serving_default
// is the only signature, and its accuracy on ds equals the evaluate stage's.
func checkExport(t *testing.T, dir, run string, ds *dataset.Dataset) {
	t.Helper()
	d := rundir.New(dir)
	model := filepath.Join(d.Export(run).Path(), "1")
	x, y, shape := writeTestSet(t, ds, t.TempDir())
	out, err := exec.Command(venvPython(t), filepath.Join(repoRoot(), "cmd", "useful-pipeline", "testdata", "export_accuracy.py"), model, x, y, shape).Output()
	if err != nil {
		t.Fatalf("export_accuracy.py %s: %v", model, err)
	}
	var got struct {
		Correct, N int
		Signatures []string
		Show       string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	ev, err := d.Evaluate(run).Read()
	if err != nil {
		t.Fatal(err)
	}
	if acc := 100 * float64(got.Correct) / float64(got.N); got.N != ev.NumTest || acc != ev.TestAccuracyPct {
		t.Errorf("run %s: TF Python on the export: %d of %d correct (%.4f%%), the evaluate stage %.4f%% of %d", run, got.Correct, got.N, acc, ev.TestAccuracyPct, ev.NumTest)
	}
	// saved_model_cli lists serving_default and TF2's own
	// __saved_model_init_op (a NoOp of every TF2 SavedModel), nothing else.
	if !slices.Equal(got.Signatures, []string{"__saved_model_init_op", "serving_default"}) || strings.Contains(got.Show, "train_") || strings.Contains(got.Show, "restore") {
		t.Errorf("saved_model_cli show --all of %s: signatures %v\n%s", model, got.Signatures, got.Show)
	}
}

// TestToyAndFashionMNISTRunsExport: --stage all exports each method's
// USEFUL run; TF Python on the export gives the evaluate stage's accuracy.
func TestToyAndFashionMNISTRunsExport(t *testing.T) {
	if testing.Short() {
		t.Skip("trains and runs Python")
	}
	venvPython(t)
	dir := filepath.Join(t.TempDir(), "toy")
	mustRun(t, tiny(t, dir)...)
	cfg := toy.DefaultConfig()
	cfg.N, cfg.Seed = 200, 0
	_, test, _, _, err := toy.GenerateSplit(cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkExport(t, dir, "sgd+useful", test)

	fm := "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(fm); err != nil {
		t.Fatalf("Fashion-MNIST missing (make fmnist-data): %v", err)
	}
	dir = filepath.Join(t.TempDir(), "fmnist")
	mustRun(t, "--run-dir", dir, "--models-dir", modelsDir(t), "--quiet", "--dataset", "fashion-mnist", "--epochs", "3", "--separate-epoch", "1",
		"--method", "sgd", "--sharpness=false")
	sp, err := loaders.Load("fashion-mnist", fm)
	if err != nil {
		t.Fatal(err)
	}
	checkExport(t, dir, "sgd+useful", sp.Test)
}

// TestImageFolderEndToEnd: a user's 3-class folder of 40x40 PNGs runs
// --stage all (with a model exported for its shape) and exports; the
// export predicts on the folder's test images.
func TestImageFolderEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("exports a model and trains")
	}
	py := venvPython(t)
	models := t.TempDir()
	data := loaderstest.Path("imagefolder")
	dir := filepath.Join(t.TempDir(), "run")
	args := []string{"--run-dir", dir, "--models-dir", models, "--quiet", "--dataset", "imagefolder", "--data-dir", data, "--model", "cnn_bn",
		"--epochs", "4", "--batch-size", "8", "--method", "sgd", "--sharpness=false"}
	// Without the model folder: exit 2 with the exact export command.
	code, _, e := runCmd(args...)
	want := "python_export/export.py --model cnn_bn --input-shape 40,40,3 --num-classes 3 --out " + filepath.Join(models, "cnn_bn-40x40x3-c3")
	if code != 2 || !strings.Contains(e, want) {
		t.Fatalf("missing model: exit %d, %q; want the command %q", code, e, want)
	}
	cmd := exec.Command(py, filepath.Join(repoRoot(), "python_export", "export.py"), "--model", "cnn_bn", "--input-shape", "40,40,3", "--num-classes", "3",
		"--out", filepath.Join(models, "cnn_bn-40x40x3-c3"))
	cmd.Env = append(os.Environ(), "TF_CPP_MIN_LOG_LEVEL=2")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("export.py: %v\n%s", err, out)
	}
	mustRun(t, args...)
	d := rundir.New(dir)
	sum, err := d.DataSummary().Read()
	if err != nil || !slices.Equal(sum.ClassNames, []string{"a_red", "b_green", "c_blue"}) || sum.NumTrain != 24 || sum.NumTest != 12 {
		t.Fatalf("data summary %+v, %v", sum, err)
	}
	sp, err := loaders.Load("imagefolder", data)
	if err != nil {
		t.Fatal(err)
	}
	checkExport(t, dir, "sgd+useful", sp.Test)
	_, out, e := runCmd("predict", "--model", d.Export("sgd+useful").Path(), "--images", filepath.Join(data, "test", "b_green"))
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 5 || e != "" {
		t.Fatalf("predict on the 4 green test images: %q (stderr %q)", out, e)
	}
}

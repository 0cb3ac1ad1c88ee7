package main

import (
	"bytes"
	"encoding/json"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as the command (for the kill test).
func TestMain(m *testing.M) {
	if os.Getenv("USEFUL_PIPELINE_AS_MAIN") == "1" {
		main()
		return
	}
	// Processes the program starts of itself (--parallel seeds) run main.
	os.Setenv("USEFUL_PIPELINE_AS_MAIN", "1")
	os.Exit(m.Run())
}

func modelsDir(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	d, _ := filepath.Abs(filepath.Join(filepath.Dir(file), "..", "..", "models"))
	if _, err := os.Stat(filepath.Join(d, "toy_cnn-3x50-c2", "manifest.json")); err != nil {
		t.Fatalf("models missing (run `make models`): %v", err)
	}
	return d
}

// small is a short toy run: 1000 examples, 120 full-batch iterations.
func small(t *testing.T, runDir string, extra ...string) []string {
	return append([]string{"--run-dir", runDir, "--models-dir", modelsDir(t), "--quiet", "--seed", "0", "--toy-n", "1000",
		"--epochs", "120", "--separate-epoch", "60"}, extra...)
}

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// comparable strips the wall times (train_seconds, probe_seconds) from metrics.json.
func comparable(t *testing.T, path string) map[string]any {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, r := range m["runs"].([]any) {
		delete(r.(map[string]any), "train_seconds")
		delete(r.(map[string]any), "probe_seconds")
	}
	return m
}

func TestBadInputExitsTwoAndWritesNothing(t *testing.T) {
	dataFile := filepath.Join(t.TempDir(), "file")
	os.WriteFile(dataFile, []byte("x"), 0o644)
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"--stage", "train"}, `--stage "train": unknown stage`},
		{[]string{"--separate-epoch", "120"}, "--separate-epoch 120: want 1 <= separate-epoch < --epochs (120)"},
		{[]string{"--separate-epoch", "500"}, "--separate-epoch 500"},
		{[]string{"--upsample-factor", "0"}, "--upsample-factor 0: want >= 1"},
		{[]string{"--data-dir", "/nonexistent/fmnist"}, `--data-dir "/nonexistent/fmnist"`},
		{[]string{"--data-dir", dataFile}, "not a folder"},
		{[]string{"--method", "adam"}, `--method "adam": unknown method`},
		{[]string{"--dataset", "imagenet"}, `--dataset "imagenet": unknown dataset`},
		{[]string{"--epochs", "0"}, "--epochs 0"},
		{[]string{"--lr", "-1"}, "--lr -1"},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"--stage", "cluster"}, "stage cluster needs stage extract first"},
		{[]string{"--stage", "probe"}, "stage probe needs stage load first"},
		{[]string{"--stage", "report"}, "stage report needs stage evaluate first"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			code, _, stderr := runCmd(small(t, dir, c.args...)...)
			if code != 2 {
				t.Errorf("exit code %d, want 2 (stderr %q)", code, stderr)
			}
			if !strings.Contains(stderr, c.msg) {
				t.Errorf("stderr %q does not contain %q", stderr, c.msg)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stderr has a stack trace: %q", stderr)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("run directory %s was created", dir)
			}
		})
	}
}

// TestStagesOneByOneEqualAll runs every stage alone on one run directory
// and compares metrics.json with a --stage all run of the same seed.
func TestStagesOneByOneEqualAll(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the toy model")
	}
	root := t.TempDir()
	all := filepath.Join(root, "all")
	if code, _, e := runCmd(small(t, all, "--stage", "all")...); code != 0 {
		t.Fatalf("--stage all: exit %d: %s", code, e)
	}
	one := filepath.Join(root, "one")
	for _, s := range []string{"load", "probe", "extract", "cluster", "resample", "retrain", "evaluate", "report"} {
		if code, _, e := runCmd(small(t, one, "--stage", s)...); code != 0 {
			t.Fatalf("--stage %s: exit %d: %s", s, code, e)
		}
	}
	a, b := comparable(t, filepath.Join(all, "metrics.json")), comparable(t, filepath.Join(one, "metrics.json"))
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("metrics differ:\n all: %s\n one: %s", ja, jb)
	}
	// A stage rerun with other options is refused, naming the stage to run first.
	code, _, e := runCmd(small(t, one, "--stage", "cluster", "--lr", "0.05")...)
	if code != 2 || !strings.Contains(e, "needs stage extract first") {
		t.Fatalf("cluster with other options: exit %d, %q", code, e)
	}
	for _, f := range []string{"report.md", "plots/train_loss.png", "plots/toy_features_beta_d_0.2.png", "config.json", "w0/state.json"} {
		if _, err := os.Stat(filepath.Join(one, f)); err != nil {
			t.Errorf("missing artifact: %v", err)
		}
	}
}

// TestKillDuringRetrainThenResume kills the process (SIGKILL) while it is
// retraining, reruns with --resume and expects the metrics of an
// uninterrupted run.
func TestKillDuringRetrainThenResume(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the toy model")
	}
	root := t.TempDir()
	ref := filepath.Join(root, "ref")
	args := func(dir string) []string {
		return []string{"--run-dir", dir, "--models-dir", modelsDir(t), "--quiet", "--seed", "0", "--toy-n", "2000",
			"--epochs", "200", "--separate-epoch", "60", "--toy-compare-beta-d", "-1", "--stage", "all"}
	}
	if code, _, e := runCmd(args(ref)...); code != 0 {
		t.Fatalf("reference run: exit %d: %s", code, e)
	}
	killed := filepath.Join(root, "killed")
	cmd := exec.Command(os.Args[0], args(killed)...)
	cmd.Env = append(os.Environ(), "USEFUL_PIPELINE_AS_MAIN=1")
	var logb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logb, &logb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the second run's retraining has written a checkpoint.
	marker := filepath.Join(killed, "retrain", "sgd+useful", "ckpt", "state.json")
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no checkpoint at %s after 3 minutes; log:\n%s", marker, logb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(killed, "metrics.json")); err == nil {
		t.Fatal("the run finished before it was killed; the test proves nothing")
	}
	code, out, e := runCmd(append(args(killed), "--resume")...)
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, e)
	}
	if !strings.Contains(out, "resuming after epoch") {
		t.Errorf("resume did not continue from a checkpoint:\n%s", out)
	}
	a, b := comparable(t, filepath.Join(ref, "metrics.json")), comparable(t, filepath.Join(killed, "metrics.json"))
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("metrics after kill+resume differ from an uninterrupted run:\n ref: %s\n got: %s", ja, jb)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCmd("--version")
	if code != 0 || !strings.Contains(out, "TensorFlow 2.18.0") {
		t.Fatalf("--version: exit %d, %q", code, out)
	}
}

func TestHelp(t *testing.T) {
	code, out, e := runCmd("--help")
	if code != 0 || e != "" || !strings.Contains(out, "--separate-epoch") || !strings.Contains(out, "Commands:") || !strings.Contains(out, "USEFUL flags:") {
		t.Fatalf("--help: exit %d, stdout %q, stderr %q", code, out, e)
	}
	code, out, e = runCmd("run", "--help")
	if code != 0 || e != "" || !strings.Contains(out, "Examples:") || strings.Contains(out, "Commands:") || !strings.Contains(out, "Data flags:") {
		t.Fatalf("run --help: exit %d, stdout %q, stderr %q", code, out, e)
	}
}

// TestCIFARFixtureTrivialAugment runs the whole pipeline on a few hundred
// generated images in the CIFAR-10 binary format with preact_resnet18 and
// TrivialAugment.
func TestCIFARFixtureTrivialAugment(t *testing.T) {
	if testing.Short() {
		t.Skip("trains preact_resnet18")
	}
	data := t.TempDir()
	if err := loaderstest.WriteCIFAR10(data, 6, 1); err != nil { // 300 train, 60 test images
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	code, out, e := runCmd("--run-dir", dir, "--models-dir", modelsDir(t), "--quiet", "--dataset", "cifar10", "--data-dir", data,
		"--model", "preact_resnet18", "--augment", "trivialaugment", "--method", "sgd", "--epochs", "2", "--separate-epoch", "1", "--batch-size", "64",
		"--sharpness=false") // Lanczos on 11M parameters takes minutes; sharpness runs in the hardening tests (toy) and the sharpness package
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, e)
	}
	b, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Runs []struct {
			ID              string  `json:"id"`
			TestAccuracyPct float64 `json:"test_accuracy_pct"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Runs) != 2 || m.Runs[0].ID != "sgd" || m.Runs[1].ID != "sgd+useful" {
		t.Fatalf("runs = %+v", m.Runs)
	}
	var cfg map[string]any
	b, _ = os.ReadFile(filepath.Join(dir, "config.json"))
	json.Unmarshal(b, &cfg)
	if cfg["augment"] != "trivialaugment" || cfg["model"] != "preact_resnet18" {
		t.Fatalf("config.json: %v", cfg)
	}
}

// TestCorruptDatasetIsBadInput: a truncated CIFAR file is exit 2 with the
// file named, and no run directory.
func TestCorruptDatasetIsBadInput(t *testing.T) {
	data := t.TempDir()
	if err := loaderstest.CopyTree(data, loaderstest.Path("cifar10")); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(data, "data_batch_3.bin")
	b, _ := os.ReadFile(f)
	os.WriteFile(f, b[:len(b)-100], 0o644)
	dir := filepath.Join(t.TempDir(), "run")
	code, _, e := runCmd("--run-dir", dir, "--models-dir", modelsDir(t), "--dataset", "cifar10", "--data-dir", data, "--model", "preact_resnet18")
	if code != 2 || !strings.Contains(e, f) || !strings.Contains(e, "truncated") {
		t.Fatalf("exit %d, stderr %q", code, e)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("run directory created for bad data")
	}
}

// TestAutoSeparateEpochIsDeterministic: --separate-epoch auto picks the same
// t (recorded in probe/<method>/summary.json) and the same metrics twice.
func TestAutoSeparateEpochIsDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the toy model")
	}
	var ts []string
	var ms []string
	for i := 0; i < 2; i++ {
		dir := filepath.Join(t.TempDir(), "run")
		args := []string{"--run-dir", dir, "--models-dir", modelsDir(t), "--quiet", "--seed", "0", "--toy-n", "1000", "--epochs", "80",
			"--separate-epoch", "auto", "--toy-compare-beta-d", "-1", "--method", "sgd"}
		if code, _, e := runCmd(args...); code != 0 {
			t.Fatalf("exit %d: %s", code, e)
		}
		var s struct {
			T    int    `json:"separate_epoch"`
			Auto bool   `json:"auto"`
			Rule string `json:"rule"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "probe", "sgd", "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(b, &s)
		if !s.Auto || s.T < 2 || s.T >= 80 || !strings.Contains(s.Rule, "err(e-1)") {
			t.Fatalf("probe summary %+v", s)
		}
		ts = append(ts, string(b))
		m, _ := json.Marshal(comparable(t, filepath.Join(dir, "metrics.json")))
		ms = append(ms, string(m))
	}
	if ts[0] != ts[1] || ms[0] != ms[1] {
		t.Fatalf("two runs differ:\n%s\n%s\n%s\n%s", ts[0], ts[1], ms[0], ms[1])
	}
}

// TestNaNLossStopsWithEpochAndStep: a diverging run stops with exit 1 and a
// message naming the run, the epoch and the step; the retrain checkpoint
// written before the divergence is kept.
func TestNaNLossStopsWithEpochAndStep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, _, e := runCmd("--run-dir", dir, "--models-dir", modelsDir(t), "--quiet", "--seed", "0", "--toy-n", "200", "--epochs", "50",
		"--useful=false", "--lr", "1000", "--method", "sgd", "--toy-compare-beta-d", "-1", "--sharpness=false")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, e)
	}
	// The weights turn non-finite with the update of epoch 4: the
	// measurement after it (per-example losses) stops the run, naming it,
	// the epoch and the step, and the checkpoint of epoch 3 is kept.
	for _, want := range []string{"run sgd", "per-example training loss of example", "after epoch 4 (step 4)", "last good checkpoint", filepath.Join(dir, "retrain", "sgd", "ckpt")} {
		if !strings.Contains(e, want) {
			t.Errorf("stderr %q lacks %q", e, want)
		}
	}
	if strings.Contains(e, "goroutine ") {
		t.Errorf("stack trace on stderr: %q", e)
	}
	if _, err := os.Stat(filepath.Join(dir, "retrain", "sgd", "ckpt", "state.json")); err != nil {
		t.Errorf("last good checkpoint missing: %v", err)
	}
}

package main

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/train"
)

// TestTensorBoardEqualsCurves trains a small toy run with --eval-every
// and reads every run's event files back with tensorboard's own
// EventAccumulator: each tag's value at each epoch equals the curves.csv
// row (to the 6 significant digits curves.csv prints; TensorBoard keeps
// float32), test accuracy every 4th epoch, and the USEFUL run has its
// cluster sizes and upsampled share at t.
func TestTensorBoardEqualsCurves(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the toy model and runs Python")
	}
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	py := filepath.Join(repo, ".venv", "bin", "python")
	if _, err := os.Stat(py); err != nil {
		t.Skipf("no %s (make setup): %v", py, err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	mustRun(t, tiny(t, dir, "--eval-every", "4")...)
	d := rundir.New(dir)
	read := func(run string) map[string][][2]float64 {
		out, err := exec.Command(py, filepath.Join(repo, "cmd", "useful-pipeline", "testdata", "tb_scalars.py"), d.TB(run).Path()).Output()
		if err != nil {
			t.Fatalf("tb_scalars.py %s: %v", run, err)
		}
		var raw map[string][][2]any
		if err := json.Unmarshal(out, &raw); err != nil {
			t.Fatal(err)
		}
		m := map[string][][2]float64{}
		for tag, pts := range raw {
			for _, p := range pts {
				v, err := strconv.ParseFloat(p[1].(string), 64)
				if err != nil {
					t.Fatal(err)
				}
				m[tag] = append(m[tag], [2]float64{p[0].(float64), v})
			}
		}
		return m
	}
	for _, run := range []string{"sgd", "sgd+useful", d.Probe("sgd").Rel()} {
		var curves []rundir.EpochStats
		var err error
		if run == d.Probe("sgd").Rel() {
			curves, err = d.Probe("sgd").Curves().Read()
		} else {
			curves, err = d.Retrain(run).Curves().Read()
		}
		if err != nil {
			t.Fatal(err)
		}
		tb := read(run)
		for _, row := range curves {
			for tag, want := range train.Scalars(row) {
				var got []float64
				for _, p := range tb[tag] {
					if int(p[0]) == row.Epoch {
						got = append(got, p[1])
					}
				}
				tol := 5e-6*math.Abs(want) + 1e-7 // curves.csv's %.6g (.1f for images/s)
				if tag == "train/images_per_s" {
					tol = 0.05 + 1e-7*want
				}
				if len(got) != 1 || math.Abs(got[0]-want) > tol {
					t.Errorf("run %s epoch %d tag %s: event files %v, curves.csv %v", run, row.Epoch, tag, got, want)
				}
			}
			// Every 4th epoch and the last one of the run.
			if wantTest := row.Epoch%4 == 0 || row.Epoch == len(curves); wantTest != (row.TestAccuracy != nil) {
				t.Errorf("run %s epoch %d: test accuracy %v, want one: %v", run, row.Epoch, row.TestAccuracy, wantTest)
			}
		}
		if n := len(tb["train/loss"]); n != len(curves) {
			t.Errorf("run %s: %d loss points for %d epochs", run, n, len(curves))
		}
	}
	tb := read("sgd+useful")
	s, err := d.Resample("sgd", "").Summary().Read()
	if err != nil {
		t.Fatal(err)
	}
	for tag, want := range map[string]float64{"useful/upsampled_share": s.UpsampledFraction, "useful/slow_examples": float64(s.NumSlow), "useful/fast_examples": float64(s.NumTrain - s.NumSlow)} {
		if p := tb[tag]; len(p) != 1 || int(p[0][0]) != 5 || math.Abs(p[0][1]-want) > 1e-7*math.Abs(want) {
			t.Errorf("%s: %v, want %v at step 5 (t)", tag, p, want)
		}
	}
}

package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// configJSON is config.json as pipeline.Run writes it for o (resolved).
func configJSON(t testing.TB, o Options) []byte {
	t.Helper()
	b, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// decodeConfig decodes config.json bytes as pipeline's readConfig does and
// sets the fields that config.json does not hold (a run's --stage and
// --run-dir).
func decodeConfig(data []byte) (Options, error) {
	var o Options
	err := json.Unmarshal(data, &o)
	o.Stage, o.RunDir = "all", "runs/fuzz"
	return o, err
}

// checkResolved fails unless o satisfies what Resolve promises.
func checkResolved(t *testing.T, o *Options) {
	t.Helper()
	if o.Epochs < 1 || o.BatchSize < 1 || o.UpsampleFactor < 1 || !(o.LR > 0) || math.IsInf(o.LR, 0) ||
		!(o.Momentum >= 0 && o.Momentum < 1) || !(o.WeightDecay >= 0) || !(o.Rho >= 0) || !(o.ASAMRho >= 0) ||
		!(o.LabelNoise >= 0 && o.LabelNoise < 1) || !(o.ImbalanceRatio == 0 || o.ImbalanceRatio >= 1) {
		t.Fatalf("resolved options out of range: %+v", o)
	}
	if o.Useful && !o.AutoSeparate && !(o.SeparateEpoch >= 1 && o.SeparateEpoch < o.Epochs) {
		t.Fatalf("separate epoch %d of %d epochs", o.SeparateEpoch, o.Epochs)
	}
	if o.Useful && o.AutoSeparate && (o.SeparateEpoch != 0 || o.Epochs < 3) {
		t.Fatalf("auto separate epoch: %d of %d epochs", o.SeparateEpoch, o.Epochs)
	}
	if o.LRSchedule != "constant" && o.LRSchedule != "step" || !slices.Contains(Augmentations, o.Augment) || o.Model == "" {
		t.Fatalf("schedule %q augment %q model %q", o.LRSchedule, o.Augment, o.Model)
	}
	if o.Dataset == "toy" {
		if o.Toy == nil || o.Toy.N < 2 || o.Augment != "none" {
			t.Fatalf("toy options %+v augment %q", o.Toy, o.Augment)
		}
	} else if !slices.Contains(Datasets, o.Dataset) || o.Toy != nil || o.DataDir == "" {
		t.Fatalf("dataset %q data dir %q toy %+v", o.Dataset, o.DataDir, o.Toy)
	}
	if len(o.Methods) == 0 {
		t.Fatal("no methods")
	}
	for i, m := range o.Methods {
		if !slices.Contains(Methods, m) || slices.Index(o.Methods, m) != i {
			t.Fatalf("methods %q", o.Methods)
		}
	}
	for _, b := range o.Baselines {
		if !slices.Contains(Baselines, b) || !o.Useful {
			t.Fatalf("baselines %q (useful %v)", o.Baselines, o.Useful)
		}
	}
	// Every run named by Runs is one of the methods, with a usable rate at
	// every epoch of the schedule.
	runs := o.Runs()
	if len(runs) < len(o.Methods) {
		t.Fatalf("%d runs for methods %q", len(runs), o.Methods)
	}
	for _, r := range runs {
		if !slices.Contains(o.Methods, r.Method) || r.ID == "" || (r.Useful && !o.Useful) {
			t.Fatalf("run %+v", r)
		}
	}
	for _, e := range []int{0, o.Epochs / 2, o.Epochs - 1} {
		if lr := o.LRAt(e); !(lr > 0) || lr > o.LR {
			t.Fatalf("LRAt(%d) = %v with lr %v", e, lr, o.LR)
		}
	}
	if o.LRAt(0) != o.LR {
		t.Fatalf("LRAt(0) = %v, want lr %v", o.LRAt(0), o.LR)
	}
}

// FuzzConfigJSON decodes config.json bytes as pipeline's readConfig does
// (json.Unmarshal into Options; readConfig itself lives in a package that
// links TensorFlow) and resolves them as a run would. Resolve must give a
// *UsageError naming the flag, or options in range; and the config.json of
// resolved options must read back equal (what --resume compares) and
// resolve to itself.
func FuzzConfigJSON(f *testing.F) {
	toy := DefaultOptions()
	if err := toy.Resolve(); err != nil {
		f.Fatal(err)
	}
	f.Add(configJSON(f, toy))
	img := DefaultOptions()
	img.Dataset, img.DataDir, img.Methods, img.Baselines, img.ImbalanceRatio, img.LabelNoise = "cifar10", ".", []string{"sgd", "asam"}, []string{"random", "quantile"}, 10, 0.2
	if err := img.Resolve(); err != nil {
		f.Fatal(err)
	}
	f.Add(configJSON(f, img))
	f.Add([]byte(`{"dataset":"fashion-mnist","data_dir":".","model":"mlp3","methods":["sam"],"useful":true,"auto_separate":true,"epochs":5,"upsample_factor":3}`))
	f.Add([]byte(`{"dataset":"toy","methods":["sgd"],"useful":false,"upsample_factor":1,"toy":{"n":4,"beta_d":0.5,"compare_beta_d":0.5}}`))
	f.Add([]byte(`{"dataset":"tinyimagenet","data_dir":".","model":"vit_s","methods":["sgd"],"useful":true,"separate_epoch":10,"epochs":12,"upsample_factor":2}`))
	// Corrupt or out of range.
	f.Add([]byte(`{"dataset":"imagenet","methods":["sgd"]}`))
	f.Add([]byte(`{"dataset":"toy","methods":[]}`))
	f.Add([]byte(`{"dataset":"toy","methods":["sgd","sgd"]}`))
	f.Add([]byte(`{"dataset":"toy","methods":["sgd"],"lr":-1}`))
	f.Add([]byte(`{"dataset":"toy","methods":["sgd"],"momentum":1}`))
	f.Add([]byte(`{"dataset":"toy","methods":["sgd"],"augment":"cropflip"}`))
	f.Add([]byte(`{"dataset":"toy","methods":["sgd"],"toy":{"n":1}}`))
	f.Add([]byte(`{"dataset":"cifar10","data_dir":"/nonexistent/cifar","methods":["sgd"]}`))
	f.Add([]byte(`{"dataset":"toy","methods":["sgd"],"useful":false,"upsample_factor":2,"baselines":["random"]}`))
	f.Add([]byte(`{"dataset":"tinyimagenet","data_dir":".","methods":["sgd"],"useful":true,"separate_epoch":10,"epochs":10,"upsample_factor":2}`))
	f.Add([]byte(`{"dataset":"toy","epochs":"600"}`))
	f.Add(configJSON(f, toy)[:40])
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := decodeConfig(data)
		if err != nil {
			return // readConfig's error: the run directory is treated as new
		}
		if err := o.Resolve(); err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "--") {
				t.Fatalf("Resolve error %q (%T), want a *UsageError naming the flag", err, err)
			}
			return
		}
		checkResolved(t, &o)
		rec := configJSON(t, o)
		prev, err := decodeConfig(rec)
		if err != nil {
			t.Fatalf("config.json of resolved options: %v\n%s", err, rec)
		}
		if again := configJSON(t, prev); !bytes.Equal(again, rec) {
			t.Fatalf("config.json does not read back equal:\n%s\n%s", rec, again)
		}
		if err := prev.Resolve(); err != nil {
			t.Fatalf("config.json of resolved options does not resolve: %v\n%s", err, rec)
		}
		if again := configJSON(t, prev); !bytes.Equal(again, rec) {
			t.Fatalf("resolving config.json changes it:\n%s\n%s", rec, again)
		}
	})
}

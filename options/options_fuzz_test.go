package options

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// checkValid fails unless o satisfies what Validate promises.
func checkValid(t *testing.T, o *Options) {
	t.Helper()
	if o.Epochs < 1 || o.BatchSize < 0 || o.UpsampleFactor < 1 || !(o.LR > 0) || math.IsInf(o.LR, 0) ||
		!(o.Momentum >= 0 && o.Momentum < 1) || !(o.WeightDecay >= 0) || !(o.Rho >= 0) || !(o.ASAMRho >= 0) ||
		!(o.LabelNoise >= 0 && o.LabelNoise < 1) || !(o.ImbalanceRatio == 0 || o.ImbalanceRatio >= 1) {
		t.Fatalf("options out of range: %+v", o)
	}
	if t0 := o.SeparateEpoch; o.Useful && !t0.Auto && !(t0.Epoch >= 1 && t0.Epoch < o.Epochs) {
		t.Fatalf("separate epoch %d of %d epochs", t0.Epoch, o.Epochs)
	}
	if o.Useful && o.SeparateEpoch.Auto && o.Epochs < 3 {
		t.Fatalf("auto separate epoch with %d epochs", o.Epochs)
	}
	if !slices.Contains(LRSchedules, o.LRSchedule) || !slices.Contains(Augmentations, o.Augment) || o.Model == "" {
		t.Fatalf("schedule %q augment %q model %q", o.LRSchedule, o.Augment, o.Model)
	}
	if o.Dataset == Toy && (o.Toy.N < 2 || o.Augment != "none") {
		t.Fatalf("toy options %+v augment %q", o.Toy, o.Augment)
	}
	if !slices.Contains(Datasets, o.Dataset) || (o.Dataset != Toy && o.DataDir == "") {
		t.Fatalf("dataset %q data dir %q", o.Dataset, o.DataDir)
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
	for _, r := range o.Runs() {
		if !slices.Contains(o.Methods, r.Method) || r.ID == "" || (r.Useful && !o.Useful) {
			t.Fatalf("run %+v", r)
		}
	}
	for _, e := range []int{0, o.Epochs / 2, o.Epochs - 1} {
		if lr := o.LRAt(e); !(lr > 0) || lr > o.LR {
			t.Fatalf("LRAt(%d) = %v with lr %v", e, lr, o.LR)
		}
	}
}

// FuzzConfigFile reads config-file bytes as --config does and builds
// options from them. Build must give a *UsageError naming the file, or
// valid options; and the config.json of those options must read back to
// the same options (what --config runs/x/config.json and --resume rely on).
func FuzzConfigFile(f *testing.F) {
	toy, err := Build(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(MarshalConfig(&toy))
	img, err := Build(set("dataset", "cifar10", "data-dir", ".", "method", "sgd,asam", "baselines", "random,quantile", "imbalance-ratio", "10", "label-noise", "0.2"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(MarshalConfig(&img))
	f.Add([]byte("dataset: fashion-mnist\ndata_dir: .\nmodel: mlp3\nmethod: [sam]\nseparate_epoch: auto\nepochs: 5\nupsample_factor: 3\n"))
	f.Add([]byte(`{"dataset":"toy","method":["sgd"],"useful":false,"upsample_factor":1,"toy_n":4,"toy_beta_d":0.5,"toy_compare_beta_d":0.5}`))
	f.Add([]byte(`{"dataset":"imagenet"}`))
	f.Add([]byte(`{"method":[]}`))
	f.Add([]byte(`{"method":["sgd","sgd"]}`))
	f.Add([]byte(`{"lr":-1,"momentum":1}`))
	f.Add([]byte(`{"augment":"cropflip"}`))
	f.Add([]byte(`{"toy_n":1}`))
	f.Add([]byte(`{"dataset":"cifar10","data_dir":"/nonexistent/cifar"}`))
	f.Add([]byte(`{"useful":false,"baselines":["random"]}`))
	f.Add([]byte(`{"epochs":"600","separate_epoch":"600"}`))
	f.Add([]byte(`{"batch_size":"full","seed":1e3}`))
	f.Add(MarshalConfig(&toy)[:40])
	f.Add([]byte(`null`))
	f.Add([]byte("a: &x 3\nepochs: *x\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var ue *UsageError
		rs, err := ReadSettings(p)
		if err != nil {
			if !errors.As(err, &ue) {
				t.Fatalf("ReadSettings error %q (%T), want a *UsageError", err, err)
			}
			return
		}
		o, err := Build(rs)
		if err != nil {
			if !errors.As(err, &ue) {
				t.Fatalf("Build error %q (%T), want a *UsageError", err, err)
			}
			return
		}
		checkValid(t, &o)
		rec := MarshalConfig(&o)
		if err := os.WriteFile(p, rec, 0o644); err != nil {
			t.Fatal(err)
		}
		rs2, err := ReadSettings(p)
		if err != nil {
			t.Fatalf("config.json of valid options: %v\n%s", err, rec)
		}
		back, err := Build(rs2)
		if err != nil {
			t.Fatalf("config.json of valid options does not build: %v\n%s", err, rec)
		}
		if again := MarshalConfig(&back); string(again) != string(rec) {
			t.Fatalf("config.json does not read back equal:\n%s\n%s", rec, again)
		}
	})
}

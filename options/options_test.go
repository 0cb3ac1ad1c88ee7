package options

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func set(kv ...string) []Setting {
	var out []Setting
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Setting{Name: kv[i], Value: kv[i+1], Source: "--" + kv[i]})
	}
	return out
}

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		settings []Setting
		msg      string
	}{
		{set("upsample-factor", "0"), "--upsample-factor 0"},
		{set("epochs", "10", "separate-epoch", "10"), "--separate-epoch 10: want 1 <= separate-epoch < --epochs (10)"},
		{set("augment", "mixup"), `--augment "mixup"`},
		{set("dataset", "cifar10"), "--data-dir is required for --dataset cifar10"},
		{set("label-noise", "1.5"), "--label-noise 1.5"},
		{set("baselines", "magic"), `--baselines "magic"`},
		{set("separate-epoch", "auto", "epochs", "2"), "--separate-epoch auto needs --epochs >= 3"},
		{set("separate-epoch", "soon"), `--separate-epoch "soon": want an integer or auto`},
		{set("epochs", "1.5"), `--epochs "1.5": want an integer`},
		{set("bogus", "1"), `--bogus: unknown option "bogus"`},
		{set("batch-size", "-1"), "--batch-size -1: want >= 1, or 0 (full batch)"},
		{set("lr", "NaN"), "--lr NaN: want a finite value > 0"},
		{set("rho", "+Inf"), "--rho +Inf: want a finite value >= 0"},
	}
	for _, c := range cases {
		_, err := Build(c.settings)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Build(%v) = %v, want an error containing %q", c.settings, err, c.msg)
		}
		var ue *UsageError
		if err != nil && !errors.As(err, &ue) {
			t.Errorf("%v is not a *UsageError", err)
		}
	}
}

func TestDefaultsPerDataset(t *testing.T) {
	o, err := Build(set("dataset", "fashion-mnist", "data-dir", "."))
	if err != nil {
		t.Fatal(err)
	}
	if o.Model != "mlp3" || o.Epochs != 30 || o.BatchSize != 128 || o.LR != 0.1 || o.Rho != 0.01 || o.Momentum != 0.9 ||
		o.WeightDecay != 5e-4 || o.LRSchedule != "step" || o.SeparateEpoch != (SeparateEpoch{Epoch: 3}) || o.Augment != "none" {
		t.Fatalf("fashion-mnist defaults: %+v", o)
	}
	if got := o.LRAt(14); got != 0.1 {
		t.Errorf("LRAt(14) = %v", got)
	}
	if got := o.LRAt(15); got != 0.01 {
		t.Errorf("LRAt(15) = %v", got)
	}
	if got := o.LRAt(23); got < 0.00099 || got > 0.00101 {
		t.Errorf("LRAt(23) = %v", got)
	}
	// The model's defaults follow a --model given after the dataset's.
	v, err := Build(set("dataset", "cifar10", "data-dir", ".", "model", "vit_s"))
	if err != nil || v.LR != 0.01 || v.Rho != 0.01 || v.Epochs != 200 || v.Augment != "cropflip" {
		t.Fatalf("cifar10 vit_s: %+v, %v", v, err)
	}
	toy, err := Build(nil)
	if err != nil || toy.Model != "toy_cnn" || toy.BatchSize != 0 || toy.Epochs != 1000 || !toy.SeparateEpoch.Auto || toy.Toy.N != 10000 || toy.Momentum != 0 || toy.Rho != 0.02 ||
		len(toy.Seeds) != 3 {
		t.Fatalf("toy defaults: %+v, %v", toy, err)
	}
	// An explicit zero is kept, not replaced by the dataset's default.
	z, err := Build(set("dataset", "fashion-mnist", "data-dir", ".", "momentum", "0", "weight-decay", "0"))
	if err != nil || z.Momentum != 0 || z.WeightDecay != 0 {
		t.Fatalf("explicit zeros: %+v, %v", z, err)
	}
}

func TestLaterSettingsWin(t *testing.T) {
	o, err := Build([]Setting{{"epochs", "50", "f: epochs"}, {"method", "sgd,sam", "f: method"}, {"epochs", "70", "--epochs"}, {"method", "sam", "--method"}})
	if err != nil || o.Epochs != 70 || len(o.Methods) != 1 || o.Methods[0] != "sam" {
		t.Fatalf("%+v, %v", o, err)
	}
}

// TestConfigRoundTrip: the config.json of a run read back as a config
// file builds the same options (what --config runs/x/config.json relies
// on), for the toy and an image dataset with every kind of value.
func TestConfigRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, s := range [][]Setting{
		nil,
		set("seed", "18446744073709551615", "lr", "0.030000000000000002", "toy-compare-beta-d", "-1", "separate-epoch", "auto", "method", "sam,asam"),
		set("dataset", "cifar10", "data-dir", dir, "baselines", "random,quantile", "imbalance-ratio", "10", "label-noise", "0.2", "batch-size", "full", "sharpness", "false"),
	} {
		o, err := Build(s)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "config.json")
		if err := os.WriteFile(p, MarshalConfig(&o), 0o644); err != nil {
			t.Fatal(err)
		}
		rs, err := ReadSettings(p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Build(rs)
		if err != nil {
			t.Fatalf("%s: %v", MarshalConfig(&o), err)
		}
		if !Equal(&o, &back) || string(MarshalConfig(&back)) != string(MarshalConfig(&o)) {
			t.Fatalf("round trip differs:\n%s\n%s", MarshalConfig(&o), MarshalConfig(&back))
		}
	}
}

func TestReadSettingsErrors(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"epochs: 5\nepochz: 3\n":         `unknown option "epochz" (line 2)`,
		"epochs: 5\nepochs: 6\n":         `option "epochs" given twice (line 2)`,
		"- 1\n- 2\n":                     "want a map of option names to values, found a YAML list",
		"toy:\n  n: 3\n":                 `unknown option "toy"`,
		"method: [sgd, {a: 1}]\n":        "method: list item 1",
		"epochs:\n":                      "epochs: no value",
		"seed: [1, 2]\nepochs: [3]\n":    "", // lists are read; an integer option refuses them later
		"{\"epochs\": 5, \"lr\": 0.5}\n": "",
	}
	for text, want := range cases {
		p := filepath.Join(dir, "c.yaml")
		os.WriteFile(p, []byte(text), 0o644)
		_, err := ReadSettings(p)
		if want == "" {
			if err != nil {
				t.Errorf("%q: %v", text, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%q: %v, want an error naming %s and containing %q", text, err, p, want)
		}
	}
	if _, err := ReadSettings(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
	p := filepath.Join(dir, "c.yaml")
	os.WriteFile(p, []byte("seed: [1, 2]\nepochs: [3, 4]\n"), 0o644)
	rs, _ := ReadSettings(p)
	if _, err := Build(rs); err == nil || !strings.Contains(err.Error(), p+": epochs \"3,4\": want an integer") {
		t.Errorf("a list for an integer option: %v", err)
	}
	os.WriteFile(p, []byte("seed: [1, 2, 1]\n"), 0o644)
	rs, _ = ReadSettings(p)
	if _, err := Build(rs); err == nil || !strings.Contains(err.Error(), "--seed 1: listed twice") {
		t.Errorf("a seed listed twice: %v", err)
	}
}

func TestRunsOrder(t *testing.T) {
	o, err := Build(set("method", "sgd,sam", "baselines", "random"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range o.Runs() {
		ids = append(ids, r.ID)
	}
	want := "sgd sgd+useful sgd+random sam sam+useful sam+random sgd@beta_d=0.4 sam@beta_d=0.4"
	if strings.Join(ids, " ") != want {
		t.Fatalf("runs %v, want %s", ids, want)
	}
}

// TestEveryDatasetHasARecipe: every name --dataset accepts has its
// defaults (model, epochs, t, augmentation).
func TestEveryDatasetHasARecipe(t *testing.T) {
	for _, d := range Datasets {
		r, ok := recipes[d]
		if !ok || r.model == "" || r.epochs < 1 || r.augment == "" || (!r.separateEpoch.Auto && r.separateEpoch.Epoch < 1) {
			t.Errorf("dataset %s: recipe %+v (found %v)", d, r, ok)
		}
	}
}

// TestArgsRoundTrip: the flags of Args build the same options, the
// unrecorded ones (run directory, threads, parallel, stage) included.
func TestArgsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, s := range [][]Setting{
		nil,
		set("seed", "3,18446744073709551615", "lr", "0.030000000000000002", "toy-compare-beta-d", "-1", "separate-epoch", "auto", "method", "sam,asam",
			"run-dir", filepath.Join(dir, "a b"), "threads", "3", "parallel", "2", "stage", "probe", "resume", "true", "quiet", "true"),
		set("dataset", "cifar10", "data-dir", dir, "baselines", "random,quantile", "imbalance-ratio", "10", "label-noise", "0.2", "batch-size", "full",
			"sharpness", "false", "overwrite", "true", "models-dir", dir, "eval-every", "5"),
	} {
		o, err := Build(s)
		if err != nil {
			t.Fatal(err)
		}
		var back []Setting
		for _, a := range o.Args() {
			name, value, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
			if !ok || !strings.HasPrefix(a, "--") {
				t.Fatalf("arg %q", a)
			}
			back = append(back, Setting{Name: name, Value: value, Source: "--" + name})
		}
		b, err := Build(back)
		if err != nil {
			t.Fatalf("%v: %v", o.Args(), err)
		}
		if !Equal(&o, &b) || o.RunOptions != b.RunOptions || o.ModelOptions != b.ModelOptions {
			t.Fatalf("round trip differs:\n%+v\n%+v", o, b)
		}
	}
}

package config

import (
	"strings"
	"testing"
)

func TestAutoSeparateEpoch(t *testing.T) {
	cases := []struct {
		name string
		err  []float64
		want int
		ok   bool
	}{
		// A CIFAR-10/ResNet18-like curve (the shape of the paper's Fig. 15a):
		// drops 15, 8, 5, 4, 3, 2, 1.5 -> 1.5/18 < 10% first at epoch 8.
		{"cifar-like", []float64{55, 40, 32, 27, 23, 20, 18, 16.5, 15.5}, 8, true},
		// Fashion-MNIST mlp3/SGD seed 0 (BENCHMARKS.md): 1.05/14.94 = 7% at epoch 3.
		{"fashion-mnist", []float64{19.31, 14.94, 13.89, 13.87}, 3, true},
		{"still falling fast", []float64{80, 60, 45, 33}, 0, false},
		{"one epoch", []float64{50}, 0, false},
		{"flat", []float64{5, 5, 5}, 0, false},
		// The toy's full-batch GD curve (seed 0): slow start, fast phase, then
		// the drop 6.22 -> 5.69 (8.5%) at epoch 11.
		{"toy", []float64{92.65, 89.21, 81.87, 67.20, 45.80, 27.83, 16.29, 10.44, 7.59, 6.22, 5.69, 5.28}, 11, true},
	}
	for _, c := range cases {
		got, ok := AutoSeparateEpoch(c.err)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: AutoSeparateEpoch(%v) = %d, %v; want %d, %v", c.name, c.err, got, ok, c.want, c.ok)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	cases := []struct {
		edit func(o *Options)
		msg  string
	}{
		{func(o *Options) { o.Stage = "nope" }, `--stage "nope"`},
		{func(o *Options) { o.UpsampleFactor = 0 }, "--upsample-factor 0"},
		{func(o *Options) {
			o.Epochs = 10
			o.SeparateEpoch = 10
			o.MarkSet("epochs")
			o.MarkSet("separate-epoch")
		}, "--separate-epoch 10"},
		{func(o *Options) { o.Augment = "mixup" }, `--augment "mixup"`},
		{func(o *Options) { o.Dataset = "cifar10" }, "--data-dir is required for --dataset cifar10"},
		{func(o *Options) { o.LabelNoise = 1.5 }, "--label-noise 1.5"},
		{func(o *Options) { o.Baselines = []string{"magic"} }, `--baselines "magic"`},
		{func(o *Options) { o.AutoSeparate = true; o.Epochs = 2; o.MarkSet("epochs") }, "--separate-epoch auto needs --epochs >= 3"},
	}
	for _, c := range cases {
		o := DefaultOptions()
		c.edit(&o)
		err := o.Resolve()
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Resolve() = %v, want an error containing %q", err, c.msg)
		}
		if _, ok := err.(*UsageError); err != nil && !ok {
			t.Errorf("%v is not a *UsageError", err)
		}
	}
}

func TestImageDefaults(t *testing.T) {
	o := DefaultOptions()
	o.Dataset = "fashion-mnist"
	if err := o.Resolve(); err != nil && !strings.Contains(err.Error(), "--data-dir") {
		t.Fatal(err)
	}
	if o.Model != "mlp3" || o.Epochs != 30 || o.BatchSize != 128 || o.LR != 0.1 || o.Rho != 0.01 || o.Momentum != 0.9 || o.WeightDecay != 5e-4 || o.LRSchedule != "step" || o.SeparateEpoch != FashionMNISTSeparateEpoch {
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
}

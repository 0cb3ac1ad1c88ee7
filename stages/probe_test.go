package stages

import "testing"

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

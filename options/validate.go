package options

import (
	"math"
	"os"
	"slices"
	"strings"
)

// Upper bounds of integer options whose size scales memory: beyond them a
// run would exhaust memory or threads instead of failing with a message.
const (
	// MaxUpsampleFactor bounds --upsample-factor (the training list grows
	// by factor-1 copies of every slow example; the paper uses 2 to 5).
	MaxUpsampleFactor = 100
	// MaxThreads bounds --threads (TensorFlow starts that many threads).
	MaxThreads = 1024
	// MaxParallel bounds --parallel (processes started at once).
	MaxParallel = 256
	// MaxImageSide bounds --image-size's height and width.
	MaxImageSide = 4096
	// MaxToyN bounds --toy-n (train and test sets of N examples of 3x50
	// floats are generated in memory).
	MaxToyN = 1_000_000
)

// Validate checks o and returns a *UsageError naming the first option out
// of range and its value; it changes nothing. The stage name is checked
// by the pipeline against its registry, the batch size against the data
// once it is loaded.
func (o *Options) Validate() error {
	if o.RunDir == "" {
		return Usagef("--run-dir is empty")
	}
	if err := o.validateData(); err != nil {
		return err
	}
	if len(o.Methods) == 0 {
		return Usagef("--method is empty; want a comma list of %s", strings.Join(Methods, ", "))
	}
	for i, m := range o.Methods {
		if !slices.Contains(Methods, m) {
			return Usagef("--method %q: unknown method; want a comma list of %s", m, strings.Join(Methods, ", "))
		}
		if slices.Contains(o.Methods[:i], m) {
			return Usagef("--method %q: listed twice", m)
		}
	}
	if len(o.Seeds) == 0 {
		return Usagef("--seed is empty; want a seed or a comma list of seeds")
	}
	for i, sd := range o.Seeds {
		if slices.Contains(o.Seeds[:i], sd) {
			return Usagef("--seed %d: listed twice", sd)
		}
	}
	if o.Epochs < 1 {
		return Usagef("--epochs %d: want >= 1", o.Epochs)
	}
	if o.Useful {
		t := o.SeparateEpoch
		switch {
		case t.Auto && o.Epochs < 3:
			return Usagef("--separate-epoch auto needs --epochs >= 3, got %d", o.Epochs)
		case !t.Auto && (t.Epoch < 1 || t.Epoch >= o.Epochs):
			return Usagef("--separate-epoch %d: want 1 <= separate-epoch < --epochs (%d)", t.Epoch, o.Epochs)
		}
	}
	if o.UpsampleFactor < 1 {
		return Usagef("--upsample-factor %d: want >= 1", o.UpsampleFactor)
	}
	if o.UpsampleFactor > MaxUpsampleFactor {
		return Usagef("--upsample-factor %d: want <= %d", o.UpsampleFactor, MaxUpsampleFactor)
	}
	if o.BatchSize < 0 {
		return Usagef("--batch-size %d: want >= 1, or 0 (full batch)", o.BatchSize)
	}
	if !(o.LR > 0) || math.IsInf(o.LR, 0) {
		return Usagef("--lr %v: want a finite value > 0", o.LR)
	}
	if !(o.Momentum >= 0 && o.Momentum < 1) {
		return Usagef("--momentum %v: want 0 <= momentum < 1", o.Momentum)
	}
	for _, v := range []struct {
		name string
		x    float64
	}{{"weight-decay", o.WeightDecay}, {"rho", o.Rho}, {"asam-rho", o.ASAMRho}} {
		if !finiteAtLeast0(v.x) {
			return Usagef("--%s %v: want a finite value >= 0", v.name, v.x)
		}
	}
	if !finiteAtLeast0(o.MixUp) {
		return Usagef("--mixup %v: want a finite alpha >= 0 (0: off)", o.MixUp)
	}
	if o.MixUp > 0 && o.Dataset == Toy {
		return Usagef("--mixup %v: the toy data takes no augmentation", o.MixUp)
	}
	if !slices.Contains(LRSchedules, o.LRSchedule) {
		return Usagef("--lr-schedule %q: want constant or step", o.LRSchedule)
	}
	if !slices.Contains(Augmentations, o.Augment) {
		return Usagef("--augment %q: want one of %s", o.Augment, strings.Join(Augmentations, ", "))
	}
	if o.Dataset == Toy && o.Augment != "none" {
		return Usagef("--augment %q: the toy data takes no augmentation", o.Augment)
	}
	for i, b := range o.Baselines {
		if !slices.Contains(Baselines, b) {
			return Usagef("--baselines %q: unknown baseline; want a comma list of %s", b, strings.Join(Baselines, ", "))
		}
		if slices.Contains(o.Baselines[:i], b) {
			return Usagef("--baselines %q: listed twice", b)
		}
		if !o.Useful {
			return Usagef("--baselines %q needs --useful (its size comes from USEFUL's clusters)", b)
		}
	}
	if o.Parallel < 1 || o.Parallel > MaxParallel {
		return Usagef("--parallel %d: want 1..%d", o.Parallel, MaxParallel)
	}
	if o.Threads < 0 {
		return Usagef("--threads %d: want >= 0", o.Threads)
	}
	if o.Threads > MaxThreads {
		return Usagef("--threads %d: want <= %d", o.Threads, MaxThreads)
	}
	if o.EvalEvery < 0 {
		return Usagef("--eval-every %d: want >= 0 (0: never)", o.EvalEvery)
	}
	if o.Model == "" {
		return Usagef("--model is empty")
	}
	return nil
}

func (o *Options) validateData() error {
	if !slices.Contains(Datasets, o.Dataset) {
		return Usagef("--dataset %q: unknown dataset; want one of %s", o.Dataset, strings.Join(Datasets, ", "))
	}
	if o.Dataset == Toy {
		t := o.Toy
		switch {
		case t.N < 2:
			return Usagef("--toy-n %d: want >= 2", t.N)
		case t.N > MaxToyN:
			return Usagef("--toy-n %d: want <= %d", t.N, MaxToyN)
		case !finiteAtLeast0(t.BetaD):
			return Usagef("--toy-beta-d %v: want a finite value >= 0", t.BetaD)
		case !finiteAtLeast0(t.CompareBetaD):
			return Usagef("--toy-compare-beta-d %v: want a finite value (>= 0; a negative one turns the comparison off)", t.CompareBetaD)
		}
	} else if o.DataDir == "" {
		return Usagef("--data-dir is required for --dataset %s", o.Dataset)
	}
	if o.DataDir != "" {
		st, err := os.Stat(o.DataDir)
		if err != nil {
			return Usagef("--data-dir %q: %v", o.DataDir, err)
		}
		if !st.IsDir() {
			return Usagef("--data-dir %q: not a folder", o.DataDir)
		}
	}
	if sz := o.ImageSize; sz != ([2]int{}) && (sz[0] < 1 || sz[1] < 1 || sz[0] > MaxImageSide || sz[1] > MaxImageSide) {
		return Usagef("--image-size %d,%d: want H,W between 1 and %d", sz[0], sz[1], MaxImageSide)
	}
	if o.ImageSize != ([2]int{}) && o.Dataset != ImageFolder {
		return Usagef("--image-size %d,%d: only for --dataset %s", o.ImageSize[0], o.ImageSize[1], ImageFolder)
	}
	if !(o.ImbalanceRatio == 0 || o.ImbalanceRatio >= 1) || math.IsInf(o.ImbalanceRatio, 0) {
		return Usagef("--imbalance-ratio %v: want a finite value >= 1 (0 means balanced)", o.ImbalanceRatio)
	}
	if !(o.LabelNoise >= 0 && o.LabelNoise < 1) {
		return Usagef("--label-noise %v: want 0 <= fraction < 1", o.LabelNoise)
	}
	return nil
}

func finiteAtLeast0(x float64) bool { return x >= 0 && !math.IsInf(x, 0) }

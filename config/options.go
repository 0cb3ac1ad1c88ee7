package config

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
)

// Stages in the order --stage all runs them.
var Stages = []string{"load", "probe", "extract", "cluster", "resample", "retrain", "evaluate", "report"}

// Methods the train step supports.
var Methods = []string{"sgd", "sam", "asam"}

// Datasets the load stage knows: the toy distribution and the on-disk
// formats of dataset/loaders.
var Datasets = []string{"toy", "fashion-mnist", "mnist", "cifar10", "cifar100", "cifar100-coarse", "stl10", "cinic10", "tinyimagenet"}

// Baselines of --baselines (the paper's comparisons, each from the same W0
// and probe as USEFUL).
var Baselines = []string{"random", "upweight", "quantile", "misclassified"}

// Augmentations of --augment.
var Augmentations = []string{"none", "cropflip", "trivialaugment"}

// imageDefaults are the per-dataset defaults of the paper's recipe (SPEC
// "The method": separating epochs and models).
var imageDefaults = map[string]struct {
	model         string
	separateEpoch int
	augment       string
}{
	"fashion-mnist":   {"mlp3", FashionMNISTSeparateEpoch, "none"},
	"mnist":           {"mlp3", FashionMNISTSeparateEpoch, "none"},
	"cifar10":         {"preact_resnet18", 8, "cropflip"},
	"cifar100":        {"resnet34", 20, "cropflip"},
	"cifar100-coarse": {"resnet34", 20, "cropflip"},
	"stl10":           {"preact_resnet18", 11, "cropflip"},
	"cinic10":         {"preact_resnet18", 4, "cropflip"},
	"tinyimagenet":    {"preact_resnet18", 10, "cropflip"},
}

// Options is everything a run needs. Zero values of the numeric fields mean
// "the dataset's default" and are filled in by Resolve; config.json records
// the resolved values.
type Options struct {
	Stage     string   `json:"-"`
	RunDir    string   `json:"-"`
	Resume    bool     `json:"-"`
	Quiet     bool     `json:"-"`
	ModelsDir string   `json:"-"`
	Dataset   string   `json:"dataset"`
	DataDir   string   `json:"data_dir"`
	Model     string   `json:"model"`
	Methods   []string `json:"methods"`
	Useful    bool     `json:"useful"`
	// SeparateEpoch is t, the epoch after which examples are clustered.
	SeparateEpoch int `json:"separate_epoch"`
	// AutoSeparate chooses t from the probe's training-error curve (see
	// AutoSeparateEpoch); SeparateEpoch is then unused.
	AutoSeparate   bool `json:"auto_separate,omitempty"`
	UpsampleFactor int  `json:"upsample_factor"`
	Epochs         int  `json:"epochs"`
	BatchSize      int  `json:"batch_size"`
	// FullBatch makes every step use the whole training list (the toy's
	// full-batch GD; a USEFUL list is longer than the training set).
	FullBatch   bool    `json:"full_batch"`
	LR          float64 `json:"lr"`
	LRSchedule  string  `json:"lr_schedule"`
	Momentum    float64 `json:"momentum"`
	WeightDecay float64 `json:"weight_decay"`
	Rho         float64 `json:"rho"`
	// ASAMRho is ASAM's radius (the paper's ASAM rows use 1.0).
	ASAMRho float64 `json:"asam_rho"`
	Seed    uint64  `json:"seed"`
	Threads int     `json:"-"`
	// Sharpness computes lambda_max and lambda_max/lambda_5 of the loss
	// Hessian (Lanczos) for every final model in the evaluate stage.
	Sharpness bool `json:"sharpness"`
	// Augment is none, cropflip (random crop with padding H/8, horizontal
	// flip) or trivialaugment (crop/flip then TrivialAugmentWide).
	Augment string `json:"augment"`
	// ImbalanceRatio > 1 subsamples the training set to a long-tail
	// profile (largest/smallest class); 0 or 1 means none.
	ImbalanceRatio float64 `json:"imbalance_ratio,omitempty"`
	// LabelNoise flips this fraction of training labels (seeded).
	LabelNoise float64 `json:"label_noise,omitempty"`
	// Baselines adds comparison runs per method: "random" upsamples a
	// random set of the same size per class as USEFUL's slow cluster.
	Baselines []string `json:"baselines,omitempty"`
	// Toy holds the toy distribution's settings (dataset toy only).
	Toy *ToyOptions `json:"toy,omitempty"`

	set map[string]bool // flags the user gave explicitly
}

// ToyOptions are the synthetic distribution's parameters (SPEC "The toy
// experiment").
type ToyOptions struct {
	N        int     `json:"n"`
	D        int     `json:"d"`
	P        int     `json:"p"`
	BetaE    float64 `json:"beta_e"`
	BetaD    float64 `json:"beta_d"`
	Alpha    float64 `json:"alpha"`
	NoiseStd float64 `json:"noise_std"`
	Filters  int     `json:"filters"`
	// CompareBetaD adds baseline runs at this slow-feature strength (paper:
	// 0.4) to show that a stronger slow feature helps; 0 means none.
	CompareBetaD float64 `json:"compare_beta_d"`
}

// UsageError is an error in the options or the command line: the command
// exits with status 2 and nothing is written to the run directory.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, a ...any) error { return &UsageError{fmt.Sprintf(format, a...)} }

// MarkSet records that the named option was given explicitly (so Resolve
// keeps it even where the dataset default differs).
func (o *Options) MarkSet(name string) {
	if o.set == nil {
		o.set = map[string]bool{}
	}
	o.set[name] = true
}

func (o *Options) isSet(name string) bool { return o.set[name] }

// DefaultOptions returns the options of `useful-pipeline` with no flags:
// the paper's toy experiment.
func DefaultOptions() Options {
	return Options{Stage: "all", RunDir: "runs/default", ModelsDir: "models", Dataset: "toy",
		Methods: []string{"sgd", "sam"}, Useful: true, UpsampleFactor: 2, Sharpness: true}
}

// Resolve fills dataset defaults into the options not set explicitly and
// validates the result. Errors are *UsageError naming the flag and the value.
func (o *Options) Resolve() error {
	if o.Stage != "all" && !slices.Contains(Stages, o.Stage) {
		return usagef("--stage %q: unknown stage; want all or one of %s", o.Stage, strings.Join(Stages, ", "))
	}
	if o.RunDir == "" {
		return usagef("--run-dir is empty")
	}
	switch {
	case o.Dataset == "toy":
		o.resolveToy()
	case slices.Contains(Datasets, o.Dataset):
		if err := o.resolveImages(); err != nil {
			return err
		}
	default:
		return usagef("--dataset %q: unknown dataset; want one of %s", o.Dataset, strings.Join(Datasets, ", "))
	}
	if o.Toy != nil {
		t := o.Toy
		switch {
		case t.N < 2:
			return usagef("--toy-n %d: want >= 2", t.N)
		case t.N > MaxToyN:
			return usagef("--toy-n %d: want <= %d", t.N, MaxToyN)
		case !(t.BetaD >= 0) || math.IsInf(t.BetaD, 0):
			return usagef("--toy-beta-d %v: want a finite value >= 0", t.BetaD)
		case !(t.CompareBetaD >= 0) || math.IsInf(t.CompareBetaD, 0):
			return usagef("--toy-compare-beta-d %v: want a finite value (>= 0; a negative one turns the comparison off)", t.CompareBetaD)
		}
	}
	if o.DataDir != "" {
		st, err := os.Stat(o.DataDir)
		if err != nil {
			return usagef("--data-dir %q: %v", o.DataDir, err)
		}
		if !st.IsDir() {
			return usagef("--data-dir %q: not a folder", o.DataDir)
		}
	}
	if len(o.Methods) == 0 {
		return usagef("--method is empty; want a comma list of %s", strings.Join(Methods, ", "))
	}
	seen := map[string]bool{}
	for _, m := range o.Methods {
		if !slices.Contains(Methods, m) {
			return usagef("--method %q: unknown method; want a comma list of %s", m, strings.Join(Methods, ", "))
		}
		if seen[m] {
			return usagef("--method %q: listed twice", m)
		}
		seen[m] = true
	}
	if o.Epochs < 1 {
		return usagef("--epochs %d: want >= 1", o.Epochs)
	}
	if o.Useful && o.AutoSeparate {
		if o.Epochs < 3 {
			return usagef("--separate-epoch auto needs --epochs >= 3, got %d", o.Epochs)
		}
		o.SeparateEpoch = 0
	} else if o.Useful {
		if o.SeparateEpoch < 1 || o.SeparateEpoch >= o.Epochs {
			return usagef("--separate-epoch %d: want 1 <= separate-epoch < --epochs (%d)", o.SeparateEpoch, o.Epochs)
		}
	}
	if o.UpsampleFactor < 1 {
		return usagef("--upsample-factor %d: want >= 1", o.UpsampleFactor)
	}
	if o.UpsampleFactor > MaxUpsampleFactor {
		return usagef("--upsample-factor %d: want <= %d", o.UpsampleFactor, MaxUpsampleFactor)
	}
	if o.BatchSize < 1 {
		return usagef("--batch-size %d: want >= 1", o.BatchSize)
	}
	if !(o.LR > 0) || math.IsInf(o.LR, 0) {
		return usagef("--lr %v: want a finite value > 0", o.LR)
	}
	if !(o.Momentum >= 0 && o.Momentum < 1) {
		return usagef("--momentum %v: want 0 <= momentum < 1", o.Momentum)
	}
	if !(o.WeightDecay >= 0) || math.IsInf(o.WeightDecay, 0) {
		return usagef("--weight-decay %v: want a finite value >= 0", o.WeightDecay)
	}
	if o.ASAMRho == 0 && !o.isSet("asam-rho") {
		o.ASAMRho = 1.0
	}
	if !(o.ASAMRho >= 0) || math.IsInf(o.ASAMRho, 0) {
		return usagef("--asam-rho %v: want a finite value >= 0", o.ASAMRho)
	}
	if !(o.Rho >= 0) || math.IsInf(o.Rho, 0) {
		return usagef("--rho %v: want a finite value >= 0", o.Rho)
	}
	if o.LRSchedule != "constant" && o.LRSchedule != "step" {
		return usagef("--lr-schedule %q: want constant or step", o.LRSchedule)
	}
	if !slices.Contains(Augmentations, o.Augment) {
		return usagef("--augment %q: want one of %s", o.Augment, strings.Join(Augmentations, ", "))
	}
	if o.Dataset == "toy" && o.Augment != "none" {
		return usagef("--augment %q: the toy data takes no augmentation", o.Augment)
	}
	if !(o.ImbalanceRatio == 0 || o.ImbalanceRatio >= 1) || math.IsInf(o.ImbalanceRatio, 0) {
		return usagef("--imbalance-ratio %v: want a finite value >= 1 (0 means balanced)", o.ImbalanceRatio)
	}
	if !(o.LabelNoise >= 0 && o.LabelNoise < 1) {
		return usagef("--label-noise %v: want 0 <= fraction < 1", o.LabelNoise)
	}
	for i, b := range o.Baselines {
		if !slices.Contains(Baselines, b) {
			return usagef("--baselines %q: unknown baseline; want a comma list of %s", b, strings.Join(Baselines, ", "))
		}
		if slices.Contains(o.Baselines[:i], b) {
			return usagef("--baselines %q: listed twice", b)
		}
		if !o.Useful {
			return usagef("--baselines %q needs --useful (its size comes from USEFUL's clusters)", b)
		}
	}
	if o.Threads < 0 {
		return usagef("--threads %d: want >= 0", o.Threads)
	}
	if o.Threads > MaxThreads {
		return usagef("--threads %d: want <= %d", o.Threads, MaxThreads)
	}
	return nil
}

// CheckBatchSize returns a *UsageError if --batch-size, given explicitly,
// exceeds n, the number of training examples (a batch buffer of that many
// examples would be allocated for nothing).
func (o *Options) CheckBatchSize(n int) error {
	if o.isSet("batch-size") && o.BatchSize > n {
		return usagef("--batch-size %d: want <= %d, the number of training examples", o.BatchSize, n)
	}
	return nil
}

// resolveToy: SPEC "The toy experiment" — full-batch GD, lr 0.1, no
// momentum, 600 iterations (one epoch is one full-batch step), SAM rho 0.02.
func (o *Options) resolveToy() {
	def := func(name string, p *int, v int) {
		if !o.isSet(name) && *p == 0 {
			*p = v
		}
	}
	deff := func(name string, p *float64, v float64) {
		if !o.isSet(name) && *p == 0 {
			*p = v
		}
	}
	if o.Model == "" {
		o.Model = "toy_cnn"
	}
	if o.Toy == nil {
		o.Toy = &ToyOptions{}
	}
	t := o.Toy
	def("toy-n", &t.N, 10000)
	t.D, t.P, t.BetaE, t.Alpha, t.NoiseStd, t.Filters = 50, 3, 1, 0.9, 0.125, 40
	deff("toy-beta-d", &t.BetaD, 0.2)
	deff("toy-compare-beta-d", &t.CompareBetaD, 0.4)
	def("epochs", &o.Epochs, 600)
	def("separate-epoch", &o.SeparateEpoch, ToySeparateEpoch)
	if !o.isSet("batch-size") && o.BatchSize == 0 {
		o.BatchSize, o.FullBatch = t.N, true
	}
	deff("lr", &o.LR, 0.1)
	deff("rho", &o.Rho, 0.02)
	if o.LRSchedule == "" {
		o.LRSchedule = "constant"
	}
	if o.Augment == "" {
		o.Augment = "none"
	}
}

// resolveImages fills the paper's recipe (Appendix C.1): batch 128, SGD
// momentum 0.9, weight decay 5e-4, lr 0.1 divided by 10 at 50% and 75% of
// 200 epochs, SAM rho 0.1 (0.01 for the MLP and ViT, whose lr is 0.01).
func (o *Options) resolveImages() error {
	d := imageDefaults[o.Dataset]
	if o.Model == "" {
		o.Model = d.model
	}
	if o.DataDir == "" {
		o.DataDir = DefaultDataDir(o.Dataset)
		if o.DataDir == "" {
			return usagef("--data-dir is required for --dataset %s", o.Dataset)
		}
	}
	def := func(name string, p *int, v int) {
		if !o.isSet(name) && *p == 0 {
			*p = v
		}
	}
	deff := func(name string, p *float64, v float64) {
		if !o.isSet(name) && *p == 0 {
			*p = v
		}
	}
	small := o.Model == "mlp3" || o.Model == "vit_s"
	epochs := 200
	if o.Dataset == "fashion-mnist" || o.Dataset == "mnist" {
		epochs = 30 // the Fashion-MNIST benchmark's recipe (make bench-fmnist)
	}
	def("epochs", &o.Epochs, epochs)
	def("separate-epoch", &o.SeparateEpoch, d.separateEpoch)
	def("batch-size", &o.BatchSize, 128)
	if small && o.Model == "vit_s" {
		deff("lr", &o.LR, 0.01)
	}
	deff("lr", &o.LR, 0.1)
	deff("momentum", &o.Momentum, 0.9)
	deff("weight-decay", &o.WeightDecay, 5e-4)
	if small {
		deff("rho", &o.Rho, 0.01)
	}
	deff("rho", &o.Rho, 0.1)
	if o.LRSchedule == "" {
		o.LRSchedule = "step"
	}
	if o.Augment == "" {
		o.Augment = d.augment
	}
	o.Toy = nil
	return nil
}

// DefaultDataDir is where --dataset finds its files without --data-dir:
// Debian's dataset-fashion-mnist package for fashion-mnist, none otherwise.
func DefaultDataDir(dataset string) string {
	if dataset == "fashion-mnist" {
		return "/usr/share/datasets/fashion-mnist"
	}
	return ""
}

// Upper bounds of integer options whose size scales memory: beyond them a
// run would exhaust memory or threads instead of failing with a message.
const (
	// MaxUpsampleFactor bounds --upsample-factor (the training list grows
	// by factor-1 copies of every slow example; the paper uses 2 to 5).
	MaxUpsampleFactor = 100
	// MaxThreads bounds --threads (TensorFlow starts that many threads).
	MaxThreads = 1024
	// MaxToyN bounds --toy-n (train and test sets of N examples of 3x50
	// floats are generated in memory).
	MaxToyN = 1_000_000
)

// Constants of the toy default, chosen and justified in docs/DESIGN.md.
const (
	// ToySeparateEpoch is t for the toy data (full-batch iterations).
	ToySeparateEpoch = 30
	// FashionMNISTSeparateEpoch is t for (Fashion-)MNIST, chosen by the
	// paper's rule on the training curve of the benchmark (BENCHMARKS.md).
	FashionMNISTSeparateEpoch = 3
)

// RunSpec is one training run of a report: a method, with or without
// USEFUL, on a data variant.
type RunSpec struct {
	ID     string `json:"id"`
	Method string `json:"method"`
	Useful bool   `json:"useful"`
	// Selection is "" for USEFUL's slow cluster, or a baseline ("random").
	Selection string  `json:"selection,omitempty"`
	BetaD     float64 `json:"beta_d,omitempty"` // toy only
}

// Runs lists the runs --stage all trains, in report order: for each method
// the baseline, then USEFUL; then the toy's comparison baselines at
// CompareBetaD.
func (o *Options) Runs() []RunSpec {
	var out []RunSpec
	bd := 0.0
	if o.Toy != nil {
		bd = o.Toy.BetaD
	}
	for _, m := range o.Methods {
		out = append(out, RunSpec{ID: m, Method: m, BetaD: bd})
		if o.Useful {
			out = append(out, RunSpec{ID: m + "+useful", Method: m, Useful: true, BetaD: bd})
		}
		for _, b := range o.Baselines {
			out = append(out, RunSpec{ID: m + "+" + b, Method: m, Useful: true, Selection: b, BetaD: bd})
		}
	}
	if o.Toy != nil && o.Toy.CompareBetaD > 0 && o.Toy.CompareBetaD != o.Toy.BetaD {
		for _, m := range o.Methods {
			out = append(out, RunSpec{ID: fmt.Sprintf("%s@beta_d=%g", m, o.Toy.CompareBetaD), Method: m, BetaD: o.Toy.CompareBetaD})
		}
	}
	return out
}

// ProbeMethods lists the methods whose USEFUL run needs a probe.
func (o *Options) ProbeMethods() []string {
	if !o.Useful {
		return nil
	}
	return o.Methods
}

// LRAt returns the learning rate of epoch e (0-based): constant, or the
// paper's step schedule (divided by 10 at 50% and 75% of the epochs).
func (o *Options) LRAt(e int) float64 {
	lr := o.LR
	if o.LRSchedule == "step" {
		if 2*e >= o.Epochs {
			lr /= 10
		}
		if 4*e >= 3*o.Epochs {
			lr /= 10
		}
	}
	return lr
}

// StagesOrder returns the stages in run order.
func StagesOrder() []string { return Stages }

// AutoSeparateDrop is the threshold of the rule of --separate-epoch auto:
// an epoch e is "fast" when its drop in training error, err(e-1) - err(e),
// is at least this fraction of err(e-1); t is the first epoch after a fast
// epoch whose drop is below it ("when the per-epoch drop of training error
// starts to shrink", paper Section 4 and Fig. 15a).
const AutoSeparateDrop = 0.10

// AutoSeparateEpoch applies the rule to training errors err[0] (after epoch
// 1), err[1], ...; ok is false while no epoch satisfies it yet. Waiting for
// a fast epoch first keeps the rule from firing before learning starts (the
// toy data's error falls slowly at first).
func AutoSeparateEpoch(err []float64) (t int, ok bool) {
	fast := false
	for e := 1; e < len(err); e++ {
		if err[e-1]-err[e] >= AutoSeparateDrop*err[e-1] {
			fast = true
			continue
		}
		if fast {
			return e + 1, true
		}
	}
	return 0, false
}

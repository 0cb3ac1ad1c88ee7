package options

import "fmt"

// Options is a resolved run: every field holds its value (defaults filled
// in by Build). The embedded groups are the help groups of the command and
// the units the stage records hash.
type Options struct {
	DataOptions
	ModelOptions
	TrainOptions
	UsefulOptions
	EvalOptions
	RunOptions
}

// DataOptions say what data a run trains on.
type DataOptions struct {
	// Dataset is "toy" (the paper's synthetic distribution) or an on-disk
	// format of dataset/loaders (see Datasets).
	Dataset string
	// DataDir is the folder holding the dataset files as distributed.
	DataDir string
	// ImbalanceRatio > 1 subsamples the training set to a long-tail profile
	// (largest/smallest class); 0 means balanced.
	ImbalanceRatio float64
	// LabelNoise flips this fraction of training labels (seeded).
	LabelNoise float64
	// ImageSize, when set (height, width), resizes the images of an image
	// folder to it; zero means every image must have one size.
	ImageSize [2]int
	// Toy holds the synthetic distribution's settings (dataset toy only).
	Toy ToyOptions
}

// ToyOptions are the settable parameters of the synthetic distribution;
// its constants (d, P, beta_e, alpha, noise) live in dataset/toy.
type ToyOptions struct {
	// N is the number of training (and of test) examples.
	N int
	// BetaD is the slow feature's strength.
	BetaD float64
	// CompareBetaD adds baseline runs at this slow-feature strength (the
	// paper's 0.4); 0 means none.
	CompareBetaD float64
}

// ModelOptions say which SavedModel trains and how TensorFlow runs it.
type ModelOptions struct {
	// Model names the architecture (the folder prefix under ModelsDir).
	Model string
	// ModelsDir is the folder of exported SavedModels.
	ModelsDir string
	// Threads is TensorFlow's intra-op thread count; 0 means one per CPU.
	Threads int
}

// TrainOptions are the optimisation recipe shared by every run.
type TrainOptions struct {
	// Methods are the optimisers to compare ("sgd", "sam", "asam").
	Methods []string
	Epochs  int
	// BatchSize is the batch size; 0 means the whole training list per
	// step (full-batch GD, the toy's).
	BatchSize   int
	LR          float64
	LRSchedule  string // "constant" or "step"
	Momentum    float64
	WeightDecay float64
	// Rho is SAM's neighbourhood radius, ASAMRho ASAM's.
	Rho, ASAMRho float64
	// Augment is "none", "cropflip" or "trivialaugment".
	Augment string
	// MixUp, if positive, mixes every training batch with lambda ~
	// Beta(MixUp, MixUp) and trains on the soft labels (Table 8); 0 is off.
	MixUp float64
	// Seeds are the seeds to run: every random choice (the data, W0, the
	// order, the clusters) derives from one. A run of several seeds runs
	// each in its own folder and reports mean ± std over them.
	Seeds []uint64
}

// UsefulOptions say what USEFUL does between the probe and the retraining.
type UsefulOptions struct {
	// Useful trains a USEFUL run beside each method's baseline.
	Useful bool
	// SeparateEpoch is t, the epoch after which examples are clustered.
	SeparateEpoch SeparateEpoch
	// UpsampleFactor is how many times a slow example appears per epoch.
	UpsampleFactor int
	// Baselines adds the paper's comparison runs (see Baselines).
	Baselines []string
}

// EvalOptions select the analyses of the final models.
type EvalOptions struct {
	// Sharpness computes lambda_max and lambda_max/lambda_5 of the loss
	// Hessian (Lanczos) for every final model.
	Sharpness bool
	// EvalEvery measures the test accuracy after every EvalEvery-th epoch
	// of each training run (curves.csv, TensorBoard); 0 means never.
	EvalEvery int
}

// RunOptions say where and how a run executes; they are not recorded as
// part of what a run computes (config.json leaves them out).
type RunOptions struct {
	// Stage is "all" or one stage name of the pipeline's registry.
	Stage  string
	RunDir string
	// Resume continues the run in RunDir; Overwrite replaces it with a new
	// one (removing the old once the new has its first stage).
	Resume, Overwrite bool
	// Quiet prints log lines instead of progress bars.
	Quiet bool
	// Parallel is how many seeds of a run of several run at once, each in
	// its own process (pipeline.IO.Self) with Threads/Parallel TensorFlow
	// threads (at least 1) when Threads is 0.
	Parallel int
}

// SeparateEpoch is t: a fixed epoch, or Auto (chosen from the probe's
// training-error curve by the rule of the probe stage). It is a pflag.Value.
type SeparateEpoch struct {
	Auto  bool
	Epoch int
}

// String returns "auto" or the epoch.
func (s SeparateEpoch) String() string {
	if s.Auto {
		return "auto"
	}
	return fmt.Sprint(s.Epoch)
}

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

// Runs lists the runs the retrain stage trains, in report order: for each
// method the baseline, then USEFUL, then the baselines' selections; then
// the toy's comparison baselines at CompareBetaD.
func (o *Options) Runs() []RunSpec {
	var out []RunSpec
	bd := 0.0
	if o.Dataset == Toy {
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
	if o.Dataset == Toy && o.Toy.CompareBetaD > 0 && o.Toy.CompareBetaD != o.Toy.BetaD {
		for _, m := range o.Methods {
			out = append(out, RunSpec{ID: fmt.Sprintf("%s@beta_d=%g", m, o.Toy.CompareBetaD), Method: m, BetaD: o.Toy.CompareBetaD})
		}
	}
	return out
}

// Seed returns the seed of a one-seed run (the pipeline runs each seed of
// a multi-seed run with Seeds of one); it panics otherwise.
func (o *Options) Seed() uint64 {
	if len(o.Seeds) != 1 {
		panic(fmt.Sprintf("options: Seed of a run of %d seeds", len(o.Seeds)))
	}
	return o.Seeds[0]
}

// ProbeMethods lists the methods whose USEFUL run needs a probe.
func (o *Options) ProbeMethods() []string {
	if !o.Useful {
		return nil
	}
	return o.Methods
}

// MainBetaD is the toy's slow-feature strength of the probe and USEFUL
// runs (0 for other datasets).
func (o *Options) MainBetaD() float64 {
	if o.Dataset == Toy {
		return o.Toy.BetaD
	}
	return 0
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

// RhoFor returns the neighbourhood radius of method: Rho for SAM, ASAMRho
// for ASAM, 0 for SGD.
func (o *Options) RhoFor(method string) float64 {
	switch method {
	case "sam":
		return o.Rho
	case "asam":
		return o.ASAMRho
	}
	return 0
}

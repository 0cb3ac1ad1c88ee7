package options

import (
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
	"github.com/useful-pipeline/useful-pipeline/dataset/toy"
)

// Toy is the dataset name of the paper's synthetic distribution.
const Toy = "toy"

// Datasets lists the values of Dataset: the toy and the on-disk formats
// that dataset/loaders reads (each has a recipe below; a test checks it).
var Datasets = append([]string{Toy}, loaders.Names...)

// ImageFolder is the dataset name of the user's own images:
// DIR/train/<class>/* and DIR/test/<class>/* (or val/).
const ImageFolder = "imagefolder"

// Methods are the train steps a run can compare.
var Methods = []string{"sgd", "sam", "asam"}

// Baselines are the paper's comparisons, each from the same W0 and probe
// as USEFUL: random upsampling of the same size per class (Fig. 6), loss
// upweighting of the slow cluster (Table 5), the QUANTILE and
// MISCLASSIFICATION partitions (Table 7).
var Baselines = []string{"random", "upweight", "quantile", "misclassified"}

// Augmentations are the values of Augment.
var Augmentations = []string{"none", "cropflip", "trivialaugment"}

// LRSchedules are the values of LRSchedule.
var LRSchedules = []string{"constant", "step"}

// recipe is a dataset's part of the paper's recipe (SPEC "The method",
// Appendix C.1): its model, epochs, separating epoch and augmentation.
type recipe struct {
	model         string
	epochs        int
	separateEpoch SeparateEpoch
	augment       string
	dataDir       string
}

// recipes holds every dataset's defaults: the one place they are written.
// The toy follows Section 5.1 with full-batch GD trained to convergence:
// 1000 iterations (the paper's nominal 600 leaves SAM before its take-off
// with the reference code's initialisation) and t chosen by the rule of
// --separate-epoch auto, after the fast feature is learned (docs/DESIGN.md
// entry 21); (Fashion-)MNIST's 30 epochs and t = 3 are the benchmark's
// (BENCHMARKS.md, DESIGN entry 8).
var recipes = map[string]recipe{
	Toy:               {model: "toy_cnn", epochs: 1000, separateEpoch: SeparateEpoch{Auto: true}, augment: "none"},
	"fashion-mnist":   {model: "mlp3", epochs: 30, separateEpoch: SeparateEpoch{Epoch: 3}, augment: "none", dataDir: "/usr/share/datasets/fashion-mnist"},
	"mnist":           {model: "mlp3", epochs: 30, separateEpoch: SeparateEpoch{Epoch: 3}, augment: "none"},
	"cifar10":         {model: "preact_resnet18", epochs: 200, separateEpoch: SeparateEpoch{Epoch: 8}, augment: "cropflip"},
	"cifar100":        {model: "resnet34", epochs: 200, separateEpoch: SeparateEpoch{Epoch: 20}, augment: "cropflip"},
	"cifar100-coarse": {model: "resnet34", epochs: 200, separateEpoch: SeparateEpoch{Epoch: 20}, augment: "cropflip"},
	"stl10":           {model: "preact_resnet18", epochs: 200, separateEpoch: SeparateEpoch{Epoch: 11}, augment: "cropflip"},
	"cinic10":         {model: "preact_resnet18", epochs: 200, separateEpoch: SeparateEpoch{Epoch: 4}, augment: "cropflip"},
	"tinyimagenet":    {model: "preact_resnet18", epochs: 200, separateEpoch: SeparateEpoch{Epoch: 10}, augment: "cropflip"},
	// The user's own images: the paper's general recipe, t chosen from the
	// training curve (the rule of --separate-epoch auto).
	ImageFolder: {model: "preact_resnet18", epochs: 200, separateEpoch: SeparateEpoch{Auto: true}, augment: "cropflip"},
}

// smallLR holds the models the paper trains with lr 0.01 (ViT-S), and
// smallRho those it trains with SAM rho 0.01 (the 3-layer MLP and ViT-S).
var (
	smallLR  = map[string]bool{"vit_s": true}
	smallRho = map[string]bool{"mlp3": true, "vit_s": true}
)

// Defaults returns the options of a run of dataset with model ("" means
// the dataset's default model) before any setting: the paper's recipe for
// that dataset and model. An unknown dataset gets the image recipe without
// a model; Validate refuses it.
func Defaults(dataset, model string) Options {
	r, ok := recipes[dataset]
	if model == "" {
		model = r.model
	}
	o := Options{
		DataOptions:   DataOptions{Dataset: dataset, DataDir: r.dataDir},
		ModelOptions:  ModelOptions{Model: model, ModelsDir: "models"},
		UsefulOptions: UsefulOptions{Useful: true, SeparateEpoch: r.separateEpoch, UpsampleFactor: 2},
		EvalOptions:   EvalOptions{Sharpness: true},
		RunOptions:    RunOptions{Stage: "all", RunDir: "runs/default", Parallel: 1},
		TrainOptions: TrainOptions{Methods: []string{"sgd", "sam"}, Epochs: r.epochs, Augment: r.augment,
			ASAMRho: 1.0, Seeds: []uint64{0}},
	}
	if !ok {
		o.Augment = "none"
	}
	if dataset == Toy {
		// Full-batch GD, lr 0.1, no momentum or decay, SAM rho 0.02.
		c := toy.DefaultConfig()
		o.Toy = ToyOptions{N: c.N, BetaD: c.BetaD, CompareBetaD: 0.4}
		o.LR, o.LRSchedule, o.Rho = 0.1, "constant", 0.02
		// The toy is cheap: its default reports mean ± std over 3 seeds,
		// run at once (its small full-batch steps leave cores idle: three
		// one-thread processes finish sooner on 2 cores than one after
		// another; docs/DESIGN.md entry 21).
		o.Seeds, o.Parallel = []uint64{0, 1, 2}, 3
		return o
	}
	// Batch 128, SGD momentum 0.9, weight decay 5e-4, lr 0.1 divided by 10
	// at 50% and 75% of the epochs, SAM rho 0.1.
	o.BatchSize, o.Momentum, o.WeightDecay, o.LRSchedule = 128, 0.9, 5e-4, "step"
	o.LR, o.Rho = 0.1, 0.1
	if smallLR[model] {
		o.LR = 0.01
	}
	if smallRho[model] {
		o.Rho = 0.01
	}
	return o
}

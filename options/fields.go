package options

import (
	"fmt"
	"strings"
)

// Group is a help group of the command; the groups are listed in Groups.
type Group string

// The help groups, in help order.
const (
	GroupData   Group = "Data"
	GroupModel  Group = "Model"
	GroupTrain  Group = "Optimisation"
	GroupUseful Group = "USEFUL"
	GroupEval   Group = "Evaluation"
	GroupRun    Group = "Run directory"
	GroupOutput Group = "Output"
)

// Groups lists the help groups in order.
var Groups = []Group{GroupData, GroupModel, GroupTrain, GroupUseful, GroupEval, GroupRun, GroupOutput}

// Field is one named option: the flag --Name, the key Name (or Name with
// "_" for "-") of a config or sweep file.
type Field struct {
	Name  string
	Group Group
	Usage string
	// Recorded options are written to config.json: what the run computes
	// depends on them. The others say where and how it executes.
	Recorded bool
	// ToyOnly options belong to dataset toy: config.json records them only
	// for it; for another dataset they have no effect.
	ToyOnly bool
	bind    func(o *Options) Value
}

// Bind returns the field's value bound to o: Set writes o, String reads it.
func (f Field) Bind(o *Options) Value { return f.bind(o) }

// Key returns the field's key in config.json: Name with "_" for "-".
func (f Field) Key() string { return strings.ReplaceAll(f.Name, "-", "_") }

// fields is the one table of options, in help order within each group.
var fields = []Field{
	{Name: "dataset", Group: GroupData, Recorded: true, bind: func(o *Options) Value { return stringValue{&o.Dataset} },
		Usage: "dataset: " + strings.Join(Datasets, ", ") + " (toy: the paper's synthetic distribution, Section 5.1; imagefolder: your own PNG/JPEG images in DIR/train/<class>/ and DIR/test/<class>/ (or val/))"},
	{Name: "data-dir", Group: GroupData, Recorded: true, bind: func(o *Options) Value { return stringValue{&o.DataDir} },
		Usage: "folder holding the dataset files as distributed (fashion-mnist: /usr/share/datasets/fashion-mnist)"},
	{Name: "imbalance-ratio", Group: GroupData, Recorded: true, bind: func(o *Options) Value { return floatValue{&o.ImbalanceRatio} },
		Usage: "long-tail training set with this largest/smallest class ratio (paper: 10); 0 means balanced"},
	{Name: "label-noise", Group: GroupData, Recorded: true, bind: func(o *Options) Value { return floatValue{&o.LabelNoise} },
		Usage: "flip this fraction of training labels to another class (seeded)"},
	{Name: "image-size", Group: GroupData, Recorded: true, bind: func(o *Options) Value { return sizeValue{&o.ImageSize} },
		Usage: "imagefolder: resize every image to H,W (bilinear); without it all images must have one size"},
	{Name: "toy-n", Group: GroupData, Recorded: true, ToyOnly: true, bind: func(o *Options) Value { return intValue{&o.Toy.N} },
		Usage: "toy: training and test examples each (default 10000; 2..1000000)"},
	{Name: "toy-beta-d", Group: GroupData, Recorded: true, ToyOnly: true, bind: func(o *Options) Value { return floatValue{&o.Toy.BetaD} },
		Usage: "toy: slow-feature strength beta_d (default 0.2)"},
	{Name: "toy-compare-beta-d", Group: GroupData, Recorded: true, ToyOnly: true, bind: func(o *Options) Value { return negOffValue{floatValue{&o.Toy.CompareBetaD}} },
		Usage: "toy: extra baselines at this beta_d (default 0.4; a negative value turns them off)"},

	{Name: "model", Group: GroupModel, Recorded: true, bind: func(o *Options) Value { return stringValue{&o.Model} },
		Usage: "model (default per dataset: toy_cnn, mlp3 for (fashion-)mnist, resnet34 for cifar100, preact_resnet18 otherwise)"},
	{Name: "models-dir", Group: GroupModel, bind: func(o *Options) Value { return stringValue{&o.ModelsDir} },
		Usage: "folder of exported SavedModels (make models)"},
	{Name: "threads", Group: GroupModel, bind: func(o *Options) Value { return intValue{&o.Threads} },
		Usage: "TensorFlow intra-op threads (0: number of CPUs; at most 1024)"},

	{Name: "method", Group: GroupTrain, Recorded: true, bind: func(o *Options) Value { return listValue{&o.Methods} },
		Usage: "optimiser(s), comma list of " + strings.Join(Methods, ", ")},
	{Name: "epochs", Group: GroupTrain, Recorded: true, bind: func(o *Options) Value { return intValue{&o.Epochs} },
		Usage: "training epochs T (default per dataset; toy: 1000 full-batch iterations)"},
	{Name: "batch-size", Group: GroupTrain, Recorded: true, bind: func(o *Options) Value { return batchValue{&o.BatchSize} },
		Usage: "batch size, at most the number of training examples; 0 or full: the whole training list per step (toy: full-batch GD)"},
	{Name: "lr", Group: GroupTrain, Recorded: true, bind: func(o *Options) Value { return floatValue{&o.LR} },
		Usage: "learning rate (vit_s: 0.01)"},
	{Name: "lr-schedule", Group: GroupTrain, Recorded: true, bind: func(o *Options) Value { return stringValue{&o.LRSchedule} },
		Usage: "constant, or step: divide by 10 at 50% and 75% of the epochs (toy: constant)"},
	{Name: "momentum", Group: GroupTrain, Recorded: true, bind: func(o *Options) Value { return floatValue{&o.Momentum} },
		Usage: "SGD momentum (toy: 0)"},
	{Name: "weight-decay", Group: GroupTrain, Recorded: true, bind: func(o *Options) Value { return floatValue{&o.WeightDecay} },
		Usage: "L2 weight decay, coupled (toy: 0)"},
	{Name: "rho", Group: GroupTrain, Recorded: true, bind: func(o *Options) Value { return floatValue{&o.Rho} },
		Usage: "SAM neighbourhood radius (mlp3 and vit_s: 0.01; toy: 0.02)"},
	{Name: "asam-rho", Group: GroupTrain, Recorded: true, bind: func(o *Options) Value { return floatValue{&o.ASAMRho} },
		Usage: "ASAM neighbourhood radius"},
	{Name: "augment", Group: GroupTrain, Recorded: true, bind: func(o *Options) Value { return stringValue{&o.Augment} },
		Usage: "none, cropflip (random crop, padding H/8, and flip) or trivialaugment (crop/flip + TrivialAugmentWide); default per dataset"},
	{Name: "mixup", Group: GroupTrain, Recorded: true, bind: func(o *Options) Value { return floatValue{&o.MixUp} },
		Usage: "MixUp alpha: mix every training batch (lambda ~ Beta(alpha, alpha)) and train on the soft labels, as the paper's label-noise runs (Table 8; e.g. 1.0); 0: off"},
	{Name: "seed", Group: GroupTrain, Recorded: true, bind: func(o *Options) Value { return seedsValue{&o.Seeds} },
		Usage: "seed of every random choice (data, W0, order, clusters), or a comma list: each seed runs in <run-dir>/seed-<s>/ and the report gives mean ± std over them (toy: 0,1,2)"},

	{Name: "useful", Group: GroupUseful, Recorded: true, bind: func(o *Options) Value { return boolValue{&o.Useful} },
		Usage: "also train with USEFUL (--useful=false: baselines only)"},
	{Name: "separate-epoch", Group: GroupUseful, Recorded: true, bind: func(o *Options) Value { return epochValue{&o.SeparateEpoch} },
		Usage: "epoch t at which examples are clustered (default per dataset), or auto: the first epoch whose training-error drop is below 10% of the previous error"},
	{Name: "upsample-factor", Group: GroupUseful, Recorded: true, bind: func(o *Options) Value { return intValue{&o.UpsampleFactor} },
		Usage: "times each slow example appears per epoch (1..100)"},
	{Name: "baselines", Group: GroupUseful, Recorded: true, bind: func(o *Options) Value { return listValue{&o.Baselines} },
		Usage: "comparison runs per method, comma list of random (random upsampling of USEFUL's size per class), upweight (loss weight factor on the slow cluster), quantile (upsample loss above class median), misclassified (upsample misclassified at t)"},

	{Name: "sharpness", Group: GroupEval, Recorded: true, bind: func(o *Options) Value { return boolValue{&o.Sharpness} },
		Usage: "Hessian lambda_max and lambda_max/lambda_5 by Lanczos on 1000 training examples for every final model (skipped above 4 GB of Lanczos basis)"},
	{Name: "eval-every", Group: GroupEval, Recorded: true, bind: func(o *Options) Value { return intValue{&o.EvalEvery} },
		Usage: "also measure the test accuracy after every K-th epoch of each training run (curves.csv, TensorBoard); 0: never"},

	{Name: "stage", Group: GroupRun, bind: func(o *Options) Value { return stringValue{&o.Stage} },
		Usage: "stage to run: all, or one stage (see the list above)"},
	{Name: "run-dir", Group: GroupRun, bind: func(o *Options) Value { return stringValue{&o.RunDir} },
		Usage: "run directory (inputs and outputs of every stage)"},
	{Name: "resume", Group: GroupRun, bind: func(o *Options) Value { return boolValue{&o.Resume} },
		Usage: "continue the run in --run-dir: skip its completed stages, resume training from its checkpoints (refused if the options, the data or the SavedModel changed)"},
	{Name: "overwrite", Group: GroupRun, bind: func(o *Options) Value { return boolValue{&o.Overwrite} },
		Usage: "replace the run in --run-dir with a new one (the old is removed once the new has its first stage)"},
	{Name: "parallel", Group: GroupRun, bind: func(o *Options) Value { return intValue{&o.Parallel} },
		Usage: "seeds of a multi-seed run to run at once, each in its own process with --threads CPUs/N unless --threads is given (toy: 3; others: 1)"},

	{Name: "quiet", Group: GroupOutput, bind: func(o *Options) Value { return boolValue{&o.Quiet} },
		Usage: "plain log lines instead of progress bars"},
}

// Fields returns the table of options in help order.
func Fields() []Field { return fields }

// Lookup returns the field named name; "_" may stand for "-".
func Lookup(name string) (Field, bool) {
	name = strings.ReplaceAll(name, "_", "-")
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// UsageError is an error in the options, a setting or the command line:
// the command exits with status 2 and nothing is written.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError with a formatted message.
func Usagef(format string, a ...any) error { return &UsageError{fmt.Sprintf(format, a...)} }

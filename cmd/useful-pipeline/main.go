// Command useful-pipeline runs USEFUL (UpSample Early For Uniform Learning,
// NeurIPS 2024) over a run directory: it trains through TensorFlow
// SavedModels, clusters the examples learned late, upsamples them once and
// retrains from the same initial weights. This file only turns flags into
// pipeline.Options.
package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/internal/tfenv"
	"github.com/useful-pipeline/useful-pipeline/pipeline"
)

// version is the project version (set with -ldflags "-X main.version=...").
var version = "0.1.0"

const usageHead = `useful-pipeline: train with USEFUL (upsample the slow-learnable examples once, retrain from W0).

Usage:
  useful-pipeline [flags]

Examples:
  # The paper's toy experiment (the default): GD, SAM, with and without USEFUL
  useful-pipeline --stage all --run-dir runs/toy

  # One stage at a time on an existing run directory
  useful-pipeline --stage cluster --run-dir runs/toy

  # Resume an interrupted run with the same flags
  useful-pipeline --stage all --run-dir runs/toy --resume

Flags:
`

func main() {
	tfenv.Ensure()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// cliFlags are the flags that are not fields of pipeline.Options.
type cliFlags struct {
	methods, sepEpoch, baselines *string
	toyN                         *int
	toyBetaD, toyCompare         *float64
	showVersion                  *bool
}

// newFlagSet defines every flag of the command on a new FlagSet that writes
// to stderr; flags that are fields of o are bound to them.
func newFlagSet(o *pipeline.Options, stderr io.Writer) (*pflag.FlagSet, cliFlags) {
	var f cliFlags
	fs := pflag.NewFlagSet("useful-pipeline", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	fs.StringVar(&o.Stage, "stage", o.Stage, "stage to run: all, load, probe, extract, cluster, resample, retrain, evaluate, report")
	fs.StringVar(&o.RunDir, "run-dir", o.RunDir, "run directory (inputs and outputs of every stage)")
	fs.StringVar(&o.Dataset, "dataset", o.Dataset, "dataset: toy (the paper's synthetic distribution), fashion-mnist, mnist, cifar10, cifar100, cifar100-coarse, stl10, cinic10, tinyimagenet")
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "folder holding the dataset files as distributed (fashion-mnist: /usr/share/datasets/fashion-mnist)")
	fs.StringVar(&o.Model, "model", o.Model, "model (default per dataset: toy_cnn, mlp3 for (fashion-)mnist, resnet34 for cifar100, preact_resnet18 otherwise)")
	fs.StringVar(&o.ModelsDir, "models-dir", o.ModelsDir, "folder of exported SavedModels (make models)")
	f.methods = fs.String("method", strings.Join(o.Methods, ","), "optimiser(s), comma list of sgd, sam, asam")
	fs.BoolVar(&o.Useful, "useful", o.Useful, "also train with USEFUL (--useful=false: baselines only)")
	f.sepEpoch = fs.String("separate-epoch", "", "epoch t at which examples are clustered (default per dataset), or auto: the first epoch whose training-error drop is below 10% of the previous error")
	fs.IntVar(&o.UpsampleFactor, "upsample-factor", o.UpsampleFactor, "times each slow example appears per epoch (1..100)")
	fs.IntVar(&o.Epochs, "epochs", 0, "training epochs T (default per dataset; toy: 600 full-batch iterations)")
	fs.IntVar(&o.BatchSize, "batch-size", 0, "batch size, at most the number of training examples (default per dataset; toy: full batch)")
	fs.Float64Var(&o.LR, "lr", 0, "learning rate (default per dataset)")
	fs.StringVar(&o.LRSchedule, "lr-schedule", "", "constant, or step (divide by 10 at 50% and 75% of the epochs)")
	fs.Float64Var(&o.Momentum, "momentum", 0, "SGD momentum (default per dataset; toy: 0)")
	fs.Float64Var(&o.WeightDecay, "weight-decay", 0, "L2 weight decay, coupled (default per dataset; toy: 0)")
	fs.Float64Var(&o.Rho, "rho", 0, "SAM neighbourhood radius (default per dataset; toy: 0.02)")
	fs.Float64Var(&o.ASAMRho, "asam-rho", 0, "ASAM neighbourhood radius (default 1.0)")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of every random choice (W0, data, order, clusters)")
	fs.StringVar(&o.Augment, "augment", "", "none, cropflip (random crop, padding H/8, and flip) or trivialaugment (crop/flip + TrivialAugmentWide); default per dataset")
	fs.Float64Var(&o.ImbalanceRatio, "imbalance-ratio", 0, "long-tail training set with this largest/smallest class ratio (paper: 10); 0 means balanced")
	fs.Float64Var(&o.LabelNoise, "label-noise", 0, "flip this fraction of training labels to another class (seeded)")
	f.baselines = fs.String("baselines", "", "comparison runs per method, comma list of random (random upsampling of USEFUL's size per class), upweight (loss weight factor on the slow cluster), quantile (upsample loss above class median), misclassified (upsample misclassified at t)")
	fs.BoolVar(&o.Sharpness, "sharpness", o.Sharpness, "Hessian lambda_max and lambda_max/lambda_5 by Lanczos on 1000 training examples for every final model (skipped above 4 GB of Lanczos basis)")
	fs.BoolVar(&o.Resume, "resume", false, "continue an interrupted run from its checkpoints")
	fs.BoolVar(&o.Quiet, "quiet", false, "plain log lines instead of progress bars")
	fs.IntVar(&o.Threads, "threads", 0, "TensorFlow intra-op threads (0: number of CPUs; at most 1024)")
	f.toyN = fs.Int("toy-n", 0, "toy: training and test examples each (default 10000; 2..1000000)")
	f.toyBetaD = fs.Float64("toy-beta-d", 0, "toy: slow-feature strength beta_d (default 0.2)")
	f.toyCompare = fs.Float64("toy-compare-beta-d", 0, "toy: extra baselines at this beta_d (default 0.4; a negative value turns them off)")
	f.showVersion = fs.Bool("version", false, "print the version and the TensorFlow library version")
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHead)
		fs.PrintDefaults()
	}
	return fs, f
}

// run parses args and runs the pipeline; it returns the exit status: 0 on
// success, 2 for bad input (flags, data files, model folders) or a stage run
// out of order, 1 for failures.
func run(args []string, stdout, stderr io.Writer) int {
	o := pipeline.DefaultOptions()
	fs, f := newFlagSet(&o, stderr)
	methods, sepEpoch, baselines := f.methods, f.sepEpoch, f.baselines
	toyN, toyBetaD, toyCompare, showVersion := f.toyN, f.toyBetaD, f.toyCompare, f.showVersion
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "useful-pipeline: %v (see --help)\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "useful-pipeline: unexpected argument %q (see --help)\n", fs.Arg(0))
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "useful-pipeline %s\nTensorFlow %s\n", version, graphs.Version())
		return 0
	}
	switch *sepEpoch {
	case "":
	case "auto":
		o.AutoSeparate = true
	default:
		t, err := strconv.Atoi(*sepEpoch)
		if err != nil {
			fmt.Fprintf(stderr, "useful-pipeline: --separate-epoch %q: want an integer or auto\n", *sepEpoch)
			return 2
		}
		o.SeparateEpoch = t
	}
	o.Methods = splitList(*methods)
	o.Baselines = splitList(*baselines)
	fs.Visit(func(f *pflag.Flag) { o.MarkSet(f.Name) })
	if *toyN != 0 || *toyBetaD != 0 || *toyCompare != 0 {
		o.Toy = &pipeline.ToyOptions{N: *toyN, BetaD: *toyBetaD, CompareBetaD: *toyCompare}
		if *toyCompare < 0 && !math.IsInf(*toyCompare, -1) { // -Inf is refused by Resolve
			o.Toy.CompareBetaD = 0
		}
	}
	bars := !o.Quiet && isTerminal(stdout)
	if err := pipeline.Run(o, stdout, bars); err != nil {
		fmt.Fprintf(stderr, "useful-pipeline: %v\n", err)
		var ue *pipeline.UsageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

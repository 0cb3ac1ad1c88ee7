// Command bench runs the benchmarks of `make bench` and `make bench-fmnist`
// and prints one line per figure. This file only parses flags.
//
//	bench sidebyside [--models-dir D --models a,b --data-dir D --augment A --seconds S --rounds N ...]
//	bench kmeans     [--shapes 50000x10,100000x200 --reps N]
//	bench fullrun    --binary B --run-dir D -- PIPELINE FLAGS...
//	bench rss        [--model-dir D --steps N --warmup N --batch-size N --sam]
//	bench fit        [--model-dir D --data-dir D (or "" with --n N) --method M --augment A --rounds N ...]
//	bench loadrss    [--datasets cifar10,tinyimagenet --scale F --work DIR --seed N]
//
// loadrss runs this binary as its children (the hidden subcommand
// bench.LoadRSSChildCommand).
//
// The table over seeds of `make bench-fmnist` is `useful-pipeline aggregate`.
package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/useful-pipeline/useful-pipeline/bench"
	"github.com/useful-pipeline/useful-pipeline/internal/tfenv"
	"github.com/useful-pipeline/useful-pipeline/options"
)

func fail(sub string, code int, format string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench %s: "+format+"\n", append([]any{sub}, a...)...)
	os.Exit(code)
}

func main() {
	tfenv.Ensure()
	if len(os.Args) < 2 {
		fail("", 2, "want a subcommand: sidebyside, kmeans, fullrun, rss, fit or loadrss")
	}
	sub, args := os.Args[1], os.Args[2:]
	fs := pflag.NewFlagSet(sub, pflag.ExitOnError)
	switch sub {
	case "sidebyside":
		c := bench.SideBySideConfig{}
		fs.StringVar(&c.ModelsDir, "models-dir", "models", "folder of SavedModels")
		models := fs.String("models", "mlp3-28x28x1-c10,cnn_bn-28x28x1-c10", "model folders to time, comma-separated")
		fs.StringVar(&c.DataDir, "data-dir", "/usr/share/datasets/fashion-mnist", "Fashion-MNIST IDX folder")
		fs.StringVar(&c.Augment, "augment", "cropflip", "augmentation of the driver benchmark: none, cropflip or trivialaugment")
		fs.IntVar(&c.BatchSize, "batch-size", 128, "batch size")
		fs.Float64Var(&c.Seconds, "seconds", 12, "target wall time of each driver measurement (sets the step count per model)")
		fs.IntVar(&c.MinSteps, "min-steps", 100, "fewest timed steps per measurement")
		fs.IntVar(&c.Chunks, "chunks", 10, "chunks the Go measurements are interleaved in")
		fs.IntVar(&c.Rounds, "rounds", 3, "interleaved measurements of each kind (median reported)")
		fs.IntVar(&c.Threads, "threads", 0, "TensorFlow intra-op threads on both sides (0: all cores)")
		fs.Float64Var(&c.SamplerSeconds, "sampler-seconds", 10, "seconds each input pipeline is timed")
		fs.StringVar(&c.Python, "python", ".venv/bin/python", "Python with TensorFlow")
		fs.StringVar(&c.ScriptDir, "scripts", "bench/python", "folder of the Python benchmark scripts")
		fs.Parse(args)
		c.Models = strings.Split(*models, ",")
		if !(c.Seconds > 0) || c.MinSteps < c.Chunks || c.Chunks < 1 || c.Rounds < 1 || c.BatchSize < 1 || c.Threads < 0 || !(c.SamplerSeconds > 0) {
			fail(sub, 2, "want --seconds > 0, --min-steps >= --chunks >= 1, --rounds, --batch-size >= 1, --threads >= 0 and --sampler-seconds > 0")
		}
		if err := bench.SideBySide(c, os.Stdout); err != nil {
			fail(sub, 1, "%v", err)
		}
	case "kmeans":
		shapes := fs.String("shapes", "50000x10,100000x200", "logit matrices to cluster: NxC, comma-separated")
		reps := fs.Int("reps", 3, "repetitions (best reported)")
		fs.Parse(args)
		for _, s := range strings.Split(*shapes, ",") {
			a, b, ok := strings.Cut(s, "x")
			n, err1 := strconv.Atoi(a)
			c, err2 := strconv.Atoi(b)
			if !ok || err1 != nil || err2 != nil || n < 2 || c < 1 || *reps < 1 {
				fail(sub, 2, "--shapes %q: want NxC with N >= 2, C >= 1 (and --reps >= 1)", s)
			}
			if err := bench.KMeans(n, c, *reps, os.Stdout); err != nil {
				fail(sub, 1, "%v", err)
			}
		}
	case "fullrun":
		c := bench.FullRunConfig{}
		fs.StringVar(&c.Binary, "binary", "bin/useful-pipeline", "the pipeline binary")
		fs.StringVar(&c.RunDir, "run-dir", "", "a new run directory")
		fs.DurationVar(&c.Every, "every", 250*time.Millisecond, "RSS sampling period")
		logFile := fs.String("log", "", "file for the run's own output")
		fs.Parse(args)
		if c.RunDir == "" || c.Every <= 0 {
			fail(sub, 2, "want --run-dir and --every > 0")
		}
		c.Args = fs.Args()
		if *logFile != "" {
			f, err := os.Create(*logFile)
			if err != nil {
				fail(sub, 2, "--log: %v", err)
			}
			defer f.Close()
			c.Log = f
		}
		if _, err := bench.FullRun(c, os.Stdout); err != nil {
			fail(sub, 1, "%v", err)
		}
	case "rss":
		model := fs.String("model-dir", "models/mlp3-28x28x1-c10", "SavedModel folder to train")
		steps := fs.Int("steps", 20000, "train steps")
		warmup := fs.Int("warmup", 1000, "steps before the baseline RSS reading")
		batch := fs.Int("batch-size", 128, "batch size")
		sam := fs.Bool("sam", false, "use the SAM step")
		fs.Parse(args)
		if *steps <= *warmup || *warmup < 1 || *batch < 1 {
			fail(sub, 2, "want 1 <= --warmup (%d) < --steps (%d) and --batch-size >= 1 (%d)", *warmup, *steps, *batch)
		}
		if _, err := bench.RSS(bench.RSSConfig{ModelDir: *model, Steps: *steps, Warmup: *warmup, BatchSize: *batch, SAM: *sam}, os.Stdout); err != nil {
			fail(sub, 1, "%v", err)
		}
	case "fit":
		c := bench.FitConfig{}
		fs.StringVar(&c.ModelDir, "model-dir", "models/mlp3-28x28x1-c10", "SavedModel folder to train (and its Keras twin)")
		fs.StringVar(&c.DataDir, "data-dir", "/usr/share/datasets/fashion-mnist", `Fashion-MNIST IDX folder; "" for --n generated images of the model's shape`)
		fs.IntVar(&c.N, "n", 6400, "generated images (with --data-dir \"\")")
		fs.StringVar(&c.Method, "method", "sgd", "train step: sgd or sam")
		augment := fs.String("augment", "cropflip", "augmentation on both sides: none, cropflip or trivialaugment")
		lr := fs.Float64("lr", 0, "learning rate of both sides (0: the recipe's); cnn_bn blows up at the recipe's 0.1 in its first steps (BENCHMARKS.md)")
		fs.Uint64Var(&c.Seed, "seed", 0, "seed of W0, the data order and the augmentation")
		fs.IntVar(&c.EpochsPerRound, "epochs-per-round", 1, "epochs each side runs per round")
		fs.IntVar(&c.Rounds, "rounds", 3, "rounds; the sides take turns, the first side alternating")
		fs.IntVar(&c.WarmupSteps, "warmup-steps", 20, "untimed steps on each side first")
		fs.IntVar(&c.Threads, "threads", 0, "TensorFlow intra-op threads on both sides (0: all cores)")
		fs.StringVar(&c.Python, "python", ".venv/bin/python", "Python with TensorFlow and Keras")
		fs.StringVar(&c.ScriptDir, "scripts", "bench/python", "folder of the Python benchmark scripts")
		fs.Parse(args)
		recipe := "fashion-mnist"
		if c.DataDir == "" {
			recipe = "cifar10" // the 32x32x3 recipe (its schedule length; lr, momentum, decay, batch as every image dataset)
		}
		model, err := bench.ModelOfDir(c.ModelDir)
		if err != nil {
			fail(sub, 2, "--model-dir: %v", err)
		}
		o := options.Defaults(recipe, model)
		o.Augment = *augment
		if !(*lr >= 0 && *lr < 10) {
			fail(sub, 2, "--lr %g: want 0 (the recipe's %g) or a rate in (0, 10)", *lr, o.LR)
		}
		if *lr > 0 {
			o.LR = *lr
		}
		c.Recipe = &o
		if c.EpochsPerRound < 1 || c.Rounds < 1 || c.WarmupSteps < 0 || c.Threads < 0 || (c.DataDir == "" && c.N < o.BatchSize) {
			fail(sub, 2, "want --epochs-per-round >= 1 (%d), --rounds >= 1 (%d), --warmup-steps >= 0 (%d), --threads >= 0 (%d) and --n >= the batch size %d (%d)",
				c.EpochsPerRound, c.Rounds, c.WarmupSteps, c.Threads, o.BatchSize, c.N)
		}
		if c.Method != "sgd" && c.Method != "sam" {
			fail(sub, 2, "--method %q: want sgd or sam", c.Method)
		}
		if !slices.Contains(options.Augmentations, o.Augment) {
			fail(sub, 2, "--augment %q: want one of %v", o.Augment, options.Augmentations)
		}
		if _, err := bench.Fit(c, os.Stdout); err != nil {
			fail(sub, 1, "%v", err)
		}
	case "loadrss":
		c := bench.LoadRSSConfig{}
		datasets := fs.String("datasets", strings.Join(bench.LoadRSSDatasets, ","), "datasets to generate and measure, comma-separated")
		fs.Float64Var(&c.Scale, "scale", 1, "fraction of the full size, in (0, 1] (1: CIFAR-10 50,000+10,000 images, Tiny-ImageNet 100,000+10,000)")
		fs.StringVar(&c.WorkDir, "work", "", "folder for the generated data, kept and reused by later runs (default: a temporary folder, removed)")
		fs.Uint64Var(&c.Seed, "seed", 1, "seed of the generated pixels")
		fs.Parse(args)
		c.Datasets = strings.Split(*datasets, ",")
		for _, d := range c.Datasets {
			if !slices.Contains(bench.LoadRSSDatasets, d) {
				fail(sub, 2, "--datasets: %q, want some of %s", d, strings.Join(bench.LoadRSSDatasets, ","))
			}
		}
		if !(c.Scale > 0 && c.Scale <= 1) {
			fail(sub, 2, "--scale %g: want in (0, 1]", c.Scale)
		}
		if _, err := bench.LoadRSS(c, os.Stdout); err != nil {
			fail(sub, 1, "%v", err)
		}
	case bench.LoadRSSChildCommand:
		if err := bench.LoadRSSChild(args, os.Stdout); err != nil {
			fail(sub, 1, "%v", err)
		}
	default:
		fail("", 2, "unknown subcommand %q: want sidebyside, kmeans, fullrun, rss, fit or loadrss", sub)
	}
}

// Command bench runs the benchmarks of `make bench` and `make bench-fmnist`
// and prints one line per figure. This file only parses flags.
//
//	bench rss   [--model-dir D --steps N --warmup N --batch-size N --sam]
//	bench table RUN_DIR...   (markdown table over seeds of metrics.json)
package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/useful-pipeline/useful-pipeline/bench"
	"github.com/useful-pipeline/useful-pipeline/internal/tfenv"
)

func main() {
	tfenv.Ensure()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "bench: want a subcommand: rss or table")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "rss":
		fs := pflag.NewFlagSet("rss", pflag.ExitOnError)
		model := fs.String("model-dir", "models/mlp3-28x28x1-c10", "SavedModel folder to train")
		steps := fs.Int("steps", 20000, "train steps")
		warmup := fs.Int("warmup", 1000, "steps before the baseline RSS reading")
		batch := fs.Int("batch-size", 128, "batch size")
		sam := fs.Bool("sam", false, "use the SAM step")
		fs.Parse(os.Args[2:])
		if *steps <= *warmup || *warmup < 1 || *batch < 1 {
			fmt.Fprintf(os.Stderr, "bench rss: want 1 <= --warmup (%d) < --steps (%d) and --batch-size >= 1 (%d)\n", *warmup, *steps, *batch)
			os.Exit(2)
		}
		if _, err := bench.RSS(bench.RSSConfig{ModelDir: *model, Steps: *steps, Warmup: *warmup, BatchSize: *batch, SAM: *sam}, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "bench rss: %v\n", err)
			os.Exit(1)
		}
	case "table":
		order := []string{"sgd", "sgd+useful", "sgd+random", "sam", "sam+useful"}
		if err := bench.Table(os.Args[2:], order, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "bench table: %v\n", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintf(os.Stderr, "bench: unknown subcommand %q: want rss or table\n", os.Args[1])
		os.Exit(2)
	}
}

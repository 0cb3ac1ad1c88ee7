// Command bench runs the benchmarks of `make bench` and prints one line per
// figure. This file only parses flags.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/useful-pipeline/useful-pipeline/bench"
)

func main() {
	model := pflag.String("model-dir", "models/mlp3-28x28x1-c10", "SavedModel folder to train")
	steps := pflag.Int("steps", 20000, "train steps")
	warmup := pflag.Int("warmup", 1000, "steps before the baseline RSS reading")
	batch := pflag.Int("batch-size", 128, "batch size")
	sam := pflag.Bool("sam", false, "use the SAM step")
	pflag.Parse()
	if *steps <= *warmup || *warmup < 1 || *batch < 1 {
		fmt.Fprintf(os.Stderr, "bench: want 1 <= --warmup (%d) < --steps (%d) and --batch-size >= 1 (%d)\n", *warmup, *steps, *batch)
		os.Exit(2)
	}
	if _, err := bench.RSS(bench.RSSConfig{ModelDir: *model, Steps: *steps, Warmup: *warmup, BatchSize: *batch, SAM: *sam}, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

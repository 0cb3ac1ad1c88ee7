package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/predict"
)

const predictUsage = `useful-pipeline predict: classify images with an exported model.

Usage:
  useful-pipeline predict --model DIR --images PATH [--out FILE] [--top-k K] [--batch-size B]

DIR is a folder written by export (a version folder, or a folder of versions: the highest is
used). PATH is an image file (PNG or JPEG), a folder of them, or a dataset NAME[:DIR] the loaders
read (its test split), e.g. fashion-mnist:/usr/share/datasets/fashion-mnist. Prints CSV: the
input (file, or dataset index and label), then the top-k classes and their probabilities.

Flags:
`

func predictMain(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("useful-pipeline predict", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var o predict.Options
	fs.StringVar(&o.Model, "model", "", "exported model folder")
	fs.StringVar(&o.Images, "images", "", "image file, folder of images, or dataset NAME[:DIR]")
	fs.StringVar(&o.Out, "out", "", "CSV file to write (default: stdout)")
	fs.IntVar(&o.TopK, "top-k", 0, fmt.Sprintf("classes per row (default %d, or the number of classes)", predict.DefaultTopK))
	fs.IntVar(&o.BatchSize, "batch-size", 0, fmt.Sprintf("images per model call (default %d)", predict.DefaultBatchSize))
	threads := fs.Int("threads", 0, "TensorFlow intra-op threads (0: number of CPUs)")
	verbose := fs.Bool("verbose", false, "also print TensorFlow's informational log lines")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, predictUsage+fs.FlagUsages())
			return 0
		}
		fmt.Fprintf(stderr, "useful-pipeline predict: %v (see --help)\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "useful-pipeline predict: unexpected argument %q (see --help)\n", fs.Arg(0))
		return 2
	}
	if *threads < 0 {
		fmt.Fprintf(stderr, "useful-pipeline predict: --threads %d: want >= 0\n", *threads)
		return 2
	}
	if !*verbose {
		graphs.QuietLogs()
	}
	o.Session = &graphs.Config{IntraOpThreads: *threads}
	if err := predict.Run(o, stdout); err != nil {
		fmt.Fprintf(stderr, "useful-pipeline predict: %v\n", err)
		var bad *predict.BadInputError
		if errors.As(err, &bad) {
			return 2
		}
		return 1
	}
	return 0
}

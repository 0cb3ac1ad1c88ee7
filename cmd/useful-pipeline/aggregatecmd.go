package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/useful-pipeline/useful-pipeline/aggregate"
)

const aggregateUsage = `useful-pipeline aggregate: the table of a sweep.

Usage:
  useful-pipeline aggregate --root DIR

Reads DIR/sweep.json and every cell's metrics.json and writes DIR/summary.md, summary.csv,
summary.json and summary.png: per run and setting, test error mean ± sample std over seeds with
every seed's value, upsampled share, time relative to the SGD baseline of the same seed, and
lambda_max. Cells without metrics are listed with the reason. Exit status: 0 if every cell is
in the table, 3 if some are missing (the files are still written), 2 for bad input.

Flags:
`

// exitIncomplete is aggregate's exit status when cells are missing.
const exitIncomplete = 3

func aggregateMain(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("useful-pipeline aggregate", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	root := fs.String("root", "", "the sweep's root folder")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, aggregateUsage+fs.FlagUsages())
			return 0
		}
		fmt.Fprintf(stderr, "useful-pipeline aggregate: %v (see --help)\n", err)
		return 2
	}
	if *root == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "useful-pipeline aggregate: want --root DIR and no other argument (see --help)")
		return 2
	}
	s, err := aggregate.Aggregate(*root)
	if err != nil {
		return fail(stderr, err)
	}
	if err := s.Write(); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprint(stdout, s.Markdown())
	fmt.Fprintf(stdout, "\nwrote %s (and .csv, .json, .png)\n", filepath.Join(*root, aggregate.FileMarkdown))
	if !s.Complete {
		fmt.Fprintf(stderr, "useful-pipeline aggregate: %d of %d cells have no metrics; the table is incomplete\n", len(s.Missing), s.Cells)
		return exitIncomplete
	}
	return 0
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/pipeline"
	"github.com/useful-pipeline/useful-pipeline/sweep"
)

const sweepUsage = `useful-pipeline sweep: run a grid of seeds x methods x settings as independent cells.

Usage:
  useful-pipeline sweep plan FILE --root DIR [--count-only]
  useful-pipeline sweep run FILE --root DIR [--index I] [--count N] [--all]

plan expands FILE (YAML or JSON: base: {option: value, ...}, axes: {option: [values], ...},
optional tasks: N) into cells, validates every cell's options as the command line would, writes
the plan to DIR/sweep.json (once; another plan there is refused) and prints one line per cell.

run runs cell I into DIR/<cell-id>/ (and I+N, I+2N, ... when there are more cells than tasks),
resuming a half-done cell and skipping a complete one, so a requeued task is safe. Without
--index it reads SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN; count SLURM_ARRAY_TASK_COUNT)
or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job; count from --count or the file's tasks).
--all runs every cell here, one after another. Each finished cell prints one line of
name=value metrics (Katib's stdout format). Then: useful-pipeline aggregate --root DIR.

Examples:
  useful-pipeline sweep plan examples/toy-sweep.yaml --root runs/toy-sweep
  useful-pipeline sweep run examples/toy-sweep.yaml --root runs/toy-sweep --all
  useful-pipeline aggregate --root runs/toy-sweep

Flags:
`

type sweepFlags struct {
	fs        *pflag.FlagSet
	root      string
	index     int
	count     int
	all       bool
	countOnly bool
	verbose   bool
}

func newSweepFlags() *sweepFlags {
	f := &sweepFlags{}
	fs := pflag.NewFlagSet("useful-pipeline sweep", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&f.root, "root", "", "the sweep's root folder: sweep.json and one run directory per cell")
	fs.IntVar(&f.index, "index", -1, "run: the task's index (default: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)")
	fs.IntVar(&f.count, "count", 0, "run: the number of tasks (default: SLURM_ARRAY_TASK_COUNT, the file's tasks, or one task per cell)")
	fs.BoolVar(&f.all, "all", false, "run: every cell, one after another, in this process")
	fs.BoolVar(&f.countOnly, "count-only", false, "plan: print only the number of cells")
	fs.BoolVar(&f.verbose, "verbose", false, "also print TensorFlow's informational log lines")
	f.fs = fs
	return f
}

func sweepMain(args []string, stdout, stderr io.Writer) int {
	f := newSweepFlags()
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, sweepUsage+f.fs.FlagUsages())
			return 0
		}
		fmt.Fprintf(stderr, "useful-pipeline sweep: %v (see --help)\n", err)
		return 2
	}
	if f.fs.NArg() != 2 || (f.fs.Arg(0) != "plan" && f.fs.Arg(0) != "run") {
		fmt.Fprintf(stderr, "useful-pipeline sweep: want `sweep plan FILE` or `sweep run FILE`, got %q (see --help)\n", f.fs.Args())
		return 2
	}
	if f.root == "" {
		fmt.Fprintln(stderr, "useful-pipeline sweep: --root is required")
		return 2
	}
	file, err := sweep.Read(f.fs.Arg(1))
	if err != nil {
		return fail(stderr, err)
	}
	plan, err := sweep.Expand(file, f.root)
	if err != nil {
		return fail(stderr, err)
	}
	if f.fs.Arg(0) == "plan" {
		if err := plan.Write(f.root); err != nil {
			return fail(stderr, err)
		}
		if f.countOnly {
			fmt.Fprintln(stdout, len(plan.Cells))
			return 0
		}
		for i, c := range plan.Cells {
			o := plan.Options(i)
			fmt.Fprintf(stdout, "%d\t%s\t%s\n", i, c.ID, oneLine(&o))
		}
		fmt.Fprintf(stdout, "plan: %s in %s\ncells: %d\n", plan.Hash, filepath.Join(f.root, sweep.PlanFile), len(plan.Cells))
		return 0
	}
	cells, err := f.cells(plan, file)
	if err != nil {
		return fail(stderr, err)
	}
	if err := plan.Write(f.root); err != nil {
		return fail(stderr, err)
	}
	if !f.verbose {
		graphs.QuietLogs()
	}
	if err := sweep.Run(plan, cells, pipeline.IO{Out: stdout, Program: "useful-pipeline " + version, Commit: commit}); err != nil {
		return fail(stderr, err)
	}
	return 0
}

// cells picks the cells this process runs: all of them, or those of the
// task index (flag, then the engine's environment) of count.
func (f *sweepFlags) cells(p *sweep.Plan, file *sweep.File) ([]int, error) {
	if f.all {
		if f.fs.Changed("index") || f.fs.Changed("count") {
			return nil, options.Usagef("--all runs every cell: give it without --index and --count")
		}
		return p.Select(0, 1)
	}
	index, count := f.index, f.count
	envInt := func(name string) (int, bool, error) {
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, true, options.Usagef("%s=%q: want an integer", name, v)
		}
		return n, true, nil
	}
	if !f.fs.Changed("index") {
		if id, ok, err := envInt("SLURM_ARRAY_TASK_ID"); err != nil {
			return nil, err
		} else if ok {
			lo, _, err := envInt("SLURM_ARRAY_TASK_MIN")
			if err != nil {
				return nil, err
			}
			index = id - lo
			if n, ok, err := envInt("SLURM_ARRAY_TASK_COUNT"); err != nil {
				return nil, err
			} else if ok && !f.fs.Changed("count") {
				count = n
			}
		} else if id, ok, err := envInt("JOB_COMPLETION_INDEX"); err != nil {
			return nil, err
		} else if ok {
			index = id
		} else {
			return nil, options.Usagef("sweep run: no --index, --all, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX: which cell should this task run?")
		}
	}
	if count == 0 {
		count = file.Tasks
	}
	return p.Select(index, count)
}

// oneLine prints a cell's recorded options as flags.
func oneLine(o *options.Options) string {
	var b []byte
	for _, s := range o.Recorded("") {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = fmt.Appendf(b, "--%s=%s", strings.ReplaceAll(s.Name, "_", "-"), s.Value)
	}
	return string(b)
}

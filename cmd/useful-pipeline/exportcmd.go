package main

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/pflag"

	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/stages"
)

const exportUsage = `useful-pipeline export: a run's final weights as a standard SavedModel for inference.

Usage:
  useful-pipeline export --run-dir R --run NAME --out DIR [--version N]

Writes DIR/<version>/ (the numbered layout TF Serving watches): the weights and batch-norm
statistics of run NAME's retrain checkpoint, the run's normalisation built in, one signature
serving_default (images: float32 pixel levels 0..255, shape [N, H, W, C]; outputs logits and
probabilities) and the class names in assets/class_names.txt. Needs no Python: the model
folder's serving template (written by python_export/export.py) is filled from Go.
--stage all already exports each method's USEFUL run to R/export/<run>/1/.

Examples:
  useful-pipeline export --run-dir runs/fmnist --run sgd+useful --out exported/fmnist
  useful-pipeline predict --model exported/fmnist --images photo.png

Flags:
`

func exportMain(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("useful-pipeline export", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	runDir := fs.String("run-dir", "", "the run directory")
	run := fs.String("run", "", "the run to export (e.g. sgd+useful; see the run directory's report)")
	out := fs.String("out", "", "folder of versions to write into")
	version := fs.Int("version", 0, "version folder number (0: one more than the largest there)")
	modelsDir := fs.String("models-dir", "models", "folder of exported SavedModels (the run's model and its serving template)")
	verbose := fs.Bool("verbose", false, "also print TensorFlow's informational log lines")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, exportUsage+fs.FlagUsages())
			return 0
		}
		fmt.Fprintf(stderr, "useful-pipeline export: %v (see --help)\n", err)
		return 2
	}
	if *runDir == "" || *run == "" || *out == "" || fs.NArg() > 0 || *version < 0 {
		fmt.Fprintln(stderr, "useful-pipeline export: want --run-dir, --run, --out, a --version >= 0 and no other argument (see --help)")
		return 2
	}
	dir := rundir.New(*runDir)
	if st, err := rundir.Inspect(*runDir); err != nil || st != rundir.Ours {
		if err == nil {
			err = fmt.Errorf("--run-dir %q: no run directory there", *runDir)
		}
		return fail(stderr, &options.UsageError{Msg: err.Error()})
	}
	settings, err := options.ReadSettings(dir.Config().Path())
	if err != nil {
		return fail(stderr, err)
	}
	o, err := options.Resolve(append(settings, options.Setting{Name: "models-dir", Value: *modelsDir, Source: "--models-dir"},
		options.Setting{Name: "run-dir", Value: *runDir, Source: "--run-dir"}))
	if err != nil {
		return fail(stderr, err)
	}
	var names []string
	for _, r := range o.Runs() {
		names = append(names, r.ID)
	}
	if !slices.Contains(names, *run) {
		return fail(stderr, options.Usagef("--run %q: run directory %s has runs %v", *run, *runDir, names))
	}
	if !*verbose {
		graphs.QuietLogs()
	}
	env := &stages.Env{Opts: &o, Dir: dir, Out: stdout, Graphs: &graphs.Config{IntraOpThreads: o.Threads}}
	path, err := env.ExportRun(*run, *out, *version)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "exported run %s of %s to %s\n", *run, *runDir, path)
	return 0
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/pipeline"
)

const runUsage = `Usage:
  useful-pipeline [run] [flags]

Examples:
  # The paper's toy experiment (the default): GD, SAM, with and without USEFUL
  useful-pipeline --stage all --run-dir runs/toy

  # One stage at a time on an existing run directory
  useful-pipeline --stage cluster --run-dir runs/toy

  # Resume an interrupted run with the same flags
  useful-pipeline --stage all --run-dir runs/toy --resume

  # Repeat a run from its recorded options (flags override the file)
  useful-pipeline --config runs/toy/config.json --run-dir runs/toy-again

Stages of --stage all, in order: %s.
`

// runFlags is what the run command's command line gathers: every option
// of options.Fields as a flag (bound to scratch, of which only the flags
// given count), and the flags that are not options.
type runFlags struct {
	fs          *pflag.FlagSet
	scratch     options.Options
	config      string
	printConfig bool
	version     bool
	verbose     bool
	group       map[string]options.Group
}

// extra flags of run that are not options, with their help group.
const groupConfig options.Group = "Config files"

func newRunFlags() *runFlags {
	f := &runFlags{group: map[string]options.Group{}}
	// The values shown as defaults in --help: the image recipe's (the toy's
	// differences are in the usage texts); dataset-specific ones are blank.
	f.scratch = options.Defaults("", "")
	f.scratch.Dataset, f.scratch.Augment = options.Toy, ""
	fs := pflag.NewFlagSet("useful-pipeline", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for _, fd := range options.Fields() {
		v := fd.Bind(&f.scratch)
		fl := fs.VarPF(v, fd.Name, "", fd.Usage)
		if v.Type() == "bool" {
			fl.NoOptDefVal = "true"
		}
		f.group[fd.Name] = fd.Group
	}
	fs.StringVar(&f.config, "config", "", "read options from this YAML or JSON file (a run's config.json is one); flags override it")
	fs.BoolVar(&f.printConfig, "print-config", false, "print the resolved options (defaults per dataset filled in) as config.json would hold them, and exit")
	f.group["config"], f.group["print-config"] = groupConfig, groupConfig
	fs.BoolVar(&f.version, "version", false, "print the version and the TensorFlow library version")
	fs.BoolVar(&f.verbose, "verbose", false, "also print TensorFlow's informational log lines")
	f.group["version"], f.group["verbose"] = options.GroupOutput, options.GroupOutput
	f.fs = fs
	return f
}

// toOptions turns the parsed command line into options: the config file's
// settings, then every flag given, through options.Build.
func (f *runFlags) toOptions() (options.Options, error) {
	var settings []options.Setting
	if f.config != "" {
		s, err := options.ReadSettings(f.config)
		if err != nil {
			return options.Options{}, err
		}
		settings = append(settings, s...)
	}
	f.fs.Visit(func(fl *pflag.Flag) {
		if _, ok := options.Lookup(fl.Name); ok {
			settings = append(settings, options.Setting{Name: fl.Name, Value: fl.Value.String(), Source: "--" + fl.Name})
		}
	})
	return options.Build(settings)
}

// printRunHelp writes the run command's help: usage and examples (unless
// brief), then its flags by group.
func printRunHelp(w io.Writer, full bool) {
	if full {
		fmt.Fprintf(w, "useful-pipeline run: run USEFUL's stages over a run directory.\n\n"+runUsage, strings.Join(pipeline.Names(), ", "))
	} else {
		fmt.Fprintf(w, "Stages of --stage all, in order: %s.\n", strings.Join(pipeline.Names(), ", "))
	}
	f := newRunFlags()
	groups := append(append([]options.Group{}, options.Groups...), groupConfig)
	for _, g := range groups {
		sub := pflag.NewFlagSet(string(g), pflag.ContinueOnError)
		sub.SortFlags = false
		f.fs.VisitAll(func(fl *pflag.Flag) {
			if f.group[fl.Name] == g {
				sub.AddFlag(fl)
			}
		})
		if sub.HasFlags() {
			fmt.Fprintf(w, "\n%s flags:\n%s", g, sub.FlagUsages())
		}
	}
}

func runMain(args []string, stdout, stderr io.Writer) int {
	return runCommand(args, stdout, stderr, false)
}

// runCommand parses the run command's flags and runs the pipeline; root
// says it was called without the command's name (its --help then lists
// the commands too).
func runCommand(args []string, stdout, stderr io.Writer, root bool) int {
	f := newRunFlags()
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			if root {
				printRootHelp(stdout)
			} else {
				printRunHelp(stdout, true)
			}
			return 0
		}
		fmt.Fprintf(stderr, "useful-pipeline: %v (see --help)\n", err)
		return 2
	}
	if f.fs.NArg() > 0 {
		fmt.Fprintf(stderr, "useful-pipeline: unexpected argument %q (see --help)\n", f.fs.Arg(0))
		return 2
	}
	if f.version {
		printVersion(stdout)
		return 0
	}
	o, err := f.toOptions()
	if err != nil {
		return fail(stderr, err)
	}
	if f.printConfig {
		stdout.Write(options.MarshalConfig(&o))
		return 0
	}
	if !f.verbose {
		graphs.QuietLogs()
	}
	bars := !o.Quiet && isTerminal(stdout)
	pio := pipeline.IO{Out: stdout, Bars: bars, Program: "useful-pipeline " + version, Commit: commit}
	if exe, err := os.Executable(); err == nil {
		pio.Self = []string{exe, "run"}
		if f.verbose {
			pio.Self = append(pio.Self, "--verbose")
		}
	}
	if err := pipeline.Run(o, pio); err != nil {
		return fail(stderr, err)
	}
	return 0
}

// fail prints err and returns its exit status: 2 for a usage error
// (bad input, nothing written), 1 otherwise.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "useful-pipeline: %v\n", err)
	var ue *options.UsageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Command useful-pipeline runs USEFUL (UpSample Early For Uniform Learning,
// NeurIPS 2024): it trains through TensorFlow SavedModels, clusters the
// examples learned late, upsamples them once and retrains from the same
// initial weights. Each subcommand lives in its own file with its flags;
// this package only turns flags into options and calls the packages that
// do the work.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/useful-pipeline/useful-pipeline/internal/tfenv"
)

// version and commit name the program (make build sets commit with
// -ldflags "-X main.commit=...": the git commit, "-dirty" if the tree had
// changes).
var (
	version = "0.1.0"
	commit  = "unknown"
)

// command is one subcommand: a new one is a file with its flags and Run
// plus one line in commands.
type command struct {
	Name  string
	Short string
	// Run runs the command with its arguments and returns the exit
	// status: 0 success, 2 bad input (nothing written), 1 failure.
	Run func(args []string, stdout, stderr io.Writer) int
}

// commands lists the subcommands in help order; the first is the default
// (`useful-pipeline --stage all` is `useful-pipeline run --stage all`).
var commands []command

func init() {
	commands = []command{
		{"run", "run USEFUL's stages over a run directory (the default command)", runMain},
		{"sweep", "plan or run a grid of cells (seeds x methods x settings) on a laptop, Slurm or Kubernetes", sweepMain},
		{"aggregate", "the table of a sweep: mean ± std over seeds per run and setting", aggregateMain},
		{"export", "a run's final weights as a standard SavedModel for inference (TF Serving)", exportMain},
		{"predict", "classify image files, folders or a dataset with an exported model", predictMain},
		{"version", "print the program and TensorFlow library versions", versionMain},
	}
}

func main() {
	tfenv.Ensure()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand: the first argument names it, else it is
// the default command with all the arguments.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		for _, c := range commands {
			if c.Name == args[0] {
				return c.Run(args[1:], stdout, stderr)
			}
		}
		if args[0] == "help" {
			printRootHelp(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "useful-pipeline: unknown command %q; want one of %s (see --help)\n", args[0], commandNames())
		return 2
	}
	return runCommand(args, stdout, stderr, true)
}

func commandNames() string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// printRootHelp lists the commands and the default command's flags.
func printRootHelp(w io.Writer) {
	fmt.Fprint(w, `useful-pipeline: train with USEFUL (upsample the slow-learnable examples once, retrain from W0).

Usage:
  useful-pipeline [run] [flags]
  useful-pipeline COMMAND [flags]     (useful-pipeline COMMAND --help for its flags)

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.Name, c.Short)
	}
	fmt.Fprintln(w)
	printRunHelp(w, false)
}

package main

import (
	"fmt"
	"io"

	"github.com/useful-pipeline/useful-pipeline/graphs"
)

func versionMain(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "useful-pipeline version: unexpected argument %q\n", args[0])
		return 2
	}
	printVersion(stdout)
	return 0
}

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "useful-pipeline %s (commit %s)\nTensorFlow %s\n", version, commit, graphs.Version())
}

// Package tfenv is the one place that sets the environment the TensorFlow
// C library reads: TF_CPP_MIN_LOG_LEVEL (default 1: no INFO lines of TF's
// own logging) and TF_DETERMINISTIC_OPS (default 1). Some are read while
// the library loads, before any Go code runs, so commands call Ensure,
// which re-executes the program once with them added; Apply sets them in
// the running process for code that cannot re-execute (tests, libraries),
// before the first session.
package tfenv

import (
	"os"
	"syscall"
)

// Defaults are the variables Ensure sets when they are absent.
var Defaults = map[string]string{"TF_CPP_MIN_LOG_LEVEL": "1", "TF_DETERMINISTIC_OPS": "1"}

const marker = "USEFUL_PIPELINE_TFENV"

// Ensure re-executes the current program with Defaults added to the
// environment if any is missing. It returns only if nothing was missing, or
// if the re-exec failed (the program then runs with the library's defaults).
func Ensure() {
	if os.Getenv(marker) != "" {
		return
	}
	env := os.Environ()
	missing := false
	for k, v := range Defaults {
		if _, ok := os.LookupEnv(k); !ok {
			env = append(env, k+"="+v)
			missing = true
		}
	}
	if !missing {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	env = append(env, marker+"=1")
	syscall.Exec(exe, os.Args, env)
}

// Apply sets each variable of Defaults that is absent in the running
// process. graphs.Load calls it before creating a session.
func Apply() {
	for k, v := range Defaults {
		if _, ok := os.LookupEnv(k); !ok {
			os.Setenv(k, v)
		}
	}
}

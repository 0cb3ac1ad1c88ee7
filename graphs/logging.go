package graphs

import (
	"bufio"
	"bytes"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"syscall"
)

// quiet is set by QuietLogs.
var quiet atomic.Bool

// firstRun guards the process's first call into TensorFlow that optimises
// a graph (loading a SavedModel runs its restore graph), during which
// TensorFlow 2.18 logs its once-per-process INFO lines.
var firstRun sync.Once

// banner matches the lines TensorFlow 2.18 prints on stderr during the
// first graph optimisation of a process whatever TF_CPP_MIN_LOG_LEVEL says:
// absl INFO lines (libtensorflow_cc.so.2 carries its own absl, whose log
// level no exported symbol reaches, and which logs before
// absl::InitializeLog straight to stderr) and absl's notice about that.
var banner = regexp.MustCompile(`^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR|I[0-9]{4} [0-9:. ]+ +[0-9]+ [a-z_]+\.cc:[0-9]+\] .*)$`)

// QuietLogs makes the process's first graph-running call (a model load or
// a Session.Run) drop TensorFlow's
// informational lines from stderr ("MLIR V1 optimization pass is not
// enabled" and the absl notice before it); every other line of that call,
// warnings and errors included, is passed on. Commands call it unless the
// user asks for --verbose; libraries and tests leave the lines alone.
func QuietLogs() { quiet.Store(true) }

// firstRunQuiet runs f; the first time in a process, with QuietLogs set,
// stderr (file descriptor 2) goes to a temporary file during f and is
// copied back afterwards without the banner lines. A failure to redirect
// runs f with stderr untouched.
func firstRunQuiet(f func()) {
	ran := false
	firstRun.Do(func() {
		if !quiet.Load() {
			return
		}
		tmp, err := os.CreateTemp("", "useful-pipeline-stderr-*")
		if err != nil {
			return
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		saved, err := syscall.Dup(2)
		if err != nil {
			return
		}
		defer syscall.Close(saved)
		if err := syscall.Dup2(int(tmp.Fd()), 2); err != nil {
			return
		}
		ran = true
		f()
		syscall.Dup2(saved, 2)
		b, err := os.ReadFile(tmp.Name())
		if err != nil {
			return
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			if !banner.Match(sc.Bytes()) {
				os.Stderr.Write(append(sc.Bytes(), '\n'))
			}
		}
	})
	if !ran {
		f()
	}
}

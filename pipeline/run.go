package pipeline

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/useful-pipeline/useful-pipeline/config"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/internal/memstat"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/stages"
)

// ToyOptions are the toy distribution settings (see config.ToyOptions).

// Options is what a run needs (see config.Options).
type Options = config.Options

// UsageError is a bad option or a stage run out of order (exit status 2).
type UsageError = config.UsageError

// DefaultOptions returns the options of a run with no flags (the toy default).
func DefaultOptions() Options { return config.DefaultOptions() }

const configFile = "config.json"

// Run resolves and validates o, then runs the requested stage (or all of
// them) in o.RunDir, printing progress to out. bars selects progress bars
// over plain log lines. Option errors, and a stage run before the stages it
// needs, return a *UsageError before anything is written to the run
// directory.
func Run(o Options, out io.Writer, bars bool) error {
	if err := o.Resolve(); err != nil {
		return err
	}
	todo := config.Stages
	if o.Stage != "all" {
		todo = []string{o.Stage}
	}
	// Checks that need no writes: an existing run directory must hold a run
	// with the same options (or be resumed with them).
	var prev Options
	prevOK := readConfig(o.RunDir, &prev) == nil
	if prevOK && !sameRun(&prev, &o) && o.Stage == "all" && o.Resume {
		return &UsageError{Msg: fmt.Sprintf("--resume: run directory %s holds a run with other options (see %s); resume it with the same flags or use another --run-dir", o.RunDir, filepath.Join(o.RunDir, configFile))}
	}
	if o.Stage != "all" {
		dir := &rundir.Dir{Root: o.RunDir}
		env := &stages.Env{Opts: &o, Dir: dir}
		if err := env.CheckInputs(o.Stage); err != nil {
			var ne *stages.NeedsError
			if errors.As(err, &ne) {
				return &UsageError{Msg: err.Error()}
			}
			return err
		}
	}
	env := &stages.Env{Opts: &o, Dir: &rundir.Dir{Root: o.RunDir}, Out: out, Bars: bars && !o.Quiet, Graphs: &graphs.Config{IntraOpThreads: o.Threads}}
	// Read and check the data before anything is written: bad files are
	// bad input (exit 2) and leave the run directory untouched.
	if o.Stage != "report" {
		if _, err := env.MainData(); err != nil {
			if loaders.IsFormatError(err) {
				return &UsageError{Msg: err.Error()}
			}
			return fmt.Errorf("load data: %w", err)
		}
		defer env.DropKept()
		if err := checkModel(env); err != nil {
			return err
		}
	}
	dir, err := rundir.Open(o.RunDir)
	if err != nil {
		return err
	}
	env.Dir = dir
	unlock, err := dir.Lock()
	if err != nil {
		return err
	}
	defer unlock()
	if stale, err := dir.RemoveStaleTemps(); err != nil {
		return err
	} else if len(stale) > 0 {
		fmt.Fprintf(out, "removed %d temporary files left by an interrupted run\n", len(stale))
	}
	if err := dir.WriteJSON(configFile, o); err != nil {
		return err
	}
	run := map[string]func() error{
		"load": env.Load, "probe": env.Probe, "extract": env.Extract, "cluster": env.Cluster,
		"resample": env.Resample, "retrain": env.Retrain, "evaluate": env.Evaluate, "report": env.Report,
	}
	for _, s := range todo {
		if !o.Useful && (s == "probe" || s == "extract" || s == "cluster" || s == "resample") {
			continue
		}
		if o.Resume && o.Stage == "all" && s != "retrain" && dir.Verify(s, stages.Hash(s, &o)) == nil {
			fmt.Fprintf(out, "%s: already complete with these options, skipped (--resume)\n", s)
			continue
		}
		t0 := time.Now()
		if err := run[s](); err != nil {
			var ne *stages.NeedsError
			if errors.As(err, &ne) {
				return &UsageError{Msg: err.Error()}
			}
			return fmt.Errorf("stage %s: %w", s, err)
		}
		// What a stage freed (its model sessions, arrays, TensorFlow's
		// buffers) goes back to the system, so that a long run's RSS stays
		// flat (BENCHMARKS.md: memory).
		graphs.ReleaseMemory()
		if !o.Quiet {
			rss := ""
			if k, err := memstat.RSSKiB(0); err == nil {
				rss = fmt.Sprintf(" (RSS %.1f MiB)", float64(k)/1024)
			}
			fmt.Fprintf(out, "%s: stage done in %.1fs%s\n", s, time.Since(t0).Seconds(), rss)
		}
	}
	if o.Stage == "all" || o.Stage == "report" {
		fmt.Fprintf(out, "report: %s\n", dir.Path("report.md"))
	}
	return nil
}

// checkModel checks, before anything is written, what the stages to run
// need besides the data: --batch-size against the training set and, for a
// stage that trains or evaluates, the SavedModel folder that fits the data
// (loaded and kept for the first stage that needs it). Problems are bad
// input: a *UsageError naming the flag or the model folder and the value.
func checkModel(env *stages.Env) error {
	o := env.Opts
	d, err := env.MainData()
	if err != nil {
		return err
	}
	if err := o.CheckBatchSize(d.Train.Len()); err != nil {
		return err
	}
	switch o.Stage {
	case "all", "probe", "extract", "retrain", "evaluate":
	default:
		return nil
	}
	st, err := os.Stat(o.ModelsDir)
	if err != nil {
		return &UsageError{Msg: fmt.Sprintf("--models-dir %q: %v", o.ModelsDir, err)}
	}
	if !st.IsDir() {
		return &UsageError{Msg: fmt.Sprintf("--models-dir %q: not a folder", o.ModelsDir)}
	}
	if err := env.CheckModel(d); err != nil {
		return &UsageError{Msg: err.Error()}
	}
	return nil
}

func readConfig(runDir string, o *Options) error {
	b, err := os.ReadFile(filepath.Join(runDir, configFile))
	if err != nil {
		return err
	}
	return jsonUnmarshal(b, o)
}

// sameRun compares the recorded (JSON) fields of two option sets.
func sameRun(a, b *Options) bool {
	x, _ := jsonMarshal(a)
	y, _ := jsonMarshal(b)
	return reflect.DeepEqual(x, y)
}

type ToyOptions = config.ToyOptions

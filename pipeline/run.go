package pipeline

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/internal/memstat"
	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/stages"
)

// NeedsError reports a stage run before a stage it needs (exit status 2).
type NeedsError struct {
	Stage, Needs string
	Cause        error
}

func (e *NeedsError) Error() string {
	return fmt.Sprintf("stage %s needs stage %s first (run `--stage %s` or `--stage all` on this run directory): %v", e.Stage, e.Needs, e.Needs, e.Cause)
}

func (e *NeedsError) Unwrap() error { return e.Cause }

// IO is where a run reports and what it records about the program.
type IO struct {
	// Out receives progress; Bars selects progress bars over log lines.
	Out  io.Writer
	Bars bool
	// Program and Commit name the program in run.json.
	Program, Commit string
	// Self is the command line that runs this program's run command (its
	// executable and "run"); a run of several seeds with --parallel above 1
	// starts a process per seed with it and the seed's flags
	// (options.Args). Without it the seeds run one after another.
	Self []string
}

// Run runs o.Stage ("all" or one stage of Registry) over o.RunDir; a run
// of several seeds runs each in its own folder and then writes their
// combined report (runSeeds). o must come from options.Build (validated).
// Bad options, bad data or model folders, a folder that is not a run
// directory, a run directory that holds a run (without --resume or
// --overwrite), inputs that changed since the run started, and a stage
// run before the stages it needs return a *options.UsageError before
// anything is written.
func Run(o options.Options, io IO) error {
	if len(o.Seeds) > 1 {
		return runSeeds(o, io)
	}
	p, err := prepare(&o, io)
	if err != nil {
		return err
	}
	defer p.release()
	return p.execute(io)
}

// prepared is a one-seed run checked and ready: nothing written yet.
type prepared struct {
	o        *options.Options
	todo     []Stage
	env      *stages.Env
	existing bool
	prov     rundir.Provenance
	unlock   []func()
}

func (p *prepared) release() {
	p.env.DropKept()
	for i := len(p.unlock) - 1; i >= 0; i-- {
		p.unlock[i]()
	}
}

// prepare makes every check of a one-seed run that needs no write: the
// stage names, the run directory's state (a second process, a run there),
// the data and the SavedModel, and for an existing run its inputs.
func prepare(o *options.Options, io IO) (*prepared, error) {
	todo, err := plan(o.Stage)
	if err != nil {
		return nil, err
	}
	if o.Overwrite && (o.Resume || o.Stage != "all") {
		return nil, options.Usagef("--overwrite starts a run afresh: give it with --stage all and without --resume")
	}
	state, err := rundir.Inspect(o.RunDir)
	if err != nil {
		return nil, &options.UsageError{Msg: err.Error()}
	}
	dir := rundir.New(o.RunDir)
	p := &prepared{o: o, todo: todo, existing: state == rundir.Ours,
		env: &stages.Env{Opts: o, Dir: dir, Out: io.Out, Bars: io.Bars && !o.Quiet, Graphs: &graphs.Config{IntraOpThreads: o.Threads}}}
	fail := func(err error) (*prepared, error) { p.release(); return nil, err }
	if p.existing {
		// Hold the run directory from the first check on: a second process
		// is refused before anything else.
		unlock, err := dir.Lock()
		if err != nil {
			return fail(err)
		}
		p.unlock = append(p.unlock, unlock)
		if err := checkExisting(dir, todo, o); err != nil {
			return fail(err)
		}
	} else if o.Stage != "all" {
		// A single stage on a new run directory: only one that needs no
		// other stage can run.
		if err := checkInputs(dir, todo[0], o); err != nil {
			return fail(err)
		}
	}
	// Read and check the data and the model before anything is written:
	// bad files are bad input (exit 2) and leave the run directory
	// untouched. An existing run's inputs are compared with what it
	// started with before the model is loaded, so that a re-exported
	// model is named as such.
	if err := checkData(p.env); err != nil {
		return fail(err)
	}
	if p.prov, err = provenance(p.env, io); err != nil {
		return fail(err)
	}
	if p.existing && !o.Overwrite {
		if err := checkInputsUnchanged(p.env, &p.prov); err != nil {
			return fail(err)
		}
	}
	if err := checkModel(p.env, todo); err != nil {
		return fail(err)
	}
	p.prov.Devices = p.env.Devices()
	return p, nil
}

// execute writes the run: the run directory (or its replacement with
// --overwrite), its marker, config.json and run.json, then the stages.
func (p *prepared) execute(io IO) error {
	o, env := p.o, p.env
	dir := env.Dir
	swap := func() error { return nil }
	if o.Overwrite && p.existing {
		// Start afresh in a new folder beside the old one; the old one is
		// replaced once the new run has its first stage.
		tmp, err := os.MkdirTemp(filepath.Dir(o.RunDir), "."+filepath.Base(o.RunDir)+".overwrite-")
		if err != nil {
			return fmt.Errorf("--overwrite: %w", err)
		}
		dir = rundir.New(tmp)
		swap = func() error {
			swap = func() error { return nil }
			return replaceRunDir(tmp, o.RunDir, dir)
		}
		defer func() { os.RemoveAll(tmp) }() // only left if the first stage failed
	}
	dir, err := rundir.Open(dir.Root)
	if err != nil {
		return err
	}
	env.Dir = dir
	if !p.existing || o.Overwrite {
		unlock, err := dir.Lock()
		if err != nil {
			return err
		}
		p.unlock = append(p.unlock, unlock)
	}
	if _, err := dir.Mark(); err != nil {
		if !p.existing {
			// A new run directory without its marker must not keep the
			// lock file either: the folder stays as the user gave it,
			// and a later run can start in it.
			os.Remove(dir.LockFile().Path())
		}
		return err
	}
	if stale, err := dir.RemoveStaleTemps(); err != nil {
		return err
	} else if len(stale) > 0 {
		fmt.Fprintf(io.Out, "removed %d temporary files left by an interrupted run\n", len(stale))
	}
	if err := dir.Config().Write(o); err != nil {
		return err
	}
	if pf := dir.Provenance(); !pf.Exists() {
		if err := pf.Write(p.prov); err != nil {
			return err
		}
	}
	for _, s := range p.todo {
		if s.UsefulOnly && !o.Useful {
			continue
		}
		if o.Resume && o.Stage == "all" && dir.Verify(s.Name, s.hash(o)) == nil {
			fmt.Fprintf(io.Out, "%s: already complete with these options, skipped (--resume)\n", s.Name)
			continue
		}
		if err := runStage(env, s); err != nil {
			return err
		}
		if err := swap(); err != nil {
			return err
		}
	}
	return nil
}

// checkExisting refuses what must not happen to a run directory that holds
// a run: --stage all over it without --resume or --overwrite, --resume
// with other options, a single stage whose inputs are missing.
func checkExisting(dir *rundir.Dir, todo []Stage, o *options.Options) error {
	if o.Stage == "all" && !o.Resume && !o.Overwrite {
		for _, s := range Registry {
			if dir.Record(s.Name).Exists() {
				return options.Usagef("run directory %s holds a run (stage %s completed): continue it with --resume, start afresh with --overwrite, or give another --run-dir", o.RunDir, s.Name)
			}
		}
	}
	if o.Resume && o.Stage == "all" {
		cf := dir.Config()
		if same, err := cf.Matches(o); err != nil {
			return err
		} else if !same && cf.Exists() {
			return options.Usagef("--resume: run directory %s holds a run with other options (see %s); resume it with the same flags, start afresh with --overwrite, or use another --run-dir", o.RunDir, cf.Path())
		}
	}
	if o.Stage != "all" {
		return checkInputs(dir, todo[0], o)
	}
	return nil
}

// replaceRunDir puts the new run directory (at tmp, dir's root) in place of
// the old one at final: the old one is moved aside, then removed.
func replaceRunDir(tmp, final string, dir *rundir.Dir) error {
	old := tmp + ".old"
	if err := os.Rename(final, old); err != nil {
		return fmt.Errorf("--overwrite: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("--overwrite: %w", err)
	}
	dir.Root = final
	return os.RemoveAll(old)
}

// plan returns the stages --stage name runs.
func plan(name string) ([]Stage, error) {
	if name == "all" {
		return Registry, nil
	}
	s, ok := Lookup(name)
	if !ok {
		return nil, options.Usagef("--stage %q: unknown stage; want all or one of %s", name, strings.Join(Names(), ", "))
	}
	return []Stage{s}, nil
}

// runStage checks a stage's inputs, runs it, records it (forgetting every
// later stage, whose inputs changed) and gives the memory it freed back.
func runStage(env *stages.Env, s Stage) error {
	o := env.Opts
	if err := checkInputs(env.Dir, s, o); err != nil {
		return err
	}
	t0 := time.Now()
	arts, err := s.Run(env)
	if err != nil {
		return fmt.Errorf("stage %s: %w", s.Name, err)
	}
	after := false
	for _, later := range Registry {
		if after {
			if err := env.Dir.Forget(later.Name); err != nil {
				return err
			}
		}
		after = after || later.Name == s.Name
	}
	if err := env.Dir.Complete(s.Name, s.hash(o), arts); err != nil {
		return fmt.Errorf("stage %s: %w", s.Name, err)
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
		fmt.Fprintf(env.Out, "%s: stage done in %.1fs%s\n", s.Name, time.Since(t0).Seconds(), rss)
	}
	return nil
}

// checkInputs returns a usage error naming the stage to run first if a
// stage s needs has not completed with the current options; other
// failures (a changed artifact) name the file.
func checkInputs(dir *rundir.Dir, s Stage, o *options.Options) error {
	for _, name := range s.needs(o) {
		need, _ := Lookup(name)
		if err := dir.Verify(need.Name, need.hash(o)); err != nil {
			if errors.Is(err, rundir.ErrStageMissing) {
				return &options.UsageError{Msg: (&NeedsError{Stage: s.Name, Needs: need.Name, Cause: err}).Error()}
			}
			return err
		}
	}
	return nil
}

// checkData reads and checks the data; bad files are a
// *options.UsageError naming the file, the record and the value.
func checkData(env *stages.Env) error {
	if _, err := env.MainData(); err != nil {
		if loaders.IsFormatError(err) {
			return &options.UsageError{Msg: err.Error()}
		}
		return fmt.Errorf("load data: %w", err)
	}
	return nil
}

// checkModel checks what the stages of todo that train or evaluate need
// besides the data: the SavedModel folder that fits the data (loaded,
// checked and kept for the first stage that needs it) and --batch-size
// against the training set. Problems are a *options.UsageError naming the
// flag or the model folder and the value.
func checkModel(env *stages.Env, todo []Stage) error {
	o := env.Opts
	model := false
	for _, s := range todo {
		model = model || s.Model
	}
	if !model {
		return nil
	}
	st, err := os.Stat(o.ModelsDir)
	if err != nil {
		return options.Usagef("--models-dir %q: %v", o.ModelsDir, err)
	}
	if !st.IsDir() {
		return options.Usagef("--models-dir %q: not a folder", o.ModelsDir)
	}
	d, err := env.MainData()
	if err != nil {
		return err
	}
	if err := env.CheckModel(d); err != nil {
		return &options.UsageError{Msg: err.Error()}
	}
	if n := d.Train.Len(); o.BatchSize > n {
		return options.Usagef("--batch-size %d: want <= %d, the number of training examples (0: full batch)", o.BatchSize, n)
	}
	return nil
}

// Done reports whether every stage of a run with options o has completed
// in o.RunDir with these options and its artifacts verify (what --resume
// would skip): then the run has nothing left to do.
func Done(o *options.Options) bool {
	if len(o.Seeds) > 1 {
		return doneSeeds(o)
	}
	dir := rundir.New(o.RunDir)
	for _, s := range Registry {
		if s.UsefulOnly && !o.Useful {
			continue
		}
		if dir.Verify(s.Name, s.hash(o)) != nil {
			return false
		}
	}
	return true
}

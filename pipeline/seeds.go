package pipeline

import (
	"fmt"

	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/stages"
)

// perSeed returns the options of seed s of a run of several seeds: one
// seed, in the seed's folder under the run directory.
func perSeed(o *options.Options, s uint64) options.Options {
	one := *o
	one.Seeds = []uint64{s}
	one.RunDir = rundir.New(o.RunDir).SeedDir(s).Root
	return one
}

// doneSeeds reports whether every seed's run is done and the combined
// report written.
func doneSeeds(o *options.Options) bool {
	for _, s := range o.Seeds {
		one := perSeed(o, s)
		if !Done(&one) {
			return false
		}
	}
	return rundir.New(o.RunDir).Metrics().Exists()
}

// runSeeds runs each seed of o as a one-seed run in <run-dir>/seed-<s>/
// and then, for --stage all or the last stage, writes the combined report
// (stages.CombineSeeds) at the top. Before anything is written it checks
// the run directory and every seed's folder, and prepares the first seed
// in full (data, SavedModel, inputs), so bad input leaves nothing behind.
func runSeeds(o options.Options, io IO) error {
	todo, err := plan(o.Stage)
	if err != nil {
		return err
	}
	state, err := rundir.Inspect(o.RunDir)
	if err != nil {
		return &options.UsageError{Msg: err.Error()}
	}
	top := rundir.New(o.RunDir)
	if state == rundir.Ours {
		unlock, err := top.Lock()
		if err != nil {
			return err
		}
		defer unlock()
		if o.Resume {
			if same, err := top.Config().Matches(&o); err != nil {
				return err
			} else if !same && top.Config().Exists() {
				return options.Usagef("--resume: run directory %s holds a run with other options (see %s); resume it with the same flags, start afresh with --overwrite, or use another --run-dir", o.RunDir, top.Config().Path())
			}
		}
	}
	for i, s := range o.Seeds {
		one := perSeed(&o, s)
		if i == 0 {
			p, err := prepare(&one, io)
			if err != nil {
				return err
			}
			p.release()
			continue
		}
		st, err := rundir.Inspect(one.RunDir)
		if err != nil {
			return &options.UsageError{Msg: err.Error()}
		}
		if st == rundir.Ours {
			if err := checkExisting(rundir.New(one.RunDir), todo, &one); err != nil {
				return err
			}
		}
	}
	if top, err = rundir.Open(o.RunDir); err != nil {
		return err
	}
	if state != rundir.Ours {
		unlock, err := top.Lock()
		if err != nil {
			return err
		}
		defer unlock()
	}
	if _, err := top.Mark(); err != nil {
		return err
	}
	if _, err := top.RemoveStaleTemps(); err != nil {
		return err
	}
	if err := top.Config().Write(&o); err != nil {
		return err
	}
	var dirs []*rundir.Dir
	for _, s := range o.Seeds {
		dirs = append(dirs, rundir.New(perSeed(&o, s).RunDir))
	}
	if o.Parallel > 1 && len(io.Self) > 0 {
		if err := runSeedProcesses(&o, io); err != nil {
			return err
		}
	} else {
		for _, s := range o.Seeds {
			one := perSeed(&o, s)
			fmt.Fprintf(io.Out, "seed %d of %v: %s\n", s, o.Seeds, one.RunDir)
			if err := Run(one, io); err != nil {
				return fmt.Errorf("seed %d: %w", s, err)
			}
		}
	}
	reports := false
	for _, st := range todo {
		reports = reports || st.Reports
	}
	if !reports {
		return nil
	}
	if err := stages.CombineSeeds(top, &o, dirs); err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "report of %d seeds: %s\n", len(o.Seeds), top.Report().Path())
	return nil
}

package stages

import (
	"fmt"

	"github.com/useful-pipeline/useful-pipeline/graphs"
)

// Export writes a servable SavedModel of the final weights of each
// method's USEFUL run (its baseline with --useful=false) to
// export/<run>/1/ (see rundir.Layout and graphs.Export).
func (e *Env) Export() ([]string, error) {
	var arts []string
	for _, run := range e.Opts.Runs() {
		if run.Useful != e.Opts.Useful || run.Selection != "" || run.BetaD != e.Opts.MainBetaD() {
			continue
		}
		f := e.Dir.Export(run.ID)
		if err := f.RemoveAll(); err != nil { // a stage rerun replaces its output
			return nil, err
		}
		out, err := e.ExportRun(run.ID, f.Path(), 1)
		if err != nil {
			return nil, err
		}
		e.logf("%s: servable SavedModel of run %s in %s", f.Rel(), run.ID, out)
		arts = append(arts, f.Rel())
	}
	return arts, nil
}

// ExportRun writes a servable SavedModel of run's final weights (its
// retrain checkpoint) to outDir/<version> (0: the next free version) and
// returns that folder. The model folder, the normalisation and the class
// names come from the run directory (data/summary.json), not from the
// data, so a run can be exported where its data is not.
func (e *Env) ExportRun(run, outDir string, version int) (string, error) {
	sum, err := e.Dir.DataSummary().Read()
	if err != nil {
		return "", fmt.Errorf("export run %s: %w (run the load stage first)", run, err)
	}
	ck := e.Dir.Retrain(run).Checkpoint()
	if !ck.HasState() {
		return "", fmt.Errorf("export: run directory %s has no final weights of run %q (%s): run its retrain stage first", e.Dir.Root, run, ck.Path())
	}
	cfg := graphs.ExportConfig{ModelDir: e.ModelDir(sum.Shape, sum.NumClasses), Checkpoint: ck.Prefix(), ClassNames: sum.ClassNames,
		OutDir: outDir, Version: version, Session: e.Graphs}
	if len(sum.NormMean) > 0 {
		cfg.Normalization = &graphs.Normalization{Mean: sum.NormMean, Std: sum.NormStd}
	}
	return graphs.Export(cfg)
}

package stages

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/useful-pipeline/useful-pipeline/config"
	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// Env is what every stage gets: the resolved options, the run directory and
// where to print progress.
type Env struct {
	Opts *config.Options
	Dir  *rundir.Dir
	// Out receives progress; Bars selects progress bars (a terminal) over
	// plain log lines.
	Out  io.Writer
	Bars bool
	// Graphs configures TensorFlow sessions (threads).
	Graphs *graphs.Config

	data map[float64]*Data
	// kept is a model loaded (and checked) before the run directory was
	// touched; the first LoadModel of the same folder takes it.
	kept *graphs.Model
}

// CheckModel loads and checks the model for d, as the first stage that
// trains or evaluates will, and keeps it for that stage, so that a bad
// SavedModel is found before anything is written without loading it twice.
func (e *Env) CheckModel(d *Data) error {
	m, err := e.LoadModel(d)
	if err != nil {
		return err
	}
	e.kept = m
	return nil
}

// DropKept closes a model kept by CheckModel that no stage took.
func (e *Env) DropKept() {
	if e.kept != nil {
		e.kept.Close()
		e.kept = nil
	}
}

// NeedsError reports a stage run before a stage it needs; the command exits 2.
type NeedsError struct {
	Stage, Needs string
	Cause        error
}

func (e *NeedsError) Error() string {
	return fmt.Sprintf("stage %s needs stage %s first (run `--stage %s` or `--stage all` on this run directory): %v", e.Stage, e.Needs, e.Needs, e.Cause)
}

func (e *NeedsError) Unwrap() error { return e.Cause }

// Requires lists the stages each stage reads from.
func Requires(stage string, o *config.Options) []string {
	switch stage {
	case "probe":
		return []string{"load"}
	case "extract":
		return []string{"probe"}
	case "cluster":
		return []string{"extract"}
	case "resample":
		return []string{"cluster"}
	case "retrain":
		if o.Useful {
			return []string{"resample"}
		}
		return []string{"load"}
	case "evaluate":
		return []string{"retrain"}
	case "report":
		return []string{"evaluate"}
	}
	return nil
}

// Hash returns the hash of the options that stage's outputs depend on.
func Hash(stage string, o *config.Options) string {
	type loadKey struct {
		Dataset, DataDir string
		Seed             uint64
		Toy              *config.ToyOptions
		Imbalance, Noise float64
	}
	type trainKey struct {
		Load                  loadKey
		Model                 string
		Methods               []string
		Useful                bool
		SeparateEpoch, Epochs int
		AutoSeparate          bool
		BatchSize             int
		FullBatch             bool
		LR, Momentum, WD, Rho float64
		LRSchedule            string
		Augment               string
		ASAMRho               float64
	}
	lk := loadKey{o.Dataset, o.DataDir, o.Seed, o.Toy, o.ImbalanceRatio, o.LabelNoise}
	tk := trainKey{lk, o.Model, o.Methods, o.Useful, o.SeparateEpoch, o.Epochs, o.AutoSeparate, o.BatchSize, o.FullBatch, o.LR, o.Momentum, o.WeightDecay, o.Rho, o.LRSchedule, o.Augment, o.ASAMRho}
	switch stage {
	case "load":
		return rundir.Hash(lk)
	case "probe", "extract", "cluster":
		return rundir.Hash(struct {
			Stage string
			T     trainKey
		}{stage, tk})
	}
	return rundir.Hash(struct {
		Stage     string
		T         trainKey
		Factor    int
		Baselines []string
		Sharpness bool
	}{stage, tk, o.UpsampleFactor, o.Baselines, o.Sharpness})
}

// CheckInputs returns a *NeedsError if a stage that stage reads from has not
// completed with the current options or its artifacts changed.
func (e *Env) CheckInputs(stage string) error {
	for _, need := range Requires(stage, e.Opts) {
		if err := e.Dir.Verify(need, Hash(need, e.Opts)); err != nil {
			if errors.Is(err, rundir.ErrStageMissing) {
				return &NeedsError{Stage: stage, Needs: need, Cause: err}
			}
			return err
		}
	}
	return nil
}

// Complete records stage as done with its artifacts, and forgets every later
// stage (they must rerun on the new outputs).
func (e *Env) Complete(stage string, artifacts []string) error {
	after := false
	for _, s := range config.StagesOrder() {
		if after {
			if err := e.Dir.Forget(s); err != nil {
				return err
			}
		}
		if s == stage {
			after = true
		}
	}
	return e.Dir.Complete(stage, Hash(stage, e.Opts), artifacts)
}

// begin checks that stage's inputs exist, reads the main data and loads the
// model that fits it; the caller closes the model.
func (e *Env) begin(stage string) (*Data, *graphs.Model, error) {
	if err := e.CheckInputs(stage); err != nil {
		return nil, nil, err
	}
	d, err := e.MainData()
	if err != nil {
		return nil, nil, err
	}
	m, err := e.LoadModel(d)
	if err != nil {
		return nil, nil, err
	}
	return d, m, nil
}

// ModelDir is the SavedModel folder for the model and data shape.
func (e *Env) ModelDir(shape []int, classes int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = fmt.Sprint(d)
	}
	return filepath.Join(e.Opts.ModelsDir, fmt.Sprintf("%s-%s-c%d", e.Opts.Model, strings.Join(s, "x"), classes))
}

// LoadModel loads the SavedModel that fits d and checks it against the data.
func (e *Env) LoadModel(d *Data) (*graphs.Model, error) {
	dir := e.ModelDir(d.Train.Shape, d.Train.NumClasses)
	if m := e.kept; m != nil && m.Dir() == dir {
		e.kept = nil
		return m, nil
	}
	m, err := graphs.Load(dir, e.Graphs)
	if err != nil {
		return nil, fmt.Errorf("%w (export it with `make models` or python_export/export.py)", err)
	}
	if err := m.CheckData(d.Train.Shape, d.Train.NumClasses); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

func (e *Env) logf(format string, a ...any) {
	fmt.Fprintf(e.Out, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
}

package stages

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// Env is what every stage gets: the resolved options, the run directory and
// where to print progress. A stage is a method of Env that does its work
// and returns the artifacts it wrote (run-directory paths, as Rel gives
// them); the pipeline checks its inputs before and records it after.
type Env struct {
	Opts *options.Options
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

// Devices lists the TensorFlow devices of the model kept by CheckModel
// (none when no stage to run needs a model).
func (e *Env) Devices() []string {
	if e.kept == nil {
		return nil
	}
	d, err := e.kept.Devices()
	if err != nil {
		return []string{"unknown: " + err.Error()}
	}
	return d
}

// DropKept closes a model kept by CheckModel that no stage took.
func (e *Env) DropKept() {
	if e.kept != nil {
		e.kept.Close()
		e.kept = nil
	}
}

// ModelDir is the SavedModel folder for the model and data shape.
func (e *Env) ModelDir(shape []int, classes int) string {
	return filepath.Join(e.Opts.ModelsDir, fmt.Sprintf("%s-%s-c%d", e.Opts.Model, joinInts(shape, "x"), classes))
}

func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, d := range v {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, sep)
}

// LoadModel loads the SavedModel that fits d and checks it against the data.
func (e *Env) LoadModel(d *Data) (*graphs.Model, error) {
	dir := e.ModelDir(d.Train.Shape, d.Train.NumClasses)
	if m := e.kept; m != nil && m.Dir() == dir {
		e.kept = nil
		return m, nil
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("model folder %s: not there: export the model for this data with\n  .venv/bin/python python_export/export.py --model %s --input-shape %s --num-classes %d --out %s",
			dir, e.Opts.Model, joinInts(d.Train.Shape, ","), d.Train.NumClasses, dir)
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

// mainModel reads the main data and loads the model that fits it; the
// caller closes the model.
func (e *Env) mainModel() (*Data, *graphs.Model, error) {
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

func (e *Env) logf(format string, a ...any) {
	fmt.Fprintf(e.Out, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
}

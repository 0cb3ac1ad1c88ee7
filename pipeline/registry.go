package pipeline

import (
	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/stages"
)

// Stage is one step of a run: an entry of Registry.
type Stage struct {
	// Name is the stage's name (--stage NAME, its record stages/NAME.json).
	Name string
	// Needs lists the stages whose outputs it reads; their records must
	// verify before it runs. A USEFUL-only need is dropped from runs
	// without USEFUL.
	Needs []string
	// Key returns what its record hashes: the options its outputs depend
	// on. A change of them makes the stage (and every later one) run again.
	Key func(*options.Options) any
	// Model: the stage trains or evaluates, so the SavedModel is loaded and
	// checked against the data before anything is written.
	Model bool
	// Trains: the stage trains models (the rest is USEFUL's overhead).
	Trains bool
	// UsefulOnly: the stage is skipped when --useful=false.
	UsefulOnly bool
	// Reports: the stage writes metrics.json and report.md, which a run of
	// several seeds combines once it has run for every seed.
	Reports bool
	// Run does the work and returns the artifacts it wrote.
	Run func(*stages.Env) ([]string, error)
}

// Registry is the one list of stages, in the order --stage all runs them.
// Adding a stage is one entry here plus its method of stages.Env.
var Registry = []Stage{
	{Name: "load", Key: dataKey, Run: (*stages.Env).Load},
	{Name: "probe", Needs: []string{"load"}, Key: probeKey, Model: true, Trains: true, UsefulOnly: true, Run: (*stages.Env).Probe},
	{Name: "extract", Needs: []string{"probe"}, Key: probeKey, Model: true, UsefulOnly: true, Run: (*stages.Env).Extract},
	{Name: "cluster", Needs: []string{"extract"}, Key: probeKey, UsefulOnly: true, Run: (*stages.Env).Cluster},
	{Name: "resample", Needs: []string{"cluster"}, Key: runKey, UsefulOnly: true, Run: (*stages.Env).Resample},
	{Name: "retrain", Needs: []string{"load", "resample"}, Key: runKey, Model: true, Trains: true, Run: (*stages.Env).Retrain},
	{Name: "evaluate", Needs: []string{"retrain"}, Key: runKey, Model: true, Run: (*stages.Env).Evaluate},
	{Name: "report", Needs: []string{"evaluate"}, Key: runKey, Reports: true, Run: (*stages.Env).Report},
	{Name: "export", Needs: []string{"load", "retrain"}, Key: runKey, Model: true, Run: (*stages.Env).Export},
}

// The record keys: what a stage's outputs depend on.

// dataKey: the data (the seed generates the toy data and the label noise).
func dataKey(o *options.Options) any {
	return struct {
		Data options.DataOptions
		Seed []uint64
	}{o.DataOptions, o.Seeds}
}

// probeKey: the data, the model and the recipe up to the separating epoch.
func probeKey(o *options.Options) any {
	return struct {
		Data   options.DataOptions
		Model  string
		Train  options.TrainOptions
		Useful bool
		T      options.SeparateEpoch
	}{o.DataOptions, o.Model, o.TrainOptions, o.Useful, o.SeparateEpoch}
}

// runKey: everything a run computes (the probe's inputs, the upsampling,
// the baselines and the analyses).
func runKey(o *options.Options) any {
	return struct {
		Probe  any
		Useful options.UsefulOptions
		Eval   options.EvalOptions
	}{probeKey(o), o.UsefulOptions, o.EvalOptions}
}

// Lookup returns the stage named name.
func Lookup(name string) (Stage, bool) {
	for _, s := range Registry {
		if s.Name == name {
			return s, true
		}
	}
	return Stage{}, false
}

// Names lists the stage names in run order.
func Names() []string {
	out := make([]string, len(Registry))
	for i, s := range Registry {
		out[i] = s.Name
	}
	return out
}

// needs returns the stages s reads from in a run with options o.
func (s Stage) needs(o *options.Options) []string {
	var out []string
	for _, n := range s.Needs {
		if need, _ := Lookup(n); need.UsefulOnly && !o.Useful {
			continue
		}
		out = append(out, n)
	}
	return out
}

// hash returns the hash its record holds for options o.
func (s Stage) hash(o *options.Options) string {
	return rundir.Hash(struct {
		Stage string
		Key   any
	}{s.Name, s.Key(o)})
}

package rundir

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/useful-pipeline/useful-pipeline/options"
)

// The layout: every path of a run directory is built by one method below,
// and Layout documents each (docs/RUNDIR.md is generated from it).

// Config returns config.json: the recorded options of the run.
func (d *Dir) Config() ConfigFile { return ConfigFile{File{d, "config.json"}} }

// LockFile returns .lock, flocked while a process works on the run.
func (d *Dir) LockFile() File { return File{d, ".lock"} }

// Record returns stages/<stage>.json, the record of a completed stage.
func (d *Dir) Record(stage string) JSON[Record] { return jsonAt[Record](d, "stages/"+stage+".json") }

// DataSummary returns data/summary.json.
func (d *Dir) DataSummary() JSON[DataSummary] { return jsonAt[DataSummary](d, "data/summary.json") }

// ToyHasFast returns data/toy_has_fast.i32: 1 if toy training example i
// has the fast feature.
func (d *Dir) ToyHasFast() Array[int32] { return arrayAt[int32](d, "data/toy_has_fast.i32") }

// W0 returns w0/, the seeded initial weights every run starts from.
func (d *Dir) W0() Checkpoint { return Checkpoint{Folder{File{d, "w0"}}} }

// ProbeDir is probe/<method>/: the probe's outputs for one method.
type ProbeDir struct{ Folder }

// Probe returns probe/<method>/.
func (d *Dir) Probe(method string) ProbeDir { return ProbeDir{Folder{File{d, "probe/" + method}}} }

// Loss returns per_example_loss.f32: t x N, epoch-major.
func (p ProbeDir) Loss() Array[float32] { return arrayAt[float32](p.d, p.rel+"/per_example_loss.f32") }

// Correct returns per_example_correct.i32: t x N (1 correct, 0 not).
func (p ProbeDir) Correct() Array[int32] {
	return arrayAt[int32](p.d, p.rel+"/per_example_correct.i32")
}

// Curves returns curves.csv.
func (p ProbeDir) Curves() Curves { return Curves{File{p.d, p.rel + "/curves.csv"}} }

// Summary returns summary.json (the separating epoch t).
func (p ProbeDir) Summary() JSON[ProbeSummary] {
	return jsonAt[ProbeSummary](p.d, p.rel+"/summary.json")
}

// Checkpoint returns ckpt/, the weights after epoch t.
func (p ProbeDir) Checkpoint() Checkpoint { return Checkpoint{Folder{File{p.d, p.rel + "/ckpt"}}} }

// ExtractDir is extract/<method>/.
type ExtractDir struct{ Folder }

// Extract returns extract/<method>/.
func (d *Dir) Extract(method string) ExtractDir {
	return ExtractDir{Folder{File{d, "extract/" + method}}}
}

// Logits returns logits.f32: N x C at epoch t, row-major.
func (x ExtractDir) Logits() Array[float32] { return arrayAt[float32](x.d, x.rel+"/logits.f32") }

// Loss returns loss.f32: N per-example losses at epoch t.
func (x ExtractDir) Loss() Array[float32] { return arrayAt[float32](x.d, x.rel+"/loss.f32") }

// ClusterDir is cluster/<method>/.
type ClusterDir struct{ Folder }

// Cluster returns cluster/<method>/.
func (d *Dir) Cluster(method string) ClusterDir {
	return ClusterDir{Folder{File{d, "cluster/" + method}}}
}

// Clusters returns clusters.json.
func (c ClusterDir) Clusters() JSON[ClusterFile] {
	return jsonAt[ClusterFile](c.d, c.rel+"/clusters.json")
}

// Assign returns assign.i32: N, the cluster (0/1) of each example in its class.
func (c ClusterDir) Assign() Array[int32] { return arrayAt[int32](c.d, c.rel+"/assign.i32") }

// Slow returns slow.i32: the indices of the slow-learnable examples.
func (c ClusterDir) Slow() Indices { return indicesAt(c.d, c.rel+"/slow.i32") }

// ResampleDir is resample/<method> (USEFUL) or resample/<method>+<baseline>.
type ResampleDir struct{ Folder }

// Resample returns the training list folder of a method's USEFUL run
// (selection "") or of one of its baselines.
func (d *Dir) Resample(method, selection string) ResampleDir {
	name := method
	if selection != "" {
		name += "+" + selection
	}
	return ResampleDir{Folder{File{d, "resample/" + name}}}
}

// Indices returns indices.i32: the training list.
func (r ResampleDir) Indices() Indices { return indicesAt(r.d, r.rel+"/indices.i32") }

// Weights returns weights.f32: per-example loss weights (upweight only).
func (r ResampleDir) Weights() Array[float32] { return arrayAt[float32](r.d, r.rel+"/weights.f32") }

// Summary returns summary.json.
func (r ResampleDir) Summary() JSON[ResampleSummary] {
	return jsonAt[ResampleSummary](r.d, r.rel+"/summary.json")
}

// RetrainDir is retrain/<run>/.
type RetrainDir struct{ Folder }

// Retrain returns retrain/<run>/.
func (d *Dir) Retrain(run string) RetrainDir { return RetrainDir{Folder{File{d, "retrain/" + run}}} }

// Checkpoint returns ckpt/: resumable during the run, final weights after.
func (r RetrainDir) Checkpoint() Checkpoint { return Checkpoint{Folder{File{r.d, r.rel + "/ckpt"}}} }

// Curves returns curves.csv.
func (r RetrainDir) Curves() Curves { return Curves{File{r.d, r.rel + "/curves.csv"}} }

// Summary returns summary.json.
func (r RetrainDir) Summary() JSON[RetrainSummary] {
	return jsonAt[RetrainSummary](r.d, r.rel+"/summary.json")
}

// Forgetting returns forgetting.i32: N forgetting scores.
func (r RetrainDir) Forgetting() Array[int32] { return arrayAt[int32](r.d, r.rel+"/forgetting.i32") }

// FirstLearned returns first_learned.i32: N first epochs correct (-1 never).
func (r RetrainDir) FirstLearned() Array[int32] {
	return arrayAt[int32](r.d, r.rel+"/first_learned.i32")
}

// LearnedForGood returns learned_for_good.i32: N epochs learned for good (-1 never).
func (r RetrainDir) LearnedForGood() Array[int32] {
	return arrayAt[int32](r.d, r.rel+"/learned_for_good.i32")
}

// Evaluate returns evaluate/<run>.json.
func (d *Dir) Evaluate(run string) JSON[EvalResult] {
	return jsonAt[EvalResult](d, "evaluate/"+run+".json")
}

// Export returns export/<run>/, the folder of the run's servable
// SavedModel versions (<n>/, the layout TF Serving watches).
func (d *Dir) Export(run string) Folder { return Folder{File{d, "export/" + run}} }

// TB returns tb/<run>/, the TensorBoard event files of a training run
// (probe runs are named probe/<method>).
func (d *Dir) TB(run string) Folder { return Folder{File{d, "tb/" + run}} }

// SeedDir returns seed-<s>/: in a run of several seeds, the run directory
// of seed s (a full run directory of its own).
func (d *Dir) SeedDir(s uint64) *Dir { return &Dir{Root: d.path(fmt.Sprintf("seed-%d", s))} }

// Metrics returns metrics.json.
func (d *Dir) Metrics() JSON[Metrics] { return jsonAt[Metrics](d, "metrics.json") }

// Report returns report.md.
func (d *Dir) Report() File { return File{d, "report.md"} }

// Plot returns plots/<name>.png.
func (d *Dir) Plot(name string) File { return File{d, "plots/" + name + ".png"} }

// ConfigFile is config.json (options.MarshalConfig of the run's options).
type ConfigFile struct{ File }

// Write records o.
func (c ConfigFile) Write(o *options.Options) error { return c.WriteBytes(options.MarshalConfig(o)) }

// Matches reports whether the file records exactly o's options; false
// with a nil error when there is no file.
func (c ConfigFile) Matches(o *options.Options) (bool, error) {
	b, err := c.ReadBytes()
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return bytes.Equal(b, options.MarshalConfig(o)), nil
}

// Entry is one row of Layout.
type Entry struct {
	Path  string // relative, with <method>, <run>, <stage> or <name> for the variable part
	Stage string // which stage writes it
	About string
}

// Layout documents every path of a run directory, built by the methods
// above with placeholders.
func Layout() []Entry {
	d := New("")
	const m, r = "<method>", "<run>"
	p, x, c, rs, rt := d.Probe(m), d.Extract(m), d.Cluster(m), d.Resample(m, ""), d.Retrain(r)
	return []Entry{
		{d.MarkerFile().Rel(), "every", "marks the folder as a run directory of this tool and holds the run's ID (checkpoints carry it)"},
		{d.Config().Rel(), "every", "the recorded options (dataset defaults filled in); a valid `--config` file"},
		{d.Provenance().Rel(), "every", "program version and commit, TensorFlow and Go versions, host, CPU, devices, start time, and the digests (size, time, sha256 per file) of the SavedModel folder and the data files, which `--resume` checks"},
		{d.LockFile().Rel(), "every", "flock held while a process works on the run directory"},
		{d.Record("<stage>").Rel(), "every", "record of a completed stage: options hash, time, sha256 of every artifact"},
		{d.DataSummary().Rel(), "load", "sizes, shape, classes, per-class counts, digests of the training and test sets"},
		{d.ToyHasFast().Rel(), "load (toy)", "N int32: 1 if training example i has the fast feature"},
		{d.W0().Rel() + "/", "probe or retrain", "W0: TF checkpoint `w.index`, `w.data-00000-of-00001`, `state.json`"},
		{p.Loss().Rel(), "probe", "t x N float32, epoch-major: row e-1 = after epoch e, column i = training example i"},
		{p.Correct().Rel(), "probe", "t x N int32 (1 correct, 0 not), same layout"},
		{p.Curves().Rel(), "probe", "per epoch: lr, loss, accuracy, training error %, seconds, images/s, test accuracy (with `--eval-every`), toy G_e/G_d"},
		{p.Summary().Rel(), "probe", "the separating epoch t (given, or chosen by `--separate-epoch auto`), the rule and the training-error curve"},
		{p.Checkpoint().Rel() + "/", "probe", "weights after epoch t"},
		{x.Logits().Rel(), "extract", "N x C float32 logits at epoch t (inference mode)"},
		{x.Loss().Rel(), "extract", "N float32 per-example loss at epoch t"},
		{c.Clusters().Rel(), "cluster", "per class: size, cluster sizes, mean loss per cluster, slow cluster (-1: no split)"},
		{c.Assign().Rel(), "cluster", "N int32: cluster (0/1) of each training example within its class"},
		{c.Slow().Rel(), "cluster", "int32 indices of the slow-learnable examples"},
		{rs.Indices().Rel(), "resample", "int32: the USEFUL training list (every example once, slow ones factor times); `resample/<method>+<baseline>/` for a baseline's list"},
		{rs.Weights().Rel(), "resample (upweight)", "N float32 loss weights (factor on the slow cluster, 1 elsewhere)"},
		{rs.Summary().Rel(), "resample", "sizes and upsampled fraction"},
		{rt.Checkpoint().Rel() + "/", "retrain", "resumable checkpoint (weights, optimiser slots, step, `state.json` with the curve so far and the learning statistics); final weights at the end"},
		{rt.Curves().Rel(), "retrain", "per-epoch curve, as the probe's"},
		{rt.Summary().Rel(), "retrain", "train seconds, final training loss and accuracy"},
		{rt.Forgetting().Rel(), "retrain", "N int32 forgetting scores (correct -> incorrect transitions, end of each epoch)"},
		{rt.FirstLearned().Rel(), "retrain", "N int32 first epoch classified correctly (-1: never)"},
		{rt.LearnedForGood().Rel(), "retrain", "N int32 epoch after which the example stayed correct (-1: wrong at the end)"},
		{d.TB(r).Rel() + "/", "probe, retrain", "TensorBoard event files (`tensorboard --logdir <run-dir>/tb`): per epoch train/loss, train/accuracy, train/error, train/learning_rate, train/images_per_s, test/accuracy (with `--eval-every`), toy/G_e, toy/G_d; for USEFUL runs useful/upsampled_share and the slow/fast cluster sizes at t; probes under `tb/probe/<method>/`"},
		{d.Evaluate(r).Rel(), "evaluate", "test accuracy, error, loss, L1 norm, sharpness"},
		{"seed-<s>/", "every (several seeds)", "with `--seed` a list: the run directory of seed s, a full run directory of its own; metrics.json and report.md above combine the seeds (every seed's runs, then mean ± std per run)"},
		{d.Metrics().Rel(), "report", "every run's numbers (the comparison's data)"},
		{d.Export(r).Rel() + "/", "export", "`1/`: a standard SavedModel for inference of the run's final weights (`serving_default`: float32 pixel levels 0..255 in, normalisation built in, logits and probabilities out; class names in `assets/class_names.txt`); for the USEFUL run of each method"},
		{d.Report().Rel(), "report", "the comparison, with the paper's numbers where it gives them"},
		{d.Plot("<name>").Rel(), "report", "training curves, Fig. 2/3-style plots, example grids"},
	}
}

// LayoutMarkdown renders Layout as the table of docs/RUNDIR.md.
func LayoutMarkdown() string {
	var b strings.Builder
	b.WriteString("| path | stage | content |\n|---|---|---|\n")
	for _, e := range Layout() {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", e.Path, e.Stage, e.About)
	}
	return b.String()
}

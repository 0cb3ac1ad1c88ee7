package stages

import (
	"fmt"
	"github.com/useful-pipeline/useful-pipeline/augment"
	"github.com/useful-pipeline/useful-pipeline/config"
	"os"
	"path/filepath"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/graphs"
)

const evalBatch = 1000

// evalSet evaluates every example of ds in inference mode, normalised by
// norm (nil: as stored).
func evalSet(m *graphs.Model, ds *dataset.Dataset, norm *augment.Normalize) (*graphs.Eval, error) {
	out := &graphs.Eval{}
	size := ds.ExampleSize()
	var buf []float32
	for lo := 0; lo < ds.Len(); lo += evalBatch {
		hi := min(lo+evalBatch, ds.Len())
		buf = ds.AppendFloat32s(buf[:0], lo, hi)
		if norm != nil {
			for i := lo; i < hi; i++ {
				norm.Augment(nil, buf[(i-lo)*size:(i-lo+1)*size])
			}
		}
		if _, err := m.Evaluate(buf, ds.Labels[lo:hi], hi-lo, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ensureW0 writes W0 (the seeded initial weights) to w0/ once and restores
// m to it. Every run of the report starts from this W0.
func (e *Env) ensureW0(m *graphs.Model) error {
	if _, err := os.Stat(filepath.Join(e.Dir.Path("w0"), "state.json")); err != nil {
		if err := m.Reset(int64(e.Opts.Seed)); err != nil {
			return err
		}
		if err := e.saveCheckpoint(m, "w0", trainState{Name: "w0"}); err != nil {
			return err
		}
	}
	return m.Restore(filepath.Join(e.Dir.Path("w0"), ckptPrefix))
}

// Probe trains each USEFUL method for t (--separate-epoch) epochs from W0,
// recording after every epoch the loss and correctness of every training
// example (inference mode, no augmentation), and keeps the weights at t.
//
// Layout, per method: probe/<method>/per_example_loss.f32 and
// per_example_correct.i32 hold t*N values, epoch-major (row e-1 is the state
// after epoch e, column i is training example i); curves.csv; ckpt/ holds
// the weights after epoch t.
func (e *Env) Probe() error {
	d, m, err := e.begin("probe")
	if err != nil {
		return err
	}
	defer m.Close()
	aug, err := e.augmenter(d)
	if err != nil {
		return err
	}
	arts := []string{"w0"}
	for _, method := range e.Opts.ProbeMethods() {
		if err := e.ensureW0(m); err != nil {
			return err
		}
		t := e.Opts.SeparateEpoch
		var stop func([]EpochStats) bool
		if e.Opts.AutoSeparate {
			t = e.Opts.Epochs - 1
			stop = func(c []EpochStats) bool {
				_, ok := config.AutoSeparateEpoch(trainingErrors(c))
				return ok
			}
		}
		n := d.Train.Len()
		loss := make([]float32, 0, t*n)
		correct := make([]int32, 0, t*n)
		job := trainJob{name: "probe/" + method, method: method, data: d.Train, epochs: t, augment: aug, stop: stop,
			afterEpoch: func(m *graphs.Model, epoch int, st *EpochStats) error {
				ev, err := evalSet(m, d.Train, d.Norm)
				if err != nil {
					return err
				}
				loss = append(loss, ev.Loss...)
				correct = append(correct, ev.Correct...)
				return e.toyFeatures(m, st)
			}}
		curves, err := e.train(m, job)
		if err != nil {
			return err
		}
		t = len(curves)
		dir := "probe/" + method
		if err := e.Dir.WriteJSON(dir+"/summary.json", ProbeSummary{Method: method, SeparateEpoch: t, Auto: e.Opts.AutoSeparate,
			Rule: autoRule, TrainingErrorPct: pct(trainingErrors(curves))}); err != nil {
			return err
		}
		if err := e.saveCheckpoint(m, dir+"/ckpt", trainState{Name: job.name, Next: t, Curves: curves}); err != nil {
			return err
		}
		if err := e.Dir.WriteFloat32s(dir+"/per_example_loss.f32", loss); err != nil {
			return err
		}
		if err := e.Dir.WriteInt32s(dir+"/per_example_correct.i32", correct); err != nil {
			return err
		}
		if err := e.writeCurves(dir+"/curves.csv", curves); err != nil {
			return err
		}
		last := curves[len(curves)-1]
		e.logf("probe/%s: %d epochs, training error at t: %.2f%%", method, t, 100*(1-last.Accuracy))
		arts = append(arts, dir)
	}
	return e.Complete("probe", arts)
}

// ProbeSummary is probe/<method>/summary.json: the separating epoch t the
// probe stopped at (given, or chosen by the rule of --separate-epoch auto).
type ProbeSummary struct {
	Method           string    `json:"method"`
	SeparateEpoch    int       `json:"separate_epoch"`
	Auto             bool      `json:"auto"`
	Rule             string    `json:"rule"`
	TrainingErrorPct []float64 `json:"training_error_pct"`
}

var autoRule = fmt.Sprintf("t = first epoch e with err(e-1) - err(e) < %g * err(e-1) after an epoch whose drop was at least that, on the probe's per-epoch training error", config.AutoSeparateDrop)

func trainingErrors(c []EpochStats) []float64 {
	out := make([]float64, len(c))
	for i, s := range c {
		out[i] = 1 - s.Accuracy
	}
	return out
}

func pct(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = 100 * v
	}
	return out
}

// separateEpoch is the t the probe of method used.
func (e *Env) separateEpoch(method string) (int, error) {
	var s ProbeSummary
	if err := e.Dir.ReadJSON("probe/"+method+"/summary.json", &s); err != nil {
		return 0, err
	}
	return s.SeparateEpoch, nil
}

// toyFeatures records G_e = max_j <w_j, v_e> and G_d = max_j <w_j, v_d> of
// toy_cnn (v_e = e_0, v_d = e_1; filters are the columns of the d x J
// "filters" parameter).
func (e *Env) toyFeatures(m *graphs.Model, st *EpochStats) error {
	if e.Opts.Dataset != "toy" {
		return nil
	}
	man := m.Manifest()
	off, size, ok := man.ParamOffset("filters")
	if !ok || len(man.Params) == 0 || len(man.Params[0].Shape) != 2 {
		return fmt.Errorf("model folder %s: no d x J \"filters\" parameter for the toy feature curves", m.Dir())
	}
	p, err := m.Params()
	if err != nil {
		return err
	}
	j := man.Params[0].Shape[1]
	w := p[off : off+size]
	ge, gd := float64(w[0]), float64(w[j])
	for k := 1; k < j; k++ {
		ge = max(ge, float64(w[k]))
		gd = max(gd, float64(w[j+k]))
	}
	st.Features = map[string]float64{"G_e": ge, "G_d": gd}
	return nil
}

func (e *Env) writeCurves(rel string, curves []EpochStats) error {
	var b []byte
	b = append(b, "epoch,lr,loss,accuracy,train_error_pct,seconds,G_e,G_d\n"...)
	for _, c := range curves {
		ge, gd := "", ""
		if c.Features != nil {
			ge, gd = fmt.Sprintf("%.6g", c.Features["G_e"]), fmt.Sprintf("%.6g", c.Features["G_d"])
		}
		b = fmt.Appendf(b, "%d,%.6g,%.6g,%.6g,%.4f,%.4f,%s,%s\n", c.Epoch, c.LR, c.Loss, c.Accuracy, 100*(1-c.Accuracy), c.Seconds, ge, gd)
	}
	return e.Dir.WriteFile(rel, b)
}

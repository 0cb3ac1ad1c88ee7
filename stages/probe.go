package stages

import (
	"fmt"
	"math"

	"github.com/useful-pipeline/useful-pipeline/augment"
	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/train"
)

// evalValues bounds the input values of one evaluation call (16 MiB of
// float32): small examples go in few calls (the toy's 10k training
// examples in one), large ones in batches that keep memory bounded.
const evalValues = 1 << 22

// evalSet evaluates every example of ds in inference mode, normalised by
// norm (nil: as stored).
func evalSet(m *graphs.Model, ds *dataset.Dataset, norm *augment.Normalize) (*graphs.Eval, error) {
	out := &graphs.Eval{}
	size := ds.ExampleSize()
	evalBatch := max(1, evalValues/size)
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

// AutoSeparateDrop is the threshold of the rule of --separate-epoch auto:
// an epoch e is "fast" when its drop in training error, err(e-1) - err(e),
// is at least this fraction of err(e-1); t is the first epoch after a fast
// epoch whose drop is below it ("when the per-epoch drop of training error
// starts to shrink", paper Section 4 and Fig. 15a).
const AutoSeparateDrop = 0.10

// AutoSeparateEpoch applies the rule to training errors err[0] (after epoch
// 1), err[1], ...; ok is false while no epoch satisfies it yet. Waiting for
// a fast epoch first keeps the rule from firing before learning starts (the
// toy data's error falls slowly at first).
func AutoSeparateEpoch(err []float64) (t int, ok bool) {
	fast := false
	for e := 1; e < len(err); e++ {
		if err[e-1]-err[e] >= AutoSeparateDrop*err[e-1] {
			fast = true
			continue
		}
		if fast {
			return e + 1, true
		}
	}
	return 0, false
}

var autoRule = fmt.Sprintf("t = first epoch e with err(e-1) - err(e) < %g * err(e-1) after an epoch whose drop was at least that, on the probe's per-epoch training error", AutoSeparateDrop)

// Probe trains each USEFUL method for t (--separate-epoch) epochs from W0,
// or with --separate-epoch auto until the rule fires (at most T-1 epochs),
// recording after every epoch the loss and correctness of every training
// example (inference mode, no augmentation), and keeps the weights at t:
// probe/<method>/ (see rundir.Layout).
func (e *Env) Probe() ([]string, error) {
	d, m, err := e.mainModel()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	aug, err := e.augmenter(d)
	if err != nil {
		return nil, err
	}
	o := e.Opts
	arts := []string{e.Dir.W0().Rel()}
	for _, method := range o.ProbeMethods() {
		if err := e.ensureW0(m); err != nil {
			return nil, err
		}
		pd := e.Dir.Probe(method)
		t := o.SeparateEpoch.Epoch
		if o.SeparateEpoch.Auto {
			t = o.Epochs - 1
		}
		n := d.Train.Len()
		loss := make([]float32, 0, t*n)
		correct := make([]int32, 0, t*n)
		l, err := e.newLoop(m, trainJob{name: pd.Rel(), method: method, data: d.Train, epochs: t, augment: aug, test: d.Test, norm: d.Norm})
		if err != nil {
			return nil, err
		}
		l.OnMeasure(func(st *train.State, row *rundir.EpochStats) error {
			ev, err := evalSet(m, d.Train, d.Norm)
			if err != nil {
				return err
			}
			if err := train.CheckFinite(pd.Rel(), st.Epoch+1, (st.Epoch+1)*st.StepsPerEpoch, "per-example training loss", ev.Loss, 1); err != nil {
				return err
			}
			loss = append(loss, ev.Loss...)
			correct = append(correct, ev.Correct...)
			return e.toyFeatures(m, row)
		})
		if o.SeparateEpoch.Auto {
			l.StopWhen(func(st *train.State) bool {
				_, ok := AutoSeparateEpoch(trainingErrors(st.Curves))
				return ok
			})
		}
		train.TensorBoard(l, e.Dir.TB(pd.Rel()), nil)
		st, err := l.Run()
		if err != nil {
			return nil, err
		}
		curves := st.Curves
		t = len(curves)
		if err := pd.Summary().Write(rundir.ProbeSummary{Method: method, SeparateEpoch: t, Auto: o.SeparateEpoch.Auto,
			Rule: autoRule, TrainingErrorPct: pct(trainingErrors(curves))}); err != nil {
			return nil, err
		}
		if err := pd.Checkpoint().Write(m.Save, rundir.TrainState{Name: pd.Rel(), Next: t, Curves: curves, RunID: e.Dir.RunID()}); err != nil {
			return nil, err
		}
		if err := pd.Loss().Write(loss); err != nil {
			return nil, err
		}
		if err := pd.Correct().Write(correct); err != nil {
			return nil, err
		}
		if err := pd.Curves().Write(curves); err != nil {
			return nil, err
		}
		e.logf("%s: %d epochs, training error at t: %.2f%%", pd.Rel(), t, 100*curves[t-1].TrainingError())
		arts = append(arts, pd.Rel())
	}
	return arts, nil
}

func trainingErrors(c []rundir.EpochStats) []float64 {
	out := make([]float64, len(c))
	for i, s := range c {
		out[i] = s.TrainingError()
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

// separateEpoch is the t the probe of method used (its summary is the one
// place t is stored).
func (e *Env) separateEpoch(method string) (int, error) {
	s, err := e.Dir.Probe(method).Summary().Read()
	return s.SeparateEpoch, err
}

// toyFeatures records G_e = max_j <w_j, v_e> and G_d = max_j <w_j, v_d>
// of toy_cnn (v_e = e_0, v_d = e_1 of the patch space; the filters are the
// columns of the d x J "filters" parameter). toy_cnn has two banks, as the
// paper's reference code: filters J/2.. feed the logit of y = +1 and
// learn +v, filters ..J/2 feed y = -1's and learn -v; with bank 0's sign
// flipped the network is Eq. 1's f = sum_j sum_p sigma(<w_j, x_p>), so
// G = max(max_{j >= J/2} <w_j, v>, max_{j < J/2} -<w_j, v>).
func (e *Env) toyFeatures(m *graphs.Model, row *rundir.EpochStats) error {
	if e.Opts.Dataset != options.Toy {
		return nil
	}
	man := m.Manifest()
	off, size, ok := man.ParamOffset("filters")
	if !ok || len(man.Params) == 0 || len(man.Params[0].Shape) != 2 || man.Params[0].Shape[1]%2 != 0 {
		return fmt.Errorf("model folder %s: no d x J \"filters\" parameter (J even: two banks) for the toy feature curves", m.Dir())
	}
	p, err := m.Params()
	if err != nil {
		return err
	}
	j := man.Params[0].Shape[1]
	w := p[off : off+size]
	align := func(row int) float64 {
		g := math.Inf(-1)
		for k := range j {
			v := float64(w[row*j+k])
			if k < j/2 {
				v = -v
			}
			g = max(g, v)
		}
		return g
	}
	row.Features = map[string]float64{"G_e": align(0), "G_d": align(1)}
	return nil
}

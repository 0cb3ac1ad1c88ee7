package stages

import (
	"time"

	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/graphs/events"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/train"
)

// MeasureEvery is the period of a retraining run's measurements after an
// epoch (per-example correctness for the learning statistics, the toy's
// feature alignment, the NaN check of the outputs): every epoch up to 200
// epochs, else every ceil(epochs/200)-th and the last (the toy's 1000
// full-batch iterations: every 5th), so that a long run of cheap epochs is
// not dominated by measuring them.
func MeasureEvery(epochs int) int { return max(1, (epochs+199)/200) }

// Retrain trains every run of the report from the same W0 for --epochs:
// the baselines on the training set, the USEFUL runs on the upsampled list
// of their resample folder. Each run keeps a resumable checkpoint (weights,
// optimiser slots, the curve so far and the learning statistics), which at
// the end holds the final weights: retrain/<run>/ (see rundir.Layout).
// With --resume, runs continue from their checkpoints.
func (e *Env) Retrain() ([]string, error) {
	o := e.Opts
	var arts []string
	var m *graphs.Model
	defer func() {
		if m != nil {
			m.Close()
		}
	}()
	for _, run := range o.Runs() {
		d, err := e.Data(run.BetaD)
		if err != nil {
			return nil, err
		}
		if m == nil {
			if m, err = e.LoadModel(d); err != nil {
				return nil, err
			}
		}
		if err := e.ensureW0(m); err != nil {
			return nil, err
		}
		aug, err := e.augmenter(d)
		if err != nil {
			return nil, err
		}
		var indices []int
		var weights []float32
		if run.Useful {
			rd := e.Dir.Resample(run.Method, run.Selection)
			if run.Selection == "upweight" {
				if weights, err = rd.Weights().Read(d.Train.Len()); err != nil {
					return nil, err
				}
			}
			if indices, err = rd.Indices().Read(d.Train.Len()); err != nil {
				return nil, err
			}
		}
		rt := e.Dir.Retrain(run.ID)
		l, err := e.newLoop(m, trainJob{name: run.ID, method: run.Method, data: d.Train, indices: indices, weights: weights, augment: aug, epochs: o.Epochs,
			test: d.Test, norm: d.Norm})
		if err != nil {
			return nil, err
		}
		learn := NewLearnStats(d.Train.Len())
		l.Keep("learn", learn)
		every := MeasureEvery(o.Epochs)
		l.OnMeasure(func(st *train.State, row *rundir.EpochStats) error {
			if ep := st.Epoch + 1; ep%every != 0 && ep != o.Epochs {
				return nil
			}
			ev, err := evalSet(m, d.Train, d.Norm)
			if err != nil {
				return err
			}
			if err := train.CheckFinite(run.ID, st.Epoch+1, (st.Epoch+1)*st.StepsPerEpoch, "per-example training loss", ev.Loss, 1); err != nil {
				return err
			}
			if err := learn.Update(ev.Correct, st.Epoch+1); err != nil {
				return err
			}
			return e.toyFeatures(m, row)
		})
		train.Checkpoints{Folder: rt.Checkpoint(), Every: train.Every(o.Epochs), Resume: o.Resume, RunID: e.Dir.RunID(), Model: m, Logf: e.logf}.Attach(l)
		var atT func(*events.Writer) error
		if run.Useful {
			atT = func(w *events.Writer) error { return e.clusterScalars(w, run.Method, run.Selection) }
		}
		train.TensorBoard(l, e.Dir.TB(run.ID), atT)
		t0 := time.Now()
		st, err := l.Run()
		if err != nil {
			return nil, err
		}
		curves := st.Curves
		last := curves[len(curves)-1]
		s := rundir.RetrainSummary{Run: run, Epochs: len(curves), TrainExamples: d.Train.Len(), FinalLoss: last.Loss, FinalAcc: last.Accuracy}
		if indices != nil {
			s.TrainExamples = len(indices)
		}
		for _, c := range curves {
			s.TrainSeconds += c.Seconds
		}
		for _, a := range []struct {
			f rundir.Array[int32]
			v []int32
		}{{rt.Forgetting(), learn.Forget}, {rt.FirstLearned(), learn.First}, {rt.LearnedForGood(), learn.LearnedForGood()}} {
			if err := a.f.Write(a.v); err != nil {
				return nil, err
			}
		}
		if err := rt.Curves().Write(curves); err != nil {
			return nil, err
		}
		if err := rt.Summary().Write(s); err != nil {
			return nil, err
		}
		e.logf("%s: done in %.1fs (train steps %.1fs)", rt.Rel(), time.Since(t0).Seconds(), s.TrainSeconds)
		arts = append(arts, rt.Rel())
	}
	return arts, nil
}

// clusterScalars writes, at step t, the upsampled share and the sizes of
// the slow and fast clusters of a USEFUL (or baseline) run's selection.
func (e *Env) clusterScalars(w *events.Writer, method, selection string) error {
	s, err := e.Dir.Resample(method, selection).Summary().Read()
	if err != nil {
		return err
	}
	t, err := e.separateEpoch(method)
	if err != nil {
		return err
	}
	return w.Scalars(int64(t), map[string]float64{"useful/upsampled_share": s.UpsampledFraction,
		"useful/slow_examples": float64(s.NumSlow), "useful/fast_examples": float64(s.NumTrain - s.NumSlow)})
}

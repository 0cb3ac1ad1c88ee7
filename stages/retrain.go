package stages

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/useful-pipeline/useful-pipeline/config"
	"github.com/useful-pipeline/useful-pipeline/graphs"
)

// RetrainSummary is retrain/<run>/summary.json.
type RetrainSummary struct {
	Run           config.RunSpec `json:"run"`
	Epochs        int            `json:"epochs"`
	TrainExamples int            `json:"train_examples_per_epoch"`
	// TrainSeconds is the wall time of the train steps of all epochs
	// (waits for the next batch included, per-epoch measurements and
	// checkpoints excluded).
	TrainSeconds float64 `json:"train_seconds"`
	FinalLoss    float64 `json:"final_train_loss"`
	FinalAcc     float64 `json:"final_train_accuracy"`
}

// checkpointEvery: resumable checkpoints about 20 times per run.
func checkpointEvery(epochs int) int { return max(1, (epochs+19)/20) }

// Retrain trains every run of the report from the same W0 for --epochs:
// the baselines on the training set, the USEFUL runs on the upsampled list
// of resample/<method>. Each run keeps a resumable checkpoint in
// retrain/<run>/ckpt (weights, optimiser slots and the curve so far), which
// at the end holds the final weights; curves.csv and summary.json beside it.
// With --resume, runs continue from their checkpoints.
func (e *Env) Retrain() error {
	if err := e.CheckInputs("retrain"); err != nil {
		return err
	}
	var arts []string
	var m *graphs.Model
	defer func() {
		if m != nil {
			m.Close()
		}
	}()
	for _, run := range e.Opts.Runs() {
		d, err := e.Data(run.BetaD)
		if err != nil {
			return err
		}
		if m == nil {
			if m, err = e.LoadModel(d); err != nil {
				return err
			}
		}
		if err := e.ensureW0(m); err != nil {
			return err
		}
		aug, err := e.augmenter(d)
		if err != nil {
			return err
		}
		var indices []int
		var weights []float32
		if run.Selection == "upweight" {
			if weights, err = e.Dir.ReadFloat32s(resampleDir(run.Method, run.Selection)+"/weights.f32", d.Train.Len()); err != nil {
				return err
			}
		}
		if run.Useful {
			l32, err := e.Dir.ReadInt32s(resampleDir(run.Method, run.Selection)+"/indices.i32", -1)
			if err != nil {
				return err
			}
			indices = make([]int, len(l32))
			for i, v := range l32 {
				if v < 0 || int(v) >= d.Train.Len() {
					return fmt.Errorf("%s: entry %d is %d, want 0..%d", e.Dir.Path(resampleDir(run.Method, run.Selection), "indices.i32"), i, v, d.Train.Len()-1)
				}
				indices[i] = int(v)
			}
		}
		dir := filepath.Join("retrain", run.ID)
		learn := newLearnStats(d.Train.Len())
		job := trainJob{name: run.ID, method: run.Method, data: d.Train, indices: indices, weights: weights, augment: aug, epochs: e.Opts.Epochs,
			ckpt: dir + "/ckpt", ckptEvery: checkpointEvery(e.Opts.Epochs), resume: e.Opts.Resume, learn: learn,
			afterEpoch: func(m *graphs.Model, epoch int, st *EpochStats) error {
				ev, err := evalSet(m, d.Train, d.Norm)
				if err != nil {
					return err
				}
				if err := learn.Update(ev.Correct, epoch); err != nil {
					return err
				}
				return e.toyFeatures(m, st)
			}}
		t0 := time.Now()
		curves, err := e.train(m, job)
		if err != nil {
			return err
		}
		s := RetrainSummary{Run: run, Epochs: len(curves), TrainExamples: d.Train.Len(), FinalLoss: curves[len(curves)-1].Loss,
			FinalAcc: curves[len(curves)-1].Accuracy}
		if indices != nil {
			s.TrainExamples = len(indices)
		}
		for _, c := range curves {
			s.TrainSeconds += c.Seconds
		}
		for name, v := range map[string][]int32{"forgetting": learn.Forget, "first_learned": learn.First, "learned_for_good": learn.LearnedForGood()} {
			if err := e.Dir.WriteInt32s(dir+"/"+name+".i32", v); err != nil {
				return err
			}
		}
		if err := e.writeCurves(dir+"/curves.csv", curves); err != nil {
			return err
		}
		if err := e.Dir.WriteJSON(dir+"/summary.json", s); err != nil {
			return err
		}
		e.logf("retrain/%s: done in %.1fs (train steps %.1fs)", run.ID, time.Since(t0).Seconds(), s.TrainSeconds)
		arts = append(arts, dir)
	}
	return e.Complete("retrain", arts)
}

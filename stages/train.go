package stages

import (
	"fmt"

	"github.com/useful-pipeline/useful-pipeline/augment"
	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/sampler"
	"github.com/useful-pipeline/useful-pipeline/train"
)

// trainJob describes one training run of a model.
type trainJob struct {
	name    string
	method  string
	data    *dataset.Dataset
	indices []int     // nil: every example once
	weights []float32 // per-example loss weights; nil: ones
	augment sampler.Augmenter
	epochs  int
	// test and norm serve --eval-every's test accuracy.
	test *dataset.Dataset
	norm *augment.Normalize
}

// newLoop returns the training loop of job on m, with the progress hook
// attached; the stage attaches its measurements, checkpoints and stop rule.
// With --batch-size 0 every step takes the whole training list (the toy's
// full-batch GD; a USEFUL list is longer than the training set).
func (e *Env) newLoop(m *graphs.Model, job trainJob) (*train.Loop, error) {
	o := e.Opts
	step, err := train.StepOf(m, job.method)
	if err != nil {
		return nil, err
	}
	bs := o.BatchSize
	if bs == 0 {
		bs = max(job.data.Len(), len(job.indices))
	}
	smp := sampler.New(job.data, job.indices, job.weights, &sampler.Config{BatchSize: bs, Seed: o.Seed(), Shuffle: true, Augment: job.augment, MixUpAlpha: o.MixUp})
	l := &train.Loop{Name: job.name, Sampler: smp, Step: step, Epochs: job.epochs, LR: o.LRAt,
		Hyper: graphs.Hyper{Momentum: float32(o.Momentum), WeightDecay: float32(o.WeightDecay), Rho: float32(o.RhoFor(job.method))},
		Seed:  func(epoch, step int) int64 { return train.StepSeed(o.Seed(), epoch, step) }}
	train.Progress(l, e.Out, e.Bars, e.logf)
	if k := o.EvalEvery; k > 0 && job.test != nil {
		l.OnMeasure(func(st *train.State, row *rundir.EpochStats) error {
			if ep := st.Epoch + 1; ep%k != 0 && ep != job.epochs {
				return nil
			}
			ev, err := evalSet(m, job.test, job.norm)
			if err != nil {
				return err
			}
			acc := accuracy(ev.Correct)
			row.TestAccuracy = &acc
			return nil
		})
	}
	return l, nil
}

// accuracy is the fraction of ones in correct.
func accuracy(correct []int32) float64 {
	n := 0
	for _, c := range correct {
		n += int(c)
	}
	return float64(n) / float64(len(correct))
}

// ensureW0 writes W0 (the seeded initial weights) to w0/ once and restores
// m to it. Every run of the report starts from this W0.
func (e *Env) ensureW0(m *graphs.Model) error {
	w0 := e.Dir.W0()
	id := e.Dir.RunID()
	if !w0.HasState() {
		if err := m.Reset(int64(e.Opts.Seed())); err != nil {
			return err
		}
		if err := w0.Write(m.Save, rundir.TrainState{Name: w0.Rel(), RunID: id}); err != nil {
			return err
		}
	}
	_, _, err := w0.Read(func(s rundir.TrainState) error {
		if s.RunID != id {
			return fmt.Errorf("W0 written by run directory %q, not this one (%q): it was copied from another run", s.RunID, id)
		}
		return nil
	}, m.Restore)
	return err
}

package stages

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/internal/atomicfile"
	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// EpochStats is one row of a training curve.
type EpochStats struct {
	Epoch    int     `json:"epoch"` // 1-based: the state after this many epochs
	LR       float64 `json:"lr"`
	Loss     float64 `json:"loss"`     // mean training loss over the epoch's steps
	Accuracy float64 `json:"accuracy"` // fraction of the epoch's examples classified correctly
	Seconds  float64 `json:"seconds"`  // wall time of the epoch's train steps
	// Features holds per-epoch measurements of the weights (toy: G_e, G_d).
	Features map[string]float64 `json:"features,omitempty"`
}

// trainJob describes one training run of a model.
type trainJob struct {
	name    string
	method  string
	data    *dataset.Dataset
	indices []int     // nil: every example once
	weights []float32 // per-example loss weights; nil: ones
	augment sampler.Augmenter
	epochs  int // train epochs [start, epochs)
	// ckpt is the folder (relative to the run directory) of the resumable
	// checkpoint; "" means none.
	ckpt      string
	ckptEvery int
	resume    bool
	// afterEpoch runs after each epoch on the updated weights (per-example
	// statistics, feature measurements); it may fill st.Features.
	afterEpoch func(m *graphs.Model, epoch int, st *EpochStats) error
	// stop, if set, ends training early once it returns true for the curve
	// so far (--separate-epoch auto).
	stop func(curves []EpochStats) bool
	// learn, if set, is saved with every checkpoint and restored on resume.
	learn *LearnStats
}

// trainState is saved inside each checkpoint folder, so that weights and
// progress are replaced together by one rename.
type trainState struct {
	Name   string       `json:"name"`
	Next   int          `json:"next_epoch"`
	Curves []EpochStats `json:"curves"`
	// Learn holds the per-example learning statistics so far.
	Learn *LearnStats `json:"learn,omitempty"`
}

const ckptPrefix = "w"

// NaNError reports a loss that became NaN or Inf; the last good checkpoint
// is kept.
type NaNError struct {
	Run         string
	Epoch, Step int
	Loss        float32
	Checkpoint  string
}

func (e *NaNError) Error() string {
	return fmt.Sprintf("run %s: training loss is %v at epoch %d step %d; stopped (last good checkpoint: %s)", e.Run, e.Loss, e.Epoch, e.Step, e.Checkpoint)
}

// StepFunc is one train step.
type StepFunc func(*graphs.Batch, graphs.Hyper) (graphs.StepResult, error)

// Step returns the train step of method: "sgd", "sam", or "asam", whose
// radius asamRho replaces h.Rho.
func Step(m *graphs.Model, method string, asamRho float32) StepFunc {
	switch method {
	case "sam":
		return m.TrainSAM
	case "asam":
		return func(b *graphs.Batch, h graphs.Hyper) (graphs.StepResult, error) {
			h.Rho = asamRho
			return m.TrainASAM(b, h)
		}
	default:
		return m.TrainSGD
	}
}

// EpochResult sums the steps of one epoch.
type EpochResult struct {
	Steps         int
	SumLoss       float64
	Correct, Seen int
	// Busy is the wall time of the steps, waits for the next batch included
	// (per-epoch measurements and checkpoints excluded).
	Busy time.Duration
}

// RunEpoch is the training loop of one epoch: it takes batches from it and
// runs step on each with hyper-parameters h and the in-graph seed seed(step),
// until the epoch ends or maxSteps steps ran (0: no limit). each, if set,
// runs after every step with the running sums. A NaN or Inf loss stops it
// with a *NaNError naming the step (the caller fills in run and epoch).
// The caller closes it.
func RunEpoch(it *sampler.Iterator, step StepFunc, h graphs.Hyper, seed func(step int) int64, maxSteps int,
	each func(step int, r graphs.StepResult, sumLoss float64, correct, seen int)) (EpochResult, error) {
	var res EpochResult
	for k := 0; maxSteps == 0 || k < maxSteps; k++ {
		t0 := time.Now()
		b, err := it.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		h.Seed = seed(k)
		r, err := step(&graphs.Batch{Images: b.Images, Labels: b.Labels, Weights: b.Weights, N: b.N}, h)
		n := b.N
		it.Release(b)
		res.Busy += time.Since(t0)
		if err != nil {
			return res, fmt.Errorf("step %d: %w", k+1, err)
		}
		if math.IsNaN(float64(r.Loss)) || math.IsInf(float64(r.Loss), 0) {
			return res, &NaNError{Step: k + 1, Loss: r.Loss}
		}
		res.Steps++
		res.SumLoss += float64(r.Loss)
		res.Correct += r.Correct
		res.Seen += n
		if each != nil {
			each(k, r, res.SumLoss, res.Correct, res.Seen)
		}
	}
	return res, nil
}

// stepSeed derives the in-graph randomness (dropout) of one step.
func stepSeed(seed uint64, epoch, step int) int64 {
	x := seed*0x9E3779B97F4A7C15 ^ uint64(epoch)<<32 ^ uint64(step)
	x ^= x >> 31
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 29
	return int64(x >> 1)
}

// train runs job on m, which must hold the starting weights (W0) unless the
// job resumes from its checkpoint. It returns the full curve.
func (e *Env) train(m *graphs.Model, job trainJob) ([]EpochStats, error) {
	o := e.Opts
	st := trainState{Name: job.name}
	if job.resume && job.ckpt != "" {
		ok, err := e.loadCheckpoint(m, job.ckpt, job.name, job.epochs, &st)
		if err != nil {
			return nil, err
		}
		if ok {
			e.logf("%s: resuming after epoch %d from %s", job.name, st.Next, e.Dir.Path(job.ckpt))
			if job.learn != nil && st.Learn != nil {
				*job.learn = *st.Learn
			}
		}
	}
	bs := o.BatchSize
	if o.FullBatch {
		bs = max(job.data.Len(), len(job.indices))
	}
	smp := sampler.New(job.data, job.indices, job.weights, &sampler.Config{BatchSize: bs, Seed: o.Seed, Shuffle: true, Augment: job.augment})
	steps := smp.StepsPerEpoch()
	var bar *progressbar.ProgressBar
	if e.Bars && st.Next < job.epochs {
		// One bar per run over all its steps; the description carries the
		// epoch and the running loss and accuracy.
		bar = progressbar.NewOptions(job.epochs*steps, progressbar.OptionSetWriter(e.Out), progressbar.OptionSetDescription(job.name),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond))
		bar.Set(st.Next * steps)
	}
	logEvery := max(1, job.epochs/50)
	for epoch := st.Next; epoch < job.epochs; epoch++ {
		lr := o.LRAt(epoch)
		h := graphs.Hyper{LR: float32(lr), Momentum: float32(o.Momentum), WeightDecay: float32(o.WeightDecay), Rho: float32(o.Rho)}
		it := smp.Epoch(epoch)
		seed := func(step int) int64 { return stepSeed(o.Seed, epoch, step) }
		var each func(step int, r graphs.StepResult, sumLoss float64, correct, seen int)
		if bar != nil {
			each = func(step int, r graphs.StepResult, sumLoss float64, correct, seen int) {
				bar.Describe(fmt.Sprintf("%s epoch %d/%d loss %.4f acc %.2f%%", job.name, epoch+1, job.epochs, sumLoss/float64(step+1), 100*float64(correct)/float64(seen)))
				bar.Add(1)
			}
		}
		res, err := RunEpoch(it, Step(m, job.method, float32(o.ASAMRho)), h, seed, 0, each)
		it.Close()
		if err != nil {
			var ne *NaNError
			if errors.As(err, &ne) {
				ne.Run, ne.Epoch, ne.Checkpoint = job.name, epoch+1, e.lastGood(job)
				return nil, ne
			}
			return nil, fmt.Errorf("run %s: epoch %d: %w", job.name, epoch+1, err)
		}
		sumLoss, correct, seen, busy := res.SumLoss, res.Correct, res.Seen, res.Busy
		es := EpochStats{Epoch: epoch + 1, LR: lr, Loss: sumLoss / float64(steps), Accuracy: float64(correct) / float64(seen), Seconds: busy.Seconds()}
		if job.afterEpoch != nil {
			if err := job.afterEpoch(m, epoch+1, &es); err != nil {
				return nil, err
			}
		}
		st.Curves = append(st.Curves, es)
		st.Next = epoch + 1
		if bar == nil && (st.Next%logEvery == 0 || st.Next == job.epochs) {
			e.logf("%s: epoch %d/%d lr %.4g loss %.4f acc %.2f%% (%.2fs)", job.name, st.Next, job.epochs, lr, es.Loss, 100*es.Accuracy, es.Seconds)
		}
		if job.ckpt != "" && (st.Next%job.ckptEvery == 0 || st.Next == job.epochs) {
			st.Learn = job.learn
			if err := e.saveCheckpoint(m, job.ckpt, st); err != nil {
				return nil, err
			}
		}
		if job.stop != nil && job.stop(st.Curves) {
			break
		}
	}
	if bar != nil {
		bar.Finish()
		e.logf("%s: %d epochs, final loss %.4f acc %.2f%%", job.name, job.epochs, st.Curves[len(st.Curves)-1].Loss, 100*st.Curves[len(st.Curves)-1].Accuracy)
	}
	return st.Curves, nil
}

func (e *Env) lastGood(job trainJob) string {
	if job.ckpt == "" {
		return "none"
	}
	return e.Dir.Path(job.ckpt)
}

// saveCheckpoint writes weights and state to a temporary folder and renames
// it over ckpt, so a kill at any moment leaves the old or the new checkpoint.
func (e *Env) saveCheckpoint(m *graphs.Model, ckpt string, st trainState) error {
	final := e.Dir.Path(ckpt)
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(final), "."+filepath.Base(final)+".tmp-")
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", final, err)
	}
	defer os.RemoveAll(tmp)
	if err := m.Save(filepath.Join(tmp, ckptPrefix)); err != nil {
		return err
	}
	b, _ := json.Marshal(st)
	if err := atomicfile.WriteFile(filepath.Join(tmp, "state.json"), b); err != nil {
		return fmt.Errorf("checkpoint %s: %w", final, err)
	}
	return replaceDir(tmp, final)
}

// replaceDir renames src over dst (a folder). The old dst is first moved to
// dst.old; loadCheckpoint falls back to it if a kill lands in between.
func replaceDir(src, dst string) error {
	old := dst + ".old"
	os.RemoveAll(old)
	if _, err := os.Stat(dst); err == nil {
		if err := os.Rename(dst, old); err != nil {
			return err
		}
	}
	if err := os.Rename(src, dst); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// loadCheckpoint restores weights and state from ckpt (or ckpt.old, left by
// a kill between the two renames of replaceDir). ok is false if neither exists.
func (e *Env) loadCheckpoint(m *graphs.Model, ckpt, name string, epochs int, st *trainState) (bool, error) {
	for _, dir := range []string{e.Dir.Path(ckpt), e.Dir.Path(ckpt) + ".old"} {
		b, err := os.ReadFile(filepath.Join(dir, "state.json"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return false, err
		}
		if err := json.Unmarshal(b, st); err != nil {
			return false, fmt.Errorf("%s: %w", filepath.Join(dir, "state.json"), err)
		}
		if st.Next < 1 || st.Next > epochs || len(st.Curves) != st.Next || st.Name != name {
			return false, fmt.Errorf("%s: checkpoint of run %q after epoch %d with %d curve rows does not belong to run %q of %d epochs; remove the folder to restart the run",
				filepath.Join(dir, "state.json"), st.Name, st.Next, len(st.Curves), name, epochs)
		}
		if err := m.Restore(filepath.Join(dir, ckptPrefix)); err != nil {
			return false, err
		}
		return true, nil
	}
	return false, nil
}

package train

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/internal/seedmix"
	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// Step is one train step on a batch.
type Step func(*graphs.Batch, graphs.Hyper) (graphs.StepResult, error)

// StepOf returns the train step of method ("sgd", "sam" or "asam") on m:
// the hard-label step, or the soft-label one for batches that carry MixUp
// targets (graphs.Model.Train). Any other method is an error naming it.
func StepOf(m *graphs.Model, method string) (Step, error) {
	switch method {
	case "sgd", "sam", "asam":
		return func(b *graphs.Batch, h graphs.Hyper) (graphs.StepResult, error) { return m.Train(method, b, h) }, nil
	}
	return nil, fmt.Errorf("unknown method %q: want sgd, sam or asam", method)
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

// StepInfo is what an OnStep hook sees after step Step (0-based) of an
// epoch: its result and the epoch's running sums.
type StepInfo struct {
	Step          int
	Result        graphs.StepResult
	SumLoss       float64
	Correct, Seen int
}

// RunEpoch runs step on the batches of it with hyper-parameters h and the
// in-graph seed seed(step), until the epoch ends or maxSteps steps ran (0:
// no limit); each, if set, sees every step. A NaN or Inf loss stops it with
// a *NaNError naming the step (Loop fills in the run and epoch). The caller
// closes it. It is the loop of one epoch that Loop and the benchmarks share.
func RunEpoch(it *sampler.Iterator, step Step, h graphs.Hyper, seed func(step int) int64, maxSteps int, each func(StepInfo)) (EpochResult, error) {
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
		r, err := step(&graphs.Batch{Images: b.Images, Labels: b.Labels, Weights: b.Weights, Targets: b.Targets, N: b.N}, h)
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
			each(StepInfo{Step: k, Result: r, SumLoss: res.SumLoss, Correct: res.Correct, Seen: res.Seen})
		}
	}
	return res, nil
}

// NaNError reports a loss that became NaN or Inf.
type NaNError struct {
	Run         string
	Epoch, Step int
	Loss        float32
	// Checkpoint is the last good checkpoint kept ("none" if the run keeps none).
	Checkpoint string
}

func (e *NaNError) Error() string {
	return fmt.Sprintf("run %s: training loss is %v at epoch %d step %d; stopped (last good checkpoint: %s)", e.Run, e.Loss, e.Epoch, e.Step, e.Checkpoint)
}

// streamDropout keeps the in-graph seeds apart from the other streams
// derived from a run's seed.
const streamDropout = 0x64726f706f7574 // "dropout"

// StepSeed derives the in-graph randomness (dropout) of one step of a run
// seeded seed: non-negative, a function of (seed, epoch, step) only.
func StepSeed(seed uint64, epoch, step int) int64 {
	return int64(seedmix.Derive(seed, streamDropout, uint64(epoch), uint64(step)) >> 1)
}

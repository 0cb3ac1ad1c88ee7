package graphs

import (
	"fmt"
	"math"
	"time"

	tf "github.com/wamuir/graft/tensorflow"
)

// Batch is one training batch: N examples of the model's input shape laid
// out flat in Images, with their labels and per-example loss weights.
// Weights nil means 1 for every example. Targets holds soft labels (MixUp),
// N x num_classes row-major, each row a distribution over the classes; nil
// means the batch has hard labels only. The soft steps read Targets and
// ignore Labels; the labelled steps read Labels and ignore Targets.
type Batch struct {
	Images  []float32
	Labels  []int32
	Weights []float32
	Targets []float32
	N       int
}

// Hyper holds the scalar inputs of a train step.
type Hyper struct {
	LR          float32
	Momentum    float32
	WeightDecay float32
	// Rho is SAM's neighbourhood radius; TrainSGD ignores it.
	Rho float32
	// Seed drives the in-graph randomness (dropout) of this step.
	Seed int64
}

// StepResult is what a train step returns: the (weighted) mean loss of the
// batch before the update, and how many examples it classified correctly
// (for a soft step: whose predicted class is the argmax of their Targets row).
type StepResult struct {
	Loss    float32
	Correct int
}

// TrainSGD runs one SGD step (momentum, coupled L2 weight decay).
// It panics if the batch arrays disagree with N and the input shape.
func (m *Model) TrainSGD(b *Batch, h Hyper) (StepResult, error) {
	return m.train(SigTrainSGD, b, h)
}

// TrainSAM runs one SAM step with radius h.Rho. Its second forward pass
// draws fresh dropout masks (from h.Seed XOR 0x9E3779B97F4A7C15), so rho 0
// is exactly TrainSGD only for a model without dropout.
func (m *Model) TrainSAM(b *Batch, h Hyper) (StepResult, error) {
	return m.train(SigTrainSAM, b, h)
}

// TrainASAM runs one ASAM step (adaptive SAM, Kwon et al. 2021) with radius
// h.Rho, second pass as TrainSAM's; see python_export/module.py for the rule.
func (m *Model) TrainASAM(b *Batch, h Hyper) (StepResult, error) {
	return m.train(SigTrainASAM, b, h)
}

// Train runs one step of method ("sgd", "sam" or "asam"): the labelled step
// when b.Targets is nil, the soft-label (MixUp) step on b.Targets otherwise.
// An unknown method is an error; a batch whose arrays disagree with N, the
// input shape or the number of classes panics.
func (m *Model) Train(method string, b *Batch, h Hyper) (StepResult, error) {
	s, ok := trainSigs[method]
	if !ok {
		return StepResult{}, fmt.Errorf("graphs: unknown method %q (want sgd, sam or asam)", method)
	}
	if b.Targets != nil {
		return m.train(s.soft, b, h)
	}
	return m.train(s.hard, b, h)
}

func (m *Model) train(sig string, b *Batch, h Hyper) (StepResult, error) {
	m.checkBatch(sig, b)
	feeds, err := m.stepFeeds(sig, b, h)
	if err != nil {
		return StepResult{}, err
	}
	out, err := m.run(sig, feeds)
	if err != nil {
		return StepResult{}, err
	}
	defer releaseAll(out)
	return StepResult{Loss: rawFloat32(out[0])[0], Correct: int(rawInt32(out[1])[0])}, nil
}

// checkBatch panics if b's arrays disagree with b.N, the input shape or,
// for a soft signature, the number of classes.
func (m *Model) checkBatch(sig string, b *Batch) {
	es, c := m.manifest.ExampleSize(), m.manifest.NumClasses
	bad := b.N <= 0 || len(b.Images) != b.N*es || (b.Weights != nil && len(b.Weights) != b.N)
	if isSoft(sig) {
		bad = bad || len(b.Targets) != b.N*c
	} else {
		bad = bad || len(b.Labels) != b.N
	}
	if bad {
		panic(fmt.Sprintf("graphs: %s: batch of N=%d with %d image values, %d labels, %d targets, %d weights (example size %d, %d classes)",
			sig, b.N, len(b.Images), len(b.Labels), len(b.Targets), len(b.Weights), es, c))
	}
}

func isSoft(sig string) bool {
	return sig == SigTrainSGDSoft || sig == SigTrainSAMSoft || sig == SigTrainASAMSoft
}

// stepFeeds returns the input tensors of train signature sig.
func (m *Model) stepFeeds(sig string, b *Batch, h Hyper) (map[string]*tf.Tensor, error) {
	feeds, err := m.batchFeeds(sig, b)
	if err != nil {
		return nil, err
	}
	for _, s := range []struct {
		arg string
		v   float32
	}{{ArgLR, h.LR}, {ArgMomentum, h.Momentum}, {ArgWeightDecay, h.WeightDecay}} {
		if feeds[s.arg], err = m.in.scalarF32(sig, s.arg, s.v); err != nil {
			return nil, err
		}
	}
	if sig != SigTrainSGD && sig != SigTrainSGDSoft {
		if feeds[ArgRho], err = m.in.scalarF32(sig, ArgRho, h.Rho); err != nil {
			return nil, err
		}
	}
	if feeds[ArgSeed], err = m.in.scalarI64(sig, ArgSeed, h.Seed); err != nil {
		return nil, err
	}
	return feeds, nil
}

var ones []float32

func (m *Model) batchFeeds(sig string, b *Batch) (map[string]*tf.Tensor, error) {
	n := int64(b.N)
	shape := append([]int64{n}, intsTo64(m.manifest.InputShape)...)
	img, err := m.in.float32s(sig, ArgImages, shape, b.Images)
	if err != nil {
		return nil, err
	}
	feeds := map[string]*tf.Tensor{ArgImages: img}
	if isSoft(sig) {
		feeds[ArgTargets], err = m.in.float32s(sig, ArgTargets, []int64{n, int64(m.manifest.NumClasses)}, b.Targets)
	} else {
		feeds[ArgLabels], err = m.in.int32s(sig, ArgLabels, []int64{n}, b.Labels)
	}
	if err != nil {
		return nil, err
	}
	w := b.Weights
	if w == nil {
		for len(ones) < b.N {
			ones = append(ones, 1)
		}
		w = ones[:b.N]
	}
	if feeds[ArgWeights], err = m.in.float32s(sig, ArgWeights, []int64{n}, w); err != nil {
		return nil, err
	}
	return feeds, nil
}

// RepeatTrain runs the labelled train step of method ("sgd", "sam" or
// "asam") n times back to back on one batch whose input tensors are made
// once, reading the loss of every step, and returns the wall time of the n
// steps: the graph's own compute plus the call into TensorFlow, with no input
// work. It is the baseline of the driver-overhead benchmark. The model's
// weights change.
func (m *Model) RepeatTrain(method string, b *Batch, h Hyper, n int) (time.Duration, error) {
	s, ok := trainSigs[method]
	if !ok {
		return 0, fmt.Errorf("graphs: RepeatTrain: unknown method %q", method)
	}
	sig := s.hard
	m.checkBatch(sig, b)
	feeds, err := m.stepFeeds(sig, b, h)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	for range n {
		out, err := m.run(sig, feeds)
		if err != nil {
			return 0, err
		}
		loss := rawFloat32(out[0])[0]
		releaseAll(out)
		if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
			return 0, fmt.Errorf("graphs: RepeatTrain: loss %v", loss)
		}
	}
	return time.Since(t0), nil
}

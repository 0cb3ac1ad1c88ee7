package graphs

import (
	"fmt"
	"math"
	"time"

	tf "github.com/wamuir/graft/tensorflow"
)

// Batch is one training batch: N examples of the model's input shape laid
// out flat in Images, with their labels and per-example loss weights.
// Weights nil means 1 for every example.
type Batch struct {
	Images  []float32
	Labels  []int32
	Weights []float32
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
// batch before the update, and how many examples it classified correctly.
type StepResult struct {
	Loss    float32
	Correct int
}

// TrainSGD runs one SGD step (momentum, coupled L2 weight decay).
// It panics if the batch arrays disagree with N and the input shape.
func (m *Model) TrainSGD(b *Batch, h Hyper) (StepResult, error) {
	return m.train(SigTrainSGD, b, h)
}

// TrainSAM runs one SAM step with radius h.Rho (rho 0 is exactly TrainSGD).
func (m *Model) TrainSAM(b *Batch, h Hyper) (StepResult, error) {
	return m.train(SigTrainSAM, b, h)
}

// TrainASAM runs one ASAM step (adaptive SAM, Kwon et al. 2021) with radius
// h.Rho (rho 0 is exactly TrainSGD); see python_export/module.py for the rule.
func (m *Model) TrainASAM(b *Batch, h Hyper) (StepResult, error) {
	return m.train(SigTrainASAM, b, h)
}

func (m *Model) train(sig string, b *Batch, h Hyper) (StepResult, error) {
	if b.N <= 0 || len(b.Labels) != b.N || len(b.Images) != b.N*m.manifest.ExampleSize() || (b.Weights != nil && len(b.Weights) != b.N) {
		panic(fmt.Sprintf("graphs: %s: batch of N=%d with %d image values, %d labels, %d weights (example size %d)",
			sig, b.N, len(b.Images), len(b.Labels), len(b.Weights), m.manifest.ExampleSize()))
	}
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
	if sig == SigTrainSAM || sig == SigTrainASAM {
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
	lab, err := m.in.int32s(sig, ArgLabels, []int64{n}, b.Labels)
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
	wt, err := m.in.float32s(sig, ArgWeights, []int64{n}, w)
	if err != nil {
		return nil, err
	}
	return map[string]*tf.Tensor{ArgImages: img, ArgLabels: lab, ArgWeights: wt}, nil
}

// RepeatTrain runs the train step of method ("sgd", "sam" or "asam") n times
// back to back on one batch whose input tensors are made once, reading the
// loss of every step, and returns the wall time of the n steps: the graph's
// own compute plus the call into TensorFlow, with no input work. It is the
// baseline of the driver-overhead benchmark. The model's weights change.
func (m *Model) RepeatTrain(method string, b *Batch, h Hyper, n int) (time.Duration, error) {
	sig := map[string]string{"sgd": SigTrainSGD, "sam": SigTrainSAM, "asam": SigTrainASAM}[method]
	if sig == "" {
		return 0, fmt.Errorf("graphs: RepeatTrain: unknown method %q", method)
	}
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

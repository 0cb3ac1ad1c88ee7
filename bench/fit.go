package bench

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/useful-pipeline/useful-pipeline/augment"
	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/sampler"
	"github.com/useful-pipeline/useful-pipeline/stages"
	"github.com/useful-pipeline/useful-pipeline/train"
)

// FitConfig sets the benchmark of the Go training loop against Keras
// model.fit on the same model, data, W0 and recipe.
type FitConfig struct {
	// ModelDir is the SavedModel folder (models/<model>-<shape>-c<classes>).
	ModelDir string
	// DataDir is the Fashion-MNIST IDX folder; "" means N generated images
	// of the model's input shape (uniform pixels and labels, each side its
	// own draw).
	DataDir string
	N       int
	// Recipe holds the training options both sides use: BatchSize, LR,
	// LRSchedule and Epochs (the schedule's length), Momentum, WeightDecay,
	// Rho (RhoFor), Augment.
	Recipe *options.Options
	// Seed is the seed of W0, the data order and the augmentation (a
	// run's --seed).
	Seed   uint64
	Method string // sgd or sam
	// EpochsPerRound epochs are timed on each side per round; Rounds rounds
	// alternate which side goes first.
	EpochsPerRound, Rounds int
	// WarmupSteps steps run untimed on each side first.
	WarmupSteps int
	// Threads is the TensorFlow intra-op pool of both sides (0: all cores);
	// inter-op is 1 on both.
	Threads int
	// Python runs bench/python/keras_fit_bench.py: Exe and ScriptDir.
	Python, ScriptDir string
}

// FitResult holds seconds per epoch (medians over rounds of each round's
// mean) and the median of the rounds' ratios Go/Keras.
type FitResult struct {
	Model               string
	StepsPerEpoch       int
	GoEpoch, KerasEpoch float64
	GoOverKeras         float64
}

// Fit times, in one run, EpochsPerRound epochs of the Go training loop
// (train.Loop over the real sampler with the run's augmenter and
// normalisation, built as the retrain stage builds its loop, without the
// stage's per-epoch measurement hook) and EpochsPerRound epochs of Keras
// model.fit in a long-lived Python process (keras_fit_bench.py: the same
// architecture with our W0, the recipe's train_step, the vectorised tf.data
// pipeline), taking turns for Rounds rounds, and prints one line per round
// and one with the medians. Both sides start from W0 = reset(Seed) and
// continue their own training across rounds.
func Fit(cfg FitConfig, out io.Writer) (*FitResult, error) {
	o := cfg.Recipe
	threads := cfg.Threads
	if threads == 0 {
		threads = runtime.NumCPU()
	}
	m, err := graphs.Load(cfg.ModelDir, &graphs.Config{IntraOpThreads: threads, InterOpThreads: 1})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	man := m.Manifest()
	data, err := fitData(cfg, man.InputShape, man.NumClasses)
	if err != nil {
		return nil, err
	}
	if err := m.CheckData(data.Shape, data.NumClasses); err != nil {
		return nil, err
	}
	if err := m.Reset(int64(cfg.Seed)); err != nil {
		return nil, err
	}
	mean, std := data.ChannelStats()
	aug, err := stages.TrainAugmenter(o.Augment, data.Shape, &augment.Normalize{Mean: mean, Std: std})
	if err != nil {
		return nil, err
	}
	// As stages.newLoop: the run's sampler (last partial batch kept), step,
	// hyper-parameters, schedule and step seeds.
	smp := sampler.New(data, nil, nil, &sampler.Config{BatchSize: o.BatchSize, Seed: cfg.Seed, Shuffle: true, Augment: aug})
	step, err := train.StepOf(m, cfg.Method)
	if err != nil {
		return nil, err
	}
	hyper := graphs.Hyper{Momentum: float32(o.Momentum), WeightDecay: float32(o.WeightDecay), Rho: float32(o.RhoFor(cfg.Method))}
	seed := func(epoch, step int) int64 { return train.StepSeed(cfg.Seed, epoch, step) }

	py, ready, err := StartPyProc(cfg.Python, fitArgs(cfg, threads)...)
	if err != nil {
		return nil, err
	}
	defer py.Close()
	if n, _ := ready["steps_per_epoch"].(float64); int(n) != smp.StepsPerEpoch() {
		return nil, fmt.Errorf("keras epoch has %v steps, the Go sampler's %d: the two sides do not train on the same data size", ready["steps_per_epoch"], smp.StepsPerEpoch())
	}

	// Go warm-up: WarmupSteps steps of an epoch no round uses.
	if cfg.WarmupSteps > 0 {
		it := smp.Epoch(1 << 30)
		h := hyper
		h.LR = float32(o.LRAt(0))
		_, err := train.RunEpoch(it, step, h, func(k int) int64 { return seed(1<<30, k) }, cfg.WarmupSteps, nil)
		it.Close()
		if err != nil {
			return nil, err
		}
	}

	goEpochs := func(first int) ([]float64, fitEpoch, error) {
		var secs []float64
		var last fitEpoch
		var t time.Time
		l := &train.Loop{Name: "bench-fit", Sampler: smp, Step: step, Epochs: first + cfg.EpochsPerRound, LR: o.LRAt, Hyper: hyper, Seed: seed}
		l.OnStart(func(st *train.State) error { st.Next = first; t = time.Now(); return nil })
		l.OnEpochEnd(func(st *train.State) error {
			now := time.Now()
			secs = append(secs, now.Sub(t).Seconds())
			t = now
			r := st.Curves[len(st.Curves)-1]
			last = fitEpoch{Loss: r.Loss, Accuracy: r.Accuracy}
			return nil
		})
		_, err := l.Run()
		return secs, last, err
	}
	kerasEpochs := func() ([]float64, fitEpoch, error) {
		ev, err := py.Do("epochs "+strconv.Itoa(cfg.EpochsPerRound), "epochs")
		if err != nil {
			return nil, fitEpoch{}, err
		}
		secs, err := floats(ev, "epoch_seconds")
		if err != nil {
			return nil, fitEpoch{}, err
		}
		if len(secs) != cfg.EpochsPerRound {
			return nil, fitEpoch{}, fmt.Errorf("keras ran %d epochs, asked for %d", len(secs), cfg.EpochsPerRound)
		}
		loss, _ := ev["loss"].(float64)
		acc, _ := ev["accuracy"].(float64)
		return secs, fitEpoch{Loss: loss, Accuracy: acc}, nil
	}

	var gs, ks, ratios []float64
	for r := 0; r < cfg.Rounds; r++ {
		var g, k []float64
		var gl, kl fitEpoch
		var err error
		for _, side := range fitOrder(r) {
			if side == "go" {
				g, gl, err = goEpochs(r * cfg.EpochsPerRound)
			} else {
				k, kl, err = kerasEpochs()
			}
			if err != nil {
				return nil, fmt.Errorf("round %d, %s: %w", r+1, side, err)
			}
		}
		gm, km := average(g), average(k)
		gs, ks, ratios = append(gs, gm), append(ks, km), append(ratios, gm/km)
		fmt.Fprintf(out, "fit: %s %s round %d (%s first), %d epoch(s) of %d steps: Go loop %.3f s/epoch (loss %.4f acc %.2f%%), Keras fit %.3f s/epoch (loss %.4f acc %.2f%%): Go/Keras = %.3f\n",
			man.Model, cfg.Method, r+1, fitOrder(r)[0], cfg.EpochsPerRound, smp.StepsPerEpoch(), gm, gl.Loss, 100*gl.Accuracy, km, kl.Loss, 100*kl.Accuracy, gm/km)
	}
	res := &FitResult{Model: man.Model, StepsPerEpoch: smp.StepsPerEpoch(), GoEpoch: median(gs), KerasEpoch: median(ks), GoOverKeras: median(ratios)}
	fmt.Fprintf(out, "fit: %s %s %s %v augment %s batch %d, %d steps/epoch, %d epoch(s) x %d rounds (median s/epoch): Go loop %.3f, Keras fit %.3f; median of the rounds' ratios Go/Keras = %.3f (target <= 0.8)\n",
		man.Model, cfg.Method, data.Name, data.Shape, o.Augment, o.BatchSize, res.StepsPerEpoch, cfg.EpochsPerRound, cfg.Rounds, res.GoEpoch, res.KerasEpoch, res.GoOverKeras)
	return res, nil
}

// fitEpoch is the end of a side's last epoch: its mean training loss and accuracy.
type fitEpoch struct{ Loss, Accuracy float64 }

// fitOrder alternates which side runs first in round r.
func fitOrder(r int) [2]string {
	if r%2 == 0 {
		return [2]string{"go", "keras"}
	}
	return [2]string{"keras", "go"}
}

func average(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// fitData is Fashion-MNIST's training split from cfg.DataDir, or cfg.N
// generated images of the model's shape.
func fitData(cfg FitConfig, shape []int, classes int) (*dataset.Dataset, error) {
	if cfg.DataDir != "" {
		return LoadBenchData(cfg.DataDir, nil, 0, 0, 0)
	}
	d, err := LoadBenchData("", shape, classes, cfg.N, cfg.Seed+1)
	if err != nil {
		return nil, err
	}
	d.Name = fmt.Sprintf("generated-%d", cfg.N)
	return d, nil
}

// fitArgs are keras_fit_bench.py's arguments for cfg.
func fitArgs(cfg FitConfig, threads int) []string {
	o := cfg.Recipe
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	args := []string{filepath.Join(cfg.ScriptDir, "keras_fit_bench.py"), "--model-dir", cfg.ModelDir,
		"--method", cfg.Method, "--augment", o.Augment, "--batch-size", strconv.Itoa(o.BatchSize),
		"--lr", f(o.LR), "--lr-schedule", o.LRSchedule, "--momentum", f(o.Momentum), "--weight-decay", f(o.WeightDecay),
		"--rho", f(o.RhoFor(cfg.Method)), "--total-epochs", strconv.Itoa(o.Epochs), "--warmup-steps", strconv.Itoa(cfg.WarmupSteps),
		"--seed", strconv.FormatUint(cfg.Seed, 10), "--intra-op-threads", strconv.Itoa(threads), "--inter-op-threads", "1"}
	if cfg.DataDir != "" {
		return append(args, "--data", "fashion-mnist", "--data-dir", cfg.DataDir)
	}
	return append(args, "--data", "generated", "--n", strconv.Itoa(cfg.N))
}

// ModelOfDir is the model name in the manifest of a SavedModel folder.
func ModelOfDir(dir string) (string, error) {
	m, err := graphs.ReadManifest(dir)
	if err != nil {
		return "", err
	}
	return m.Model, nil
}

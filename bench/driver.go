package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/useful-pipeline/useful-pipeline/augment"
	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/sampler"
	"github.com/useful-pipeline/useful-pipeline/stages"
	"github.com/useful-pipeline/useful-pipeline/train"
)

// Python says how to run the Python side of the side-by-side benchmarks.
type Python struct {
	Exe       string // e.g. .venv/bin/python
	ScriptDir string // bench/python
	// Data is "fashion-mnist" (with DataDir) or "generated".
	Data, DataDir string
}

func (p Python) run(script string, args ...string) (map[string]any, error) {
	full := append([]string{p.ScriptDir + "/" + script, "--data", p.Data}, args...)
	if p.Data == "fashion-mnist" {
		full = append(full, "--data-dir", p.DataDir)
	}
	cmd := exec.Command(p.Exe, full...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %v: %w\n%s", p.Exe, full, err, errb.String())
	}
	lines := bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n"))
	var res map[string]any
	if err := json.Unmarshal(lines[len(lines)-1], &res); err != nil {
		return nil, fmt.Errorf("%s: last stdout line is not JSON: %q", script, lines[len(lines)-1])
	}
	return res, nil
}

func num(m map[string]any, key string) (float64, error) {
	v, ok := m[key].(float64)
	if !ok {
		return 0, fmt.Errorf("python result lacks number %q: %v", key, m)
	}
	return v, nil
}

// LoadBenchData returns the training images of Fashion-MNIST from dir, or,
// if dir is "", n generated images of the given shape (uniform random
// pixels, stored as bytes like decoded images; labels uniform over classes).
func LoadBenchData(dir string, shape []int, classes, n int, seed uint64) (*dataset.Dataset, error) {
	if dir != "" {
		s, err := loaders.Load("fashion-mnist", dir)
		if err != nil {
			return nil, err
		}
		return s.Train, nil
	}
	size := 1
	for _, v := range shape {
		size *= v
	}
	ds := &dataset.Dataset{Name: "generated", Shape: shape, NumClasses: classes, Pixels: make([]uint8, n*size), Labels: make([]int32, n)}
	r := rand.New(rand.NewPCG(seed, 7))
	for i := range ds.Pixels {
		ds.Pixels[i] = uint8(r.IntN(256))
	}
	for i := range ds.Labels {
		ds.Labels[i] = int32(r.IntN(classes))
	}
	return ds, nil
}

// DriverConfig sets the driver-overhead benchmark.
type DriverConfig struct {
	ModelDir  string
	Data      *dataset.Dataset
	Augment   string // none, cropflip, trivialaugment
	Method    string // sgd or sam
	BatchSize int
	// Seconds is the wall time each measurement aims at; the number of
	// steps is derived from a warm-up timing (at least MinSteps).
	Seconds  float64
	MinSteps int
	Chunks   int // the Go measurements are interleaved in this many chunks
	Rounds   int // measurements of each kind; the median is reported
	Threads  int // intra-op threads (0: all cores); inter-op is 1 on both sides
	Py       Python
}

// DriverResult holds the medians in milliseconds per step.
type DriverResult struct {
	Model                 string
	GoLoop, PyLoop, Graph float64 // (a), (b), (c)
	GoNoAug, GoFeed       float64 // (a) without augmentation; TrainSGD on pre-made batches
	PyPremade             float64 // Python calling the signature on one pre-made batch
	GoOverPy, GoOverGraph float64
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Driver measures the train step of one SavedModel run (a) by the Go
// training loop (stages.RunEpoch fed by the real sampler with the run's
// augmentation and normalisation), (b) by a Python loop
// (tf.saved_model.load, signature called per batch, fed by tf.data doing
// the same augmentation) and (c) back to back on one pre-made batch from Go
// (the graph's own compute). To locate the overhead of (a) it also times
// the Go loop without augmentation and Model.TrainSGD on 64 pre-made
// batches (input tensors filled every step, no sampler). The Go kinds run
// interleaved in chunks, so that drifts of a shared machine hit them alike;
// the Python loop runs once per round in its own process. It prints one
// line per round and one with the medians and ratios.
func Driver(cfg DriverConfig, out io.Writer) (*DriverResult, error) {
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
	if err := m.CheckData(cfg.Data.Shape, cfg.Data.NumClasses); err != nil {
		return nil, err
	}
	if err := m.Reset(1); err != nil {
		return nil, err
	}
	mean, std := cfg.Data.ChannelStats()
	norm := &augment.Normalize{Mean: mean, Std: std}
	newSampler := func(augment string) (*sampler.Sampler, error) {
		aug, err := stages.TrainAugmenter(augment, cfg.Data.Shape, norm)
		if err != nil {
			return nil, err
		}
		return sampler.New(cfg.Data, nil, nil, &sampler.Config{BatchSize: cfg.BatchSize, Seed: 1, Shuffle: true, Augment: aug, DropRemainder: true}), nil
	}
	smpA, err := newSampler(cfg.Augment)
	if err != nil {
		return nil, err
	}
	smpN, err := newSampler("none")
	if err != nil {
		return nil, err
	}
	h := graphs.Hyper{LR: 0.01, Momentum: 0.9, WeightDecay: 5e-4, Rho: 0.05}
	step, err := train.StepOf(m, cfg.Method)
	if err != nil {
		return nil, err
	}
	// goLoop runs n steps of the Go training loop on smp from epoch *ep.
	goLoop := func(smp *sampler.Sampler, ep *int, n int) (time.Duration, error) {
		t0 := time.Now()
		for done := 0; done < n; *ep++ {
			it := smp.Epoch(*ep)
			res, err := train.RunEpoch(it, step, h, func(k int) int64 { return int64(k) }, n-done, nil)
			it.Close()
			if err != nil {
				return 0, err
			}
			done += res.Steps
		}
		return time.Since(t0), nil
	}
	// 64 batches from the sampler, copied, for the feed-only kind and (c).
	it := smpA.Epoch(1000)
	var batches []*graphs.Batch
	for range 64 {
		b, err := it.Next()
		if err != nil {
			it.Close()
			return nil, err
		}
		batches = append(batches, &graphs.Batch{Images: slices.Clone(b.Images), Labels: slices.Clone(b.Labels), N: b.N})
		it.Release(b)
	}
	it.Close()
	feed := func(n int) (time.Duration, error) {
		t0 := time.Now()
		for i := range n {
			h.Seed = int64(i)
			if _, err := step(batches[i%len(batches)], h); err != nil {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}
	// Warm-up, and the number of steps that takes about cfg.Seconds.
	warm := max(10, cfg.MinSteps/10)
	if _, err := m.RepeatTrain(cfg.Method, batches[0], h, warm); err != nil {
		return nil, err
	}
	d, err := m.RepeatTrain(cfg.Method, batches[0], h, warm)
	if err != nil {
		return nil, err
	}
	steps := max(cfg.MinSteps, int(cfg.Seconds/(d.Seconds()/float64(warm))))
	chunk := max(1, steps/cfg.Chunks)
	steps = chunk * cfg.Chunks
	epA, epN := 0, 0
	if _, err := goLoop(smpA, &epA, warm); err != nil {
		return nil, err
	}
	if _, err := goLoop(smpN, &epN, warm); err != nil {
		return nil, err
	}

	pyArgs := []string{"--model-dir", cfg.ModelDir, "--method", cfg.Method, "--augment", cfg.Augment,
		"--batch-size", strconv.Itoa(cfg.BatchSize), "--steps", strconv.Itoa(steps), "--warmup", strconv.Itoa(warm),
		"--intra-op-threads", strconv.Itoa(threads), "--inter-op-threads", "1"}
	ms := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(steps) }
	var a, a0, f, c, b, bp []float64
	for r := 0; r < cfg.Rounds; r++ {
		var ta, tn, tf, tc time.Duration
		for range cfg.Chunks {
			d, err := goLoop(smpA, &epA, chunk)
			if err != nil {
				return nil, err
			}
			ta += d
			if d, err = goLoop(smpN, &epN, chunk); err != nil {
				return nil, err
			}
			tn += d
			if d, err = feed(chunk); err != nil {
				return nil, err
			}
			tf += d
			if d, err = m.RepeatTrain(cfg.Method, batches[0], h, chunk); err != nil {
				return nil, err
			}
			tc += d
		}
		a, a0, f, c = append(a, ms(ta)), append(a0, ms(tn)), append(f, ms(tf)), append(c, ms(tc))
		for _, mode := range []string{"loop", "premade"} {
			res, err := cfg.Py.run("driver_bench.py", append(pyArgs, "--mode", mode, "--seed", strconv.Itoa(r))...)
			if err != nil {
				return nil, err
			}
			v, err := num(res, "ms_per_step")
			if err != nil {
				return nil, err
			}
			if mode == "loop" {
				b = append(b, v)
			} else {
				bp = append(bp, v)
			}
		}
		fmt.Fprintf(out, "driver: %s %s round %d, %d steps each: ms/step (a) Go loop %.3f [without augmentation %.3f, pre-made batches fed %.3f], (b) Python+tf.data %.3f [pre-made %.3f], (c) graph %.3f\n",
			man.Model, cfg.Method, r+1, steps, a[r], a0[r], f[r], b[r], bp[r], c[r])
	}
	res := &DriverResult{Model: man.Model, GoLoop: median(a), PyLoop: median(b), Graph: median(c), GoNoAug: median(a0), GoFeed: median(f), PyPremade: median(bp)}
	// The ratios are medians of the per-round ratios: a round's kinds ran
	// close together in time, so a drift of the machine cancels in them.
	var rab, rac []float64
	for r := range a {
		rab, rac = append(rab, a[r]/b[r]), append(rac, a[r]/c[r])
	}
	res.GoOverPy, res.GoOverGraph = median(rab), median(rac)
	fmt.Fprintf(out, "driver: %s %s batch %d augment %s, %d steps x %d rounds (median ms/step): (a) %.3f (b) %.3f (c) %.3f; median of the rounds' ratios (a)/(b) = %.3f (target <= 0.95), (a)/(c) = %.3f (target <= 1.03); breakdown over (c): feeding pre-made batches %+.1f%%, sampler without augmentation %+.1f%%, with %s %+.1f%%\n",
		man.Model, cfg.Method, cfg.BatchSize, cfg.Augment, steps, cfg.Rounds, res.GoLoop, res.PyLoop, res.Graph, res.GoOverPy, res.GoOverGraph,
		100*(res.GoFeed/res.Graph-1), 100*(res.GoNoAug/res.Graph-1), cfg.Augment, 100*(res.GoLoop/res.Graph-1))
	return res, nil
}

// SamplerConfig sets the input-pipeline benchmark.
type SamplerConfig struct {
	Data      *dataset.Dataset
	Augment   string
	BatchSize int
	Seconds   float64 // measure at least this long
	Py        Python
	Threads   int
	// ConsumeImgPerSec is the rate at which the model takes images (from
	// the driver benchmark's (c)); 0 to leave it out.
	ConsumeImgPerSec float64
	ConsumeModel     string
}

// Sampler measures images per second of the Go sampler (shuffle, the
// augmentation, normalisation, batch) and of tf.data doing the same with
// the same number of cores, and prints one line.
func Sampler(cfg SamplerConfig, out io.Writer) (goRate, tfRate float64, err error) {
	mean, std := cfg.Data.ChannelStats()
	aug, err := stages.TrainAugmenter(cfg.Augment, cfg.Data.Shape, &augment.Normalize{Mean: mean, Std: std})
	if err != nil {
		return 0, 0, err
	}
	smp := sampler.New(cfg.Data, nil, nil, &sampler.Config{BatchSize: cfg.BatchSize, Seed: 1, Shuffle: true, Augment: aug, DropRemainder: true})
	images := 0
	var elapsed time.Duration
	for epoch := 0; elapsed.Seconds() < cfg.Seconds; epoch++ {
		it := smp.Epoch(epoch)
		t0 := time.Now()
		for {
			b, err := it.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				it.Close()
				return 0, 0, err
			}
			if epoch > 0 { // epoch 0 is the warm-up
				images += b.N
			}
			it.Release(b)
		}
		it.Close()
		if epoch > 0 {
			elapsed += time.Since(t0)
		}
	}
	goRate = float64(images) / elapsed.Seconds()
	threads := cfg.Threads
	if threads == 0 {
		threads = runtime.NumCPU()
	}
	args := []string{"--augment", cfg.Augment, "--batch-size", strconv.Itoa(cfg.BatchSize),
		"--seconds", strconv.FormatFloat(cfg.Seconds, 'f', -1, 64), "--intra-op-threads", strconv.Itoa(threads), "--inter-op-threads", "1"}
	if cfg.Py.Data == "generated" {
		args = append(args, "--shape", fmt.Sprintf("%d,%d,%d", cfg.Data.Shape[0], cfg.Data.Shape[1], cfg.Data.Shape[2]), "--n", strconv.Itoa(cfg.Data.Len()))
	}
	res, err := cfg.Py.run("tfdata_bench.py", args...)
	if err != nil {
		return 0, 0, err
	}
	if tfRate, err = num(res, "images_per_sec"); err != nil {
		return 0, 0, err
	}
	line := fmt.Sprintf("sampler: %s %v augment %s batch %d, %d cores: Go sampler %.0f images/s, tf.data %.0f images/s: Go/tf.data = %.2f (target >= 1)",
		cfg.Data.Name, cfg.Data.Shape, cfg.Augment, cfg.BatchSize, runtime.GOMAXPROCS(0), goRate, tfRate, goRate/tfRate)
	if cfg.ConsumeImgPerSec > 0 {
		line += fmt.Sprintf("; %s consumes %.0f images/s (Go sampler %.0fx that)", cfg.ConsumeModel, cfg.ConsumeImgPerSec, goRate/cfg.ConsumeImgPerSec)
	}
	fmt.Fprintln(out, line)
	return goRate, tfRate, nil
}

package bench

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
)

// SamplerRates are images per second of the input-pipeline benchmark.
type SamplerRates struct {
	Go, PerExample, Vectorised float64
}

// Best is the faster of the two tf.data pipelines.
func (r SamplerRates) Best() float64 { return max(r.PerExample, r.Vectorised) }

// SamplerBest runs Sampler (the Go sampler, then tf.data mapping one
// example at a time, in one printed line) and then the vectorised tf.data
// pipeline on the same images (bench/python/tfdata_bench.py --pipeline
// vectorised: indices shuffled and batched, one map over the whole batch,
// TrivialAugmentWide grouped by op), and prints a second line with the Go
// sampler against the best tf.data pipeline.
func SamplerBest(cfg SamplerConfig, out io.Writer) (SamplerRates, error) {
	var r SamplerRates
	var err error
	if r.Go, r.PerExample, err = Sampler(cfg, out); err != nil {
		return r, err
	}
	threads := cfg.Threads
	if threads == 0 {
		threads = runtime.NumCPU()
	}
	res, err := cfg.Py.run("tfdata_bench.py", vectorisedArgs(cfg, threads)...)
	if err != nil {
		return r, err
	}
	if r.Vectorised, err = num(res, "images_per_sec"); err != nil {
		return r, err
	}
	fmt.Fprintf(out, "sampler: %s %v augment %s batch %d, %d cores: Go sampler %.0f images/s; tf.data per-example %.0f, vectorised %.0f images/s: Go / best tf.data = %.2f (Go / per-example %.2f)\n",
		cfg.Data.Name, cfg.Data.Shape, cfg.Augment, cfg.BatchSize, runtime.GOMAXPROCS(0), r.Go, r.PerExample, r.Vectorised, r.Go/r.Best(), r.Go/r.PerExample)
	return r, nil
}

// vectorisedArgs are tfdata_bench.py's arguments for the vectorised
// pipeline on cfg's data.
func vectorisedArgs(cfg SamplerConfig, threads int) []string {
	args := []string{"--pipeline", "vectorised", "--ta-mode", "grouped", "--augment", cfg.Augment,
		"--batch-size", strconv.Itoa(cfg.BatchSize), "--seconds", strconv.FormatFloat(cfg.Seconds, 'f', -1, 64),
		"--intra-op-threads", strconv.Itoa(threads), "--inter-op-threads", "1"}
	if cfg.Py.Data == "generated" {
		s := cfg.Data.Shape
		args = append(args, "--shape", fmt.Sprintf("%d,%d,%d", s[0], s[1], s[2]), "--n", strconv.Itoa(cfg.Data.Len()))
	}
	return args
}

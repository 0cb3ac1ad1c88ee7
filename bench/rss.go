package bench

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/internal/memstat"
	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// RSSConfig sets the RSS benchmark.
type RSSConfig struct {
	ModelDir  string
	Steps     int // total train steps
	Warmup    int // steps before the baseline reading
	BatchSize int
	SAM       bool
}

// RSS trains the model for cfg.Steps steps on generated data fed by the Go
// sampler and prints the resident set size after the warm-up and at the
// end, with the growth in percent. It returns the growth.
func RSS(cfg RSSConfig, out io.Writer) (float64, error) {
	m, err := graphs.Load(cfg.ModelDir, nil)
	if err != nil {
		return 0, err
	}
	defer m.Close()
	man := m.Manifest()
	const n = 10000
	ds := &dataset.Dataset{Name: "rss-bench", Shape: man.InputShape, NumClasses: man.NumClasses,
		Pixels: make([]uint8, n*man.ExampleSize()), Labels: make([]int32, n)}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range ds.Pixels {
		ds.Pixels[i] = uint8(r.IntN(256))
	}
	for i := range ds.Labels {
		ds.Labels[i] = int32(r.IntN(man.NumClasses))
	}
	if err := m.Reset(1); err != nil {
		return 0, err
	}
	smp := sampler.New(ds, nil, nil, &sampler.Config{BatchSize: cfg.BatchSize, Seed: 1, Shuffle: true, DropRemainder: true})
	var base int64
	step := 0
	t0 := time.Now()
	for epoch := 0; step < cfg.Steps; epoch++ {
		it := smp.Epoch(epoch)
		for step < cfg.Steps {
			b, err := it.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return 0, err
			}
			h := graphs.Hyper{LR: 0.01, Momentum: 0.9, WeightDecay: 5e-4, Rho: 0.05, Seed: int64(step)}
			gb := &graphs.Batch{Images: b.Images, Labels: b.Labels, Weights: b.Weights, N: b.N}
			if cfg.SAM {
				_, err = m.TrainSAM(gb, h)
			} else {
				_, err = m.TrainSGD(gb, h)
			}
			it.Release(b)
			if err != nil {
				return 0, err
			}
			step++
			if step == cfg.Warmup || step == cfg.Steps || step%5000 == 0 {
				runtime.GC()
				rss, err := memstat.RSSKiB(0)
				if err != nil {
					return 0, err
				}
				if step == cfg.Warmup {
					base = rss
				}
				fmt.Fprintf(out, "rss: %s step %6d: RSS %7.1f MiB (%.1f steps/s)\n", man.Model, step, float64(rss)/1024, float64(step)/time.Since(t0).Seconds())
			}
		}
		it.Close()
	}
	end, err := memstat.RSSKiB(0)
	if err != nil {
		return 0, err
	}
	growth := 100 * float64(end-base) / float64(base)
	fmt.Fprintf(out, "rss: %s RSS after %d steps %.1f MiB, after %d steps %.1f MiB: growth %+.2f%%\n", man.Model, cfg.Warmup, float64(base)/1024, cfg.Steps, float64(end)/1024, growth)
	return growth, nil
}

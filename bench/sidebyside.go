package bench

import (
	"fmt"
	"github.com/useful-pipeline/useful-pipeline/dataset"
	"io"
	"path/filepath"
)

// SideBySideConfig sets the driver and input-pipeline benchmarks of
// `make bench`.
type SideBySideConfig struct {
	ModelsDir string
	Models    []string // folder names under ModelsDir, e.g. mlp3-28x28x1-c10
	DataDir   string   // Fashion-MNIST IDX folder
	Augment   string   // augmentation of the driver benchmark
	BatchSize int
	// Seconds is the target wall time of each driver measurement.
	Seconds  float64
	MinSteps int
	Chunks   int
	Rounds   int
	Threads  int
	// SamplerSeconds is how long each input pipeline is timed.
	SamplerSeconds    float64
	Python, ScriptDir string
}

// SideBySide runs the driver benchmark for each model, then the input
// pipeline benchmark for crop/flip and TrivialAugment on Fashion-MNIST and
// on generated CIFAR-sized images, next to the fastest model's rate of
// consumption.
func SideBySide(cfg SideBySideConfig, out io.Writer) error {
	fm, err := LoadBenchData(cfg.DataDir, nil, 0, 0, 0)
	if err != nil {
		return err
	}
	py := Python{Exe: cfg.Python, ScriptDir: cfg.ScriptDir, Data: "fashion-mnist", DataDir: cfg.DataDir}
	var fastest float64
	var fastestModel string
	for _, name := range cfg.Models {
		for _, method := range []string{"sgd"} {
			r, err := Driver(DriverConfig{ModelDir: filepath.Join(cfg.ModelsDir, name), Data: fm, Augment: cfg.Augment, Method: method,
				BatchSize: cfg.BatchSize, Seconds: cfg.Seconds, MinSteps: cfg.MinSteps, Chunks: cfg.Chunks, Rounds: cfg.Rounds, Threads: cfg.Threads, Py: py}, out)
			if err != nil {
				return fmt.Errorf("driver %s: %w", name, err)
			}
			if rate := float64(cfg.BatchSize) / (r.Graph / 1000); rate > fastest {
				fastest, fastestModel = rate, r.Model
			}
		}
	}
	cifar, err := LoadBenchData("", []int{32, 32, 3}, 10, 50000, 1)
	if err != nil {
		return err
	}
	cifar.Name = "generated-cifar"
	gen := Python{Exe: cfg.Python, ScriptDir: cfg.ScriptDir, Data: "generated"}
	for _, c := range []struct {
		data *dataset.Dataset
		py   Python
	}{{fm, py}, {cifar, gen}} {
		for _, aug := range []string{"cropflip", "trivialaugment"} {
			sc := SamplerConfig{Data: c.data, Augment: aug, BatchSize: cfg.BatchSize, Seconds: cfg.SamplerSeconds, Py: c.py, Threads: cfg.Threads}
			if c.data == fm {
				sc.ConsumeImgPerSec, sc.ConsumeModel = fastest, fastestModel
			}
			if _, err := SamplerBest(sc, out); err != nil {
				return fmt.Errorf("sampler %s %s: %w", c.data.Name, aug, err)
			}
		}
	}
	return nil
}

package stages

import (
	"fmt"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/dataset/toy"
)

// Data is a train/test pair. For the toy data, Truth tells which training
// examples lack the fast-learnable feature.
type Data struct {
	Train, Test *dataset.Dataset
	TrainTruth  *toy.Truth
}

// toyConfig is the toy distribution of the options at slow-feature strength betaD.
func (e *Env) toyConfig(betaD float64) toy.Config {
	t := e.Opts.Toy
	return toy.Config{N: t.N, D: t.D, P: t.P, BetaE: t.BetaE, BetaD: betaD, Alpha: t.Alpha, NoiseStd: t.NoiseStd, Seed: e.Opts.Seed}
}

// Data returns the run's data; betaD selects the toy variant (ignored for
// other datasets). Results are cached for the life of the Env.
func (e *Env) Data(betaD float64) (*Data, error) {
	if d, ok := e.data[betaD]; ok {
		return d, nil
	}
	var d *Data
	switch e.Opts.Dataset {
	case "toy":
		train, test, tt, _, err := toy.GenerateSplit(e.toyConfig(betaD))
		if err != nil {
			return nil, err
		}
		d = &Data{Train: train, Test: test, TrainTruth: tt}
	default:
		return nil, fmt.Errorf("dataset %q: no loader", e.Opts.Dataset)
	}
	for _, ds := range []*dataset.Dataset{d.Train, d.Test} {
		if err := ds.Validate(); err != nil {
			return nil, err
		}
	}
	if e.data == nil {
		e.data = map[float64]*Data{}
	}
	e.data[betaD] = d
	return d, nil
}

// MainData is the data the probe and USEFUL runs use.
func (e *Env) MainData() (*Data, error) {
	b := 0.0
	if e.Opts.Toy != nil {
		b = e.Opts.Toy.BetaD
	}
	return e.Data(b)
}

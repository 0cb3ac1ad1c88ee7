package stages

import (
	"fmt"

	"github.com/useful-pipeline/useful-pipeline/augment"
	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
	"github.com/useful-pipeline/useful-pipeline/dataset/toy"
	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// Data is a train/test pair. For the toy data, TrainTruth tells which
// training examples lack the fast-learnable feature. Image data stays in
// [0,1]; Norm (per-channel mean and std of the training set) is applied by
// the sampler after augmentation and by every evaluation.
type Data struct {
	Train, Test *dataset.Dataset
	TrainTruth  *toy.Truth
	Norm        *augment.Normalize
	// Flipped lists the training examples whose label --label-noise changed.
	Flipped []int
	// ClassNames names the classes (nil for the toy).
	ClassNames []string
}

// toyConfig is the toy distribution of the options at slow-feature
// strength betaD; its constants are the paper's (toy.DefaultConfig).
func (e *Env) toyConfig(betaD float64) toy.Config {
	c := toy.DefaultConfig()
	c.N, c.BetaD, c.Seed = e.Opts.Toy.N, betaD, e.Opts.Seed()
	return c
}

// Data returns the run's data; betaD selects the toy variant (ignored for
// other datasets). Results are cached for the life of the Env. Bad files
// give a *loaders.FormatError naming the file, the record and the value.
func (e *Env) Data(betaD float64) (*Data, error) {
	if d, ok := e.data[betaD]; ok {
		return d, nil
	}
	o := e.Opts
	var d *Data
	if o.Dataset == options.Toy {
		train, test, tt, _, err := toy.GenerateSplit(e.toyConfig(betaD))
		if err != nil {
			return nil, err
		}
		d = &Data{Train: train, Test: test, TrainTruth: tt}
	} else {
		sp, err := loaders.LoadWith(o.Dataset, o.DataDir, &loaders.Config{ImageSize: o.ImageSize})
		if err != nil {
			return nil, err
		}
		d = &Data{Train: sp.Train, Test: sp.Test, ClassNames: sp.ClassNames}
		if o.ImbalanceRatio > 1 {
			if d.Train, err = loaders.LongTail(d.Train, o.ImbalanceRatio); err != nil {
				return nil, err
			}
		}
		if o.LabelNoise > 0 {
			if d.Train, d.Flipped, err = loaders.LabelNoise(d.Train, o.LabelNoise, o.Seed()); err != nil {
				return nil, err
			}
		}
		mean, std := d.Train.ChannelStats()
		d.Norm = &augment.Normalize{Mean: mean, Std: std}
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
func (e *Env) MainData() (*Data, error) { return e.Data(e.Opts.MainBetaD()) }

// augmenter is the training-time transformation of --augment followed by
// the normalisation; nil for the toy data.
func (e *Env) augmenter(d *Data) (sampler.Augmenter, error) {
	if d.Norm == nil {
		return nil, nil
	}
	return TrainAugmenter(e.Opts.Augment, d.Train.Shape, d.Norm)
}

// TrainAugmenter is the training-time transformation of an --augment value
// ("none", "cropflip", "trivialaugment") on images of the given shape,
// followed by norm: what the training loop's sampler applies to each example.
func TrainAugmenter(name string, shape []int, norm *augment.Normalize) (sampler.Augmenter, error) {
	var chain []sampler.Augmenter
	if name != "none" {
		if len(shape) != 3 {
			return nil, fmt.Errorf("--augment %s needs H x W x C images, the data has shape %v", name, shape)
		}
		h, w, c := shape[0], shape[1], shape[2]
		chain = append(chain, augment.CropFlip{H: h, W: w, C: c, Pad: max(1, h/8)})
		switch name {
		case "cropflip":
		case "trivialaugment":
			chain = append(chain, augment.TrivialAugmentWide{H: h, W: w, C: c})
		default:
			return nil, fmt.Errorf("--augment %q: want none, cropflip or trivialaugment", name)
		}
	}
	if norm != nil {
		chain = append(chain, *norm)
	}
	return augment.Chain(chain...), nil
}

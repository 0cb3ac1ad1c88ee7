package stages

import "github.com/useful-pipeline/useful-pipeline/rundir"

// Load reads or generates the data, validates it and writes
// data/summary.json (and, for the toy, data/toy_has_fast.i32).
func (e *Env) Load() ([]string, error) {
	d, err := e.MainData()
	if err != nil {
		return nil, err
	}
	s := rundir.DataSummary{Dataset: e.Opts.Dataset, Train: d.Train.Name, Test: d.Test.Name, NumTrain: d.Train.Len(),
		NumTest: d.Test.Len(), Shape: d.Train.Shape, NumClasses: d.Train.NumClasses, TrainDigest: d.Train.Digest(), TestDigest: d.Test.Digest(),
		ClassNames: d.ClassNames}
	if d.Norm != nil {
		s.NormMean, s.NormStd = d.Norm.Mean, d.Norm.Std
	}
	for _, c := range d.Train.ClassIndices() {
		s.ClassCounts = append(s.ClassCounts, len(c))
	}
	sum := e.Dir.DataSummary()
	arts := []string{sum.Rel()}
	if d.TrainTruth != nil {
		has := make([]int32, len(d.TrainTruth.HasFast))
		for i, h := range d.TrainTruth.HasFast {
			if h {
				has[i] = 1
			} else {
				s.ToyWithoutFast++
			}
		}
		hf := e.Dir.ToyHasFast()
		if err := hf.Write(has); err != nil {
			return nil, err
		}
		arts = append(arts, hf.Rel())
	}
	if err := sum.Write(s); err != nil {
		return nil, err
	}
	e.logf("load: %s: %d train, %d test examples of shape %v, %d classes", s.Dataset, s.NumTrain, s.NumTest, s.Shape, s.NumClasses)
	return arts, nil
}

package stages

// DataSummary is data/summary.json.
type DataSummary struct {
	Dataset     string `json:"dataset"`
	Train       string `json:"train"`
	Test        string `json:"test"`
	NumTrain    int    `json:"num_train"`
	NumTest     int    `json:"num_test"`
	Shape       []int  `json:"shape"`
	NumClasses  int    `json:"num_classes"`
	ClassCounts []int  `json:"class_counts"`
	// Digest is a sha256 over the training and test arrays, so later stages
	// can tell that the data they reload is the data the run started with.
	Digest string `json:"digest"`
	// ToyWithoutFast counts toy training examples lacking the fast feature.
	ToyWithoutFast int `json:"toy_without_fast,omitempty"`
}

// Load reads or generates the data, validates it and writes
// data/summary.json (and, for the toy, data/toy_has_fast.i32).
func (e *Env) Load() error {
	d, err := e.MainData()
	if err != nil {
		return err
	}
	s := DataSummary{Dataset: e.Opts.Dataset, Train: d.Train.Name, Test: d.Test.Name, NumTrain: d.Train.Len(),
		NumTest: d.Test.Len(), Shape: d.Train.Shape, NumClasses: d.Train.NumClasses, Digest: d.Train.Digest() + d.Test.Digest()}
	for _, c := range d.Train.ClassIndices() {
		s.ClassCounts = append(s.ClassCounts, len(c))
	}
	arts := []string{"data/summary.json"}
	if d.TrainTruth != nil {
		has := make([]int32, len(d.TrainTruth.HasFast))
		for i, h := range d.TrainTruth.HasFast {
			if h {
				has[i] = 1
			} else {
				s.ToyWithoutFast++
			}
		}
		if err := e.Dir.WriteInt32s("data/toy_has_fast.i32", has); err != nil {
			return err
		}
		arts = append(arts, "data/toy_has_fast.i32")
	}
	if err := e.Dir.WriteJSON("data/summary.json", s); err != nil {
		return err
	}
	e.logf("load: %s: %d train, %d test examples of shape %v, %d classes", s.Dataset, s.NumTrain, s.NumTest, s.Shape, s.NumClasses)
	return e.Complete("load", arts)
}

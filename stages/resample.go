package stages

import (
	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// ResampleSummary is resample/<method>/summary.json.
type ResampleSummary struct {
	Method            string  `json:"method"`
	NumTrain          int     `json:"num_train"`
	NumSlow           int     `json:"num_slow"`
	Factor            int     `json:"upsample_factor"`
	ListLength        int     `json:"list_length"`
	UpsampledFraction float64 `json:"upsampled_fraction"` // num_slow / num_train
}

// Resample builds the training list of each USEFUL run: every training
// example once plus each slow example factor-1 more times:
// resample/<method>/indices.i32 and summary.json.
func (e *Env) Resample() error {
	if err := e.CheckInputs("resample"); err != nil {
		return err
	}
	d, err := e.MainData()
	if err != nil {
		return err
	}
	n := d.Train.Len()
	var arts []string
	for _, method := range e.Opts.ProbeMethods() {
		slow32, err := e.Dir.ReadInt32s("cluster/"+method+"/slow.i32", -1)
		if err != nil {
			return err
		}
		slow := make([]int, len(slow32))
		for i, v := range slow32 {
			slow[i] = int(v)
		}
		list := sampler.Upsample(n, slow, e.Opts.UpsampleFactor)
		l32 := make([]int32, len(list))
		for i, v := range list {
			l32[i] = int32(v)
		}
		dir := "resample/" + method
		if err := e.Dir.WriteInt32s(dir+"/indices.i32", l32); err != nil {
			return err
		}
		s := ResampleSummary{Method: method, NumTrain: n, NumSlow: len(slow), Factor: e.Opts.UpsampleFactor, ListLength: len(list),
			UpsampledFraction: float64(len(slow)) / float64(n)}
		if err := e.Dir.WriteJSON(dir+"/summary.json", s); err != nil {
			return err
		}
		e.logf("resample/%s: training list of %d (%d + %d x %d upsampled)", method, len(list), n, e.Opts.UpsampleFactor-1, len(slow))
		arts = append(arts, dir)
	}
	return e.Complete("resample", arts)
}

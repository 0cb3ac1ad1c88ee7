package stages

import (
	"math/rand/v2"
	"slices"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// ResampleSummary is resample/<method>/summary.json.
type ResampleSummary struct {
	Method            string  `json:"method"`
	Selection         string  `json:"selection,omitempty"`
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
		selections := map[string][]int{"": slow}
		for _, b := range e.Opts.Baselines {
			selections[b] = randomLike(d.Train, slow, e.Opts.Seed)
		}
		for sel, chosen := range selections {
			list := sampler.Upsample(n, chosen, e.Opts.UpsampleFactor)
			l32 := make([]int32, len(list))
			for i, v := range list {
				l32[i] = int32(v)
			}
			dir := resampleDir(method, sel)
			if err := e.Dir.WriteInt32s(dir+"/indices.i32", l32); err != nil {
				return err
			}
			s := ResampleSummary{Method: method, Selection: sel, NumTrain: n, NumSlow: len(chosen), Factor: e.Opts.UpsampleFactor, ListLength: len(list),
				UpsampledFraction: float64(len(chosen)) / float64(n)}
			if err := e.Dir.WriteJSON(dir+"/summary.json", s); err != nil {
				return err
			}
			e.logf("%s: training list of %d (%d + %d x %d upsampled)", dir, len(list), n, e.Opts.UpsampleFactor-1, len(chosen))
			arts = append(arts, dir)
		}
	}
	return e.Complete("resample", arts)
}

// resampleDir is the folder of a method's training list: resample/<method>
// for USEFUL, resample/<method>+<baseline> for a baseline selection.
func resampleDir(method, selection string) string {
	if selection == "" {
		return "resample/" + method
	}
	return "resample/" + method + "+" + selection
}

// randomLike draws, for every class, as many random examples of that class
// as slow holds (Fig. 6's random upsampling of the same size), seeded; the
// result is sorted.
func randomLike(ds *dataset.Dataset, slow []int, seed uint64) []int {
	perClass := make([]int, ds.NumClasses)
	for _, i := range slow {
		perClass[ds.Labels[i]]++
	}
	r := rand.New(rand.NewPCG(seed, 0x72616e646f6d)) // "random"
	var out []int
	for c, members := range ds.ClassIndices() {
		idx := append([]int(nil), members...)
		r.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		out = append(out, idx[:perClass[c]]...)
	}
	slices.Sort(out)
	return out
}

package stages

import (
	"fmt"
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
		type selection struct {
			name   string
			chosen []int
		}
		sels := []selection{{"", slow}}
		for _, b := range e.Opts.Baselines {
			chosen, err := e.baselineSelection(b, method, d, slow)
			if err != nil {
				return err
			}
			sels = append(sels, selection{b, chosen})
		}
		for _, sel := range sels {
			dir := resampleDir(method, sel.name)
			list := sampler.Upsample(n, sel.chosen, e.Opts.UpsampleFactor)
			if sel.name == "upweight" {
				// Same data once each; the slow cluster's loss weight is the factor.
				list = sampler.Upsample(n, nil, 1)
				w := make([]float32, n)
				for i := range w {
					w[i] = 1
				}
				for _, i := range sel.chosen {
					w[i] = float32(e.Opts.UpsampleFactor)
				}
				if err := e.Dir.WriteFloat32s(dir+"/weights.f32", w); err != nil {
					return err
				}
			}
			l32 := make([]int32, len(list))
			for i, v := range list {
				l32[i] = int32(v)
			}
			if err := e.Dir.WriteInt32s(dir+"/indices.i32", l32); err != nil {
				return err
			}
			s := ResampleSummary{Method: method, Selection: sel.name, NumTrain: n, NumSlow: len(sel.chosen), Factor: e.Opts.UpsampleFactor, ListLength: len(list),
				UpsampledFraction: float64(len(sel.chosen)) / float64(n)}
			if err := e.Dir.WriteJSON(dir+"/summary.json", s); err != nil {
				return err
			}
			e.logf("%s: training list of %d (%d selected)", dir, len(list), len(sel.chosen))
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

// baselineSelection returns the examples a baseline upsamples (or, for
// upweight, up-weights), sorted:
//   - random: per class, as many random examples as the slow cluster holds (Fig. 6);
//   - upweight: the slow cluster itself (Table 5);
//   - quantile: examples whose loss at epoch t is above their class median (Table 7);
//   - misclassified: examples misclassified at epoch t (Table 7).
func (e *Env) baselineSelection(name, method string, d *Data, slow []int) ([]int, error) {
	n := d.Train.Len()
	switch name {
	case "random":
		return randomLike(d.Train, slow, e.Opts.Seed), nil
	case "upweight":
		return slow, nil
	case "quantile":
		loss, err := e.Dir.ReadFloat32s("extract/"+method+"/loss.f32", n)
		if err != nil {
			return nil, err
		}
		var out []int
		for _, members := range d.Train.ClassIndices() {
			if len(members) == 0 {
				continue
			}
			ls := make([]float64, len(members))
			for k, i := range members {
				ls[k] = float64(loss[i])
			}
			sorted := append([]float64(nil), ls...)
			slices.Sort(sorted)
			med := sorted[len(sorted)/2]
			if len(sorted)%2 == 0 {
				med = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
			}
			for k, i := range members {
				if ls[k] > med {
					out = append(out, i)
				}
			}
		}
		slices.Sort(out)
		return out, nil
	case "misclassified":
		c := d.Train.NumClasses
		logits, err := e.Dir.ReadFloat32s("extract/"+method+"/logits.f32", n*c)
		if err != nil {
			return nil, err
		}
		var out []int
		for i := 0; i < n; i++ {
			row := logits[i*c : (i+1)*c]
			best := 0
			for k := 1; k < c; k++ {
				if row[k] > row[best] {
					best = k
				}
			}
			if int32(best) != d.Train.Labels[i] {
				out = append(out, i)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown baseline %q", name)
}

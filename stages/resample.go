package stages

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// Resample builds the training list of each USEFUL run: every training
// example once plus each slow example factor-1 more times, and those of
// the baselines: resample/<method>[+<baseline>]/ (see rundir.Layout).
func (e *Env) Resample() ([]string, error) {
	d, err := e.MainData()
	if err != nil {
		return nil, err
	}
	o := e.Opts
	n := d.Train.Len()
	var arts []string
	for _, method := range o.ProbeMethods() {
		slow, err := e.Dir.Cluster(method).Slow().Read(n)
		if err != nil {
			return nil, err
		}
		type selection struct {
			name   string
			chosen []int
		}
		sels := []selection{{"", slow}}
		for _, b := range o.Baselines {
			chosen, err := e.baselineSelection(b, method, d, slow)
			if err != nil {
				return nil, err
			}
			sels = append(sels, selection{b, chosen})
		}
		for _, sel := range sels {
			rd := e.Dir.Resample(method, sel.name)
			list := sampler.Upsample(n, sel.chosen, o.UpsampleFactor)
			if sel.name == "upweight" {
				// Same data once each; the slow cluster's loss weight is the factor.
				list = sampler.Upsample(n, nil, 1)
				if err := rd.Weights().Write(upweights(n, sel.chosen, o.UpsampleFactor)); err != nil {
					return nil, err
				}
			}
			if err := rd.Indices().Write(list); err != nil {
				return nil, err
			}
			s := rundir.ResampleSummary{Method: method, Selection: sel.name, NumTrain: n, NumSlow: len(sel.chosen), Factor: o.UpsampleFactor, ListLength: len(list),
				UpsampledFraction: float64(len(sel.chosen)) / float64(n)}
			if err := rd.Summary().Write(s); err != nil {
				return nil, err
			}
			e.logf("%s: training list of %d (%d selected)", rd.Rel(), len(list), len(sel.chosen))
			arts = append(arts, rd.Rel())
		}
	}
	return arts, nil
}

// upweights returns the loss weights of the upweight baseline (Table 5):
// factor for the chosen examples, 1 for the others.
func upweights(n int, chosen []int, factor int) []float32 {
	w := make([]float32, n)
	for i := range w {
		w[i] = 1
	}
	for _, i := range chosen {
		w[i] = float32(factor)
	}
	return w
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

// aboveClassMedian returns the examples whose loss is above the median
// loss of their class (the paper's QUANTILE partition, Table 7), sorted.
// The median of an even count is the mean of the two middle losses.
func aboveClassMedian(ds *dataset.Dataset, loss []float32) []int {
	var out []int
	for _, members := range ds.ClassIndices() {
		if len(members) == 0 {
			continue
		}
		ls := make([]float64, len(members))
		for k, i := range members {
			ls[k] = float64(loss[i])
		}
		sorted := slices.Clone(ls)
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
	return out
}

// misclassified returns the examples whose logits' argmax (the first
// largest) is not their label (the MISCLASSIFICATION partition, Table 7).
func misclassified(ds *dataset.Dataset, logits []float32) []int {
	c := ds.NumClasses
	var out []int
	for i := range ds.Len() {
		row := logits[i*c : (i+1)*c]
		best := 0
		for k := 1; k < c; k++ {
			if row[k] > row[best] {
				best = k
			}
		}
		if int32(best) != ds.Labels[i] {
			out = append(out, i)
		}
	}
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
	x := e.Dir.Extract(method)
	switch name {
	case "random":
		return randomLike(d.Train, slow, e.Opts.Seed()), nil
	case "upweight":
		return slow, nil
	case "quantile":
		loss, err := x.Loss().Read(n)
		if err != nil {
			return nil, err
		}
		return aboveClassMedian(d.Train, loss), nil
	case "misclassified":
		logits, err := x.Logits().Read(n * d.Train.NumClasses)
		if err != nil {
			return nil, err
		}
		return misclassified(d.Train, logits), nil
	}
	return nil, fmt.Errorf("unknown baseline %q", name)
}

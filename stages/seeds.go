package stages

import (
	"fmt"
	"path/filepath"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// StatOf returns the mean and sample standard deviation (n-1) of x; Std
// is 0 for one value.
func StatOf(x []float64) rundir.Stat {
	s := rundir.Stat{N: len(x)}
	switch len(x) {
	case 0:
	case 1:
		s.Mean = x[0]
	default:
		s.Mean, s.Std = stat.MeanStdDev(x, nil)
	}
	return s
}

// Summarize groups runs by ID (in first-seen order) and gives each ID's
// numbers over its seeds.
func Summarize(runs []rundir.RunMetrics) []rundir.RunSummary {
	var order []string
	by := map[string][]rundir.RunMetrics{}
	for _, r := range runs {
		if _, ok := by[r.ID]; !ok {
			order = append(order, r.ID)
		}
		by[r.ID] = append(by[r.ID], r)
	}
	var out []rundir.RunSummary
	for _, id := range order {
		rs := by[id]
		var acc, errs, secs, up, lam []float64
		for _, r := range rs {
			acc = append(acc, r.TestAccuracyPct)
			errs = append(errs, r.TestErrorPct)
			secs = append(secs, r.TrainSeconds)
			if r.UpsampledFraction != nil {
				up = append(up, *r.UpsampledFraction)
			}
			if r.Sharpness != nil && r.Sharpness.Skipped == "" {
				lam = append(lam, r.Sharpness.LambdaMax)
			}
		}
		s := rundir.RunSummary{ID: id, Method: rs[0].Method, Useful: rs[0].Useful, BetaD: rs[0].BetaD,
			TestAccuracyPct: StatOf(acc), TestErrorPct: StatOf(errs), TrainSeconds: StatOf(secs)}
		if len(up) > 0 {
			st := StatOf(up)
			s.UpsampledFraction = &st
		}
		if len(lam) > 0 {
			st := StatOf(lam)
			s.LambdaMax = &st
		}
		out = append(out, s)
	}
	return out
}

// CombineSeeds writes the report of a run of several seeds at the top of
// its run directory: metrics.json with every seed's runs and their means,
// and report.md with mean ± std per run, the paper's numbers beside the
// toy's, and the comparisons with the paper judged against the seeds'
// spread (Compare). Each seed's own report stays in its folder.
func CombineSeeds(top *rundir.Dir, o *options.Options, seedDirs []*rundir.Dir) error {
	met := rundir.Metrics{Dataset: o.Dataset, Model: o.Model, Seeds: o.Seeds, Epochs: o.Epochs}
	prec, rec, take := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
	for _, d := range seedDirs {
		m, err := d.Metrics().Read()
		if err != nil {
			return err
		}
		met.Runs = append(met.Runs, m.Runs...)
		if m.Toy != nil {
			for method, pr := range m.Toy.PerMethod {
				prec[method] = append(prec[method], pr.Precision)
				rec[method] = append(rec[method], pr.Recall)
			}
			for method, t := range m.Toy.TakeOff {
				take[method] = append(take[method], float64(t))
			}
		}
	}
	met.Means = Summarize(met.Runs)
	toy := o.Dataset == options.Toy
	if toy && (len(prec) > 0 || len(take) > 0) {
		met.ToyMeans = &rundir.ToySummary{Precision: map[string]rundir.Stat{}, Recall: map[string]rundir.Stat{}, TakeOff: map[string]rundir.Stat{}}
		for method := range prec {
			met.ToyMeans.Precision[method], met.ToyMeans.Recall[method] = StatOf(prec[method]), StatOf(rec[method])
		}
		for method := range take {
			met.ToyMeans.TakeOff[method] = StatOf(take[method])
		}
	}
	var md strings.Builder
	seeds := make([]string, len(o.Seeds))
	for i, s := range o.Seeds {
		seeds[i] = fmt.Sprint(s)
	}
	first := filepath.Join(filepath.Base(seedDirs[0].Root), seedDirs[0].Report().Rel())
	fmt.Fprintf(&md, "# USEFUL report: %s, %s, %d seeds\n\nSeeds %s, each a full run in its own folder with its own report (`%s`, ...). Every number below is the mean ± sample std over the seeds.\n\n",
		o.Dataset, o.Model, len(o.Seeds), strings.Join(seeds, ", "), first)
	md.WriteString("## Test accuracy\n\n")
	if toy {
		md.WriteString("| run | beta_d | test accuracy % | per seed | paper accuracy % | upsampled % | train time / baseline |\n|---|---|---|---|---|---|---|\n")
	} else {
		md.WriteString("| run | test accuracy % | per seed | upsampled % | train time / baseline | lambda_max |\n|---|---|---|---|---|---|\n")
	}
	base := map[string]float64{}
	for _, s := range met.Means {
		if !s.Useful && (s.BetaD == nil || *s.BetaD == o.MainBetaD()) {
			base[s.Method] = s.TrainSeconds.Mean
		}
	}
	acc := map[string]rundir.Stat{}
	for _, s := range met.Means {
		acc[s.ID] = s.TestAccuracyPct
		var per []string
		for _, r := range met.Runs {
			if r.ID == s.ID {
				per = append(per, fmt.Sprintf("s%d: %.2f", r.Seed, r.TestAccuracyPct))
			}
		}
		up, ratio := "-", "-"
		if s.UpsampledFraction != nil {
			up = fmt.Sprintf("%.1f ± %.1f", 100*s.UpsampledFraction.Mean, 100*s.UpsampledFraction.Std)
		}
		if b := base[s.Method]; b > 0 {
			ratio = fmt.Sprintf("%.2fx", s.TrainSeconds.Mean/b)
		}
		a := fmt.Sprintf("%.2f ± %.2f", s.TestAccuracyPct.Mean, s.TestAccuracyPct.Std)
		if toy {
			paper := "-"
			if !s.Useful && s.BetaD != nil {
				if v, ok := paperToy[fmt.Sprintf("%s@%g", s.Method, *s.BetaD)]; ok {
					paper = v
				}
			}
			bd := 0.0
			if s.BetaD != nil {
				bd = *s.BetaD
			}
			fmt.Fprintf(&md, "| %s | %g | %s | %s | %s | %s | %s |\n", displayName(s.ID, true), bd, a, strings.Join(per, ", "), paper, up, ratio)
		} else {
			lam := "-"
			if s.LambdaMax != nil {
				lam = fmt.Sprintf("%.4g ± %.2g", s.LambdaMax.Mean, s.LambdaMax.Std)
			}
			fmt.Fprintf(&md, "| %s | %s | %s | %s | %s | %s |\n", s.ID, a, strings.Join(per, ", "), up, ratio, lam)
		}
	}
	md.WriteString("\nTrain time / baseline is the mean train-step wall time of a run over its method's baseline (the probe not included).\n")
	if met.ToyMeans != nil {
		md.WriteString("\n## Slow cluster against the ground truth\n\nThe toy data knows which training examples lack the fast-learnable feature; the slow cluster should be exactly those.\n\n| probe method | precision | recall |\n|---|---|---|\n")
		for _, m := range o.ProbeMethods() {
			p, r := met.ToyMeans.Precision[m], met.ToyMeans.Recall[m]
			fmt.Fprintf(&md, "| %s | %.3f ± %.3f | %.3f ± %.3f |\n", displayName(m, true), p.Mean, p.Std, r.Mean, r.Std)
		}
	}
	if met.ToyMeans != nil && len(met.ToyMeans.TakeOff) > 0 {
		md.WriteString("\n## Feature learning (Fig. 3)\n\nIteration at which the fast feature takes off (its alignment max_j <w_j, v_e> reaches half its final value), baselines at the main beta_d; each seed's curves are in its report.\n\n| method | take-off iteration |\n|---|---|\n")
		for _, m := range o.Methods {
			if t, ok := met.ToyMeans.TakeOff[m]; ok {
				fmt.Fprintf(&md, "| %s | %.0f ± %.0f |\n", displayName(m, true), t.Mean, t.Std)
			}
		}
	}
	if toy {
		var take map[string]rundir.Stat
		if met.ToyMeans != nil {
			take = met.ToyMeans.TakeOff
		}
		writeToyComparisons(&md, o, acc, take)
	}
	if err := top.Metrics().Write(met); err != nil {
		return err
	}
	return top.Report().WriteBytes([]byte(md.String()))
}

package stages

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	toydata "github.com/useful-pipeline/useful-pipeline/dataset/toy"
	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/plots"
	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// paperToy holds the paper's toy accuracies (Section 5.1, Fig. 3c).
var paperToy = map[string]string{"sgd@0.2": "95.21", "sam@0.2": "96.90", "sgd@0.4": "96.90", "sam@0.4": "99.49"}

// Report gathers every run into metrics.json, report.md and plots/*.png.
func (e *Env) Report() ([]string, error) {
	o := e.Opts
	met := rundir.Metrics{Dataset: o.Dataset, Model: o.Model, Seeds: o.Seeds, Epochs: o.Epochs}
	curves := map[string][]rundir.EpochStats{}
	for _, run := range o.Runs() {
		ev, err := e.Dir.Evaluate(run.ID).Read()
		if err != nil {
			return nil, err
		}
		rt := e.Dir.Retrain(run.ID)
		rs, err := rt.Summary().Read()
		if err != nil {
			return nil, err
		}
		c, err := rt.Curves().Read()
		if err != nil {
			return nil, err
		}
		curves[run.ID] = c
		rm := rundir.RunMetrics{ID: run.ID, Seed: o.Seed(), Method: run.Method, Useful: run.Useful, TestAccuracyPct: ev.TestAccuracyPct,
			TestErrorPct: ev.TestErrorPct, TrainSeconds: rs.TrainSeconds, L1Norm: ev.L1Norm, Sharpness: ev.Sharpness}
		if o.Dataset == options.Toy {
			b := run.BetaD
			rm.BetaD = &b
		}
		if run.Useful {
			s, err := e.Dir.Resample(run.Method, run.Selection).Summary().Read()
			if err != nil {
				return nil, err
			}
			f := s.UpsampledFraction
			t, err := e.separateEpoch(run.Method)
			if err != nil {
				return nil, err
			}
			rm.UpsampledFraction, rm.SeparateEpoch = &f, &t
			pc, err := e.Dir.Probe(run.Method).Curves().Read()
			if err != nil {
				return nil, err
			}
			ps := 0.0
			for _, c := range pc {
				ps += c.Seconds
			}
			rm.ProbeSeconds = &ps
		}
		met.Runs = append(met.Runs, rm)
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# USEFUL report: %s, %s\n\n", o.Dataset, o.Model)
	batch := fmt.Sprint(o.BatchSize)
	if o.BatchSize == 0 {
		batch = "full (the whole training list)"
	}
	fmt.Fprintf(&md, "Seed %d, %d epochs, batch %s, lr %g (%s), momentum %g, weight decay %g, SAM rho %g", o.Seed(), o.Epochs, batch, o.LR, o.LRSchedule, o.Momentum, o.WeightDecay, o.Rho)
	if o.Useful {
		sep := fmt.Sprint(o.SeparateEpoch.Epoch)
		if o.SeparateEpoch.Auto {
			var ts []string
			for _, m := range o.ProbeMethods() {
				t, err := e.separateEpoch(m)
				if err != nil {
					return nil, err
				}
				ts = append(ts, fmt.Sprintf("%d (%s)", t, m))
			}
			sep = "auto: " + strings.Join(ts, ", ") + "; " + autoRule
		}
		fmt.Fprintf(&md, ", separating epoch t = %s, upsampling factor %d", sep, o.UpsampleFactor)
	}
	md.WriteString(". Every run starts from the same W0 (`w0/`).\n\n")
	md.WriteString("## Test accuracy\n\n")
	toy := o.Dataset == options.Toy
	if toy {
		md.WriteString("| run | beta_d | test accuracy % | test error % | paper accuracy % | upsampled % | train time (s) | time / baseline | L1 norm |\n|---|---|---|---|---|---|---|---|---|\n")
	} else {
		md.WriteString("| run | test accuracy % | test error % | upsampled % | train time (s) | time / baseline | L1 norm |\n|---|---|---|---|---|---|---|\n")
	}
	base := map[string]float64{}
	for _, r := range met.Runs {
		if !r.Useful && (r.BetaD == nil || *r.BetaD == o.Toy.BetaD) {
			base[r.Method] = r.TrainSeconds
		}
	}
	for _, r := range met.Runs {
		up := "-"
		if r.UpsampledFraction != nil {
			up = fmt.Sprintf("%.1f", 100**r.UpsampledFraction)
		}
		ratio := "-"
		if b := base[r.Method]; b > 0 {
			ratio = fmt.Sprintf("%.2fx", r.TrainSeconds/b)
		}
		if toy {
			paper := "-"
			if !r.Useful {
				if v, ok := paperToy[fmt.Sprintf("%s@%g", r.Method, *r.BetaD)]; ok {
					paper = v
				}
			}
			fmt.Fprintf(&md, "| %s | %g | %.2f | %.2f | %s | %s | %.1f | %s | %.1f |\n", displayName(r.ID, toy), *r.BetaD, r.TestAccuracyPct, r.TestErrorPct, paper, up, r.TrainSeconds, ratio, r.L1Norm)
		} else {
			fmt.Fprintf(&md, "| %s | %.2f | %.2f | %s | %.1f | %s | %.1f |\n", r.ID, r.TestAccuracyPct, r.TestErrorPct, up, r.TrainSeconds, ratio, r.L1Norm)
		}
	}
	md.WriteString("\nTraining loss and accuracy of a USEFUL run are measured over its upsampled list (slow examples count factor times).\n")
	md.WriteString("Time / baseline compares the train-step wall time of a run with its method's baseline; the probe (t epochs) is not included.\n")
	if toy {
		md.WriteString("On the toy data the methods are full-batch GD (`sgd` with momentum 0) and SAM, as in the paper; the paper does not report GD+USEFUL or SAM+USEFUL accuracies on the toy data.\n")
	}
	if o.Sharpness {
		md.WriteString("\n## Sharpness (Table 1)\n\nLargest Hessian eigenvalues of the training loss at the final weights, by Lanczos (80 steps, full reorthogonalisation) on 1000 training examples (equal numbers per class), inference mode.\n\n| run | lambda_max | lambda_max / lambda_5 | top 5 | converged |\n|---|---|---|---|---|\n")
		for _, r := range met.Runs {
			s := r.Sharpness
			switch {
			case s == nil:
			case s.Skipped != "":
				fmt.Fprintf(&md, "| %s | skipped: %s | | | |\n", displayName(r.ID, toy), s.Skipped)
			default:
				top := make([]string, len(s.Top))
				for i, v := range s.Top {
					top[i] = fmt.Sprintf("%.4g", v)
				}
				fmt.Fprintf(&md, "| %s | %.4g | %.3g | %s | %v |\n", displayName(r.ID, toy), s.LambdaMax, s.Ratio, strings.Join(top, ", "), s.Converged)
			}
		}
	}
	var arts []string
	if o.Useful {
		if err := e.reportClusters(&md, &met); err != nil {
			return nil, err
		}
	}
	plotsMade, err := e.reportPlots(&md, &met, curves)
	if err != nil {
		return nil, err
	}
	arts = append(arts, plotsMade...)
	if o.Useful {
		d, err := e.MainData()
		if err != nil {
			return nil, err
		}
		for _, f := range []func(*strings.Builder) ([]string, error){
			e.reportCurveWithT,
			func(md *strings.Builder) ([]string, error) { return e.reportPCA(md, d) },
			func(md *strings.Builder) ([]string, error) { return e.reportGrid(md, d) },
		} {
			a, err := f(&md)
			if err != nil {
				return nil, err
			}
			arts = append(arts, a...)
		}
		if err := e.reportLearning(&md, d); err != nil {
			return nil, err
		}
	}
	mf, rf := e.Dir.Metrics(), e.Dir.Report()
	if err := mf.Write(met); err != nil {
		return nil, err
	}
	if err := rf.WriteBytes([]byte(md.String())); err != nil {
		return nil, err
	}
	e.logf("report: %s", rf.Path())
	return append(arts, mf.Rel(), rf.Rel()), nil
}

func displayName(id string, toy bool) string {
	if toy {
		id = strings.ReplaceAll(id, "sgd", "GD")
		id = strings.ReplaceAll(id, "sam", "SAM")
		id = strings.ReplaceAll(id, "+useful", "+USEFUL")
	}
	return id
}

// reportClusters writes the cluster table and, for the toy, the precision
// and recall of the slow cluster against the examples without the fast feature.
func (e *Env) reportClusters(md *strings.Builder, met *rundir.Metrics) error {
	o := e.Opts
	md.WriteString("\n## Clusters at the separating epoch\n\n| method | class | size | cluster sizes | mean loss per cluster | slow cluster |\n|---|---|---|---|---|---|\n")
	var hasFast []int32
	if o.Dataset == options.Toy {
		var err error
		if hasFast, err = e.Dir.ToyHasFast().Read(-1); err != nil {
			return err
		}
		met.Toy = &rundir.ToyMetrics{PerMethod: map[string]rundir.PrecRec{}}
	}
	for _, method := range o.ProbeMethods() {
		cd := e.Dir.Cluster(method)
		cf, err := cd.Clusters().Read()
		if err != nil {
			return err
		}
		for _, c := range cf.Classes {
			fmt.Fprintf(md, "| %s | %d | %d | %d / %d | %.4f / %.4f | %d |\n", method, c.Class, c.Size, c.Sizes[0], c.Sizes[1], c.MeanLoss[0], c.MeanLoss[1], c.SlowCluster)
		}
		if hasFast == nil {
			continue
		}
		slow, err := cd.Slow().Read(len(hasFast))
		if err != nil {
			return err
		}
		pr := rundir.PrecRec{Upsampled: len(slow)}
		tp := 0
		for _, i := range slow {
			if hasFast[i] == 0 {
				tp++
			}
		}
		for _, h := range hasFast {
			if h == 0 {
				pr.NoFast++
			}
		}
		if pr.Upsampled > 0 {
			pr.Precision = float64(tp) / float64(pr.Upsampled)
		}
		if pr.NoFast > 0 {
			pr.Recall = float64(tp) / float64(pr.NoFast)
		}
		met.Toy.PerMethod[method] = pr
	}
	if met.Toy != nil {
		first := met.Toy.PerMethod[o.ProbeMethods()[0]]
		met.Toy.SlowClusterPrecision, met.Toy.SlowClusterRecall = first.Precision, first.Recall
		md.WriteString("\n## Slow cluster against the ground truth (toy)\n\nThe toy data knows which training examples lack the fast-learnable feature; the slow cluster should be exactly those.\n\n| probe method | upsampled | without fast feature | precision | recall |\n|---|---|---|---|---|\n")
		for _, method := range o.ProbeMethods() {
			p := met.Toy.PerMethod[method]
			fmt.Fprintf(md, "| %s | %d | %d | %.3f | %.3f |\n", displayName(method, true), p.Upsampled, p.NoFast, p.Precision, p.Recall)
		}
		fmt.Fprintf(md, "\n`metrics.json` `toy.slow_cluster_precision` and `toy.slow_cluster_recall` are those of %s.\n", displayName(o.ProbeMethods()[0], true))
	}
	return nil
}

// reportPlots draws training curves and, for the toy, the Fig. 3-style
// feature curves; it returns the artifacts written.
func (e *Env) reportPlots(md *strings.Builder, met *rundir.Metrics, curves map[string][]rundir.EpochStats) ([]string, error) {
	o := e.Opts
	toy := o.Dataset == options.Toy
	var arts []string
	var loss, errs []plots.Series
	for _, run := range o.Runs() {
		c := curves[run.ID]
		x, l, te := make([]float64, len(c)), make([]float64, len(c)), make([]float64, len(c))
		for i, s := range c {
			x[i], l[i], te[i] = float64(s.Epoch), s.Loss, 100*(1-s.Accuracy)
		}
		name := displayName(run.ID, toy)
		loss = append(loss, plots.Series{Name: name, X: x, Y: l, Dashed: run.Useful})
		errs = append(errs, plots.Series{Name: name, X: x, Y: te, Dashed: run.Useful})
	}
	xl := "epoch"
	if toy {
		xl = "iteration (full-batch GD step)"
	}
	md.WriteString("\n## Training curves\n\n")
	lossPlot, errPlot := e.Dir.Plot("train_loss"), e.Dir.Plot("train_error")
	if err := lossPlot.MkdirParent(); err != nil {
		return nil, err
	}
	if err := plots.Lines(lossPlot.Path(), "Training loss", xl, "mean training loss", loss); err != nil {
		return nil, err
	}
	if err := plots.Lines(errPlot.Path(), "Training error", xl, "training error (%)", errs); err != nil {
		return nil, err
	}
	arts = append(arts, lossPlot.Rel(), errPlot.Rel())
	fmt.Fprintf(md, "![training loss](%s)\n\n![training error](%s)\n", lossPlot.Rel(), errPlot.Rel())
	if !toy {
		return arts, nil
	}
	tc := toydata.DefaultConfig()
	filters := 0
	man, err := graphs.ReadManifest(e.ModelDir([]int{tc.P, tc.D}, 2))
	if err == nil && len(man.Params) > 0 && len(man.Params[0].Shape) == 2 {
		filters = man.Params[0].Shape[1]
	}
	init := "as exported"
	if err == nil {
		bound, _ := man.Options["init_bound"].(float64)
		scale, _ := man.Options["init_scale"].(float64)
		if bound > 0 && met.Toy != nil {
			met.Toy.InitBound = bound
			init = fmt.Sprintf("W0 and biases ~ U(-%.4g, %.4g): PyTorch's Conv1d default U(±1/sqrt(d)) times %g, as the paper's reference code [18]", bound, bound, scale)
		}
	}
	md.WriteString("\n## Feature learning (Fig. 3)\n\nG_e = max_j <w_j, v_e> and G_d = max_j <w_j, v_d> for GD; S_e and S_d for SAM; baselines trained on the original data.\n\n")
	betas := []float64{o.Toy.BetaD}
	if o.Toy.CompareBetaD > 0 && o.Toy.CompareBetaD != o.Toy.BetaD {
		betas = append(betas, o.Toy.CompareBetaD)
	}
	for bi, b := range betas {
		var series []plots.Series
		feats := map[string][2][]float64{} // method -> measured (epochs, G_e - G_d)
		for _, run := range o.Runs() {
			if run.Useful || run.BetaD != b {
				continue
			}
			x, fe := featureCurve(curves[run.ID], "G_e")
			_, fd := featureCurve(curves[run.ID], "G_d")
			letter, col := "G", color.Color(color.RGBA{R: 31, G: 119, B: 180, A: 255}) // GD blue, as in Fig. 3
			if run.Method == "sam" {
				letter, col = "S", color.RGBA{R: 255, G: 127, B: 14, A: 255} // SAM orange
			}
			series = append(series, plots.Series{Name: letter + "_e (fast)", X: x, Y: fe, Dashed: true, Color: col}, plots.Series{Name: letter + "_d (slow)", X: x, Y: fd, Color: col})
			gap := make([]float64, len(x))
			for i := range x {
				gap[i] = fe[i] - fd[i]
			}
			feats[run.Method] = [2][]float64{x, gap}
		}
		if len(series) == 0 {
			continue
		}
		if bi == 0 && met.Toy != nil {
			met.Toy.TakeOff = map[string]int{}
			for _, run := range o.Runs() {
				if !run.Useful && run.BetaD == b {
					met.Toy.TakeOff[run.Method] = takeOff(featureCurve(curves[run.ID], "G_e"))
				}
			}
			var parts []string
			for _, m := range o.Methods {
				parts = append(parts, fmt.Sprintf("%s_e of %s at iteration %d", map[bool]string{true: "S", false: "G"}[m == "sam"], displayName(m, true), met.Toy.TakeOff[m]))
			}
			fmt.Fprintf(md, "Take-off of the fast feature (the first measured iteration at which it reaches half its final alignment; measured every %d iterations): %s.\n\n", MeasureEvery(o.Epochs), strings.Join(parts, ", "))
		}
		fp := e.Dir.Plot(fmt.Sprintf("toy_features_beta_d_%g", b))
		if err := plots.Lines(fp.Path(), fmt.Sprintf("Feature learning, beta_d = %g", b), "iteration", "max_j <w_j, v>", series); err != nil {
			return nil, err
		}
		arts = append(arts, fp.Rel())
		fmt.Fprintf(md, "![features beta_d=%g](%s)\n\n", b, fp.Rel())
		g, okG := feats["sgd"]
		sm, okS := feats["sam"]
		if okG && okS && len(g[0]) == len(sm[0]) {
			// The early phase ends at GD's take-off (its G_e at half its
			// final value); both curves are measured at the same iterations.
			end := g[0][len(g[0])-1]
			if t := takeOff(g[0], geOf(curves, o, b)); t > 0 {
				end = float64(t)
			}
			smaller, early := 0, 0
			var pts []string
			for i, it := range g[0] {
				if it <= end {
					early++
					if sm[1][i] < g[1][i] {
						smaller++
					}
				}
				if slices.Contains([]float64{50, 100, 200, 300, 400, 500, 600, 800, 1000}, it) {
					pts = append(pts, fmt.Sprintf("%g: %.3f vs %.3f", it, sm[1][i], g[1][i]))
				}
			}
			share := float64(smaller) / float64(max(early, 1))
			if bi == 0 && met.Toy != nil {
				met.Toy.EarlyGapShare = &share
			}
			fmt.Fprintf(md, "At beta_d = %g, S_e - S_d < G_e - G_d at %d of the %d measured iterations up to GD's take-off (%.0f%%).", b, smaller, early, 100*share)
			fmt.Fprintf(md, " Gap S_e-S_d vs G_e-G_d at iteration %s.\n\n", strings.Join(pts, "; "))
		}
	}
	if met.Toy != nil {
		fmt.Fprintf(md, "toy_cnn: J = %d filters with a bias each in two banks (one per class), cubic activation, two logits and cross-entropy; %s; full-batch GD lr %g without momentum, SAM rho %g, %d iterations (docs/DESIGN.md).\n",
			filters, init, o.LR, o.Rho, o.Epochs)
		stats, take := map[string]rundir.Stat{}, map[string]rundir.Stat{}
		for _, r := range met.Runs {
			stats[r.ID] = rundir.Stat{Mean: r.TestAccuracyPct, N: 1}
		}
		for m, t := range met.Toy.TakeOff {
			take[m] = rundir.Stat{Mean: float64(t), N: 1}
		}
		writeToyComparisons(md, o, stats, take)
	}
	return arts, nil
}

// featureCurve returns the epochs at which the curve measured feature key
// and its values there.
func featureCurve(c []rundir.EpochStats, key string) (x, y []float64) {
	for _, s := range c {
		if v, ok := s.Features[key]; ok {
			x, y = append(x, float64(s.Epoch)), append(y, v)
		}
	}
	return x, y
}

// takeOff returns the first measured iteration at which a feature's
// alignment reaches half its final value (0 if it is never positive): when
// the feature is learned, as Fig. 3 shows it.
func takeOff(x, y []float64) int {
	if len(y) == 0 || !(y[len(y)-1] > 0) {
		return 0
	}
	for i, v := range y {
		if v >= y[len(y)-1]/2 {
			return int(x[i])
		}
	}
	return 0
}

// geOf returns GD's G_e values (at its measured iterations) of the
// baseline at beta_d b.
func geOf(curves map[string][]rundir.EpochStats, o *options.Options, b float64) []float64 {
	for _, run := range o.Runs() {
		if run.Method == "sgd" && !run.Useful && run.BetaD == b {
			_, y := featureCurve(curves[run.ID], "G_e")
			return y
		}
	}
	return nil
}

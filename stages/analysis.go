package stages

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/useful-pipeline/useful-pipeline/plots"
)

// slowMask returns, per training example, 1 if it is in method's slow
// cluster, 0 if in the fast one, -1 if its class was not split.
func (e *Env) slowMask(method string, d *Data) ([]int8, error) {
	cd := e.Dir.Cluster(method)
	cf, err := cd.Clusters().Read()
	if err != nil {
		return nil, err
	}
	assign, err := cd.Assign().Read(d.Train.Len())
	if err != nil {
		return nil, err
	}
	out := make([]int8, len(assign))
	for i, a := range assign {
		sc := cf.Classes[d.Train.Labels[i]].SlowCluster
		switch {
		case sc < 0:
			out[i] = -1
		case int(a) == sc:
			out[i] = 1
		}
	}
	return out, nil
}

func meanStd(x []float64) (float64, float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	return stat.MeanStdDev(x, nil)
}

// reportLearning writes Tables 2-3: forgetting score, first-learned epoch
// and epoch learned for good, per cluster (fast / slow at the separating
// epoch), for every run of the methods that were clustered.
func (e *Env) reportLearning(md *strings.Builder, d *Data) error {
	o := e.Opts
	when := "at the end of each epoch"
	if k := MeasureEvery(o.Epochs); k > 1 {
		when = fmt.Sprintf("at the end of every %d-th epoch (and the last; %d epochs in all)", k, o.Epochs)
	}
	md.WriteString("\n## Learning statistics per cluster (Tables 2-3)\n\nPer training example, " + when + " (inference mode; an upsampled example counts once): forgetting score (correct -> incorrect transitions), first epoch learned, epoch learned for good (after its last misclassification). Mean ± std over the cluster's examples; \"never\" counts examples not learned (for good) by the end.\n\n")
	md.WriteString("| run | cluster | examples | forgetting score | first learned | learned for good | never learned for good |\n|---|---|---|---|---|---|---|\n")
	for _, run := range o.Runs() {
		if run.BetaD != o.MainBetaD() {
			continue
		}
		mask, err := e.slowMask(run.Method, d)
		if err != nil {
			return err
		}
		rt := e.Dir.Retrain(run.ID)
		forget, err := rt.Forgetting().Read(d.Train.Len())
		if err != nil {
			return err
		}
		first, err := rt.FirstLearned().Read(d.Train.Len())
		if err != nil {
			return err
		}
		good, err := rt.LearnedForGood().Read(d.Train.Len())
		if err != nil {
			return err
		}
		for _, cl := range []struct {
			name string
			v    int8
		}{{"fast", 0}, {"slow", 1}} {
			var f, fl, g []float64
			never, n := 0, 0
			for i, m := range mask {
				if m != cl.v {
					continue
				}
				n++
				f = append(f, float64(forget[i]))
				if first[i] >= 0 {
					fl = append(fl, float64(first[i]))
				}
				if good[i] >= 0 {
					g = append(g, float64(good[i]))
				} else {
					never++
				}
			}
			fm, fs := meanStd(f)
			am, as := meanStd(fl)
			gm, gs := meanStd(g)
			fmt.Fprintf(md, "| %s | %s | %d | %.2f ± %.2f | %.2f ± %.2f | %.2f ± %.2f | %d |\n", displayName(run.ID, o.Dataset == "toy"), cl.name, n, fm, fs, am, as, gm, gs, never)
		}
	}
	return nil
}

// reportPCA draws, per method and class (up to 10 classes), the 2-D PCA of
// the class's logits at the separating epoch coloured by cluster (Fig. 2).
func (e *Env) reportPCA(md *strings.Builder, d *Data) ([]string, error) {
	o := e.Opts
	c := d.Train.NumClasses
	n := d.Train.Len()
	var arts []string
	md.WriteString("\n## Logits at the separating epoch (Fig. 2)\n\n2-D PCA of each class's logit vectors, coloured by cluster.")
	if c == 2 {
		md.WriteString(" With two classes the logits [-f/2, f/2] (toy) or any 2-D logits of rank one vary along one direction only: PC1 carries everything and PC2 is numerical noise.")
	}
	md.WriteString("\n\n")
	for _, method := range o.ProbeMethods() {
		logits, err := e.Dir.Extract(method).Logits().Read(n * c)
		if err != nil {
			return nil, err
		}
		mask, err := e.slowMask(method, d)
		if err != nil {
			return nil, err
		}
		classes := d.Train.ClassIndices()
		for k := 0; k < min(c, 10); k++ {
			members := classes[k]
			if len(members) < 3 {
				continue
			}
			x := mat.NewDense(len(members), c, nil)
			for r, i := range members {
				for j := 0; j < c; j++ {
					x.Set(r, j, float64(logits[i*c+j]))
				}
			}
			var pc stat.PC
			if !pc.PrincipalComponents(x, nil) {
				continue
			}
			var vecs mat.Dense
			pc.VectorsTo(&vecs)
			dims := min(2, c)
			var proj mat.Dense
			proj.Mul(x, vecs.Slice(0, c, 0, dims))
			groups := []plots.Points{{Name: "fast cluster"}, {Name: "slow cluster"}}
			for r, i := range members {
				g := 0
				if mask[i] == 1 {
					g = 1
				}
				py := 0.0
				if dims > 1 {
					py = proj.At(r, 1)
				}
				groups[g].X = append(groups[g].X, proj.At(r, 0))
				groups[g].Y = append(groups[g].Y, py)
			}
			var keep []plots.Points
			for _, g := range groups {
				if len(g.X) > 0 {
					keep = append(keep, g)
				}
			}
			pf := e.Dir.Plot(fmt.Sprintf("pca_%s_class%d", method, k))
			rel := pf.Rel()
			if err := plots.Scatter(pf.Path(), fmt.Sprintf("%s, class %d: logits at t", method, k), "PC1", "PC2", keep); err != nil {
				return nil, err
			}
			arts = append(arts, rel)
			if k < 2 {
				fmt.Fprintf(md, "![PCA %s class %d](%s)\n", method, k, rel)
			}
		}
		fmt.Fprintf(md, "\nAll classes: `%s`.\n\n", e.Dir.Plot("pca_"+method+"_class*").Rel())
	}
	return arts, nil
}

// reportCurveWithT draws each probe's training-error curve with t marked (Fig. 15a).
func (e *Env) reportCurveWithT(md *strings.Builder) ([]string, error) {
	var arts []string
	md.WriteString("\n## Choosing the separating epoch (Fig. 15a)\n\n")
	for _, method := range e.Opts.ProbeMethods() {
		s, err := e.Dir.Probe(method).Summary().Read()
		if err != nil {
			return nil, err
		}
		// The full-length baseline curve shows what follows t.
		c, err := e.Dir.Retrain(method).Curves().Read()
		if err != nil {
			return nil, err
		}
		x, y := make([]float64, len(c)), make([]float64, len(c))
		for i, st := range c {
			x[i], y[i] = float64(st.Epoch), 100*(1-st.Accuracy)
		}
		pf := e.Dir.Plot("train_error_t_" + method)
		rel := pf.Rel()
		if err := plots.LinesWithMarker(pf.Path(), "Training error of "+method+" with the separating epoch", "epoch", "training error (%)",
			[]plots.Series{{Name: method + " baseline", X: x, Y: y}}, float64(s.SeparateEpoch), fmt.Sprintf("t = %d", s.SeparateEpoch)); err != nil {
			return nil, err
		}
		arts = append(arts, rel)
		how := "given by --separate-epoch"
		if s.Auto {
			how = "chosen by " + s.Rule
		}
		fmt.Fprintf(md, "![training error %s](%s)\n\n%s: t = %d, %s.\n\n", method, rel, method, s.SeparateEpoch, how)
	}
	return arts, nil
}

// reportGrid writes, for image data, a grid of fast (left) and slow
// (right) training examples per class (Fig. 1): plots/examples_<method>.png.
func (e *Env) reportGrid(md *strings.Builder, d *Data) ([]string, error) {
	if len(d.Train.Shape) != 3 {
		return nil, nil
	}
	h0, w0, ch := d.Train.Shape[0], d.Train.Shape[1], d.Train.Shape[2]
	// Small images are enlarged (nearest) so the grid is readable.
	zoom := max(1, 64/h0)
	h, w := h0*zoom, w0*zoom
	const per = 6
	var arts []string
	md.WriteString("\n## Fast- and slow-learnable examples (Fig. 1)\n\nOne row per class: the first fast-cluster examples on the left, slow-cluster examples on the right.\n\n")
	for _, method := range e.Opts.ProbeMethods() {
		mask, err := e.slowMask(method, d)
		if err != nil {
			return nil, err
		}
		rows := min(d.Train.NumClasses, 20)
		gap := 4
		img := image.NewRGBA(image.Rect(0, 0, 2*per*(w+1)+gap, rows*(h+1)))
		for k, members := range d.Train.ClassIndices()[:rows] {
			col := [2]int{}
			for _, i := range members {
				g := int(mask[i])
				if g < 0 || col[g] >= per {
					continue
				}
				x0 := col[g]*(w+1) + g*(per*(w+1)+gap)
				ex := d.Train.AppendFloat32s(nil, i, i+1)
				for y := 0; y < h; y++ {
					for x := 0; x < w; x++ {
						p := ex[((y/zoom)*w0+x/zoom)*ch:]
						r := uint8(math.Round(float64(p[0]) * 255))
						gg, b := r, r
						if ch >= 3 {
							gg, b = uint8(math.Round(float64(p[1])*255)), uint8(math.Round(float64(p[2])*255))
						}
						img.Set(x0+x, k*(h+1)+y, color.RGBA{r, gg, b, 255})
					}
				}
				col[g]++
			}
		}
		pf := e.Dir.Plot("examples_" + method)
		rel := pf.Rel()
		if err := pf.Write(func(wr io.Writer) error { return png.Encode(wr, img) }); err != nil {
			return nil, err
		}
		arts = append(arts, rel)
		fmt.Fprintf(md, "![examples %s](%s)\n\n", method, rel)
	}
	return arts, nil
}

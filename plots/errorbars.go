package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Bar is one bar of ErrorBars: a label, a mean and its error (a standard
// deviation; NaN draws no error bar).
type Bar struct {
	Label     string
	Mean, Err float64
}

// ErrorBars draws one bar per entry with its error bar (the paper's Figs.
// 4-5 style: test error per method, mean and std over seeds); path must end
// in .png. The figure widens with the number of bars.
func ErrorBars(path, title, ylabel string, bars []Bar) error {
	if err := checkPath(path); err != nil {
		return err
	}
	if len(bars) == 0 {
		return fmt.Errorf("plot %s: no bars", path)
	}
	vals := make(plotter.Values, len(bars))
	var errs plotter.YErrors
	var xys plotter.XYs
	labels := make([]string, len(bars))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, b := range bars {
		if math.IsNaN(b.Mean) || math.IsInf(b.Mean, 0) {
			return fmt.Errorf("plot %s: bar %q: mean %v is not finite", path, b.Label, b.Mean)
		}
		vals[i], labels[i] = b.Mean, b.Label
		e := b.Err
		if math.IsNaN(e) || math.IsInf(e, 0) {
			e = 0
		}
		errs = append(errs, struct{ Low, High float64 }{e, e})
		xys = append(xys, plotter.XY{X: float64(i), Y: b.Mean})
		lo, hi = math.Min(lo, b.Mean-e), math.Max(hi, b.Mean+e)
	}
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	w := vg.Points(18)
	bc, err := plotter.NewBarChart(vals, w)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	bc.LineStyle.Width = vg.Length(0)
	bc.Color = plotutil.Color(0)
	eb, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{xys, errs})
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	p.Add(bc, eb)
	p.NominalX(labels...)
	p.X.Tick.Label.Rotation = math.Pi / 6
	// Each slanted label ends at its tick, so the plot's layout reserves its
	// whole height (other alignments let the long ones run off the bottom).
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	// Zoom on the bars' tops: differences of a few tenths of a point are
	// what the figure is for.
	pad := 0.15*(hi-lo) + 1e-9
	p.Y.Min, p.Y.Max = math.Max(0, lo-pad), hi+pad
	p.X.Min, p.X.Max = -0.7, float64(len(bars))-0.3 // room for the slanted labels
	width := max(Width, vg.Length(len(bars))*vg.Points(42)+vg.Inch)
	return saveSized(p, path, width, Height)
}

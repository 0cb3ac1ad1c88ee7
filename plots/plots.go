// Package plots holds thin helpers over gonum.org/v1/plot that render report
// figures as PNG files of 6x4 inches at 100 dpi (600x400 pixels). A figure is
// rendered to memory first and then written with atomicfile.WriteFile, so a
// reader never sees a partial file and a failed call leaves the target as it
// was.
package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/useful-pipeline/useful-pipeline/internal/atomicfile"
)

// Figure size and resolution.
const (
	Width  = 6 * vg.Inch
	Height = 4 * vg.Inch
	DPI    = 100
)

// Series is one line of a line plot.
type Series struct {
	// Name is the legend entry; an empty name adds no entry.
	Name string
	// X and Y are the coordinates; they must have equal, non-zero length and
	// finite values.
	X, Y []float64
	// Dashed draws the line dashed instead of solid.
	Dashed bool
	// Color is the line colour; nil means the plotutil palette colour of
	// the series' index.
	Color color.Color
}

// Points is one group of a scatter plot.
type Points struct {
	// Name is the legend entry; an empty name adds no entry.
	Name string
	// X and Y are the coordinates; they must have equal, non-zero length and
	// finite values.
	X, Y []float64
}

// Lines draws series as lines with a legend; path must end in .png.
func Lines(path, title, xlabel, ylabel string, series []Series) error {
	return lines(path, title, xlabel, ylabel, series, nil)
}

// LinesWithMarker is Lines with a vertical grey dashed line at x = markerX
// spanning the whole plot height (e.g. the chosen separating epoch). A
// non-empty markerLabel adds a legend entry for the marker. The x axis is
// widened to include markerX if necessary.
func LinesWithMarker(path, title, xlabel, ylabel string, series []Series, markerX float64, markerLabel string) error {
	if math.IsNaN(markerX) || math.IsInf(markerX, 0) {
		return fmt.Errorf("plot %s: marker x is %v, want a finite value", path, markerX)
	}
	return lines(path, title, xlabel, ylabel, series, &vLine{x: markerX, label: markerLabel})
}

func lines(path, title, xlabel, ylabel string, series []Series, marker *vLine) error {
	if err := checkPath(path); err != nil {
		return err
	}
	if len(series) == 0 {
		return fmt.Errorf("plot %s: no series", path)
	}
	p := newPlot(title, xlabel, ylabel)
	var occupied []plotter.XY // sampled drawn geometry, for legend placement
	var names []string
	for i, s := range series {
		xys, err := toXYs(s.Name, i, s.X, s.Y)
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("plot %s: series %q: %w", path, s.Name, err)
		}
		l.LineStyle.Width = vg.Points(1.5)
		l.LineStyle.Color = plotutil.Color(i)
		if s.Color != nil {
			l.LineStyle.Color = s.Color
		}
		if s.Dashed {
			l.LineStyle.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		p.Add(l)
		if s.Name != "" {
			p.Legend.Add(s.Name, l)
			names = append(names, s.Name)
		}
		occupied = append(occupied, sampleLine(xys)...)
	}
	if marker != nil {
		p.X.Min = math.Min(p.X.Min, marker.x)
		p.X.Max = math.Max(p.X.Max, marker.x)
		marker.style = draw.LineStyle{
			Color:  color.Gray{Y: 90},
			Width:  vg.Points(1.2),
			Dashes: []vg.Length{vg.Points(2), vg.Points(2)},
		}
		p.Add(marker)
		if marker.label != "" {
			p.Legend.Add(marker.label, marker)
			names = append(names, marker.label)
		}
		occupied = append(occupied, sampleLine(plotter.XYs{{X: marker.x, Y: p.Y.Min}, {X: marker.x, Y: p.Y.Max}})...)
	}
	placeLegend(p, occupied, names)
	return save(p, path)
}

// Scatter draws groups of points in distinct colours with a legend (used for
// 2-D PCA of logits coloured by cluster). Groups beyond the palette size reuse
// colours with a different glyph shape.
func Scatter(path, title, xlabel, ylabel string, groups []Points) error {
	if err := checkPath(path); err != nil {
		return err
	}
	if len(groups) == 0 {
		return fmt.Errorf("plot %s: no point groups", path)
	}
	p := newPlot(title, xlabel, ylabel)
	nc := len(plotutil.DefaultColors)
	var occupied []plotter.XY
	var names []string
	for i, g := range groups {
		xys, err := toXYs(g.Name, i, g.X, g.Y)
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return fmt.Errorf("plot %s: group %q: %w", path, g.Name, err)
		}
		s.GlyphStyle.Color = plotutil.Color(i)
		s.GlyphStyle.Radius = vg.Points(2)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		if i >= nc {
			s.GlyphStyle.Shape = plotutil.Shape(i / nc)
		}
		p.Add(s)
		if g.Name != "" {
			p.Legend.Add(g.Name, s)
			names = append(names, g.Name)
		}
		occupied = append(occupied, xys...)
	}
	placeLegend(p, occupied, names)
	return save(p, path)
}

func checkPath(path string) error {
	if !strings.EqualFold(filepath.Ext(path), ".png") {
		return fmt.Errorf("plot %s: path must end in .png", path)
	}
	return nil
}

func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	return p
}

// sampleLine returns points along the polyline xys, so that segments passing
// through a legend corner count as occupying it.
func sampleLine(xys plotter.XYs) []plotter.XY {
	const steps = 16
	out := []plotter.XY{xys[0]}
	for i := 1; i < len(xys); i++ {
		a, b := xys[i-1], xys[i]
		for k := 1; k <= steps; k++ {
			f := float64(k) / steps
			out = append(out, plotter.XY{X: a.X + f*(b.X-a.X), Y: a.Y + f*(b.Y-a.Y)})
		}
	}
	return out
}

// placeLegend puts the legend in the corner of the data area that holds the
// fewest of the drawn points (ties prefer top right, top left, bottom right,
// bottom left), inset slightly from the edges. gonum/plot draws legends
// without a background, so this keeps them off the data where possible.
func placeLegend(p *plot.Plot, occupied []plotter.XY, names []string) {
	if len(names) == 0 {
		return
	}
	// Approximate legend extent as a fraction of the data area.
	var textW vg.Length
	for _, n := range names {
		textW = max(textW, p.Legend.TextStyle.Rectangle(" "+n).Max.X)
	}
	dataW, dataH := Width-vg.Inch, Height-vg.Inch
	fw := math.Min(1, float64((textW+p.Legend.ThumbnailWidth+vg.Points(8))/dataW))
	fh := math.Min(1, float64(vg.Length(len(names))*p.Legend.TextStyle.Font.Size*1.3/dataH)+0.03)
	xr, yr := p.X.Max-p.X.Min, p.Y.Max-p.Y.Min
	if !(xr > 0) {
		xr = 1
	}
	if !(yr > 0) {
		yr = 1
	}
	corners := []struct{ top, left bool }{{true, false}, {true, true}, {false, false}, {false, true}}
	best, bestCount := 0, -1
	for ci, c := range corners {
		n := 0
		for _, q := range occupied {
			u, v := (q.X-p.X.Min)/xr, (q.Y-p.Y.Min)/yr
			inX := (c.left && u <= fw) || (!c.left && u >= 1-fw)
			inY := (c.top && v >= 1-fh) || (!c.top && v <= fh)
			if inX && inY {
				n++
			}
		}
		if bestCount < 0 || n < bestCount {
			best, bestCount = ci, n
		}
	}
	c := corners[best]
	p.Legend.Top, p.Legend.Left = c.top, c.left
	inset := vg.Points(6)
	p.Legend.XOffs, p.Legend.YOffs = -inset, -inset
	if c.left {
		p.Legend.XOffs = inset
	}
	if !c.top {
		p.Legend.YOffs = inset
	}
}

// toXYs checks one series or group (named by name, or by index if unnamed)
// and converts it.
func toXYs(name string, i int, x, y []float64) (plotter.XYs, error) {
	id := fmt.Sprintf("series %q", name)
	if name == "" {
		id = fmt.Sprintf("series #%d", i)
	}
	if len(x) != len(y) {
		return nil, fmt.Errorf("%s: %d x values but %d y values", id, len(x), len(y))
	}
	if len(x) == 0 {
		return nil, fmt.Errorf("%s: no points", id)
	}
	xys := make(plotter.XYs, len(x))
	for j := range x {
		if math.IsNaN(x[j]) || math.IsInf(x[j], 0) || math.IsNaN(y[j]) || math.IsInf(y[j], 0) {
			return nil, fmt.Errorf("%s: point %d is (%v, %v), want finite values", id, j, x[j], y[j])
		}
		xys[j] = plotter.XY{X: x[j], Y: y[j]}
	}
	return xys, nil
}

// save renders p to PNG in memory and writes it atomically to path.
func save(p *plot.Plot, path string) error { return saveSized(p, path, Width, Height) }

// saveSized renders p at w x h and writes it atomically.
func saveSized(p *plot.Plot, path string, w, h vg.Length) error {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return fmt.Errorf("plot %s: encode png: %w", path, err)
	}
	// atomicfile's errors already name the path.
	return atomicfile.WriteFile(path, buf.Bytes())
}

// vLine is a vertical line at data coordinate x spanning the plot area.
type vLine struct {
	x     float64
	label string
	style draw.LineStyle
}

// Plot implements plot.Plotter.
func (v *vLine) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(v.x)
	c.StrokeLine2(v.style, x, c.Min.Y, x, c.Max.Y)
}

// Thumbnail implements plot.Thumbnailer for the legend.
func (v *vLine) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(v.style, c.Min.X, y, c.Max.X, y)
}

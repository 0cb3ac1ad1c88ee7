// Package aggregate turns the cells of a sweep into the paper's kind of
// table: per row (a run of the pipeline, e.g. sgd+useful, and the values of
// the axes other than seed and method) the test error's mean and sample
// standard deviation over seeds with every seed's value, the upsampled
// share, the training time relative to the SGD baseline of the same seed
// (with and without the probe) and lambda_max where measured; and one PNG
// of test error with error bars per row (Figs. 4-5). Missing or failed
// cells are listed by ID with the reason, never averaged over.
package aggregate

import (
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/pipeline"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/sweep"
)

// Summary is summary.json.
type Summary struct {
	Root  string `json:"root"`
	Plan  string `json:"plan_hash"`
	Cells int    `json:"cells"`
	// Complete is true when every cell has its metrics.
	Complete bool      `json:"complete"`
	Missing  []Missing `json:"missing"`
	// GroupAxes are the axes that separate rows (all but seed and method).
	GroupAxes []string `json:"group_axes"`
	Rows      []Row    `json:"rows"`
}

// Missing is a cell without metrics and why.
type Missing struct {
	Cell   string `json:"cell"`
	Reason string `json:"reason"`
}

// Row is one line of the table.
type Row struct {
	Run string `json:"run"`
	// Group holds the row's values of the group axes, in axis order.
	Group []string `json:"group"`
	Seeds []uint64 `json:"seeds"`
	// Cells holds the ID of the cell each seed's value comes from.
	Cells []string `json:"cells"`
	// TestErrorPct holds one value per seed, in Seeds order.
	TestErrorPct []float64 `json:"test_error_pct"`
	Mean         float64   `json:"test_error_pct_mean"`
	// Std is the sample standard deviation (n-1); nil with one seed.
	Std *float64 `json:"test_error_pct_std"`
	// UpsampledPct is the mean upsampled share in percent (USEFUL and
	// baseline selections only).
	UpsampledPct *float64 `json:"upsampled_pct,omitempty"`
	// TimeVsSGD and TimeWithProbeVsSGD are means over seeds of the run's
	// train-step time (without, then with its probe) over the SGD baseline
	// of the same seed and group; nil when the sweep has no such baseline.
	TimeVsSGD          *float64 `json:"time_vs_sgd,omitempty"`
	TimeWithProbeVsSGD *float64 `json:"time_with_probe_vs_sgd,omitempty"`
	// LambdaMax is the mean lambda_max over the seeds that measured it.
	LambdaMax *float64 `json:"lambda_max,omitempty"`
}

// cellMetrics is a cell's metrics with its group key.
type cellMetrics struct {
	cell  sweep.Cell
	group []string
	m     rundir.Metrics
}

// groupAxes returns the plan's axes that separate rows: all but the seed
// and the method (the method is part of a run's ID).
func groupAxes(p *sweep.Plan) []string {
	var out []string
	for _, a := range p.Axes {
		f, _ := options.Lookup(a)
		if f.Name != "seed" && f.Name != "method" {
			out = append(out, a)
		}
	}
	return out
}

func cellGroup(c sweep.Cell, axes []string) []string {
	out := make([]string, len(axes))
	for i, a := range axes {
		for _, kv := range c.Axes {
			if kv.Name == a {
				out[i] = kv.Value
			}
		}
	}
	return out
}

// Aggregate reads root's plan and every cell's metrics.json.
func Aggregate(root string) (*Summary, error) {
	p, err := sweep.ReadPlan(root)
	if err != nil {
		return nil, err
	}
	s := &Summary{Root: root, Plan: p.Hash, Cells: len(p.Cells), GroupAxes: groupAxes(p)}
	var cells []cellMetrics
	for _, c := range p.Cells {
		dir := rundir.New(sweep.CellDir(root, c.ID))
		m, err := dir.Metrics().Read()
		if err != nil {
			s.Missing = append(s.Missing, Missing{c.ID, reason(dir, err)})
			continue
		}
		cells = append(cells, cellMetrics{c, cellGroup(c, s.GroupAxes), m})
	}
	s.Complete = len(s.Missing) == 0
	s.Rows = rows(cells)
	return s, nil
}

// reason says why a cell has no metrics: how far its stages got.
func reason(dir *rundir.Dir, err error) string {
	if _, serr := os.Stat(dir.Root); serr != nil {
		return "not started (no run directory " + dir.Root + ")"
	}
	last := ""
	for _, name := range pipeline.Names() {
		if dir.Record(name).Exists() {
			last = name
		}
	}
	if last == "" {
		return "no stage completed in " + dir.Root + " (failed or still running; see its log)"
	}
	return fmt.Sprintf("stopped after stage %s in %s (failed, killed or still running): %v", last, dir.Root, err)
}

// rows groups the runs of the cells by (run ID, group) in first-seen
// order, and computes each row's figures.
func rows(cells []cellMetrics) []Row {
	type key struct{ run, group string }
	type acc struct {
		row                    Row
		up, rel, relProbe, lam []float64
	}
	var order []key
	accs := map[key]*acc{}
	// The SGD baseline's train seconds per (group, seed).
	sgd := map[string]float64{}
	for _, c := range cells {
		for _, r := range c.m.Runs {
			if r.ID == "sgd" {
				sgd[strings.Join(c.group, "\x00")+fmt.Sprint("\x00", r.Seed)] = r.TrainSeconds
			}
		}
	}
	for _, c := range cells {
		g := strings.Join(c.group, "\x00")
		for _, r := range c.m.Runs {
			k := key{r.ID, g}
			a := accs[k]
			if a == nil {
				a = &acc{row: Row{Run: r.ID, Group: c.group}}
				accs[k] = a
				order = append(order, k)
			}
			a.row.Seeds = append(a.row.Seeds, r.Seed)
			a.row.Cells = append(a.row.Cells, c.cell.ID)
			a.row.TestErrorPct = append(a.row.TestErrorPct, r.TestErrorPct)
			if r.UpsampledFraction != nil {
				a.up = append(a.up, 100**r.UpsampledFraction)
			}
			if base := sgd[g+fmt.Sprint("\x00", r.Seed)]; base > 0 {
				probe := 0.0
				if r.ProbeSeconds != nil {
					probe = *r.ProbeSeconds
				}
				a.rel = append(a.rel, r.TrainSeconds/base)
				a.relProbe = append(a.relProbe, (r.TrainSeconds+probe)/base)
			}
			if sh := r.Sharpness; sh != nil && sh.Skipped == "" {
				a.lam = append(a.lam, sh.LambdaMax)
			}
		}
	}
	var out []Row
	for _, k := range order {
		a := accs[k]
		r := a.row
		sortBySeed(&r)
		r.Mean = stat.Mean(r.TestErrorPct, nil)
		if len(r.TestErrorPct) > 1 {
			sd := stat.StdDev(r.TestErrorPct, nil)
			r.Std = &sd
		}
		r.UpsampledPct = meanOf(a.up)
		if len(a.rel) == len(r.Seeds) {
			r.TimeVsSGD, r.TimeWithProbeVsSGD = meanOf(a.rel), meanOf(a.relProbe)
		}
		r.LambdaMax = meanOf(a.lam)
		out = append(out, r)
	}
	return out
}

func sortBySeed(r *Row) {
	idx := make([]int, len(r.Seeds))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return r.Seeds[idx[a]] < r.Seeds[idx[b]] })
	seeds, cells, errs := slices.Clone(r.Seeds), slices.Clone(r.Cells), slices.Clone(r.TestErrorPct)
	for i, j := range idx {
		r.Seeds[i], r.Cells[i], r.TestErrorPct[i] = seeds[j], cells[j], errs[j]
	}
}

func meanOf(x []float64) *float64 {
	if len(x) == 0 {
		return nil
	}
	m := stat.Mean(x, nil)
	if math.IsNaN(m) {
		return nil
	}
	return &m
}

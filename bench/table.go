package bench

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// Table reads metrics.json from every run directory and writes a markdown
// table per run ID: test error (mean and sample std over the directories'
// seeds, every seed listed), upsampled share, and wall time relative to the
// SGD baseline of the same seed (train steps only, and with the probe).
// order lists the run IDs in table order.
func Table(dirs []string, order []string, out io.Writer) error {
	type acc struct {
		errs, up, rel, relProbe []float64
		seeds                   []uint64
		sep                     int
	}
	rows := map[string]*acc{}
	sgdTime := map[uint64]float64{}
	var all []rundir.Metrics
	for _, d := range dirs {
		m, err := rundir.New(d).Metrics().Read()
		if err != nil {
			return err
		}
		all = append(all, m)
		for _, r := range m.Runs {
			if r.ID == "sgd" {
				sgdTime[m.Seed] = r.TrainSeconds
			}
		}
	}
	for _, m := range all {
		base := sgdTime[m.Seed]
		if base == 0 {
			return fmt.Errorf("seed %d: no sgd baseline among the run directories", m.Seed)
		}
		for _, r := range m.Runs {
			a := rows[r.ID]
			if a == nil {
				a = &acc{}
				rows[r.ID] = a
			}
			a.errs = append(a.errs, r.TestErrorPct)
			a.seeds = append(a.seeds, m.Seed)
			a.rel = append(a.rel, r.TrainSeconds/base)
			probe := 0.0
			if r.ProbeSeconds != nil {
				probe = *r.ProbeSeconds
			}
			a.relProbe = append(a.relProbe, (r.TrainSeconds+probe)/base)
			if r.UpsampledFraction != nil {
				a.up = append(a.up, 100**r.UpsampledFraction)
			}
			if r.SeparateEpoch != nil {
				a.sep = *r.SeparateEpoch
			}
		}
	}
	ids := append([]string{}, order...)
	var rest []string
	for id := range rows {
		if !contains(ids, id) {
			rest = append(rest, id)
		}
	}
	sort.Strings(rest)
	ids = append(ids, rest...)
	fmt.Fprintln(out, "| run | test error % (mean ± std) | per seed | upsampled % | t | time / SGD (train) | time / SGD (with probe) |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|")
	for _, id := range ids {
		a := rows[id]
		if a == nil {
			continue
		}
		m, s := meanStd(a.errs)
		var per []string
		for i, e := range a.errs {
			per = append(per, fmt.Sprintf("s%d: %.2f", a.seeds[i], e))
		}
		up, t := "-", "-"
		if len(a.up) > 0 {
			um, us := meanStd(a.up)
			up = fmt.Sprintf("%.1f ± %.1f", um, us)
			t = fmt.Sprint(a.sep)
		}
		rm, _ := meanStd(a.rel)
		pm, _ := meanStd(a.relProbe)
		fmt.Fprintf(out, "| %s | %.2f ± %.2f | %s | %s | %s | %.2fx | %.2fx |\n", id, m, s, strings.Join(per, ", "), up, t, rm, pm)
	}
	return nil
}

// meanStd returns the mean and the sample standard deviation (n-1) of x;
// one value has std 0.
func meanStd(x []float64) (float64, float64) {
	if len(x) < 2 {
		return stat.Mean(x, nil), 0
	}
	return stat.MeanStdDev(x, nil)
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

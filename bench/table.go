package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type runMetrics struct {
	ID                string   `json:"id"`
	TestErrorPct      float64  `json:"test_error_pct"`
	TrainSeconds      float64  `json:"train_seconds"`
	UpsampledFraction *float64 `json:"upsampled_fraction"`
	SeparateEpoch     *int     `json:"separate_epoch"`
	ProbeSeconds      *float64 `json:"probe_seconds"`
}

type metricsFile struct {
	Seed uint64       `json:"seed"`
	Runs []runMetrics `json:"runs"`
}

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
	var all []metricsFile
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "metrics.json"))
		if err != nil {
			return err
		}
		var m metricsFile
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(d, "metrics.json"), err)
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

func meanStd(x []float64) (float64, float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	m := 0.0
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	if len(x) < 2 {
		return m, 0
	}
	s := 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return m, math.Sqrt(s / float64(len(x)-1))
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

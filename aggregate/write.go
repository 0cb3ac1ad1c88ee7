package aggregate

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/useful-pipeline/useful-pipeline/internal/atomicfile"
	"github.com/useful-pipeline/useful-pipeline/plots"
)

// The files Write makes under the sweep root.
const (
	FileMarkdown = "summary.md"
	FileCSV      = "summary.csv"
	FileJSON     = "summary.json"
	FilePlot     = "summary.png"
)

// Write writes summary.md, summary.csv, summary.json and summary.png under
// s.Root, each atomically.
func (s *Summary) Write() error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{FileJSON, append(b, '\n')}, {FileMarkdown, []byte(s.Markdown())}, {FileCSV, s.csv()}} {
		if err := atomicfile.WriteFile(filepath.Join(s.Root, f.name), f.data); err != nil {
			return err
		}
	}
	if len(s.Rows) == 0 {
		return nil
	}
	var bars []plots.Bar
	for _, r := range s.Rows {
		e := 0.0
		if r.Std != nil {
			e = *r.Std
		}
		bars = append(bars, plots.Bar{Label: s.label(r), Mean: r.Mean, Err: e})
	}
	return plots.ErrorBars(filepath.Join(s.Root, FilePlot), "Test error (mean ± std over seeds)", "test error (%)", bars)
}

// label names a row: its run and, when there are group axes, their values.
func (s *Summary) label(r Row) string {
	if len(s.GroupAxes) == 0 {
		return r.Run
	}
	var parts []string
	for i, a := range s.GroupAxes {
		parts = append(parts, a+"="+r.Group[i])
	}
	return r.Run + " (" + strings.Join(parts, ", ") + ")"
}

func opt(p *float64, format string) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf(format, *p)
}

// Markdown renders the table, the missing cells and how to read it.
func (s *Summary) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Sweep summary: %s\n\n%d cells (plan %.12s); ", s.Root, s.Cells, s.Plan)
	if s.Complete {
		b.WriteString("all have their metrics.\n\n")
	} else {
		fmt.Fprintf(&b, "**%d without metrics: the table is incomplete** (listed below; nothing is averaged over them).\n\n", len(s.Missing))
	}
	head := []string{"run"}
	head = append(head, s.GroupAxes...)
	head = append(head, "test error % (mean ± std)", "per seed", "upsampled %", "time / SGD (train)", "time / SGD (with probe)", "lambda_max")
	b.WriteString("| " + strings.Join(head, " | ") + " |\n|" + strings.Repeat("---|", len(head)) + "\n")
	for _, r := range s.Rows {
		cols := []string{r.Run}
		cols = append(cols, r.Group...)
		var per []string
		for i, v := range r.TestErrorPct {
			per = append(per, fmt.Sprintf("s%d: %.2f", r.Seeds[i], v))
		}
		cols = append(cols, fmt.Sprintf("%.2f ± %s", r.Mean, opt(r.Std, "%.2f")), strings.Join(per, ", "),
			opt(r.UpsampledPct, "%.1f"), opt(r.TimeVsSGD, "%.2fx"), opt(r.TimeWithProbeVsSGD, "%.2fx"), opt(r.LambdaMax, "%.4g"))
		b.WriteString("| " + strings.Join(cols, " | ") + " |\n")
	}
	b.WriteString("\nStd is the sample standard deviation over seeds (n-1; `-` with one seed). Times are train-step wall time relative to the `sgd` run of the same seed and group; `with probe` adds the probe's t epochs.\n")
	if len(s.Missing) > 0 {
		b.WriteString("\n## Cells without metrics\n\n| cell | reason |\n|---|---|\n")
		for _, m := range s.Missing {
			fmt.Fprintf(&b, "| %s | %s |\n", m.Cell, m.Reason)
		}
	}
	b.WriteString("\n![test error](" + FilePlot + ")\n")
	return b.String()
}

func (s *Summary) csv() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	head := []string{"run"}
	head = append(head, s.GroupAxes...)
	head = append(head, "n_seeds", "seeds", "test_error_pct", "test_error_pct_mean", "test_error_pct_std", "upsampled_pct", "time_vs_sgd", "time_with_probe_vs_sgd", "lambda_max")
	w.Write(head)
	num := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'g', -1, 64)
	}
	for _, r := range s.Rows {
		seeds, errs := make([]string, len(r.Seeds)), make([]string, len(r.Seeds))
		for i := range r.Seeds {
			seeds[i] = strconv.FormatUint(r.Seeds[i], 10)
			errs[i] = strconv.FormatFloat(r.TestErrorPct[i], 'g', -1, 64)
		}
		rec := []string{r.Run}
		rec = append(rec, r.Group...)
		rec = append(rec, strconv.Itoa(len(r.Seeds)), strings.Join(seeds, ";"), strings.Join(errs, ";"), strconv.FormatFloat(r.Mean, 'g', -1, 64),
			num(r.Std), num(r.UpsampledPct), num(r.TimeVsSGD), num(r.TimeWithProbeVsSGD), num(r.LambdaMax))
		w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

package sweep

import (
	"fmt"
	"strings"

	"github.com/useful-pipeline/useful-pipeline/pipeline"
	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// Run runs the given cells of p one after another into their run
// directories with resume semantics: a cell whose stages all completed
// with its options and verify is skipped, a half-done one resumes from its
// records and checkpoints. After each cell it prints one line of
// name=value metrics (the form Kubeflow Katib's stdout collector reads).
// The first failing cell stops it.
func Run(p *Plan, cells []int, io pipeline.IO) error {
	out := io.Out
	for _, i := range cells {
		o := p.Options(i)
		o.Resume, o.Quiet = true, true
		c := p.Cells[i]
		if pipeline.Done(&o) {
			fmt.Fprintf(out, "sweep: cell %d (%s) already complete, skipped\n", i, c.ID)
		} else {
			fmt.Fprintf(out, "sweep: cell %d of %d (%s) in %s\n", i, len(p.Cells), c.ID, o.RunDir)
			if err := pipeline.Run(o, io); err != nil {
				return fmt.Errorf("cell %d (%s): %w", i, c.ID, err)
			}
		}
		m, err := rundir.New(o.RunDir).Metrics().Read()
		if err != nil {
			return fmt.Errorf("cell %d (%s): %w", i, c.ID, err)
		}
		fmt.Fprintln(out, KatibLine(c.ID, m))
	}
	return nil
}

// KatibLine formats a cell's metrics as name=value pairs: cell=<id>, then
// test_error_pct of the cell's main run (the first USEFUL run, else the
// first run), then <run>_test_error_pct (and <run>_lambda_max where
// measured) for every run, with the run ID's characters outside
// [A-Za-z0-9_-] replaced by "-" so each name matches Katib's default
// filter ([\w|-]+)=value.
func KatibLine(id string, m rundir.Metrics) string {
	parts := []string{"cell=" + id}
	main := -1
	for i, r := range m.Runs {
		if r.Useful && main < 0 {
			main = i
		}
	}
	if main < 0 && len(m.Runs) > 0 {
		main = 0
	}
	if main >= 0 {
		parts = append(parts, fmt.Sprintf("test_error_pct=%.4g", m.Runs[main].TestErrorPct))
	}
	for _, r := range m.Runs {
		name := metricName(r.ID)
		parts = append(parts, fmt.Sprintf("%s_test_error_pct=%.4g", name, r.TestErrorPct))
		if s := r.Sharpness; s != nil && s.Skipped == "" {
			parts = append(parts, fmt.Sprintf("%s_lambda_max=%.6g", name, s.LambdaMax))
		}
	}
	return strings.Join(parts, " ")
}

func metricName(id string) string {
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	return b.String()
}

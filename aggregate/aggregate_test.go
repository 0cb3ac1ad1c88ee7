package aggregate

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/sweep"
)

func f64(v float64) *float64 { return &v }

// fixture writes a plan of 2 seeds x 2 methods x 2 upsampling factors (8
// cells) and the metrics of all cells but one.
func fixture(t *testing.T) (string, *sweep.Plan) {
	t.Helper()
	root := t.TempDir()
	file := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(file, []byte("base: {toy_n: 100, epochs: 20, separate_epoch: 5}\naxes: {seed: [0, 1], method: [sgd, sam], upsample_factor: [2, 3]}\n"), 0o644)
	f, err := sweep.Read(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sweep.Expand(f, root)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Write(root); err != nil {
		t.Fatal(err)
	}
	for i, c := range p.Cells {
		o := p.Options(i)
		if c.ID == "seed-1_method-sam_upsample-factor-3" {
			continue // never ran
		}
		m := o.Methods[0]
		s, k := float64(o.Seed()), float64(o.UpsampleFactor)
		// Test error: sgd 10+s, sgd+useful 9+s-(k-2)/2; sam 8+2s, sam+useful 7+2s.
		// Train seconds: sgd 100(1+s), sam 200(1+s); +useful x1.5 with a
		// probe of 10(1+s). lambda_max only on the sam baseline.
		base, useful := 10+s, 9+s-(k-2)/2
		secs := 100 * (1 + s)
		var sharp *rundir.Sharpness
		if m == "sam" {
			base, useful, secs = 8+2*s, 7+2*s, 200*(1+s)
			sharp = &rundir.Sharpness{LambdaMax: 5 + s}
		}
		met := rundir.Metrics{Dataset: "toy", Model: "toy_cnn", Seeds: o.Seeds, Epochs: 20, Runs: []rundir.RunMetrics{
			{ID: m, Seed: o.Seed(), Method: m, TestErrorPct: base, TrainSeconds: secs, Sharpness: sharp},
			{ID: m + "+useful", Seed: o.Seed(), Method: m, Useful: true, TestErrorPct: useful, TrainSeconds: 1.5 * secs, UpsampledFraction: f64(0.25 + s/10), ProbeSeconds: f64(10 * (1 + s))},
		}}
		d, err := rundir.Open(o.RunDir)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Metrics().Write(met); err != nil {
			t.Fatal(err)
		}
	}
	return root, p
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestAggregateTableByHand(t *testing.T) {
	root, _ := fixture(t)
	s, err := Aggregate(root)
	if err != nil {
		t.Fatal(err)
	}
	if s.Complete || len(s.Missing) != 1 || s.Missing[0].Cell != "seed-1_method-sam_upsample-factor-3" || !strings.Contains(s.Missing[0].Reason, "not started") {
		t.Fatalf("missing = %+v", s.Missing)
	}
	if strings.Join(s.GroupAxes, ",") != "upsample_factor" {
		t.Fatalf("group axes %v", s.GroupAxes)
	}
	rows := map[string]Row{}
	for _, r := range s.Rows {
		rows[r.Run+"@"+strings.Join(r.Group, ",")] = r
	}
	if len(rows) != 8 {
		t.Fatalf("%d rows: %+v", len(rows), s.Rows)
	}
	// sgd+useful at factor 3: seeds 0, 1 -> 8.5, 9.5: mean 9, sample std
	// sqrt(((-0.5)^2 + 0.5^2)/1) = 0.70710678.
	r := rows["sgd+useful@3"]
	if !near(r.Mean, 9) || r.Std == nil || !near(*r.Std, math.Sqrt(0.5)) || len(r.Seeds) != 2 || r.Seeds[1] != 1 || r.TestErrorPct[1] != 9.5 || r.Cells[0] != "seed-0_method-sgd_upsample-factor-3" {
		t.Fatalf("sgd+useful@3 = %+v", r)
	}
	// Upsampled 25% and 35%: mean 30. Time / SGD of the same seed and
	// factor: 1.5 for both seeds; with probe (150+10)/100 = 1.6 and
	// (300+20)/200 = 1.6.
	if !near(*r.UpsampledPct, 30) || !near(*r.TimeVsSGD, 1.5) || !near(*r.TimeWithProbeVsSGD, 1.6) || r.LambdaMax != nil {
		t.Fatalf("sgd+useful@3 shares and times = %+v", r)
	}
	// sam at factor 3 has seed 0 only (seed 1's cell is missing): one
	// value, no std; its time is 200 / sgd's 100 = 2; lambda_max 5.
	r = rows["sam@3"]
	if len(r.Seeds) != 1 || r.Std != nil || !near(r.Mean, 8) || !near(*r.TimeVsSGD, 2) || !near(*r.LambdaMax, 5) {
		t.Fatalf("sam@3 = %+v", r)
	}
	// sam at factor 2: seeds 0, 1: lambda_max mean 5.5; time 200/100 and
	// 400/200: 2.
	r = rows["sam@2"]
	if !near(*r.LambdaMax, 5.5) || !near(*r.TimeVsSGD, 2) || !near(r.Mean, 9) {
		t.Fatalf("sam@2 = %+v", r)
	}
}

func TestWriteFilesAndMarkdown(t *testing.T) {
	root, _ := fixture(t)
	s, err := Aggregate(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{FileMarkdown, FileCSV, FileJSON, FilePlot} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Fatal(err)
		}
	}
	png, _ := os.ReadFile(filepath.Join(root, FilePlot))
	if string(png[:4]) != "\x89PNG" {
		t.Fatal("summary.png is not a PNG")
	}
	md, _ := os.ReadFile(filepath.Join(root, FileMarkdown))
	for _, want := range []string{"the table is incomplete", "| sgd+useful | 3 | 9.00 ± 0.71 | s0: 8.50, s1: 9.50 | 30.0 | 1.50x | 1.60x | - |", "| seed-1_method-sam_upsample-factor-3 | not started", "| sam | 3 | 8.00 ± - | s0: 8.00 |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
	var back Summary
	b, _ := os.ReadFile(filepath.Join(root, FileJSON))
	if err := json.Unmarshal(b, &back); err != nil || len(back.Rows) != 8 || back.Complete {
		t.Fatalf("summary.json: %v %+v", err, back)
	}
	csv, _ := os.ReadFile(filepath.Join(root, FileCSV))
	if !strings.Contains(string(csv), "sgd+useful,3,2,0;1,8.5;9.5,9,0.7071067811865476,30,1.5,1.6,") {
		t.Errorf("summary.csv:\n%s", csv)
	}
}

func TestAggregateWithoutPlan(t *testing.T) {
	root := t.TempDir()
	if _, err := Aggregate(root); err == nil || !strings.Contains(err.Error(), "sweep.json") {
		t.Fatalf("no plan: %v", err)
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/stages"
)

// TestSeedsRunAndReport: --seed 0,1 runs each seed in seed-<s>/ (each
// equal to a one-seed run of that seed), and the top metrics.json holds
// every seed's runs and their mean ± std; the report's comparisons with
// the paper carry the verdict that the numbers give.
func TestSeedsRunAndReport(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the toy model")
	}
	root := t.TempDir()
	dir := filepath.Join(root, "two")
	mustRun(t, tiny(t, dir, "--seed", "0,1", "--toy-compare-beta-d", "0.4", "--method", "sgd,sam", "--parallel", "1")...)
	one := filepath.Join(root, "one")
	mustRun(t, tiny(t, one, "--seed", "1", "--toy-compare-beta-d", "0.4", "--method", "sgd,sam")...)
	if a, b := metricsJSON(t, filepath.Join(dir, "seed-1")), metricsJSON(t, one); a != b {
		t.Fatalf("seed 1 of a two-seed run differs from a one-seed run:\n%s\n%s", a, b)
	}
	// --parallel 2: the seeds as two processes of this program, each
	// seed's results equal to the sequential run's (the same threads); every line of a seed's
	// process comes prefixed with its seed.
	par := filepath.Join(root, "par")
	out := mustRun(t, tiny(t, par, "--seed", "0,1", "--toy-compare-beta-d", "0.4", "--method", "sgd,sam", "--parallel", "2", "--threads", "2")...)
	for _, s := range []string{"0", "1"} {
		if a, b := metricsJSON(t, filepath.Join(dir, "seed-"+s)), metricsJSON(t, filepath.Join(par, "seed-"+s)); a != b {
			t.Fatalf("seed %s run in its own process differs from the sequential run:\n%s\n%s", s, a, b)
		}
		if !strings.Contains(out, "\nseed "+s+": ") {
			t.Fatalf("no line of seed %s's process in the output:\n%s", s, out)
		}
	}
	if !strings.Contains(out, "2 at a time, one process each with 2 TensorFlow thread(s)") {
		t.Fatalf("the output does not say how the seeds ran:\n%s", out)
	}
	for _, k := range []string{"runs", "toy_means"} { // the means hold wall times
		a, _ := json.Marshal(comparable(t, filepath.Join(dir, "metrics.json"))[k])
		b, _ := json.Marshal(comparable(t, filepath.Join(par, "metrics.json"))[k])
		if string(a) != string(b) || len(a) < 10 {
			t.Fatalf("%s of the combined metrics.json of the parallel run differ:\n%s\n%s", k, a, b)
		}
	}
	top := rundir.New(dir)
	m, err := top.Metrics().Read()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Seeds) != 2 || len(m.Runs) != 2*6 || len(m.Means) != 6 {
		t.Fatalf("metrics.json: seeds %v, %d runs, %d means", m.Seeds, len(m.Runs), len(m.Means))
	}
	acc := map[string]rundir.Stat{}
	for _, s := range m.Means {
		var vals []float64
		for _, r := range m.Runs {
			if r.ID == s.ID {
				vals = append(vals, r.TestAccuracyPct)
			}
		}
		if want := stages.StatOf(vals); s.TestAccuracyPct != want || want.N != 2 {
			t.Fatalf("mean of %s: %+v, want %+v", s.ID, s.TestAccuracyPct, want)
		}
		acc[s.ID] = s.TestAccuracyPct
	}
	md, _ := os.ReadFile(top.Report().Path())
	want := stages.Compare(acc["sgd"], acc["sam"], +1)
	line := ""
	for _, l := range strings.Split(string(md), "\n") {
		if strings.Contains(l, "SAM above GD at beta_d = 0.2") {
			line = l
		}
	}
	if line == "" || !strings.Contains(line, string(want)) {
		t.Fatalf("the report's SAM-vs-GD line %q does not say %q:\n%s", line, want, md)
	}
	// Resumed, nothing is redone; rerun without --resume is refused.
	out = mustRun(t, tiny(t, dir, "--seed", "0,1", "--toy-compare-beta-d", "0.4", "--method", "sgd,sam", "--resume")...)
	if strings.Count(out, "already complete") < 2*8 {
		t.Errorf("resume redid stages:\n%s", out)
	}
	if code, _, e := runCmd(tiny(t, dir, "--seed", "0,1", "--toy-compare-beta-d", "0.4", "--method", "sgd,sam")...); code != 2 || !strings.Contains(e, "--resume") {
		t.Errorf("rerun without --resume: exit %d, %q", code, e)
	}
}

// TestParallelSeedFails: when a seed's process fails (here: the probe
// diverges with lr 1000), the run fails with the program's message from
// that process, prefixed with the seed; no seed's probe is recorded
// complete.
func TestParallelSeedFails(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the program as processes")
	}
	dir := filepath.Join(t.TempDir(), "par")
	code, out, e := runCmd(tiny(t, dir, "--seed", "0,1", "--parallel", "2", "--threads", "1", "--lr", "1000", "--epochs", "50", "--separate-epoch", "4")...)
	if code != 1 || !regexp.MustCompile(`seed [01]: .*run probe/sgd.*after epoch 4`).MatchString(e) {
		t.Fatalf("exit %d, stderr %q\n%s", code, e, out)
	}
	for _, s := range []string{"0", "1"} {
		if _, err := os.Stat(filepath.Join(dir, "seed-"+s, "stages", "probe.json")); err == nil {
			t.Fatalf("seed %s: the diverged probe was recorded complete", s)
		}
	}
}

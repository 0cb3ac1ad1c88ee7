package stages

import (
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// TestCompareNeverClaimsWithinNoise: numbers within the seeds' spread are
// "within noise", whatever their sign; one seed is never judged; only a
// difference beyond twice the larger std agrees (or disagrees).
func TestCompareNeverClaimsWithinNoise(t *testing.T) {
	st := func(m, s float64, n int) rundir.Stat { return rundir.Stat{Mean: m, Std: s, N: n} }
	cases := []struct {
		a, b rundir.Stat
		sign int
		want Verdict
	}{
		// The old toy report: 94.92 vs 94.98, a 0.06 difference, "as the paper reports".
		{st(94.92, 0.05, 3), st(94.98, 0.04, 3), +1, WithinNoise},
		{st(94.92, 0, 1), st(94.98, 0, 1), +1, NoSpread},
		{st(95.0, 0.3, 3), st(95.6, 0.3, 3), +1, WithinNoise}, // 0.6 = 2 x 0.3: not beyond
		{st(95.0, 0.3, 3), st(95.61, 0.3, 3), +1, Agrees},
		{st(95.0, 0.3, 3), st(95.61, 0.3, 3), -1, Opposite},
		{st(96.9, 0.1, 3), st(95.2, 0.6, 3), +1, Opposite},
		{st(95.2, 0.0, 3), st(96.9, 0.0, 3), +1, Agrees},
	}
	for _, c := range cases {
		if got := Compare(c.a, c.b, c.sign); got != c.want {
			t.Errorf("Compare(%+v, %+v, %d) = %q, want %q", c.a, c.b, c.sign, got, c.want)
		}
	}
	s := Describe("GD vs SAM", "GD", st(94.92, 0.05, 3), "SAM", st(94.98, 0.04, 3), +1)
	if strings.Contains(s, string(Agrees)) || !strings.Contains(s, "within noise") {
		t.Fatalf("Describe claims agreement within noise: %s", s)
	}
}

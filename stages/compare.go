package stages

import (
	"fmt"
	"math"
	"strings"

	"github.com/useful-pipeline/useful-pipeline/options"

	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// Verdict is what a report may say about a difference the paper reports.
type Verdict string

// The verdicts: only a difference larger than twice the larger standard
// deviation over seeds is called agreement (or disagreement) with the
// paper; anything smaller is within noise, and one seed has no spread to
// judge against.
const (
	Agrees      Verdict = "as the paper reports"
	Opposite    Verdict = "opposite to the paper"
	WithinNoise Verdict = "within noise"
	NoSpread    Verdict = "one seed: no spread to judge against (run several seeds, e.g. --seed 0,1,2)"
)

// NoiseFactor is how many of the larger standard deviation a difference
// must exceed to count.
const NoiseFactor = 2

// Compare judges b - a against the paper's claim that b is larger than a
// (sign > 0) or smaller (sign < 0).
func Compare(a, b rundir.Stat, sign int) Verdict {
	if a.N < 2 || b.N < 2 {
		return NoSpread
	}
	d := b.Mean - a.Mean
	if math.Abs(d) <= NoiseFactor*math.Max(a.Std, b.Std) {
		return WithinNoise
	}
	if (d > 0) == (sign > 0) {
		return Agrees
	}
	return Opposite
}

// Describe writes one sentence for a comparison: the two means ± std, the
// difference and the verdict.
func Describe(what string, aName string, a rundir.Stat, bName string, b rundir.Stat, sign int) string {
	return fmt.Sprintf("%s: %s %.2f ± %.2f, %s %.2f ± %.2f (difference %+.2f over %d seeds; %s).",
		what, aName, a.Mean, a.Std, bName, b.Mean, b.Std, b.Mean-a.Mean, min(a.N, b.N), Compare(a, b, sign))
}

// toyClaim is one claim of the paper's toy section (5.1) as a comparison
// of two runs' test accuracy: B above A (Sign +1).
type toyClaim struct {
	What   string
	A, B   string // run IDs
	Sign   int
	Source string
}

// toyClaims lists the comparisons of the toy report: SAM above GD at each
// beta_d and a stronger slow feature above a weaker one (Fig. 3c, the
// paper's numbers), and each USEFUL run above its baseline (the paper's
// claim on real data; it reports no toy number for USEFUL).
func toyClaims(o *options.Options) []toyClaim {
	var out []toyClaim
	lo, hi := o.Toy.BetaD, o.Toy.CompareBetaD
	at := func(m string, b float64) string {
		if b == lo {
			return m
		}
		return fmt.Sprintf("%s@beta_d=%g", m, b)
	}
	betas := []float64{lo}
	if hi > 0 && hi != lo {
		betas = append(betas, hi)
	}
	for _, b := range betas {
		out = append(out, toyClaim{fmt.Sprintf("SAM above GD at beta_d = %g", b), at("sgd", b), at("sam", b), +1, "Section 5.1, Fig. 3c"})
	}
	if len(betas) == 2 {
		for _, m := range o.Methods {
			out = append(out, toyClaim{fmt.Sprintf("%s: beta_d = %g above %g", displayName(m, true), hi, lo), at(m, lo), at(m, hi), +1, "Section 5.1"})
		}
	}
	if o.Useful {
		for _, m := range o.Methods {
			out = append(out, toyClaim{fmt.Sprintf("%s+USEFUL above %s", displayName(m, true), displayName(m, true)), m, m + "+useful", +1, "the paper's claim on real data (Tables 1-4); it reports no toy number"})
		}
	}
	return out
}

// writeToyComparisons writes the "Compared with the paper" section: each
// claim with both runs' mean ± std test accuracy and the verdict of
// Compare, so a sentence never claims what its own numbers do not show.
func writeToyComparisons(md *strings.Builder, o *options.Options, acc, takeOff map[string]rundir.Stat) {
	md.WriteString("\n## Compared with the paper\n\nMean ± std over seeds. A difference agrees with the paper only when it exceeds twice the larger std; otherwise it is within noise.\n\n")
	if g, ok := takeOff["sgd"]; ok {
		if s, ok := takeOff["sam"]; ok {
			fmt.Fprintf(md, "- %s\n", Describe("SAM learns the fast feature later than GD (take-off iteration; Section 5.1, Fig. 3)", "GD", g, "SAM", s, +1))
		}
	}
	for _, c := range toyClaims(o) {
		a, okA := acc[c.A]
		b, okB := acc[c.B]
		if !okA || !okB {
			continue
		}
		fmt.Fprintf(md, "- %s\n", Describe(c.What+" (test accuracy %; "+c.Source+")", displayName(c.A, true), a, displayName(c.B, true), b, c.Sign))
	}
	md.WriteString("- The paper's accuracies (GD 95.21, SAM 96.90 at beta_d 0.2; GD 96.90, SAM 99.49 at 0.4) come from its own seeds; ours are beside them in the table above.\n")
}

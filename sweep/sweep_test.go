package sweep

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/options"
)

func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sweep.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func expand(t *testing.T, text, root string) (*Plan, error) {
	t.Helper()
	f, err := Read(writeFile(t, text))
	if err != nil {
		return nil, err
	}
	return Expand(f, root)
}

func TestExpandOrderIDsAndOptions(t *testing.T) {
	root := t.TempDir()
	p, err := expand(t, "base: {toy_n: 100, epochs: 20}\naxes:\n  seed: [0, 1]\n  method: [sgd, 'sam,asam']\n  separate_epoch: [5, auto]\n", root)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range p.Cells {
		ids = append(ids, c.ID)
	}
	want := []string{
		"seed-0_method-sgd_separate-epoch-5", "seed-0_method-sgd_separate-epoch-auto",
		"seed-0_method-sam+asam_separate-epoch-5", "seed-0_method-sam+asam_separate-epoch-auto",
		"seed-1_method-sgd_separate-epoch-5", "seed-1_method-sgd_separate-epoch-auto",
		"seed-1_method-sam+asam_separate-epoch-5", "seed-1_method-sam+asam_separate-epoch-auto",
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("cells %v, want %v", ids, want)
	}
	o := p.Options(6)
	if o.Seed() != 1 || !slices.Equal(o.Methods, []string{"sam", "asam"}) || o.SeparateEpoch.Epoch != 5 || o.Toy.N != 100 || o.Epochs != 20 ||
		o.RunDir != filepath.Join(root, want[6]) {
		t.Fatalf("cell 6 options %+v", o)
	}
	// The same file gives the same plan, whatever the root.
	q, err := expand(t, "base: {toy_n: 100, epochs: 20}\naxes:\n  seed: [0, 1]\n  method: [sgd, 'sam,asam']\n  separate_epoch: [5, auto]\n", t.TempDir())
	if err != nil || q.Hash != p.Hash {
		t.Fatalf("hash %v vs %v (%v)", q.Hash, p.Hash, err)
	}
}

// TestBadSweepFiles: each is refused before anything runs, naming the key
// and the value.
func TestBadSweepFiles(t *testing.T) {
	cases := map[string]string{
		"axes: {sed: [0, 1]}\n": `axis "sed" (line 1): unknown option`,
		"axes: {seed: []}\n":    `axis "seed" (line 1) is empty`,
		"axes: {seed: 3}\n":     `axis "seed" (line 1): want a list of values`,
		"axes: {epochs: [10, 0]}\nbase: {separate_epoch: 5}\n": `cell 1 (epochs-0): --epochs 0: want >= 1`,
		"axes: {method: [sgd, adam]}\n":                        `--method "adam": unknown method`,
		"axes: {seed: [1, 1]}\n":                               `axis "seed" value "1" (line 1) repeats line 1`,
		"axes: {lr: [0.1, 0.10]}\n":                            "have the same options: duplicate cells",
		"axes: {seed: [0]}\nbase: {run_dir: x}\n":              `option "run-dir" is set by the sweep`,
		"axes: {stage: [all]}\n":                               `option "stage" is set by the sweep`,
		"base: {epochs: 5}\n":                                  "no axes",
		"axes: {seed: [0]}\nbase: {bogus: 1}\n":                `unknown option "bogus"`,
		"axes: {seed: [0]}\ntasks: 0\n":                        `tasks "0" (line 2): want an integer >= 1`,
		"axes: {seed: [0]}\nextra: 1\n":                        `unknown key "extra" (line 2)`,
		"axes: {seed: [0], seed_: [1]}\n":                      `axis "seed_" (line 1): unknown option`,
		"axes: {seed: ['-1']}\n":                               `axis seed (line 1) "-1": want an integer`,
		"axes: {toy_beta_d: [0.2, x]}\n":                       `cell 1 (toy-beta-d-x): axis toy_beta_d (line 1) "x": want a number`,
	}
	for text, want := range cases {
		p, err := expand(t, text, t.TempDir())
		var ue *options.UsageError
		if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: plan %v, error %v; want a usage error containing %q", text, p != nil, err, want)
		}
	}
	if _, err := Read(filepath.Join(t.TempDir(), "none.yaml")); err == nil || !strings.Contains(err.Error(), "none.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestSelectStride(t *testing.T) {
	p, err := expand(t, "base: {toy_n: 100, epochs: 20, separate_epoch: 5}\naxes: {seed: [0, 1, 2, 3, 4]}\n", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		index, count int
		want         []int
	}{{0, 0, []int{0}}, {4, 0, []int{4}}, {0, 2, []int{0, 2, 4}}, {1, 2, []int{1, 3}}, {2, 3, []int{2}}, {6, 8, nil}, {0, 1, []int{0, 1, 2, 3, 4}}} {
		got, err := p.Select(c.index, c.count)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("Select(%d, %d) = %v, %v; want %v", c.index, c.count, got, err, c.want)
		}
	}
	for _, c := range [][2]int{{5, 0}, {-1, 0}, {2, 2}, {0, -1}} {
		if _, err := p.Select(c[0], c[1]); err == nil || !strings.Contains(err.Error(), "sweep index") {
			t.Errorf("Select(%d, %d): %v, want an error naming the index", c[0], c[1], err)
		}
	}
}

func TestPlanWrittenOnceAndRefusedWhenDifferent(t *testing.T) {
	root := t.TempDir()
	a, err := expand(t, "base: {toy_n: 100, epochs: 20, separate_epoch: 5}\naxes: {seed: [0, 1]}\n", root)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Write(root); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(root, PlanFile))
	if err := a.Write(root); err != nil {
		t.Fatalf("the same plan again: %v", err)
	}
	b, err := expand(t, "base: {toy_n: 100, epochs: 20, separate_epoch: 5}\naxes: {seed: [0, 2]}\n", root)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Write(root)
	if err == nil || !strings.Contains(err.Error(), a.Hash[:12]) || !strings.Contains(err.Error(), b.Hash[:12]) {
		t.Fatalf("another plan: %v, want an error naming both hashes", err)
	}
	after, _ := os.ReadFile(filepath.Join(root, PlanFile))
	if string(before) != string(after) {
		t.Fatal("the plan file changed")
	}
	got, err := ReadPlan(root)
	if err != nil || got.Hash != a.Hash || len(got.Cells) != 2 || got.Cells[1].Axes[0].Value != "1" {
		t.Fatalf("ReadPlan = %+v, %v", got, err)
	}
	left, _ := filepath.Glob(filepath.Join(root, ".*tmp-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/useful-pipeline/useful-pipeline/options"
)

// PlanFile is the plan's name under the sweep root.
const PlanFile = "sweep.json"

// Plan is a sweep file expanded: what <root>/sweep.json holds.
type Plan struct {
	// Hash identifies the plan: the sha256 of its base and cells (not of
	// the root), so two workers can tell whether they run the same sweep.
	Hash string `json:"hash"`
	// Source is the sweep file it was made from.
	Source string   `json:"source"`
	Axes   []string `json:"axes"`
	Base   []KV     `json:"base"`
	Cells  []Cell   `json:"cells"`
	Tasks  int      `json:"tasks,omitempty"`
	opts   []*options.Options
}

// KV is one option setting in the plan.
type KV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Cell is one run of the sweep.
type Cell struct {
	Index int    `json:"index"`
	ID    string `json:"id"`
	// Axes holds the cell's value of each axis, in axis order.
	Axes []KV `json:"axes"`
}

// Expand turns f into a plan rooted at root: every combination of the
// axes' values (the last axis varying fastest), each cell's options built
// from the base and its values (with --run-dir root/<id>) and validated as
// the command line would. Errors (a value the CLI refuses, two cells with
// the same options or ID) are *options.UsageError naming the axis and
// value, before anything runs.
func Expand(f *File, root string) (*Plan, error) {
	p := &Plan{Source: f.Path, Tasks: f.Tasks}
	for _, a := range f.Axes {
		p.Axes = append(p.Axes, a.Name)
	}
	for _, s := range f.Base {
		p.Base = append(p.Base, KV{s.Name, s.Value})
	}
	n := 1
	for _, a := range f.Axes {
		n *= len(a.Values)
	}
	ids := map[string]int{}
	for i := range n {
		c := Cell{Index: i}
		var settings []options.Setting
		settings = append(settings, f.Base...)
		rest := i
		var parts []string
		vals := make([]KV, len(f.Axes))
		for k := len(f.Axes) - 1; k >= 0; k-- {
			a := f.Axes[k]
			j := rest % len(a.Values)
			rest /= len(a.Values)
			vals[k] = KV{a.Name, a.Values[j]}
		}
		for k, kv := range vals {
			a := f.Axes[k]
			settings = append(settings, options.Setting{Name: kv.Name, Value: kv.Value,
				Source: fmt.Sprintf("axis %s (line %d)", kv.Name, a.Lines[indexOf(a.Values, kv.Value)])})
			parts = append(parts, slug(kv.Name)+"-"+slug(kv.Value))
		}
		c.Axes = vals
		c.ID = strings.Join(parts, "_")
		if j, dup := ids[c.ID]; dup {
			return nil, options.Usagef("sweep file %s: cells %d and %d have the same ID %q (%v and %v)", f.Path, j, i, c.ID, p.Cells[j].Axes, vals)
		}
		ids[c.ID] = i
		settings = append(settings, options.Setting{Name: "run-dir", Value: CellDir(root, c.ID), Source: "sweep root"})
		o, err := options.Build(settings)
		if err != nil {
			return nil, options.Usagef("sweep file %s: cell %d (%s): %v", f.Path, i, c.ID, err)
		}
		for j, prev := range p.opts {
			if options.Equal(prev, &o) {
				return nil, options.Usagef("sweep file %s: cells %d (%s) and %d (%s) have the same options: duplicate cells", f.Path, j, p.Cells[j].ID, i, c.ID)
			}
		}
		p.Cells = append(p.Cells, c)
		p.opts = append(p.opts, &o)
	}
	b, _ := json.Marshal(struct {
		Base  []KV
		Cells []Cell
	}{p.Base, p.Cells})
	sum := sha256.Sum256(b)
	p.Hash = hex.EncodeToString(sum[:])
	return p, nil
}

// CellDir is the run directory of the cell id under the sweep root.
func CellDir(root, id string) string { return filepath.Join(root, id) }

// Options returns the options of cell i (from Expand).
func (p *Plan) Options(i int) options.Options { return *p.opts[i] }

// slug keeps a value readable in a folder name: commas become "+", every
// character but letters, digits, ".", "+" and "-" becomes "-".
func slug(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ',':
			b.WriteRune('+')
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '+', r == '-':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	return b.String()
}

// Write records the plan at <root>/sweep.json once: the first worker
// creates it (atomically: a complete file appears under its name or none),
// later ones check that it is the same plan. A different plan there is a
// *options.UsageError naming both hashes.
func (p *Plan) Write(root string) error {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("sweep root %s: %w", root, err)
	}
	final := filepath.Join(root, PlanFile)
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(root, "."+PlanFile+".tmp-")
	if err != nil {
		return fmt.Errorf("sweep root %s: %w", root, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", final, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", final, err)
	}
	tmp.Close()
	// A hard link fails if the name exists, so two workers racing cannot
	// both write, and neither can replace another's plan.
	if err := os.Link(tmp.Name(), final); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("write %s: %w", final, err)
	}
	have, err := ReadPlan(root)
	if err != nil {
		return err
	}
	if have.Hash != p.Hash {
		return options.Usagef("sweep root %s holds another plan (%s: hash %.12s, from %s); this sweep file %s makes hash %.12s: use another --root", root, final, have.Hash, have.Source, p.Source, p.Hash)
	}
	return nil
}

// ReadPlan reads <root>/sweep.json.
func ReadPlan(root string) (*Plan, error) {
	path := filepath.Join(root, PlanFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, options.Usagef("sweep root %s: %v (run `useful-pipeline sweep plan FILE --root %s` first)", root, err, root)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, options.Usagef("%s: %v", path, err)
	}
	if p.Hash == "" || len(p.Cells) == 0 {
		return nil, options.Usagef("%s: no hash or no cells: not a sweep plan", path)
	}
	return &p, nil
}

// Select returns the cells task index of count runs: index, index+count,
// index+2*count, ... count 0 means one task per cell. An index outside
// [0, count) (or outside the cells when count is 0) is a
// *options.UsageError naming both.
func (p *Plan) Select(index, count int) ([]int, error) {
	n := len(p.Cells)
	if count == 0 {
		count = n
	}
	if count < 1 || index < 0 || index >= count {
		return nil, options.Usagef("sweep index %d: want 0 <= index < %d (the task count; the plan has %d cells)", index, count, n)
	}
	var out []int
	for i := index; i < n; i += count {
		out = append(out, i)
	}
	return out, nil
}

package sweep

import (
	"fmt"
	"os"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/useful-pipeline/useful-pipeline/options"
)

// File is a parsed sweep file.
type File struct {
	// Path is where it was read from (for messages).
	Path string
	// Base holds the settings every cell shares.
	Base []options.Setting
	// Axes are crossed in order, the last varying fastest.
	Axes []Axis
	// Tasks is the number of workers an engine runs (0: one per cell);
	// it sets the stride of Select when the engine does not say.
	Tasks int
}

// Axis is one option and the values it takes across the sweep.
type Axis struct {
	Name   string   // the option's name as written
	Values []string // each value's text (a list value comma-joined)
	Lines  []int    // the line of each value in the file
}

// keys of a sweep file.
const (
	keyBase  = "base"
	keyAxes  = "axes"
	keyTasks = "tasks"
)

// Read parses a sweep file (YAML or JSON): `base:` a map of options,
// `axes:` a map of option -> list of values, optional `tasks:`. Errors
// are *options.UsageError naming the file, the key and the value.
func Read(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, options.Usagef("sweep file %s: %v", path, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, options.Usagef("sweep file %s: %v", path, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, options.Usagef("sweep file %s: want a map with %q and %q", path, keyBase, keyAxes)
	}
	f := &File{Path: path}
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case keyBase:
			if f.Base, err = options.SettingsOf(v, path+": "+keyBase); err != nil {
				return nil, err
			}
		case keyAxes:
			if err := f.readAxes(v); err != nil {
				return nil, err
			}
		case keyTasks:
			n, err := strconv.Atoi(v.Value)
			if err != nil || n < 1 {
				return nil, options.Usagef("sweep file %s: %s %q (line %d): want an integer >= 1", path, keyTasks, v.Value, v.Line)
			}
			f.Tasks = n
		default:
			return nil, options.Usagef("sweep file %s: unknown key %q (line %d); want %s, %s or %s", path, k.Value, k.Line, keyBase, keyAxes, keyTasks)
		}
	}
	if len(f.Axes) == 0 {
		return nil, options.Usagef("sweep file %s: no %s: want at least one axis (e.g. seed: [0, 1, 2])", path, keyAxes)
	}
	for _, s := range f.Base {
		if err := notPerCell(path, keyBase, s.Name); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (f *File) readAxes(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return options.Usagef("sweep file %s: %s (line %d): want a map of option -> list of values", f.Path, keyAxes, n.Line)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field, ok := options.Lookup(k.Value)
		if !ok {
			return options.Usagef("sweep file %s: axis %q (line %d): unknown option", f.Path, k.Value, k.Line)
		}
		if err := notPerCell(f.Path, keyAxes, field.Name); err != nil {
			return err
		}
		if seen[field.Name] {
			return options.Usagef("sweep file %s: axis %q (line %d) given twice", f.Path, k.Value, k.Line)
		}
		seen[field.Name] = true
		if v.Kind != yaml.SequenceNode {
			return options.Usagef("sweep file %s: axis %q (line %d): want a list of values", f.Path, k.Value, v.Line)
		}
		if len(v.Content) == 0 {
			return options.Usagef("sweep file %s: axis %q (line %d) is empty: want at least one value", f.Path, k.Value, v.Line)
		}
		ax := Axis{Name: k.Value}
		for _, item := range v.Content {
			text, err := options.NodeText(item)
			if err != nil {
				return options.Usagef("sweep file %s: axis %q: %v", f.Path, k.Value, err)
			}
			if j := indexOf(ax.Values, text); j >= 0 {
				return options.Usagef("sweep file %s: axis %q value %q (line %d) repeats line %d: the cells would be duplicates", f.Path, k.Value, text, item.Line, ax.Lines[j])
			}
			ax.Values = append(ax.Values, text)
			ax.Lines = append(ax.Lines, item.Line)
		}
		f.Axes = append(f.Axes, ax)
	}
	return nil
}

// notPerCell refuses options the sweep sets itself for every cell.
func notPerCell(path, where, name string) error {
	switch name {
	case "run-dir", "stage", "resume":
		return options.Usagef("sweep file %s: %s: option %q is set by the sweep for each cell; remove it", path, where, name)
	}
	return nil
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func (a Axis) String() string { return fmt.Sprintf("%s: %v", a.Name, a.Values) }

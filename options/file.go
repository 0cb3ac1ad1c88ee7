package options

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MarshalConfig returns config.json for o: one key per recorded option
// (Recorded), in table order, with its typed value. Reading it back with
// ReadSettings and Build gives o again (RunOptions aside).
func MarshalConfig(o *Options) []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	rec := o.Recorded("")
	for i, s := range rec {
		f, _ := Lookup(s.Name)
		v, _ := json.Marshal(f.Bind(o).Typed())
		fmt.Fprintf(&b, "  %q: %s", s.Name, v)
		if i < len(rec)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// ReadSettings reads a config file (YAML or JSON, e.g. a run's
// config.json): a map from option names to values (scalars or lists of
// scalars). Each key becomes a Setting whose Source names the file and
// key; the values are taken as written, so numbers keep every digit.
func ReadSettings(path string) ([]Setting, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, Usagef("--config %q: %v", path, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, Usagef("--config %q: %v", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil // an empty file sets nothing
	}
	return SettingsOf(doc.Content[0], path)
}

// SettingsOf turns a YAML mapping node (option name -> value) into
// settings whose Source is "source: key". Unknown names are refused here,
// so that a typo is named before anything runs.
func SettingsOf(n *yaml.Node, source string) ([]Setting, error) {
	if n.Kind != yaml.MappingNode {
		return nil, Usagef("%s: want a map of option names to values, found a YAML %s at line %d", source, kindName(n.Kind), n.Line)
	}
	var out []Setting
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		src := fmt.Sprintf("%s: %s", source, k.Value)
		f, ok := Lookup(k.Value)
		if !ok {
			return nil, Usagef("%s: unknown option %q (line %d)", source, k.Value, k.Line)
		}
		if seen[f.Name] {
			return nil, Usagef("%s: option %q given twice (line %d)", source, k.Value, k.Line)
		}
		seen[f.Name] = true
		s, err := NodeText(v)
		if err != nil {
			return nil, Usagef("%s: %v", src, err)
		}
		out = append(out, Setting{Name: f.Name, Value: s, Source: src})
	}
	return out, nil
}

// NodeText returns the text of a scalar node, or the comma-joined texts of
// a sequence of scalars (a list option).
func NodeText(n *yaml.Node) (string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "", fmt.Errorf("no value (line %d)", n.Line)
		}
		return n.Value, nil
	case yaml.SequenceNode:
		parts := make([]string, len(n.Content))
		for i, c := range n.Content {
			if c.Kind != yaml.ScalarNode || strings.Contains(c.Value, ",") {
				return "", fmt.Errorf("list item %d (line %d): want a value without commas", i, c.Line)
			}
			parts[i] = c.Value
		}
		return strings.Join(parts, ","), nil
	case yaml.AliasNode:
		return NodeText(n.Alias)
	}
	return "", fmt.Errorf("want a value or a list of values, found a YAML %s (line %d)", kindName(n.Kind), n.Line)
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "map"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "value"
	}
	return "document"
}

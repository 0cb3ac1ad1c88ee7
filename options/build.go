package options

import (
	"fmt"
	"slices"
)

// Setting is one option as the user gave it: a flag, a key of a config
// file or a value of a sweep axis.
type Setting struct {
	// Name is the option's name ("-" or "_" between words).
	Name string
	// Value is its text, parsed by the option's Value.Set.
	Value string
	// Source says where it came from, for messages: "--epochs",
	// "run.yaml: epochs".
	Source string
}

// Build returns the options that settings make: Defaults for the dataset
// and model the settings name (the last of each wins), every setting
// applied in order through its Value.Set (so later settings override
// earlier ones), then Validate. Errors are *UsageError naming the
// setting's source and value.
func Build(settings []Setting) (Options, error) {
	o, err := Resolve(settings)
	if err != nil {
		return Options{}, err
	}
	if err := o.Validate(); err != nil {
		return Options{}, err
	}
	return o, nil
}

// Resolve is Build without Validate: the options of a recorded run, read
// where its data may not be (an export on another machine).
func Resolve(settings []Setting) (Options, error) {
	dataset, model := Toy, ""
	for _, s := range settings {
		switch f, _ := Lookup(s.Name); f.Name {
		case "dataset":
			dataset = s.Value
		case "model":
			model = s.Value
		}
	}
	o := Defaults(dataset, model)
	if err := o.Apply(settings); err != nil {
		return Options{}, err
	}
	return o, nil
}

// Apply sets each setting on o in order, without validating the result.
// An unknown name, a value its option cannot parse, or an option of the
// toy for another dataset is a *UsageError naming the source.
func (o *Options) Apply(settings []Setting) error {
	for _, s := range settings {
		f, ok := Lookup(s.Name)
		if !ok {
			return Usagef("%s: unknown option %q", s.Source, s.Name)
		}
		if err := f.Bind(o).Set(s.Value); err != nil {
			return Usagef("%s %q: %v", s.Source, s.Value, err)
		}
	}
	return nil
}

// Recorded returns the recorded options of o (Field.Recorded; those of the
// toy only for dataset toy) in table order, as settings whose Source is
// source: what config.json holds, and what Build needs to make o again.
func (o *Options) Recorded(source string) []Setting {
	var out []Setting
	for _, f := range fields {
		if !f.Recorded || (f.ToyOnly && o.Dataset != Toy) {
			continue
		}
		out = append(out, Setting{Name: f.Key(), Value: f.Bind(o).String(), Source: fmt.Sprintf("%s: %s", source, f.Key())})
	}
	return out
}

// Equal reports whether a and b record the same options (RunOptions and
// the other unrecorded options may differ).
func Equal(a, b *Options) bool {
	return slices.Equal(a.Recorded(""), b.Recorded(""))
}

// Args returns the flags that make o again through Build: --name=value for
// every option of the table (the toy's only for dataset toy), in table
// order. A multi-seed run passes its seeds' options to their processes so.
func (o *Options) Args() []string {
	var out []string
	for _, f := range fields {
		if f.ToyOnly && o.Dataset != Toy {
			continue
		}
		out = append(out, "--"+f.Name+"="+f.Bind(o).String())
	}
	return out
}

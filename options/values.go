package options

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Value is one option bound to a field of an Options: pflag.Value's
// methods (so cmd/ can register it as a flag as it is) and the typed value
// config.json records.
type Value interface {
	// String formats the value so that Set(String()) restores it exactly.
	String() string
	// Set parses s into the field; the error says what was wanted.
	Set(s string) error
	// Type names the value's kind: int, uint64, float64, bool, string,
	// list or epoch.
	Type() string
	// Typed returns the value as JSON records it: a number, a bool, a
	// string or a list of strings.
	Typed() any
}

type intValue struct{ p *int }

func (v intValue) String() string { return strconv.Itoa(*v.p) }
func (v intValue) Type() string   { return "int" }
func (v intValue) Typed() any     { return *v.p }
func (v intValue) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 0, strconv.IntSize)
	if err != nil {
		return numError(err, "an integer")
	}
	*v.p = int(n)
	return nil
}

// seedsValue is a comma list of seeds (integers in [0, 2^64)); one seed
// is recorded as a number, several as a list.
type seedsValue struct{ p *[]uint64 }

func (v seedsValue) String() string {
	parts := make([]string, len(*v.p))
	for i, s := range *v.p {
		parts[i] = strconv.FormatUint(s, 10)
	}
	return strings.Join(parts, ",")
}
func (v seedsValue) Type() string { return "uint64" }
func (v seedsValue) Typed() any {
	if len(*v.p) == 1 {
		return (*v.p)[0]
	}
	return *v.p
}
func (v seedsValue) Set(s string) error {
	var out []uint64
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(part), 0, 64)
		if err != nil {
			return numError(err, "an integer in [0, 2^64), or a comma list of them")
		}
		out = append(out, n)
	}
	*v.p = out
	return nil
}

// floatValue parses any float64, NaN and infinities included: Validate
// names the option and the value when it is out of range.
type floatValue struct{ p *float64 }

func (v floatValue) String() string { return strconv.FormatFloat(*v.p, 'g', -1, 64) }
func (v floatValue) Type() string   { return "float64" }
func (v floatValue) Typed() any     { return *v.p }
func (v floatValue) Set(s string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return numError(err, "a number")
	}
	*v.p = f
	return nil
}

// negOffValue is a float whose negative values mean "off" (stored as 0).
type negOffValue struct{ floatValue }

func (v negOffValue) Set(s string) error {
	if err := v.floatValue.Set(s); err != nil {
		return err
	}
	if *v.p < 0 && *v.p > -1e308 {
		*v.p = 0
	}
	return nil
}

type boolValue struct{ p *bool }

func (v boolValue) String() string { return strconv.FormatBool(*v.p) }
func (v boolValue) Type() string   { return "bool" }
func (v boolValue) Typed() any     { return *v.p }
func (v boolValue) Set(s string) error {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return errors.New("want true or false")
	}
	*v.p = b
	return nil
}

// IsBoolFlag lets pflag accept --name without a value.
func (v boolValue) IsBoolFlag() bool { return true }

type stringValue struct{ p *string }

func (v stringValue) String() string     { return *v.p }
func (v stringValue) Type() string       { return "string" }
func (v stringValue) Typed() any         { return *v.p }
func (v stringValue) Set(s string) error { *v.p = s; return nil }

// listValue is a comma-separated list; Set replaces the whole list (blank
// items dropped), so a later setting overrides an earlier one.
type listValue struct{ p *[]string }

func (v listValue) String() string { return strings.Join(*v.p, ",") }
func (v listValue) Type() string   { return "list" }
func (v listValue) Typed() any {
	if *v.p == nil {
		return []string{}
	}
	return *v.p
}
func (v listValue) Set(s string) error {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	*v.p = out
	return nil
}

// batchValue is a batch size: an integer, with 0 (or "full") meaning the
// whole training list per step.
type batchValue struct{ p *int }

func (v batchValue) String() string { return strconv.Itoa(*v.p) }
func (v batchValue) Type() string   { return "int" }
func (v batchValue) Typed() any     { return *v.p }
func (v batchValue) Set(s string) error {
	if strings.TrimSpace(s) == "full" {
		*v.p = 0
		return nil
	}
	return intValue{v.p}.Set(s)
}

// sizeValue is an image size "H,W" (or "HxW"); "" or "0,0" means none.
type sizeValue struct{ p *[2]int }

func (v sizeValue) String() string {
	if *v.p == ([2]int{}) {
		return ""
	}
	return fmt.Sprintf("%d,%d", v.p[0], v.p[1])
}
func (v sizeValue) Type() string { return "size" }
func (v sizeValue) Typed() any   { return v.String() }
func (v sizeValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		*v.p = [2]int{}
		return nil
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == 'x' })
	if len(parts) != 2 {
		return errors.New("want H,W (two integers)")
	}
	var out [2]int
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return errors.New("want H,W (two integers)")
		}
		out[i] = n
	}
	*v.p = out
	return nil
}

type epochValue struct{ p *SeparateEpoch }

func (v epochValue) String() string { return v.p.String() }
func (v epochValue) Type() string   { return "epoch" }
func (v epochValue) Typed() any {
	if v.p.Auto {
		return "auto"
	}
	return v.p.Epoch
}
func (v epochValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "auto" {
		*v.p = SeparateEpoch{Auto: true}
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("want an integer or auto")
	}
	*v.p = SeparateEpoch{Epoch: n}
	return nil
}

func numError(err error, want string) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
		return fmt.Errorf("out of range; want %s", want)
	}
	return fmt.Errorf("want %s", want)
}

package bench

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
	"github.com/useful-pipeline/useful-pipeline/internal/memstat"
)

// LoadRSSChildCommand is the hidden subcommand of the bench binary that
// LoadRSS runs as its child processes: `bench loadrss-child STORE [NAME
// DIR]`. Its main must hand the arguments after it to LoadRSSChild.
const LoadRSSChildCommand = "loadrss-child"

// The stores a LoadRSS child can hold.
const (
	storeNone    = "none"    // nothing loaded: the start-up cost
	storeUint8   = "uint8"   // the dataset as loaders.Load returns it
	storeFloat32 = "float32" // the same, pixels replaced by float32 values
)

// childReading is what a LoadRSS child measured: the store it held, the
// examples and shape of the dataset (zero and nil for storeNone), VmRSS and
// its anonymous part RssAnon (the heap; the rest is mostly the pages of the
// shared libraries) after debug.FreeOSMemory with the dataset held, and
// VmHWM, all in KiB.
type childReading struct {
	Store           string
	Train, Test     int
	Shape           []int
	RSS, Anon, Peak int64
}

// reading returns the sizes of r.
func (r childReading) reading() LoadRSSReading {
	return LoadRSSReading{RSS: r.RSS, Anon: r.Anon, Peak: r.Peak}
}

// childPrefix starts the one line a child writes.
const childPrefix = LoadRSSChildCommand + ":"

// String formats r as the child's output line (without the newline):
//
//	loadrss-child: store=uint8 train=50000 test=10000 shape=32x32x3 rss-kib=420000 anon-kib=200000 peak-kib=450000
//
// shape is "-" when there is no dataset.
func (r childReading) String() string {
	shape := "-"
	if len(r.Shape) > 0 {
		s := make([]string, len(r.Shape))
		for i, d := range r.Shape {
			s[i] = strconv.Itoa(d)
		}
		shape = strings.Join(s, "x")
	}
	return fmt.Sprintf("%s store=%s train=%d test=%d shape=%s rss-kib=%d anon-kib=%d peak-kib=%d", childPrefix, r.Store, r.Train, r.Test, shape, r.RSS, r.Anon, r.Peak)
}

// parseChildLine parses a line written by childReading.String. Every key
// must be present once, the counts >= 0, the sizes > 0; the error quotes
// the line.
func parseChildLine(line string) (childReading, error) {
	var r childReading
	bad := func(format string, a ...any) (childReading, error) {
		return childReading{}, fmt.Errorf("child line %q: %s", line, fmt.Sprintf(format, a...))
	}
	rest, ok := strings.CutPrefix(line, childPrefix+" ")
	if !ok {
		return bad("want it to start with %q", childPrefix+" ")
	}
	seen := map[string]bool{}
	for _, f := range strings.Fields(rest) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || seen[k] {
			return bad("field %q: want key=value, each key once", f)
		}
		seen[k] = true
		var err error
		switch k {
		case "store":
			if v != storeNone && v != storeUint8 && v != storeFloat32 {
				return bad("store %q: want %s, %s or %s", v, storeNone, storeUint8, storeFloat32)
			}
			r.Store = v
		case "train":
			r.Train, err = strconv.Atoi(v)
		case "test":
			r.Test, err = strconv.Atoi(v)
		case "shape":
			if v == "-" {
				break
			}
			for _, s := range strings.Split(v, "x") {
				d, err := strconv.Atoi(s)
				if err != nil || d < 1 {
					return bad("shape %q: want dimensions >= 1 joined by x, or -", v)
				}
				r.Shape = append(r.Shape, d)
			}
		case "rss-kib":
			r.RSS, err = strconv.ParseInt(v, 10, 64)
		case "anon-kib":
			r.Anon, err = strconv.ParseInt(v, 10, 64)
		case "peak-kib":
			r.Peak, err = strconv.ParseInt(v, 10, 64)
		default:
			return bad("unknown key %q", k)
		}
		if err != nil {
			return bad("%s: %v", k, err)
		}
	}
	if len(seen) != 7 {
		return bad("want the keys store, train, test, shape, rss-kib, anon-kib and peak-kib")
	}
	if r.Train < 0 || r.Test < 0 || r.RSS <= 0 || r.Anon <= 0 || r.Peak < r.RSS {
		return bad("want train, test >= 0, anon-kib > 0 and 0 < rss-kib <= peak-kib")
	}
	return r, nil
}

// LoadRSSChild runs one measurement of LoadRSS in this process and writes
// its line to out. args are the store and, except for "none", the dataset
// name and folder given to loaders.Load: "none" loads nothing (the process's
// start-up cost); "uint8" holds the dataset as loaded (pixels as uint8 HWC);
// "float32" then replaces the pixels of each split by one float32 slice of
// all its examples, as AppendFloat32s reads them (the values the sampler and
// the evaluation use, and the store before issue 15), and drops the pixels.
// It then calls debug.FreeOSMemory and reads VmRSS and RssAnon with the
// dataset held, and VmHWM. Errors name the argument, or come from the loader (which names
// the file).
func LoadRSSChild(args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%s: want STORE [NAME DIR]", LoadRSSChildCommand)
	}
	r := childReading{Store: args[0]}
	var sp *loaders.Split
	switch {
	case r.Store == storeNone && len(args) == 1:
	case (r.Store == storeUint8 || r.Store == storeFloat32) && len(args) == 3:
		var err error
		if sp, err = loaders.Load(args[1], args[2]); err != nil {
			return err
		}
		if r.Store == storeFloat32 {
			for _, d := range []*dataset.Dataset{sp.Train, sp.Test} {
				d.Images = d.AppendFloat32s(make([]float32, 0, d.Len()*d.ExampleSize()), 0, d.Len())
				d.Pixels = nil
				if err := d.Validate(); err != nil {
					return err
				}
			}
		}
		r.Train, r.Test, r.Shape = sp.Train.Len(), sp.Test.Len(), sp.Train.Shape
	default:
		return fmt.Errorf("%s %q: want %q, or %q or %q with NAME DIR", LoadRSSChildCommand, args, storeNone, storeUint8, storeFloat32)
	}
	debug.FreeOSMemory() // the decoding garbage goes back; the dataset stays
	var err error
	if r.RSS, err = memstat.RSSKiB(0); err != nil {
		return err
	}
	if r.Anon, err = memstat.StatusKiB(0, "RssAnon"); err != nil {
		return err
	}
	if r.Peak, err = memstat.PeakKiB(0); err != nil {
		return err
	}
	runtime.KeepAlive(sp)
	_, err = fmt.Fprintln(out, r)
	return err
}

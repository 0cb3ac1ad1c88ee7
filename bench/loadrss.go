package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
)

// LoadRSSDatasets are the datasets LoadRSS can measure, in the order it
// measures them.
var LoadRSSDatasets = []string{"cifar10", "tinyimagenet"}

// LoadRSSConfig sets the load RSS benchmark. The zero value measures both
// datasets at full size in a temporary folder, with this executable as the
// child.
type LoadRSSConfig struct {
	// Datasets lists the datasets to measure, from LoadRSSDatasets; nil
	// means all of them.
	Datasets []string
	// Scale multiplies the per-class counts of the full size, in (0, 1]: 1
	// gives CIFAR-10 50,000 train + 10,000 test images of 32x32x3 (1000 per
	// class in each batch file) and Tiny-ImageNet 100,000 train + 10,000
	// validation images of 64x64x3 (500 + 50 per class); a count never falls
	// below 1 per class. 0 means 1.
	Scale float64
	// WorkDir is the folder the data are written to, one subfolder per
	// dataset and size, kept and reused by later runs; "" means a temporary
	// folder removed at the end.
	WorkDir string
	// Binary is the program run as the child (it must hand the arguments
	// after LoadRSSChildCommand to LoadRSSChild); "" means this executable.
	Binary string
	// Seed of the generated pixels.
	Seed uint64
}

// LoadRSSResult is what LoadRSS measured.
type LoadRSSResult struct {
	// Baseline is the child that loads nothing (Store "none").
	Baseline LoadRSSReading
	// Rows has one entry per dataset measured.
	Rows []LoadRSSRow
}

// LoadRSSReading is what one child measured, in KiB, after
// debug.FreeOSMemory with its dataset held: VmRSS, its anonymous part
// RssAnon (the Go heap; most of the rest is the pages of the TensorFlow
// libraries the binary links, shared with other processes), and the peak
// VmHWM.
type LoadRSSReading struct {
	RSS, Anon, Peak int64
}

// LoadRSSRow is the measurement of one dataset.
type LoadRSSRow struct {
	Dataset     string
	Dir         string // the folder loaded
	Train, Test int    // examples per split
	Shape       []int
	// Float32 and Uint8 are the children holding each store; Baseline
	// is LoadRSSResult.Baseline.
	Float32, Uint8, Baseline LoadRSSReading
}

// Ratio returns the ratio uint8 / float32 of the RSS the dataset adds: of
// VmRSS minus the baseline's. The whole VmRSS of each child is in Uint8
// and Float32.
func (r LoadRSSRow) Ratio() float64 {
	return float64(r.Uint8.RSS-r.Baseline.RSS) / float64(r.Float32.RSS-r.Baseline.RSS)
}

// LoadRSSTarget is the most Ratio may be (issue 15).
const LoadRSSTarget = 0.3

// LoadRSS measures the resident memory of a loaded dataset held as float32
// versus as uint8. It writes generated data in the on-disk formats
// (loaderstest.WriteCIFAR10, loaderstest.WriteTinyImageNetN) once into the
// work folder, then for each dataset runs two children (cfg.Binary
// LoadRSSChildCommand, see LoadRSSChild), one after the other, that load it
// with loaders.Load and hold it as float32 and as uint8, plus one child that
// loads nothing. It prints the baseline line and one line per dataset with
// VmRSS of each store, the ratio uint8 / float32 of the RSS above the
// baseline (Ratio: the dataset's) and of the whole RSS, RssAnon, the bytes
// of the pixels, and the peaks (VmHWM). An error names the dataset and the
// folder, with the end of a failing child's stderr.
func LoadRSS(cfg LoadRSSConfig, out io.Writer) (*LoadRSSResult, error) {
	if cfg.Scale == 0 {
		cfg.Scale = 1
	}
	if !(cfg.Scale > 0 && cfg.Scale <= 1) {
		return nil, fmt.Errorf("scale %g, want in (0, 1]", cfg.Scale)
	}
	if cfg.Datasets == nil {
		cfg.Datasets = LoadRSSDatasets
	}
	for _, d := range cfg.Datasets {
		if !slices.Contains(LoadRSSDatasets, d) {
			return nil, fmt.Errorf("dataset %q, want one of %s", d, strings.Join(LoadRSSDatasets, ", "))
		}
	}
	if cfg.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("the child binary: %w", err)
		}
		cfg.Binary = exe
	}
	work := cfg.WorkDir
	if work == "" {
		tmp, err := os.MkdirTemp("", "loadrss-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		work = tmp
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, fmt.Errorf("work folder: %w", err)
	}

	base, err := runLoadRSSChild(cfg.Binary, storeNone)
	if err != nil {
		return nil, fmt.Errorf("baseline child: %w", err)
	}
	res := &LoadRSSResult{Baseline: base.reading()}
	fmt.Fprintf(out, "loadrss: baseline (a child of %s that loads nothing): VmRSS %.1f MiB (RssAnon %.1f MiB), peak %.1f MiB\n",
		filepath.Base(cfg.Binary), mib(base.RSS), mib(base.Anon), mib(base.Peak))
	for _, name := range cfg.Datasets {
		d := loadRSSData(name, cfg.Scale, cfg.Seed)
		dir := filepath.Join(work, d.folder)
		if err := d.ensure(dir, out); err != nil {
			return nil, err
		}
		row := LoadRSSRow{Dataset: name, Dir: dir, Baseline: res.Baseline}
		for _, store := range []string{storeFloat32, storeUint8} {
			r, err := runLoadRSSChild(cfg.Binary, store, name, dir)
			if err != nil {
				return nil, fmt.Errorf("%s child loading %s from %s: %w", store, name, dir, err)
			}
			if r.Store != store || r.Train != d.train || r.Test != d.test || !slices.Equal(r.Shape, d.shape) {
				return nil, fmt.Errorf("%s child loading %s from %s: got store %s, %d+%d examples of %v, want %s, %d+%d of %v",
					store, name, dir, r.Store, r.Train, r.Test, r.Shape, store, d.train, d.test, d.shape)
			}
			row.Train, row.Test, row.Shape = r.Train, r.Test, r.Shape
			if store == storeFloat32 {
				row.Float32 = r.reading()
			} else {
				row.Uint8 = r.reading()
			}
		}
		res.Rows = append(res.Rows, row)
		fmt.Fprintln(out, row.line())
	}
	return res, nil
}

// line formats the row's figures.
func (r LoadRSSRow) line() string {
	px := float64((r.Train + r.Test) * prod(r.Shape))
	f, u, b := r.Float32, r.Uint8, r.Baseline
	return fmt.Sprintf("loadrss: %s %d+%d x %v: VmRSS float32 store %.1f MiB, uint8 store %.1f MiB; above the baseline %.1f / %.1f MiB: uint8 / float32 = %.2fx (target <= %.1fx); whole VmRSS %.2fx; RssAnon %.1f / %.1f MiB; the pixels alone %.1f / %.1f MiB; peaks (VmHWM) %.0f / %.0f MiB",
		r.Dataset, r.Train, r.Test, r.Shape, mib(f.RSS), mib(u.RSS), mib(f.RSS-b.RSS), mib(u.RSS-b.RSS), r.Ratio(), LoadRSSTarget,
		float64(u.RSS)/float64(f.RSS), mib(f.Anon), mib(u.Anon), 4*px/(1<<20), px/(1<<20), mib(f.Peak), mib(u.Peak))
}

// mib converts KiB to MiB.
func mib(kib int64) float64 { return float64(kib) / 1024 }

// prod returns the product of the dimensions.
func prod(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// loadRSSDataset is one generated dataset of LoadRSS: its folder name, the
// examples and shape loaders.Load must find, and how to write it.
type loadRSSDataset struct {
	name, folder string
	train, test  int
	shape        []int
	write        func(dir string) error
}

// perClass returns max(1, round(full*scale)).
func perClass(full int, scale float64) int {
	return max(1, int(math.Round(float64(full)*scale)))
}

// loadRSSData describes dataset name (one of LoadRSSDatasets) at scale.
func loadRSSData(name string, scale float64, seed uint64) loadRSSDataset {
	if name == "cifar10" {
		n := perClass(1000, scale)
		return loadRSSDataset{name: name, folder: fmt.Sprintf("cifar10-%dpc-seed%d", n, seed),
			train: 50 * n, test: 10 * n, shape: []int{32, 32, 3},
			write: func(dir string) error { return loaderstest.WriteCIFAR10(dir, n, seed) }}
	}
	nt, nv := perClass(500, scale), perClass(50, scale)
	return loadRSSDataset{name: name, folder: fmt.Sprintf("tinyimagenet-%d+%dpc-seed%d", nt, nv, seed),
		train: 200 * nt, test: 200 * nv, shape: []int{64, 64, 3},
		write: func(dir string) error { return loaderstest.WriteTinyImageNetN(dir, nt, nv, seed) }}
}

// ensure writes the dataset into dir unless dir exists (a complete earlier
// write: it is written into dir+".partial" and renamed when done), and says
// which on out.
func (d loadRSSDataset) ensure(dir string, out io.Writer) error {
	if _, err := os.Stat(dir); err == nil {
		fmt.Fprintf(out, "loadrss: %s: reusing %s\n", d.name, dir)
		return nil
	}
	tmp := dir + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("%s: %w", d.name, err)
	}
	t0 := time.Now()
	if err := d.write(tmp); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("writing %s into %s: %w", d.name, tmp, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("%s: %w", d.name, err)
	}
	fmt.Fprintf(out, "loadrss: %s: wrote %d+%d images into %s (%.1f s)\n", d.name, d.train, d.test, dir, time.Since(t0).Seconds())
	return nil
}

// runLoadRSSChild runs `binary loadrss-child args...` and returns the
// reading of the one line it writes. A failure carries the end of its
// stderr.
func runLoadRSSChild(binary string, args ...string) (childReading, error) {
	cmd := exec.Command(binary, append([]string{LoadRSSChildCommand}, args...)...)
	var stdout bytes.Buffer
	stderr := &tailBuffer{max: 4096}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	if err := cmd.Run(); err != nil {
		return childReading{}, fmt.Errorf("%s: %w: %s", binary, err, strings.TrimSpace(stderr.String()))
	}
	var lines []string
	for l := range strings.Lines(stdout.String()) {
		if strings.HasPrefix(l, childPrefix) {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	if len(lines) != 1 {
		return childReading{}, errors.New(binary + ": want one " + childPrefix + " line on stdout, got " + fmt.Sprint(len(lines)) + ": " + strings.TrimSpace(stdout.String()))
	}
	return parseChildLine(lines[0])
}

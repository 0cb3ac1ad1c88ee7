package events_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/useful-pipeline/useful-pipeline/graphs/events"
	"github.com/useful-pipeline/useful-pipeline/graphs/events/eventstest"
)

// point is one scalar as a reader returned it or as the test expects it.
type point struct {
	Step  int64
	Value float64
}

// tbOutput is what testdata/tb_read.py prints.
type tbOutput struct {
	Versions    map[string]string `json:"versions"`
	Accumulator map[string]struct {
		FileVersion float64             `json:"file_version"`
		TensorTags  []string            `json:"tensor_tags"`
		ScalarTags  []string            `json:"scalar_tags"`
		Points      map[string][][3]any `json:"points"`
	} `json:"accumulator"`
	PythonProvider map[string]map[string][][2]any `json:"python_provider"`
	RustProvider   map[string]map[string][][2]any `json:"rust_provider"`
}

// venvPython returns <repository root>/.venv/bin/python, or "" if missing.
func venvPython(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, ".venv", "bin", "python")
			if _, err := os.Stat(p); err != nil {
				return ""
			}
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// hexFloat parses a float.hex() string of tb_read.py.
func hexFloat(t *testing.T, v any) float64 {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("value %v is not a float.hex() string", v)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("value %q: %v", s, err)
	}
	return f
}

func step(t *testing.T, v any) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) {
		t.Fatalf("step %v is not an integer", v)
	}
	return int64(f)
}

// sameValue is exact equality, with NaN equal to NaN.
func sameValue(a, b float64) bool {
	return a == b && math.Signbit(a) == math.Signbit(b) || math.IsNaN(a) && math.IsNaN(b)
}

// recordOffsets returns the start of every record of a well-formed file and
// its length.
func recordOffsets(t *testing.T, b []byte) []int {
	t.Helper()
	var offs []int
	for off := 0; off < len(b); {
		offs = append(offs, off)
		off += events.RecordHeaderLen + int(binary.LittleEndian.Uint64(b[off:])) + events.RecordFooterLen
	}
	return append(offs, len(b))
}

// fixture is one run folder and the scalars a reader must return for it.
type fixture struct {
	run  string
	want map[string][]point
	note string
}

// writeRun writes values(tag, step) of every tag at every step to a new file
// in root/run, with the clock starting at t0, flushing after each step.
func writeRun(t *testing.T, root, run string, t0 time.Time, steps []int64, values func(tag string, step int64) float64, tags []string) string {
	t.Helper()
	w, err := events.CreateAt(filepath.Join(root, run), fixedClock(t0), &steps[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		m := map[string]float64{}
		for _, tag := range tags {
			m[tag] = values(tag, s)
		}
		if err := w.Scalars(s, m); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil { // once per epoch, as the training loop does
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.Path()
}

// epochTags are the tags a training hook writes every epoch (see doc.go).
var epochTags = []string{
	"train/loss", "train/accuracy", "train/error", "train/learning_rate",
	"train/images_per_s", "test/accuracy",
}

func epochValue(tag string, s int64) float64 {
	x := float64(s)
	switch tag {
	case "train/loss":
		return 2.302585092994046 / x
	case "train/accuracy":
		return 1 - 0.9/x
	case "train/error":
		return 0.9 / x
	case "train/learning_rate":
		return 0.1 * math.Pow(0.5, x)
	case "train/images_per_s":
		return 1234.5678 * x
	default:
		return 0.1 * x
	}
}

// TestTensorBoardReadsTheFiles writes runs into one log folder, has
// tensorboard 2.18 read it three ways (testdata/tb_read.py: EventAccumulator,
// the Python data provider of `--load_fast=false`, the Rust data server of the
// default `--load_fast=auto`) and requires every tag, step and value: the
// float32 the writer stored, compared exactly (as float64, NaN equal to NaN).
func TestTensorBoardReadsTheFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python with tensorboard and TensorFlow (about 10 s)")
	}
	py := venvPython(t)
	if py == "" {
		t.Skip("no .venv/bin/python at the repository root: run `make setup` to get tensorboard; skipping the TensorBoard read-back")
	}
	root := t.TempDir()
	t0 := time.Unix(1796151037, 0)
	var fixtures []fixture
	legacyWant := map[string]map[string][]point{} // where EventAccumulator differs
	f32 := func(v float64) float64 { return float64(float32(v)) }

	// 1. Six epochs of every epoch tag through one writer, then USEFUL's
	// measurements at the separating epoch t, edge values and edge steps.
	{
		w, err := events.CreateAt(filepath.Join(root, "epochs"), fixedClock(t0), ptr(1))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]point{}
		for s := int64(1); s <= 6; s++ {
			m := map[string]float64{}
			for _, tag := range epochTags {
				m[tag] = epochValue(tag, s)
				want[tag] = append(want[tag], point{s, f32(m[tag])})
			}
			if err := w.Scalars(s, m); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		edges := []struct {
			tag  string
			step int64
			v    float64
		}{
			{"useful/upsampled_share", 4, 0.3125},
			{"useful/cluster_size/slow", 4, 15625},
			{"useful/cluster_size/fast", 4, 34375},
			{"edge/nan", 7, math.NaN()},
			{"edge/inf", 7, math.Inf(1)},
			{"edge/overflow", 7, -1e39},  // beyond float32: -Inf
			{"edge/underflow", 7, 1e-50}, // below float32: +0
			{"edge/negzero", 7, math.Copysign(0, -1)},
			{"edge/bigstep", 1 << 40, 0.1},
			{"edge/negstep", -5, 1.5},
		}
		for _, e := range edges {
			if err := w.Scalar(e.tag, e.step, e.v); err != nil {
				t.Fatal(err)
			}
			want[e.tag] = append(want[e.tag], point{e.step, f32(e.v)})
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		fixtures = append(fixtures, fixture{"epochs", want, "6 epochs of the epoch tags, then edge values"})
	}

	// 2. A resumed run: epochs 1-5 in a first file, 4-6 again in a second
	// one a minute later (Create(dir, 4), as a run resumed from the checkpoint
	// of epoch 3 opens it).
	{
		first, again := []int64{1, 2, 3, 4, 5}, []int64{4, 5, 6}
		oldV := func(tag string, s int64) float64 { return float64(s) }
		newV := func(tag string, s int64) float64 { return 100 + float64(s) }
		writeRun(t, root, "resumed", t0, first, oldV, []string{"train/loss"})
		writeRun(t, root, "resumed", t0.Add(time.Minute), again, newV, []string{"train/loss"})
		var want, both []point
		for _, s := range first {
			if s < again[0] {
				want = append(want, point{s, oldV("", s)})
			}
			both = append(both, point{s, oldV("", s)})
		}
		for _, s := range again {
			want = append(want, point{s, newV("", s)})
			both = append(both, point{s, newV("", s)})
		}
		fixtures = append(fixtures, fixture{"resumed", map[string][]point{"train/loss": want}, "resume"})
		// The legacy EventAccumulator purges only its simple_value scalars,
		// histograms, images and audio on a restart, not tensors
		// (event_accumulator.py: accumulated_attrs has no "tensors"), so it
		// returns both writes of steps 4 and 5; the dashboards do not use it.
		legacyWant["resumed"] = map[string][]point{"train/loss": both}
	}

	// 3. One file cut at every kind of place: a record boundary, inside a
	// length, its checksum, the data, the data checksum.
	{
		base := writeRun(t, t.TempDir(), "base", t0, []int64{1, 2, 3, 4}, epochValue, []string{"train/loss"})
		b := readFile(t, base)
		offs := recordOffsets(t, b) // version, START, steps 1-4, end
		rec := offs[4]              // the record of step 3
		n := offs[5] - rec - events.RecordHeaderLen - events.RecordFooterLen
		cuts := []struct {
			name  string
			at    int
			whole int64 // steps 1..whole survive
		}{
			{"boundary", rec, 2},
			{"length", rec + 3, 2},
			{"lengthcrc", rec + 10, 2},
			{"data", rec + events.RecordHeaderLen + n/2, 2},
			{"datacrc", offs[5] - 2, 2},
			{"lastbyte", len(b) - 1, 3},
		}
		for _, c := range cuts {
			run := "cut_" + c.name
			if err := os.MkdirAll(filepath.Join(root, run), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, run, filepath.Base(base)), b[:c.at], 0o644); err != nil {
				t.Fatal(err)
			}
			var want []point
			for s := int64(1); s <= c.whole; s++ {
				want = append(want, point{s, f32(epochValue("train/loss", s))})
			}
			fixtures = append(fixtures, fixture{run, map[string][]point{"train/loss": want}, fmt.Sprintf("cut at byte %d of %d", c.at, len(b))})
		}
	}

	// 4. A writer process killed with SIGKILL while records sat in its buffer.
	{
		dir := filepath.Join(root, "killed")
		path, whole := runKilledWriter(t, dir)
		want := map[string][]point{}
		for s := int64(1); s <= whole; s++ {
			want[killedTag] = append(want[killedTag], point{s, f32(killedValue(s))})
		}
		fixtures = append(fixtures, fixture{"killed", want, "SIGKILL, " + filepath.Base(path)})
	}

	cmd := exec.Command(py, filepath.Join("testdata", "tb_read.py"), root)
	cmd.Env = append(os.Environ(), "TF_CPP_MIN_LOG_LEVEL=3", "CUDA_VISIBLE_DEVICES=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tb_read.py: %v\n%s", err, stderr.String())
	}
	t.Logf("tb_read.py read %d runs in %.1f s", len(fixtures), time.Since(start).Seconds())
	var got tbOutput
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("tb_read.py output: %v\n%s", err, out)
	}
	t.Logf("versions: %v", got.Versions)

	for _, fx := range fixtures {
		t.Run(fx.run, func(t *testing.T) {
			acc, ok := got.Accumulator[fx.run]
			if !ok {
				t.Fatalf("EventAccumulator returned no run %s (%s)", fx.run, fx.note)
			}
			if acc.FileVersion != 2 {
				t.Errorf("EventAccumulator file_version %v, want 2 (from %q)", acc.FileVersion, events.FileVersion)
			}
			if len(acc.ScalarTags) != 0 {
				t.Errorf("EventAccumulator scalar (simple_value) tags %v, want none: scalars are tensors as in TF2", acc.ScalarTags)
			}
			accPts := map[string][]point{}
			for tag, ps := range acc.Points {
				for _, p := range ps {
					if p[2] != events.ScalarPlugin {
						t.Errorf("EventAccumulator %s: plugin %v, want %q", tag, p[2], events.ScalarPlugin)
					}
					accPts[tag] = append(accPts[tag], point{step(t, p[0]), hexFloat(t, p[1])})
				}
			}
			legacy := fx
			if w, ok := legacyWant[fx.run]; ok {
				legacy.want = w
			}
			comparePoints(t, "EventAccumulator.Tensors", legacy, accPts)
			for name, prov := range map[string]map[string]map[string][][2]any{
				"Python data provider (--load_fast=false)": got.PythonProvider,
				"Rust data server (--load_fast=auto)":      got.RustProvider,
			} {
				pts := map[string][]point{}
				for tag, ps := range prov[fx.run] {
					for _, p := range ps {
						pts[tag] = append(pts[tag], point{step(t, p[0]), hexFloat(t, p[1])})
					}
				}
				comparePoints(t, name, fx, pts)
			}
		})
	}
}

func comparePoints(t *testing.T, reader string, fx fixture, got map[string][]point) {
	t.Helper()
	if len(got) != len(fx.want) {
		t.Errorf("%s: %d tags, want %d (%s)", reader, len(got), len(fx.want), fx.note)
	}
	for tag, want := range fx.want {
		g := got[tag]
		ok := len(g) == len(want)
		for i := 0; ok && i < len(g); i++ {
			ok = g[i].Step == want[i].Step && sameValue(g[i].Value, want[i].Value)
		}
		if !ok {
			t.Errorf("%s: %s\n got  %v\n want %v (%s)", reader, tag, g, want, fx.note)
		}
	}
}

// The killed writer writes killedValue(s) for killedTag at steps 1, 2, ...
const (
	killedTag     = "train/loss"
	killedFlushed = 10   // steps written and flushed first
	killedPending = 5000 // then written without Flush (the buffer spills)
	killedEnv     = "EVENTS_TEST_KILLED_WRITER_DIR"
)

func killedValue(s int64) float64 { return 1 / float64(s) }

// TestKilledWriterChild is the child process of runKilledWriter; it does
// nothing unless started by it.
func TestKilledWriterChild(t *testing.T) {
	dir := os.Getenv(killedEnv)
	if dir == "" {
		t.Skip("child process of TestTensorBoardReadsTheFiles")
	}
	w, err := events.Create(dir, 1)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	for s := int64(1); s <= killedFlushed+killedPending; s++ {
		if err := w.Scalar(killedTag, s, killedValue(s)); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		if s == killedFlushed {
			if err := w.Flush(); err != nil {
				fmt.Println("error:", err)
				os.Exit(1)
			}
		}
	}
	fmt.Println("ready", w.Path())
	time.Sleep(time.Minute) // killed long before
	os.Exit(3)
}

// runKilledWriter runs TestKilledWriterChild, SIGKILLs it once it has written,
// and returns its file and the number of whole scalar records in it, checked
// to end in a partial record.
func runKilledWriter(t *testing.T, dir string) (string, int64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriterChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killedEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("killed-writer child: %v (%q)", err, line)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	werr := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(werr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want SIGKILL; it said %q", werr, line)
	}
	var path string
	if _, err := fmt.Sscanf(line, "ready %s", &path); err != nil {
		t.Fatalf("child said %q", line)
	}
	evs, err := eventstest.ReadFile(path)
	if !errors.Is(err, eventstest.ErrTruncated) {
		t.Fatalf("killed file %s: %v; want it to end in a partial record", path, err)
	}
	pts, perr := eventstest.Scalars(evs)
	if perr != nil {
		t.Fatal(perr)
	}
	for i, p := range pts {
		if p.Tag != killedTag || p.Step != int64(i+1) || p.Value != float32(killedValue(p.Step)) {
			t.Fatalf("killed file record %d: %+v", i, p)
		}
	}
	if len(pts) <= killedFlushed || len(pts) >= killedFlushed+killedPending {
		t.Fatalf("killed file holds %d whole scalars, want more than the %d flushed and fewer than all %d", len(pts), killedFlushed, killedFlushed+killedPending)
	}
	t.Logf("killed writer: %d of %d scalars whole on disk, then %v", len(pts), killedFlushed+killedPending, err)
	return path, int64(len(pts))
}

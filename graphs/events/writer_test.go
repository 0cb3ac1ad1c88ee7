package events_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	epb "github.com/wamuir/graft/tensorflow/core/util/event_go_proto"

	"github.com/useful-pipeline/useful-pipeline/graphs/events"
	"github.com/useful-pipeline/useful-pipeline/graphs/events/eventstest"
)

// fixedClock returns t0, t0+1ms, t0+2ms, ... on successive calls.
func fixedClock(t0 time.Time) func() time.Time {
	n := 0
	return func() time.Time {
		n++
		return t0.Add(time.Duration(n-1) * time.Millisecond)
	}
}

func ptr(v int64) *int64 { return &v }

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFileName checks the format "%s.out.tfevents.%010lld.%s%s" of
// EventsWriter::InitIfNeeded with the suffix ".<pid>.<counter>.v2".
func TestFileName(t *testing.T) {
	got := events.FileName(time.Unix(1796151037, 999e6), "vm", 13686, 0)
	if want := "events.out.tfevents.1796151037.vm.13686.0.v2"; got != want {
		t.Errorf("FileName = %q, want %q (the golden file TensorFlow named)", got, want)
	}
	if got, want := events.FileName(time.Unix(5, 0), "h", 7, 12), "events.out.tfevents.0000000005.h.7.12.v2"; got != want {
		t.Errorf("FileName = %q, want %q (ten digits, zero padded)", got, want)
	}
}

// TestCreateNeverReusesAFile: a second writer in the same second gets a new
// name, and a file already holding the next name is skipped, not truncated.
func TestCreateNeverReusesAFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tb", "run") // parents are created
	t0 := time.Unix(1796151037, 0)
	w1, err := events.CreateAt(dir, fixedClock(t0), ptr(1))
	if err != nil {
		t.Fatal(err)
	}
	defer w1.Close()
	// Occupy the names the next two counters would give.
	parts := strings.Split(filepath.Base(w1.Path()), ".")
	c, err := strconv.Atoi(parts[len(parts)-2])
	if err != nil {
		t.Fatalf("counter of %s: %v", w1.Path(), err)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no hostname:", err)
	}
	if want := events.FileName(t0, host, os.Getpid(), int64(c)); filepath.Base(w1.Path()) != want {
		t.Fatalf("first writer %s, want %s", w1.Path(), want)
	}
	sentinel := []byte("not an event file")
	for k := 1; k <= 2; k++ {
		p := filepath.Join(dir, events.FileName(t0, host, os.Getpid(), int64(c+k)))
		if err := os.WriteFile(p, sentinel, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w2, err := events.CreateAt(dir, fixedClock(t0), ptr(1))
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if want := events.FileName(t0, host, os.Getpid(), int64(c+3)); filepath.Base(w2.Path()) != want {
		t.Errorf("second writer %s, want the counter to skip to %s", w2.Path(), want)
	}
	m, _ := filepath.Glob(filepath.Join(dir, "events.out.tfevents.*"))
	if len(m) != 4 {
		t.Errorf("%d files in %s, want 4: %v", len(m), dir, m)
	}
	for _, p := range m {
		if p == w1.Path() || p == w2.Path() {
			continue
		}
		if b := readFile(t, p); !bytes.Equal(b, sentinel) {
			t.Errorf("%s was overwritten: %q", p, b)
		}
	}
}

// TestCreateErrorsNameTheFolder: a folder that cannot be made is named.
func TestCreateErrorsNameTheFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "sub")} {
		_, err := events.Create(dir, 1)
		if err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("Create(%q) error %v, want one naming the folder", dir, err)
		}
	}
	if _, err := events.Create("", 1); err == nil {
		t.Error("Create(\"\") succeeded")
	}
}

// TestBufferedUntilFlush: only the version and START records are on disk
// until Flush; after Flush every record is, while the writer stays open.
func TestBufferedUntilFlush(t *testing.T) {
	w, err := events.CreateAt(t.TempDir(), fixedClock(time.Unix(1796151037, 0)), ptr(1))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for step := int64(1); step <= 3; step++ {
		if err := w.Scalars(step, map[string]float64{"train/loss": 1 / float64(step), "train/accuracy": 0.3 * float64(step)}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := eventstest.ReadFile(w.Path())
	if err != nil || len(evs) != 2 || evs[0].GetFileVersion() != events.FileVersion {
		t.Fatalf("before Flush: %d events (%v), want the version and START records only", len(evs), err)
	}
	if sl := evs[1].GetSessionLog(); sl.GetStatus() != epb.SessionLog_START || evs[1].Step != 1 {
		t.Errorf("second record %v, want SessionLog START at step 1", evs[1])
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	evs, err = eventstest.ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	pts, err := eventstest.Scalars(evs)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 8 || len(pts) != 6 {
		t.Fatalf("after Flush: %d events, %d scalars; want 8 and 6", len(evs), len(pts))
	}
	for i, p := range pts {
		step := int64(i/2 + 1)
		wantTag, want := "train/accuracy", float32(0.3*float64(step)) // sorted: accuracy first
		if i%2 == 1 {
			wantTag, want = "train/loss", float32(1/float64(step))
		}
		if p.Tag != wantTag || p.Step != step || p.Value != want {
			t.Errorf("scalar %d: %s@%d = %v, want %s@%d = %v", i, p.Tag, p.Step, p.Value, wantTag, step, want)
		}
	}
}

// TestScalarsDeterministic: the same map written twice with the same clock
// gives the same bytes (map order does not leak), tags in increasing order.
func TestScalarsDeterministic(t *testing.T) {
	m := map[string]float64{}
	for i := range 40 {
		m["tag"+strconv.Itoa(i*7919%1000)] = float64(i)
	}
	var files [][]byte
	for range 2 {
		w, err := events.CreateAt(t.TempDir(), fixedClock(time.Unix(1796151037, 0)), ptr(1))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Scalars(9, m); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		files = append(files, readFile(t, w.Path()))
		evs, err := eventstest.ReadFile(w.Path())
		if err != nil {
			t.Fatal(err)
		}
		pts, _ := eventstest.Scalars(evs)
		if len(pts) != len(m) || !sort.SliceIsSorted(pts, func(i, j int) bool { return pts[i].Tag < pts[j].Tag }) {
			t.Errorf("%d scalars, sorted by tag: %v", len(pts), sort.SliceIsSorted(pts, func(i, j int) bool { return pts[i].Tag < pts[j].Tag }))
		}
		for _, p := range pts {
			if float64(p.Value) != m[p.Tag] || p.Step != 9 {
				t.Errorf("%s@%d = %v, want %v@9", p.Tag, p.Step, p.Value, m[p.Tag])
			}
		}
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two writes of the same map differ")
	}
}

// TestBadTagsAndClosedWriter: errors name the file; a bad tag in a map writes
// nothing; calls after Close fail with ErrClosed; Close twice is fine.
func TestBadTagsAndClosedWriter(t *testing.T) {
	w, err := events.CreateAt(t.TempDir(), fixedClock(time.Unix(1796151037, 0)), ptr(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"", "bad\xff"} {
		if err := w.Scalar(tag, 1, 1); err == nil || !strings.Contains(err.Error(), w.Path()) {
			t.Errorf("Scalar(%q) error %v, want one naming %s", tag, err, w.Path())
		}
		if err := w.Scalars(1, map[string]float64{"ok": 1, tag: 2}); err == nil || !strings.Contains(err.Error(), w.Path()) {
			t.Errorf("Scalars with tag %q: error %v, want one naming %s", tag, err, w.Path())
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if evs, err := eventstest.ReadFile(w.Path()); err != nil || len(evs) != 2 {
		t.Errorf("after bad tags: %d events (%v), want the version and START records only", len(evs), err)
	}
	for name, err := range map[string]error{
		"Scalar":  w.Scalar("a", 1, 1),
		"Scalars": w.Scalars(1, map[string]float64{"a": 1}),
		"Flush":   w.Flush(),
	} {
		if !errors.Is(err, events.ErrClosed) || !strings.Contains(err.Error(), w.Path()) {
			t.Errorf("%s after Close: %v, want ErrClosed naming %s", name, err, w.Path())
		}
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestReaderNamesBadRecords: the test reader reports a damaged or cut record
// with the file and the record's offset (it is the reference the other tests
// lean on, so it must fail when it should).
func TestReaderNamesBadRecords(t *testing.T) {
	w, err := events.CreateAt(t.TempDir(), fixedClock(time.Unix(1796151037, 0)), ptr(1))
	if err != nil {
		t.Fatal(err)
	}
	for step := range int64(3) {
		if err := w.Scalar("loss", step, 0.5); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	good := readFile(t, w.Path())
	offs := recordOffsets(t, good)
	second := offs[3] // version, START, scalar 0, scalar 1 (this one), scalar 2
	for _, c := range []struct {
		name  string
		mod   func([]byte) []byte
		whole int
		msg   string
	}{
		{"length flipped", func(b []byte) []byte { b[second] ^= 1; return b }, 3, "length checksum"},
		{"data flipped", func(b []byte) []byte { b[second+events.RecordHeaderLen+3] ^= 0x80; return b }, 3, "data checksum"},
		{"footer flipped", func(b []byte) []byte { b[offs[4]-1] ^= 1; return b }, 3, "data checksum"},
		{"cut in data", func(b []byte) []byte { return b[:second+events.RecordHeaderLen+2] }, 3, "truncated"},
		{"cut in header", func(b []byte) []byte { return b[:second+5] }, 3, "truncated"},
	} {
		p := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(p, c.mod(bytes.Clone(good)), 0o644); err != nil {
			t.Fatal(err)
		}
		evs, err := eventstest.ReadFile(p)
		var re *eventstest.RecordError
		if !errors.As(err, &re) || re.Path != p || re.Offset != int64(second) || !strings.Contains(err.Error(), c.msg) || len(evs) != c.whole {
			t.Errorf("%s: %d events, error %v; want %d events and a %q error at %s offset %d", c.name, len(evs), err, c.whole, c.msg, p, second)
		}
		if c.msg == "truncated" && !errors.Is(err, eventstest.ErrTruncated) {
			t.Errorf("%s: %v does not wrap ErrTruncated", c.name, err)
		}
	}
}

package events_test

import (
	"bytes"
	"math"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/useful-pipeline/useful-pipeline/graphs/events"
	"github.com/useful-pipeline/useful-pipeline/graphs/events/eventstest"
)

// golden is the list of testdata/make_golden.py: (step, tag, value) in the
// order TensorFlow 2.18 wrote them into testdata/tf2.18.
var golden = []struct {
	step  int64
	tag   string
	value float64
}{
	{0, "accuracy", 0.1},
	{0, "loss", 2.302585092994046},
	{1, "accuracy", 0.5},
	{1, "loss", -1.5},
	{2, "learning_rate", 1e-08},
	{2, "loss", 16777217.0},
	{-3, "images_per_s", 12345.678},
}

// fileNameRE is the name TensorFlow 2.18 gives a tf.summary.create_file_writer file.
var fileNameRE = regexp.MustCompile(`^events\.out\.tfevents\.\d{10}\.[^/]+\.\d+\.\d+\.v2$`)

// TestGoldenTensorFlowFile writes the scalars of testdata/make_golden.py with
// the wall times TensorFlow 2.18 recorded and requires the very bytes
// TensorFlow wrote: framing, CRCs, the version record and every Event.
func TestGoldenTensorFlowFile(t *testing.T) {
	path := goldenPath(t)
	want := readGolden(t)
	evs, err := eventstest.ReadFile(path)
	if err != nil {
		t.Fatalf("reading TensorFlow's own file: %v", err)
	}
	if len(evs) != 1+len(golden) {
		t.Fatalf("TensorFlow's file has %d events, want %d", len(evs), 1+len(golden))
	}
	if !fileNameRE.MatchString(filepath.Base(path)) {
		t.Errorf("golden file name %q does not match %v", filepath.Base(path), fileNameRE)
	}
	if v := evs[0].GetFileVersion(); v != events.FileVersion {
		t.Errorf("TensorFlow's file_version %q, package has %q", v, events.FileVersion)
	}
	if w := evs[0].GetSourceMetadata().GetWriter(); w != events.SourceWriter {
		t.Errorf("TensorFlow's source writer %q, package has %q", w, events.SourceWriter)
	}

	// Replay TensorFlow's clock: whole seconds for the version record, then
	// the microsecond wall time of each Event.
	times := []time.Time{time.Unix(int64(evs[0].WallTime), 0)}
	for _, ev := range evs[1:] {
		times = append(times, time.UnixMicro(int64(math.Round(ev.WallTime*1e6))))
	}
	clock := func() time.Time {
		if len(times) == 0 {
			t.Fatal("writer read the clock more often than TensorFlow did")
		}
		tm := times[0]
		times = times[1:]
		return tm
	}
	w, err := events.CreateAt(t.TempDir(), clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range golden {
		if err := w.Scalar(g.tag, g.step, g.value); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !fileNameRE.MatchString(filepath.Base(w.Path())) {
		t.Errorf("file name %q does not match %v", filepath.Base(w.Path()), fileNameRE)
	}
	got := readFile(t, w.Path())
	if !bytes.Equal(got, want) {
		t.Errorf("Go wrote %d bytes, TensorFlow %d; first difference at byte %d", len(got), len(want), firstDiff(got, want))
	}

	// The values as TensorFlow stored them: float32 of the Python float.
	pts, err := eventstest.Scalars(evs)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pts {
		g := golden[i]
		if p.Tag != g.tag || p.Step != g.step || p.Value != float32(g.value) {
			t.Errorf("TensorFlow point %d: %s@%d = %v, want %s@%d = float32(%v)", i, p.Tag, p.Step, p.Value, g.tag, g.step, g.value)
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

package bench

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/options"
)

// python is the project's venv interpreter, or the test is skipped.
func python(t *testing.T) string {
	t.Helper()
	exe, err := filepath.Abs("../.venv/bin/python")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(exe); err != nil {
		t.Skipf("no %s (make setup)", exe)
	}
	return exe
}

// modelDir is a SavedModel folder of models/, or the test is skipped.
func modelDir(t *testing.T, name string) string {
	t.Helper()
	d, err := filepath.Abs(filepath.Join("..", "models", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d, "manifest.json")); err != nil {
		t.Skipf("no %s (make models)", d)
	}
	return d
}

const fakeProc = `
import json, sys
print("a line that is not JSON", flush=True)
print(json.dumps({"no_event": 1}), flush=True)
print(json.dumps({"event": "ready", "n": 3}), flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd == ["quit"]:
        sys.exit(0)
    if cmd[0] == "ping":
        print("noise", flush=True)
        print(json.dumps({"event": "pong", "x": [1.5, int(cmd[1])]}), flush=True)
    elif cmd[0] == "die":
        print("something went wrong: the value 42", file=sys.stderr, flush=True)
        sys.exit(3)
`

// TestPyProc: the protocol of the long-lived Python side: events found
// among other output, answers checked for their kind, a process that dies
// reports its stderr, quit ends it cleanly.
func TestPyProc(t *testing.T) {
	exe := python(t)
	script := filepath.Join(t.TempDir(), "fake.py")
	if err := os.WriteFile(script, []byte(fakeProc), 0o644); err != nil {
		t.Fatal(err)
	}
	p, ready, err := StartPyProc(exe, script)
	if err != nil {
		t.Fatal(err)
	}
	if ready["event"] != "ready" || ready["n"] != 3.0 {
		t.Fatalf("ready event %v", ready)
	}
	ev, err := p.Do("ping 7", "pong")
	if err != nil {
		t.Fatal(err)
	}
	if x, err := floats(ev, "x"); err != nil || len(x) != 2 || x[0] != 1.5 || x[1] != 7 {
		t.Fatalf("x = %v, %v", x, err)
	}
	if _, err := floats(ev, "y"); err == nil {
		t.Fatal("missing list accepted")
	}
	if _, err := p.Do("ping 1", "epochs"); err == nil || !strings.Contains(err.Error(), `event pong, want "epochs"`) {
		t.Fatalf("wrong event kind: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("close after quit: %v", err)
	}

	p, _, err = StartPyProc(exe, script)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Do("die", "pong")
	if err == nil || !strings.Contains(err.Error(), "the value 42") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("death not reported with stderr: %v", err)
	}
	p.Close()

	bad := filepath.Join(t.TempDir(), "bad.py")
	os.WriteFile(bad, []byte("import sys\nprint('no such module', file=sys.stderr)\nsys.exit(1)\n"), 0o644)
	if _, _, err := StartPyProc(exe, bad); err == nil || !strings.Contains(err.Error(), "no such module") {
		t.Fatalf("start failure: %v", err)
	}
}

// TestScheduleAgrees: keras_models.lr_at (the Keras side's schedule)
// equals options.LRAt (the Go loop's) for every epoch, bit for bit.
func TestScheduleAgrees(t *testing.T) {
	exe := python(t)
	lengths := []int{1, 3, 30, 200}
	code := "import sys; sys.path.insert(0, 'python'); import keras_models as km\n" +
		"for n in (1, 3, 30, 200): print(' '.join(repr(km.lr_at(0.1, n, 'step', e)) for e in range(n)))"
	out, err := exec.Command(exe, "-c", code).Output()
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(rows) != len(lengths) {
		t.Fatalf("python printed %q", out)
	}
	for i, epochs := range lengths {
		o := options.Defaults("fashion-mnist", "mlp3")
		o.Epochs = epochs
		got := strings.Fields(rows[i])
		if len(got) != epochs {
			t.Fatalf("%d epochs: python printed %q", epochs, rows[i])
		}
		for e, s := range got {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || v != o.LRAt(e) {
				t.Fatalf("%d epochs, epoch %d: python %s, Go %v", epochs, e, s, o.LRAt(e))
			}
		}
	}
}

func TestFitOrder(t *testing.T) {
	if fitOrder(0) != [2]string{"go", "keras"} || fitOrder(1) != [2]string{"keras", "go"} || fitOrder(2) != fitOrder(0) {
		t.Fatal("rounds must alternate which side goes first")
	}
	if average([]float64{1, 2, 6}) != 3 {
		t.Fatal("average")
	}
}

// TestFitSmoke: two rounds of one 4-step epoch of mlp3 on each side; the
// Keras process must report the Go sampler's step count and both sides
// their times.
func TestFitSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts TensorFlow in Python (~15 s)")
	}
	exe, dir := python(t), modelDir(t, "mlp3-28x28x1-c10")
	o := options.Defaults("fashion-mnist", "mlp3")
	o.Augment = "cropflip"
	var out bytes.Buffer
	res, err := Fit(FitConfig{ModelDir: dir, N: 500, Recipe: &o, Method: "sam", EpochsPerRound: 1, Rounds: 2, WarmupSteps: 1,
		Threads: 1, Python: exe, ScriptDir: "python"}, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Log(out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if res.StepsPerEpoch != 4 || len(lines) != 3 || !strings.Contains(lines[1], "(keras first)") {
		t.Fatalf("steps %d, output:\n%s", res.StepsPerEpoch, out.String())
	}
	if !(res.GoEpoch > 0 && res.KerasEpoch > 0 && res.GoOverKeras > 0) {
		t.Fatalf("result %+v", res)
	}
	if !strings.Contains(lines[2], "Go/Keras = "+strconv.FormatFloat(res.GoOverKeras, 'f', 3, 64)) {
		t.Fatalf("summary line %q lacks the ratio %.3f", lines[2], res.GoOverKeras)
	}
}

// TestSamplerBestSmoke: the vectorised tf.data pipeline runs beside the Go
// sampler and the per-example one on small generated images.
func TestSamplerBestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts TensorFlow in Python twice (~15 s)")
	}
	exe := python(t)
	d, err := LoadBenchData("", []int{8, 8, 3}, 10, 2000, 1)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	r, err := SamplerBest(SamplerConfig{Data: d, Augment: "trivialaugment", BatchSize: 32, Seconds: 0.3, Threads: 1,
		Py: Python{Exe: exe, ScriptDir: "python", Data: "generated"}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	if !(r.Go > 0 && r.PerExample > 0 && r.Vectorised > 0) || !strings.Contains(out.String(), "Go / best tf.data = ") {
		t.Fatalf("rates %+v, output:\n%s", r, out.String())
	}
}

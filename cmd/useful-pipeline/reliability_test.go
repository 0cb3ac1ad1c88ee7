package main

// Tests of what a run directory promises (issue "Nothing lost, nothing
// stale"): the tool writes only into its own run directories, cleans only
// the temporaries it wrote, never recomputes over a run without --resume
// or --overwrite, and --resume refuses inputs that changed since the run
// started; a run that diverges in the probe is not recorded complete.

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
)

// tiny is a quick toy run (200 examples, 20 full-batch iterations, one
// method, no comparison runs, no sharpness).
func tiny(t *testing.T, dir string, extra ...string) []string {
	return append([]string{"--run-dir", dir, "--models-dir", modelsDir(t), "--quiet", "--seed", "0", "--toy-n", "200", "--epochs", "20",
		"--separate-epoch", "5", "--method", "sgd", "--toy-compare-beta-d", "-1", "--sharpness=false"}, extra...)
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, e := runCmd(args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s\n%s", args, code, e, out)
	}
	return out
}

func TestRunDirIsTheToolsOwn(t *testing.T) {
	root := t.TempDir()
	// A regular file as --run-dir: bad input, the file untouched.
	file := filepath.Join(root, "results.txt")
	os.WriteFile(file, []byte("mine\n"), 0o644)
	expectExit(t, 2, filepath.Join(root, "never"), tiny(t, file), "--run-dir", file, "is a file")
	if b, _ := os.ReadFile(file); string(b) != "mine\n" {
		t.Fatal("the file given as --run-dir changed")
	}
	// A folder of the user's: refused, nothing added or removed.
	user := filepath.Join(root, "thesis")
	os.MkdirAll(filepath.Join(user, "figs"), 0o755)
	os.WriteFile(filepath.Join(user, "figs", ".draft.tmp-1"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(user, "notes.md"), []byte("y"), 0o644)
	before := snapshotAll(t, user)
	code, _, e := runCmd(tiny(t, user)...)
	if code != 2 || !strings.Contains(e, user) || !strings.Contains(e, "not a useful-pipeline run directory") {
		t.Fatalf("user folder: exit %d, %q", code, e)
	}
	if after := snapshotAll(t, user); !equalMaps(before, after) {
		t.Fatalf("the user's folder changed: %v -> %v", before, after)
	}
}

// TestStaleTemporariesOnlyTheTools: after a kill, the next process removes
// the temporaries the tool writes beside its artifacts, and nothing else.
func TestStaleTemporariesOnlyTheTools(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	mustRun(t, tiny(t, dir)...)
	ours := []string{filepath.Join(dir, "probe", "sgd", ".curves.csv.tmp-123"), filepath.Join(dir, ".config.json.tmp-77")}
	oursDir := filepath.Join(dir, "retrain", "sgd", ".ckpt.tmp-456")
	user := []string{filepath.Join(dir, "notes", ".draft.tmp-1"), filepath.Join(dir, "probe", ".mine.tmp-2"), filepath.Join(dir, "probe", "sgd", ".curves.csv.tmp-x")}
	for _, p := range append(append([]string{}, ours...), user...) {
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("x"), 0o644)
	}
	os.MkdirAll(oursDir, 0o755)
	os.WriteFile(filepath.Join(oursDir, "w.index"), []byte("x"), 0o644)
	out := mustRun(t, append(tiny(t, dir), "--resume")...)
	if !strings.Contains(out, "removed 3 temporary files") {
		t.Errorf("output lacks the cleaning line:\n%s", out)
	}
	for _, p := range append(ours, oursDir) {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("stale temporary %s was kept", p)
		}
	}
	for _, p := range user {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("the user's file %s was removed: %v", p, err)
		}
	}
}

// TestNoRecomputeOverARun: --stage all over a finished run without
// --resume is refused with nothing rewritten (with the same or another
// seed); --overwrite replaces it, removing the old one.
func TestNoRecomputeOverARun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	mustRun(t, tiny(t, dir)...)
	before := snapshotAll(t, dir)
	for _, extra := range [][]string{nil, {"--seed", "7"}} {
		code, _, e := runCmd(tiny(t, dir, extra...)...)
		if code != 2 || !strings.Contains(e, dir) || !strings.Contains(e, "--resume") || !strings.Contains(e, "--overwrite") {
			t.Fatalf("rerun %v: exit %d, %q", extra, code, e)
		}
		if after := snapshotAll(t, dir); !equalMaps(before, after) {
			t.Fatalf("rerun %v changed the run directory", extra)
		}
	}
	code, _, e := runCmd(tiny(t, dir, "--resume", "--overwrite")...)
	if code != 2 || !strings.Contains(e, "--overwrite") {
		t.Fatalf("--resume --overwrite: exit %d, %q", code, e)
	}
	mustRun(t, tiny(t, dir, "--seed", "7", "--overwrite")...)
	var cfg map[string]any
	b, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if json.Unmarshal(b, &cfg); cfg["seed"] != 7.0 {
		t.Fatalf("after --overwrite config.json has seed %v", cfg["seed"])
	}
	ref := filepath.Join(t.TempDir(), "seed7")
	mustRun(t, tiny(t, ref, "--seed", "7")...)
	if a, b := metricsJSON(t, ref), metricsJSON(t, dir); a != b {
		t.Fatalf("--overwrite run differs from a fresh one:\n%s\n%s", a, b)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".run.overwrite-*"))
	if len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

// TestConfigFileReproducesRun: a run's config.json given as --config (to
// a new run directory) gives the same metrics.json.
func TestConfigFileReproducesRun(t *testing.T) {
	x := filepath.Join(t.TempDir(), "x")
	mustRun(t, tiny(t, x, "--seed", "3", "--lr", "0.07", "--baselines", "random")...)
	y := filepath.Join(t.TempDir(), "y")
	mustRun(t, "--config", filepath.Join(x, "config.json"), "--run-dir", y, "--models-dir", modelsDir(t), "--quiet")
	if a, b := metricsJSON(t, x), metricsJSON(t, y); a != b {
		t.Fatalf("--config run differs:\n x: %s\n y: %s", a, b)
	}
	a, _ := os.ReadFile(filepath.Join(x, "config.json"))
	b, _ := os.ReadFile(filepath.Join(y, "config.json"))
	if string(a) != string(b) {
		t.Fatalf("config.json differs:\n%s\n%s", a, b)
	}
}

// TestResumeRefusesChangedModel: the SavedModel re-exported (a variables
// file changed) since the run started: --resume exits 2 naming it.
func TestResumeRefusesChangedModel(t *testing.T) {
	models := t.TempDir()
	m := copyModel(t, "toy_cnn-3x50-c2", models, "toy_cnn-3x50-c2")
	dir := filepath.Join(t.TempDir(), "run")
	args := tiny(t, dir, "--models-dir", models)
	mustRun(t, append(args, "--stage", "load")...)
	mustRun(t, append(args, "--stage", "probe")...)
	// A re-export: the variables differ (TensorFlow would refuse the
	// tampered shard itself; the digest check names the change first).
	data := filepath.Join(m, "variables", "variables.data-00000-of-00001")
	b, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 1
	replaceFile(t, data, b)
	before := snapshotAll(t, dir)
	code, _, e := runCmd(append(args, "--resume")...)
	if code != 2 || !strings.Contains(e, "SavedModel folder changed") || !strings.Contains(e, "changed "+data) || !strings.Contains(e, "--overwrite") {
		t.Fatalf("resume after re-export: exit %d, %q", code, e)
	}
	if after := snapshotAll(t, dir); !equalMaps(before, after) {
		t.Fatal("the refused resume changed the run directory")
	}
}

// TestResumeRefusesChangedData: a data file changed since the run began.
func TestResumeRefusesChangedData(t *testing.T) {
	data := t.TempDir()
	if err := loaderstest.CopyTree(data, loaderstest.Path("idx", "gz")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	args := []string{"--run-dir", dir, "--models-dir", modelsDir(t), "--quiet", "--dataset", "fashion-mnist", "--data-dir", data,
		"--model", "mlp3", "--epochs", "3", "--separate-epoch", "1", "--method", "sgd", "--batch-size", "10", "--sharpness=false"}
	mustRun(t, append(args, "--stage", "load")...)
	lbl := filepath.Join(data, loaders.IDXTrainLabels+".gz")
	labels := rewriteGzipByte(t, lbl)
	code, _, e := runCmd(append(args, "--resume")...)
	if code != 2 || !strings.Contains(e, "data files changed") || !strings.Contains(e, "changed "+lbl) {
		t.Fatalf("resume after the data changed: exit %d, %q (labels now %v...)", code, e, labels[:3])
	}
}

// TestResumeRefusesForeignCheckpoint: a retrain checkpoint replaced by
// another run's (same run name, another run directory) is refused.
func TestResumeRefusesForeignCheckpoint(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	mustRun(t, tiny(t, a, "--seed", "1")...)
	mustRun(t, tiny(t, b, "--seed", "2")...)
	// B's retrain must run again: drop its records from retrain on, and
	// put A's checkpoint of the same run name in place of B's.
	for _, s := range []string{"retrain", "evaluate", "report"} {
		os.Remove(filepath.Join(b, "stages", s+".json"))
	}
	ck := filepath.Join(b, "retrain", "sgd", "ckpt")
	os.RemoveAll(ck)
	linkTree(t, ck, filepath.Join(a, "retrain", "sgd", "ckpt"))
	code, _, e := runCmd(tiny(t, b, "--seed", "2", "--resume")...)
	if code != 2 || !strings.Contains(e, filepath.Join(ck, "state.json")) || !strings.Contains(e, "copied from another run") {
		t.Fatalf("resume with another run's checkpoint: exit %d, %q", code, e)
	}
}

// TestDivergingProbeIsNotRecorded: with a huge learning rate the weights
// become non-finite with the probe's last update (epoch 4 of 4; the
// training loss of that step was still finite, so no train step saw a NaN
// and the probe used to be recorded complete); the probe fails naming run
// and epoch, and is not recorded complete.
func TestDivergingProbeIsNotRecorded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, _, e := runCmd(tiny(t, dir, "--lr", "1000", "--epochs", "50", "--separate-epoch", "4")...)
	if code != 1 || !strings.Contains(e, "run probe/sgd") || !strings.Contains(e, "after epoch 4") || !strings.Contains(e, "not recorded complete") {
		t.Fatalf("diverging probe: exit %d, %q", code, e)
	}
	if _, err := os.Stat(filepath.Join(dir, "stages", "probe.json")); err == nil {
		t.Fatal("the diverged probe was recorded complete")
	}
}

// snapshotAll maps every file under root, hidden ones included, to its
// content's sha256 (the lock file aside: flock rewrites its pid).
func snapshotAll(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == ".lock" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = sha256Hex(b)
		return nil
	})
	return out
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// rewriteGzipByte changes the first label of a gzipped IDX label file to
// another valid class (a new file, so hard links elsewhere keep the old
// content) and returns the new labels.
func rewriteGzipByte(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	raw[8] = (raw[8] + 1) % 10 // the first label, after the 8-byte header
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	replaceFile(t, path, buf.Bytes())
	return raw[8:]
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestInstalledBinaryRunsFromAnywhere: `make install PREFIX=...` gives a
// binary that finds its TensorFlow libraries relative to itself: run from
// /tmp with an empty environment, --version prints the library version.
func TestInstalledBinaryRunsFromAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and copies the TensorFlow libraries")
	}
	_, file, _, _ := runtime.Caller(0)
	repo, _ := filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
	prefix := filepath.Join(t.TempDir(), "prefix")
	cmd := exec.Command("make", "-s", "install", "PREFIX="+prefix)
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	bin := filepath.Join(prefix, "bin", "useful-pipeline")
	run := exec.Command(bin, "--version")
	run.Dir = os.TempDir()
	run.Env = []string{}
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "TensorFlow 2.18.0") || !strings.Contains(string(out), "useful-pipeline") {
		t.Fatalf("%s --version from %s with no environment: %v\n%s", bin, run.Dir, err, out)
	}
	if strings.Contains(string(out), repo) {
		t.Errorf("output names the checkout: %s", out)
	}
	ldd, _ := exec.Command("readelf", "-d", bin).Output()
	if strings.Contains(string(ldd), repo) || !strings.Contains(string(ldd), "$ORIGIN/../lib/useful-pipeline") {
		t.Errorf("the installed binary's dynamic section refers to the checkout or lacks the relative runpath:\n%s", ldd)
	}
}

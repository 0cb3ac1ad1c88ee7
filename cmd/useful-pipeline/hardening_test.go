package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/useful-pipeline/useful-pipeline/internal/atomicfile"
	"github.com/useful-pipeline/useful-pipeline/pipeline"
)

var pipelineStages = pipeline.Names()

// hardArgs is the run of the hardening tests: a small toy run through every
// stage with progress lines (no --quiet), so that "stage done" lines show
// where a run is.
func hardArgs(t *testing.T, dir string) []string {
	return []string{"--run-dir", dir, "--models-dir", modelsDir(t), "--seed", "0", "--toy-n", "600", "--epochs", "40",
		"--separate-epoch", "20", "--toy-compare-beta-d", "-1", "--stage", "all"}
}

// snapshot maps every file under root (relative path) to its sha256, and
// fails the test if a temporary file is found.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", rel)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := sha256.Sum256(b)
		out[rel] = hex.EncodeToString(s[:])
		return nil
	})
	return out
}

func metricsJSON(t *testing.T, dir string) string {
	t.Helper()
	b, _ := json.Marshal(comparable(t, filepath.Join(dir, "metrics.json")))
	return string(b)
}

// TestDiskFullFailsStageCleanly runs the stages one by one; before each, a
// fault-injecting writer makes every write of the stage fail with ENOSPC
// ("no space left on device"). The stage must fail with exit status 1 and
// a message naming the file, leave every earlier artifact byte for byte as
// it was and no temporary file; once "space is freed" the stage runs, and
// the final metrics equal an uninterrupted run's.
func TestDiskFullFailsStageCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the toy model")
	}
	root := t.TempDir()
	ref := filepath.Join(root, "ref")
	if code, _, e := runCmd(append(hardArgs(t, ref), "--quiet")...); code != 0 {
		t.Fatalf("reference run: exit %d: %s", code, e)
	}
	dir := filepath.Join(root, "full")
	args := func(stage string) []string {
		a := hardArgs(t, dir)
		return append(a[:len(a)-1], stage, "--quiet")
	}
	for _, s := range pipelineStages {
		before := snapshot(t, dir)
		var failed []string
		restore := atomicfile.InjectFault(func(path string, size int64) error {
			if filepath.Base(path) == "config.json" {
				return nil // written before any stage runs; rewritten unchanged
			}
			failed = append(failed, path)
			return syscall.ENOSPC
		})
		code, _, e := runCmd(args(s)...)
		restore()
		if code != 1 {
			t.Fatalf("stage %s on a full disk: exit %d, want 1; stderr %q", s, code, e)
		}
		if len(failed) == 0 || !strings.Contains(e, "no space left on device") || !strings.Contains(e, failed[0]) {
			t.Errorf("stage %s: stderr %q should name %v and say no space left on device", s, e, failed)
		}
		if strings.Contains(e, "goroutine ") || strings.Contains(e, "panic") {
			t.Errorf("stage %s: stack trace on stderr: %q", s, e)
		}
		after := snapshot(t, dir)
		for f, sum := range before {
			if after[f] != sum && f != ".lock" {
				t.Errorf("stage %s on a full disk changed earlier artifact %s", s, f)
			}
		}
		for f := range after {
			// TensorBoard event files are logs appended while a run trains,
			// not atomic artifacts: the fault reaches only the tool's atomic
			// writes, and readers drop a cut last record (graphs/events).
			if _, ok := before[f]; !ok && f != "config.json" && f != ".lock" && !strings.HasPrefix(f, "tb/") {
				t.Errorf("stage %s on a full disk left a new file %s", s, f)
			}
		}
		if code, _, e := runCmd(args(s)...); code != 0 {
			t.Fatalf("stage %s after freeing space: exit %d: %s", s, code, e)
		}
	}
	if a, b := metricsJSON(t, ref), metricsJSON(t, dir); a != b {
		t.Fatalf("metrics after the disk-full failures differ:\n ref: %s\n got: %s", a, b)
	}
}

// startMain starts the test binary as the command with args; its combined
// output goes to the returned reader.
func startMain(t *testing.T, args []string) (*exec.Cmd, io.Reader) {
	t.Helper()
	cmd, out, err := startProcess(args)
	if err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// startProcess is startMain for goroutines other than the test's: it
// returns the error instead of failing the test.
func startProcess(args []string) (*exec.Cmd, *os.File, error) {
	cmd := mainCommand(args)
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	err = cmd.Start()
	pw.Close()
	if err != nil {
		pr.Close()
		return nil, nil, err
	}
	return cmd, pr, nil
}

// mainCommand is the test binary run as the command with args.
func mainCommand(args []string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "USEFUL_PIPELINE_AS_MAIN=1")
	return cmd
}

// TestSecondProcessRefused: while one process works on a run directory, a
// second one on the same directory exits 1 naming the directory and the
// lock; after the first is killed (SIGKILL), the lock is not stuck and the
// second can resume.
func TestSecondProcessRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the toy model")
	}
	dir := filepath.Join(t.TempDir(), "run")
	args := append(hardArgs(t, dir), "--epochs", "3000", "--separate-epoch", "40")
	first, outp := startMain(t, args)
	defer first.Process.Kill()
	sc := bufio.NewScanner(outp)
	for sc.Scan() { // wait until it works (holds the lock)
		if strings.HasPrefix(sc.Text(), "load: stage done") {
			break
		}
	}
	go io.Copy(io.Discard, outp)
	before := snapshot(t, dir)
	code, _, e := runCmd(args...)
	if code != 1 || !strings.Contains(e, "is in use by another useful-pipeline process") || !strings.Contains(e, dir) {
		t.Fatalf("second process: exit %d, stderr %q", code, e)
	}
	if strings.Contains(e, "goroutine ") {
		t.Errorf("stack trace: %q", e)
	}
	first.Process.Signal(syscall.SIGKILL)
	first.Wait()
	for f, sum := range before { // the refused process wrote nothing
		if f == "config.json" || strings.HasPrefix(f, "stages/load") || strings.HasPrefix(f, "data/") {
			if got := snapshot(t, dir)[f]; got != sum {
				t.Errorf("%s changed", f)
			}
		}
	}
	// A dead process leaves no stuck lock: the same options, one stage.
	code, _, e = runCmd(append(args, "--stage", "load")...)
	if code != 0 {
		t.Fatalf("after the first process died: exit %d, stderr %q", code, e)
	}
}

var stageDoneLine = regexp.MustCompile(`^(\w+): stage done in`)

// killThenResume starts the program with args, kills it (SIGKILL) delay
// after stage k began (the stage before it printed "stage done"), then
// reruns it with --resume --quiet as a new process. It returns the stage
// the kill landed in ("after report" past the last), and the resume's exit
// status and output.
func killThenResume(args []string, k int, delay time.Duration) (in string, code int, out string) {
	cmd, pr, err := startProcess(args)
	if err != nil {
		return "", -1, err.Error()
	}
	started := make(chan struct{}, len(pipelineStages)+1) // one per stage that may begin
	started <- struct{}{}                                 // load begins now
	var done []string
	ended := make(chan struct{}) // the output closed: the process exited
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := stageDoneLine.FindStringSubmatch(sc.Text()); m != nil {
				done = append(done, m[1])
				started <- struct{}{}
			}
		}
		pr.Close()
		close(ended)
	}()
wait:
	for range k + 1 {
		select {
		case <-started:
		case <-ended: // exited before stage k began: the resume still must finish the run
			select {
			case <-started: // a line read before the end
			default:
				break wait
			}
		}
	}
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	<-ended
	in = "after report"
	if len(done) < len(pipelineStages) {
		in = pipelineStages[len(done)]
	}
	res := mainCommand(append(args, "--resume", "--quiet"))
	b, err := res.CombinedOutput()
	if res.ProcessState == nil {
		return in, -1, err.Error()
	}
	return in, res.ProcessState.ExitCode(), string(b)
}

// TestKillResumeTrials kills the command with SIGKILL at random moments
// spread over every stage (USEFUL_KILL_TRIALS trials, default 20, every stage a target at least twice; seed
// USEFUL_KILL_SEED, default 1), reruns it with --resume after each kill and
// requires the metrics of an uninterrupted run, no temporary file left and
// every stage record verified (the resumed run skips only stages whose
// record and checksums verify).
func TestKillResumeTrials(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the toy model many times")
	}
	trials := 20
	if v := os.Getenv("USEFUL_KILL_TRIALS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("USEFUL_KILL_TRIALS=%q: want a positive integer", v)
		}
		trials = n
	}
	seed := uint64(1)
	if v := os.Getenv("USEFUL_KILL_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("USEFUL_KILL_SEED=%q: %v", v, err)
		}
		seed = n
	}
	start := time.Now()
	root := t.TempDir()
	// Reference run as a process, timing the end of every stage.
	ref := filepath.Join(root, "ref")
	cmd, outp := startMain(t, hardArgs(t, ref))
	t0 := time.Now()
	ends := map[string]time.Duration{}
	sc := bufio.NewScanner(outp)
	for sc.Scan() {
		if m := stageDoneLine.FindStringSubmatch(sc.Text()); m != nil {
			ends[m[1]] = time.Since(t0)
		}
	}
	if err := cmd.Wait(); err != nil || len(ends) != len(pipelineStages) {
		t.Fatalf("reference run: %v, stage ends %v", err, ends)
	}
	want := metricsJSON(t, ref)
	// The kill moments are drawn in trial order before any trial starts, so
	// the same seed gives the same trials whatever the scheduling.
	rng := rand.New(rand.NewPCG(seed, 2))
	type trial struct {
		target string
		k      int
		delay  time.Duration
		args   []string
		dir    string
		in     string // the stage the kill landed in
		code   int    // exit status of the resume
		out    string // its output
	}
	ts := make([]*trial, trials)
	for i := range ts {
		// Kill at a random moment of the target stage: once the stage
		// before it is done, after a random part of the target's
		// duration in the reference run.
		k := i % len(pipelineStages)
		var from time.Duration
		if k > 0 {
			from = ends[pipelineStages[k-1]]
		}
		dir := filepath.Join(root, fmt.Sprintf("trial%02d", i))
		ts[i] = &trial{target: pipelineStages[k], k: k, delay: time.Duration(rng.Float64() * float64(ends[pipelineStages[k]]-from)),
			args: hardArgs(t, dir), dir: dir}
	}
	// Two trials at a time: a toy run keeps about one core busy, so a pair
	// shares this 2-core machine without idling it (DESIGN 23). Each trial
	// is its own processes and folder: the killed run and the resume.
	workers := 2
	if v := os.Getenv("USEFUL_KILL_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("USEFUL_KILL_WORKERS=%q: want a positive integer", v)
		}
		workers = n
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for _, tr := range ts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			tr.in, tr.code, tr.out = killThenResume(tr.args, tr.k, tr.delay)
		})
	}
	wg.Wait()
	killedIn := map[string]int{}
	for i, tr := range ts {
		killedIn[tr.in]++
		if tr.code != 0 {
			t.Fatalf("trial %d (killed %v into %s, in %s): resume exit %d:\n%s", i, tr.delay, tr.target, tr.in, tr.code, tr.out)
		}
		if got := metricsJSON(t, tr.dir); got != want {
			t.Fatalf("trial %d (killed in %s): metrics after resume differ:\n want %s\n got  %s", i, tr.in, want, got)
		}
		snapshot(t, tr.dir) // no temporaries left
		t.Logf("trial %2d: target %-8s killed %5.2fs into it, in stage %s: resumed, metrics equal", i, tr.target, tr.delay.Seconds(), tr.in)
		os.RemoveAll(tr.dir)
	}
	t.Logf("%d of %d trials passed in %.0fs; kills per stage: %v", trials, trials, time.Since(start).Seconds(), killedIn)
}

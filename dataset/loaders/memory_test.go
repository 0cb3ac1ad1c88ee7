package loaders

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
)

// Hostile inputs whose claimed or real size is far above what a loader may
// allocate: each is loaded in a child process (this test binary run again)
// whose peak resident set size (VmHWM) must stay within 64 MiB of its
// size just before the load, and the load must fail with a *FormatError naming the
// file. The child's address space is limited to 3 GiB, so that a loader
// that does allocate the claimed size fails there (fatal out of memory)
// rather than on the machine.

const (
	childEnv      = "LOADERS_HOSTILE_CHILD" // dataset name:folder
	childLimit    = 3 << 30                 // RLIMIT_AS of the child
	allowedGrowth = 64 << 20                // peak RSS over start-up
)

// TestHostileChild is the child: it loads the dataset that childEnv names
// and prints its resident set size before the load and the error.
func TestHostileChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("runs only as the child of TestHostileInputsMemory")
	}
	name, dir, _ := strings.Cut(spec, ":")
	lim := &syscall.Rlimit{Cur: childLimit, Max: childLimit}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, lim); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("start-hwm-kib %d\n", statusKiB(t, "VmHWM"))
	_, err := Load(name, dir)
	fmt.Printf("end-hwm-kib %d\n", statusKiB(t, "VmHWM"))
	fmt.Printf("format-error %v\n", IsFormatError(err))
	fmt.Printf("error %v\n", err)
}

// statusKiB reads a field of /proc/self/status in KiB.
func statusKiB(t *testing.T, field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// runChild loads dataset name from dir in a child process and returns its
// start-up and peak RSS (KiB), whether the error was a *FormatError, the
// error text and the child's whole output.
func runChild(t *testing.T, name, dir string) (startKiB, peakKiB int64, formatErr bool, msg, out string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileChild$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+name+":"+dir, "GOGC=100", "GOMEMLIMIT=off")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	runErr := cmd.Run()
	out = buf.String()
	// The child's own VmHWM after the load is its peak. (getrusage's
	// ru_maxrss of a child also counts the parent's RSS at the fork, so it
	// is only the fallback when the child died before printing.)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		peakKiB = ru.Maxrss // KiB on Linux
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if v, ok := strings.CutPrefix(l, "start-hwm-kib "); ok {
			startKiB, _ = strconv.ParseInt(v, 10, 64)
		}
		if v, ok := strings.CutPrefix(l, "end-hwm-kib "); ok {
			peakKiB, _ = strconv.ParseInt(v, 10, 64)
		}
		if v, ok := strings.CutPrefix(l, "format-error "); ok {
			formatErr = v == "true"
		}
		if v, ok := strings.CutPrefix(l, "error "); ok {
			msg = v
		}
	}
	if runErr != nil {
		t.Errorf("child: %v", runErr)
	}
	return startKiB, peakKiB, formatErr, msg, out
}

// gzipMembers returns head gzipped, followed by gzip members that inflate
// to zeros bytes of zeros in all (1 MiB each, so the file stays near
// zeros/1000).
func gzipMembers(head []byte, zeros int) []byte {
	out := loaderstest.Gzip(head)
	const mib = 1 << 20
	member := loaderstest.Gzip(make([]byte, mib))
	for range zeros / mib {
		out = append(out, member...)
	}
	return out
}

func TestHostileInputsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes sparse files of several GiB and inflates 1 GiB")
	}
	if raceEnabled {
		t.Skip("the race runtime needs more address space than the child gets")
	}
	cases := []struct {
		name    string
		dataset string
		make    func(t *testing.T) (dir, file string)
		want    string
	}{
		{"gzip bomb: 1 MiB of gzip inflating to 1 GiB past the images", "mnist", func(t *testing.T) (string, string) {
			dir := loaderstest.Copy(t, "idx", "gz")
			img := mustGunzip(t, mustRead(t, filepath.Join(dir, IDXTrainImages+".gz")))
			p := filepath.Join(dir, IDXTrainImages+".gz")
			mustWrite(t, p, gzipMembers(img, 1<<30))
			return dir, p
		}, "extra bytes after them"},
		{"10 GiB sparse CIFAR-10 batch of whole records", "cifar10", func(t *testing.T) (string, string) {
			dir := loaderstest.Copy(t, "cifar10")
			p := filepath.Join(dir, "data_batch_1.bin")
			truncateFile(t, p, 3073*(10<<30/3073))
			return dir, p
		}, "more than the 10000 of the published file"},
		{"STL-10 train_X.bin of 100000 images, train_y.bin of 10 labels", "stl10", func(t *testing.T) (string, string) {
			dir := loaderstest.Copy(t, "stl10")
			truncateFile(t, filepath.Join(dir, "train_X.bin"), 100000*stlPixels)
			return dir, filepath.Join(dir, "train_y.bin")
		}, "truncated: 10 labels, but"},
		{"IDX label header claiming 10^9 labels, gzip inflating to them", "fashion-mnist", func(t *testing.T) (string, string) {
			dir := loaderstest.Copy(t, "idx", "gz")
			const n = 1000 << 20
			head := loaderstest.IDXLabels(0)
			binary.BigEndian.PutUint32(head[4:], n)
			p := filepath.Join(dir, IDXTrainLabels+".gz")
			mustWrite(t, p, gzipMembers(head, n))
			return dir, p
		}, "1048576000 labels, but"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, file := c.make(t)
			start, peak, isFormat, msg, out := runChild(t, c.dataset, dir)
			growth := (peak - start) << 10
			t.Logf("RSS before the load %.1f MiB, peak %.1f MiB (+%.1f MiB); error: %s", float64(start)/1024, float64(peak)/1024, float64(growth)/(1<<20), msg)
			if start == 0 || peak == 0 {
				t.Fatalf("no RSS figures from the child:\n%s", out)
			}
			if growth > allowedGrowth {
				t.Errorf("peak RSS grew by %.1f MiB during the load, want at most %d MiB", float64(growth)/(1<<20), allowedGrowth>>20)
			}
			if !isFormat || !strings.Contains(msg, file) || !strings.Contains(msg, c.want) {
				t.Errorf("error %q (FormatError %v), want a FormatError naming %s and saying %q\nchild output:\n%s", msg, isFormat, file, c.want, tail(out, 2000))
			}
		})
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// TestRefusedInputsAllocateLittle: inputs refused for a fault found at
// their end allocate a small constant, not the dataset they describe.
func TestRefusedInputsAllocateLittle(t *testing.T) {
	// 10000 CIFAR-10 records (the size of a real batch), the last with
	// label 12: refused after a first pass that keeps nothing.
	data := make([]byte, 10000*3073)
	data[9999*3073] = 12
	var err error
	allocBound(t, "CIFAR-10 batch with a bad last label", 1<<20, func() { _, _, err = parseCIFAR(cifar10Spec, "mem", data) })
	wantFormatErr(t, err, "record 9999: label 12")

	// IDX images followed by 64 MiB of zeros in the same gzip file.
	img := loaderstest.IDXImages(3, 28, 28)
	lbl := loaderstest.IDXLabels(3)
	bomb := gzipMembers(img, 64<<20)
	allocBound(t, "IDX gzip with 64 MiB past the images", 1<<20, func() {
		_, err = parseIDXPair("idx", "mem", "images", bomb, "labels", lbl, 28, 28, 10)
	})
	wantFormatErr(t, err, "images", "extra bytes after them")
}

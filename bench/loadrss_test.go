package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestMain lets this test binary serve as LoadRSS's child: run with
// LoadRSSChildCommand as its first argument, it measures and exits.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == LoadRSSChildCommand {
		if err := LoadRSSChild(os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestChildLine(t *testing.T) {
	for _, r := range []childReading{
		{Store: storeUint8, Train: 50000, Test: 10000, Shape: []int{32, 32, 3}, RSS: 420000, Anon: 200000, Peak: 450000},
		{Store: storeFloat32, Train: 7, Test: 0, Shape: []int{5}, RSS: 1, Anon: 1, Peak: 1},
		{Store: storeNone, RSS: 230000, Anon: 27000, Peak: 231000},
	} {
		got, err := parseChildLine(r.String())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("%q parsed as %+v, want %+v", r.String(), got, r)
		}
	}
	const ok = "loadrss-child: store=uint8 train=10 test=2 shape=32x32x3 rss-kib=100 anon-kib=50 peak-kib=120"
	if _, err := parseChildLine(ok); err != nil {
		t.Fatalf("%q: %v", ok, err)
	}
	for _, bad := range []string{
		"",
		"loadrss: store=uint8 train=10 test=2 shape=32x32x3 rss-kib=100 anon-kib=50 peak-kib=120",
		"loadrss-child: store=uint16 train=10 test=2 shape=32x32x3 rss-kib=100 anon-kib=50 peak-kib=120",
		"loadrss-child: store=uint8 train=10 test=2 shape=32x32x3 rss-kib=100 peak-kib=120",
		"loadrss-child: store=uint8 train=10 test=2 shape=32x32x3 rss-kib=100 anon-kib=50 peak-kib=90",
		"loadrss-child: store=uint8 train=10 test=2 shape=32x32x3 rss-kib=100 anon-kib=50 peak-kib=120 extra=1",
		"loadrss-child: store=uint8 train=10 train=2 shape=32x32x3 rss-kib=100 anon-kib=50 peak-kib=120",
		"loadrss-child: store=uint8 train=-1 test=2 shape=32x32x3 rss-kib=100 anon-kib=50 peak-kib=120",
		"loadrss-child: store=uint8 train=10 test=2 shape=32x0x3 rss-kib=100 anon-kib=50 peak-kib=120",
		"loadrss-child: store=uint8 train=10 test=2 shape=32x32x3 rss-kib=0 peak-kib=120",
		"loadrss-child: store=uint8 train=10 test=2 shape=32x32x3 rss-kib=1.5 peak-kib=120",
		"loadrss-child: store=uint8 train=10 test=2 shape=32x32x3 rss-kib=100 peak-kib",
	} {
		if _, err := parseChildLine(bad); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("%q: error %v, want one quoting the line", bad, err)
		}
	}
}

// TestLoadRSSSmall runs the benchmark on 1% of the full sizes, with this
// test binary as the child: the float32 child must hold about 3 bytes per
// pixel more than the uint8 child (and not 4: the pixels are dropped), the
// uint8 child about 1 byte per pixel more than the child that loads nothing
// (at least 75% of it: RSS is read after debug.FreeOSMemory, so little else
// differs); a second write of the same data reuses the folder.
func TestLoadRSSSmall(t *testing.T) {
	work := t.TempDir()
	var out strings.Builder
	res, err := LoadRSS(LoadRSSConfig{Scale: 0.01, WorkDir: work, Seed: 3}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name        string
		train, test int
		shape       []int
	}{{"cifar10", 500, 100, []int{32, 32, 3}}, {"tinyimagenet", 1000, 200, []int{64, 64, 3}}}
	if len(res.Rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(res.Rows), len(want))
	}
	if b := res.Baseline; b.RSS <= 0 || b.Anon <= 0 || b.Peak < b.RSS {
		t.Errorf("baseline %+v KiB", b)
	}
	for i, w := range want {
		r := res.Rows[i]
		if r.Dataset != w.name || r.Train != w.train || r.Test != w.test || !reflect.DeepEqual(r.Shape, w.shape) {
			t.Errorf("row %d: %s %d+%d x %v, want %s %d+%d x %v", i, r.Dataset, r.Train, r.Test, r.Shape, w.name, w.train, w.test, w.shape)
		}
		pxKiB := int64((w.train+w.test)*prod(w.shape)) / 1024
		f, u := r.Float32, r.Uint8
		if d := f.RSS - u.RSS; d < 3*pxKiB*3/4 {
			t.Errorf("%s: float32 RSS %d KiB - uint8 RSS %d KiB = %d KiB, want >= 75%% of 3 x %d KiB of pixels", w.name, f.RSS, u.RSS, d, pxKiB)
		}
		if d := f.Anon - u.Anon; d < 3*pxKiB*3/4 || d > 3*pxKiB*5/4+4096 {
			t.Errorf("%s: float32 RssAnon %d KiB - uint8 RssAnon %d KiB = %d KiB, want 75%% to 125%% (+ 4 MiB) of 3 x %d KiB of pixels (pixels dropped)", w.name, f.Anon, u.Anon, d, pxKiB)
		}
		if d := u.RSS - res.Baseline.RSS; d < pxKiB*3/4 {
			t.Errorf("%s: uint8 RSS %d KiB - baseline %d KiB = %d KiB, want >= 75%% of %d KiB of pixels", w.name, u.RSS, res.Baseline.RSS, d, pxKiB)
		}
		if got, want := r.Ratio(), float64(u.RSS-res.Baseline.RSS)/float64(f.RSS-res.Baseline.RSS); got != want || !(got > 0 && got < 1) {
			t.Errorf("%s: Ratio %g, want %g in (0, 1)", w.name, got, want)
		}
		line := fmt.Sprintf("loadrss: %s %d+%d x %v: VmRSS float32 store %.1f MiB, uint8 store %.1f MiB; above the baseline %.1f / %.1f MiB: uint8 / float32 = %.2fx (target <= 0.3x)",
			w.name, w.train, w.test, w.shape, mib(f.RSS), mib(u.RSS), mib(f.RSS-res.Baseline.RSS), mib(u.RSS-res.Baseline.RSS), r.Ratio())
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q", line)
		}
	}
	out.Reset()
	if err := loadRSSData("cifar10", 0.01, 3).ensure(res.Rows[0].Dir, &out); err != nil {
		t.Fatal(err)
	}
	if reuse := "loadrss: cifar10: reusing " + filepath.Join(work, "cifar10-10pc-seed3"); out.String() != reuse+"\n" {
		t.Errorf("second write printed %q, want %q", out.String(), reuse)
	}
}

// TestLoadRSSErrors checks that a folder the loader refuses and bad settings
// give errors naming them.
func TestLoadRSSErrors(t *testing.T) {
	work := t.TempDir()
	broken := filepath.Join(work, "cifar10-1pc-seed1")
	if err := os.Mkdir(broken, 0o755); err != nil { // taken for a complete write, but empty
		t.Fatal(err)
	}
	_, err := LoadRSS(LoadRSSConfig{Datasets: []string{"cifar10"}, Scale: 0.001, WorkDir: work, Seed: 1}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), broken) {
		t.Errorf("empty data folder: error %v, want one naming %s", err, broken)
	}
	if _, err := LoadRSS(LoadRSSConfig{Scale: 1.5}, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), "1.5") {
		t.Errorf("scale 1.5: error %v, want one naming it", err)
	}
	if _, err := LoadRSS(LoadRSSConfig{Datasets: []string{"stl10"}}, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), `"stl10"`) {
		t.Errorf("dataset stl10: error %v, want one naming it", err)
	}
	if err := LoadRSSChild([]string{"uint8", "cifar10"}, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), "uint8") {
		t.Errorf("child without a folder: error %v, want one quoting the arguments", err)
	}
}

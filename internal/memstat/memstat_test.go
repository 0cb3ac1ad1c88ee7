package memstat

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

// TestStatusKiB touches 64 MiB and checks that VmRSS grows by about that
// much and that VmHWM is at least VmRSS; it also reads the status of this
// process by its pid, and checks the errors for an unknown field and a
// field that is not a size.
func TestStatusKiB(t *testing.T) {
	before, err := RSSKiB(0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 64 << 20
	buf := make([]byte, n)
	for i := 0; i < n; i += 4096 {
		buf[i] = 1
	}
	after, err := RSSKiB(0)
	if err != nil {
		t.Fatal(err)
	}
	if grew := after - before; grew < n/1024*9/10 {
		t.Errorf("VmRSS grew by %d KiB after touching %d KiB", grew, n/1024)
	}
	peak, err := PeakKiB(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if peak < after {
		t.Errorf("VmHWM %d KiB < VmRSS %d KiB", peak, after)
	}
	runtime.KeepAlive(buf)
	if _, err := StatusKiB(0, "VmNoSuchField"); err == nil || !strings.Contains(err.Error(), "VmNoSuchField") {
		t.Errorf("unknown field: error %v, want one naming it", err)
	}
	if _, err := StatusKiB(0, "Name"); err == nil || !strings.Contains(err.Error(), "Name") {
		t.Errorf("field Name (not a size): error %v, want one naming it", err)
	}
}

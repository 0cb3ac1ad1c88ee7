package loaders

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestLoadRSS reports the resident memory of a loaded dataset: run with
// LOADERS_LOAD_RSS=name:folder (and -v), e.g. on the data that
// loaderstest.WriteCIFAR10(dir, 1000, 1) or
// loaderstest.WriteTinyImageNetN(dir, 500, 50, 1) writes. It prints VmRSS
// after the load (with the dataset held, after debug.FreeOSMemory) and the
// peak VmHWM (which includes the garbage of decoding, up to the GC's goal).
func TestLoadRSS(t *testing.T) {
	spec := os.Getenv("LOADERS_LOAD_RSS")
	if spec == "" {
		t.Skip("set LOADERS_LOAD_RSS=name:folder to measure")
	}
	name, dir, _ := strings.Cut(spec, ":")
	before := statusKiB(t, "VmRSS")
	sp, err := Load(name, dir)
	if err != nil {
		t.Fatal(err)
	}
	debug.FreeOSMemory() // return the decoding garbage, keep the dataset
	after, peak := statusKiB(t, "VmRSS"), statusKiB(t, "VmHWM")
	t.Logf("%s: %d + %d examples of %v: RSS before %.0f MiB, after the load %.0f MiB (dataset held), peak %.0f MiB",
		name, sp.Train.Len(), sp.Test.Len(), sp.Train.Shape, float64(before)/1024, float64(after)/1024, float64(peak)/1024)
	runtime.KeepAlive(sp)
}

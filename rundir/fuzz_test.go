package rundir

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzRun is a run directory with two artifacts and a file beside it
// (outside the run directory), shared by the calls of a fuzz function (they
// run one at a time in a process).
type fuzzRun struct {
	d    *Dir
	hash string
	good []byte // the record that Complete wrote
	sums map[string]string
}

func newFuzzRun(f *testing.F) *fuzzRun {
	top := f.TempDir()
	d, err := Open(filepath.Join(top, "run"))
	if err != nil {
		f.Fatal(err)
	}
	if err := d.Extract("m").Logits().Write([]float32{1, 2, 3}); err != nil {
		f.Fatal(err)
	}
	if err := d.Probe("m").Summary().Write(ProbeSummary{Method: "m", SeparateEpoch: 3}); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(top, "outside.bin"), []byte("not an artifact of this run\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	r := &fuzzRun{d: d, hash: Hash("options")}
	if err := d.Complete("probe", r.hash, []string{"extract", "probe"}); err != nil {
		f.Fatal(err)
	}
	if r.good, err = d.Record("probe").ReadBytes(); err != nil {
		f.Fatal(err)
	}
	var rec Record
	if err := json.Unmarshal(r.good, &rec); err != nil || len(rec.Artifacts) != 2 {
		f.Fatalf("record %s: %v", r.good, err)
	}
	r.sums = rec.Artifacts
	return r
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func FuzzVerifyRecord(f *testing.F) {
	r := newFuzzRun(f)
	good := string(r.good)
	const x, s = "extract/m/logits.f32", "probe/m/summary.json"
	sumX, sumS := r.sums[x], r.sums[s]
	f.Add(r.good) // as Complete wrote it
	f.Add([]byte(`{"stage":"probe","hash":"` + r.hash + `","finished":"2024-01-02T03:04:05Z","artifacts":{"` + x + `":"` + sumX + `"}}`))
	f.Add([]byte(strings.Replace(good, sumX, sumS, 1)))                                                            // wrong checksum
	f.Add([]byte(strings.Replace(good, sumX[:12], strings.ToUpper(sumX[:12]), 1)))                                 // checksum in upper case
	f.Add([]byte(strings.Replace(good, sumX, sumX[:63], 1)))                                                       // checksum cut short
	f.Add([]byte(strings.Replace(good, r.hash, Hash("other options"), 1)))                                         // other options
	f.Add([]byte(strings.Replace(good, x, "extract/m/missing.f32", 1)))                                            // missing artifact
	f.Add([]byte(strings.Replace(good, x, "extract", 1)))                                                          // a folder
	f.Add([]byte(strings.Replace(good, `"finished": "`, `"finished": "x`, 1)))                                     // bad time
	f.Add([]byte(strings.Replace(good, `"artifacts": {`, `"artifacts": [`, 1)))                                    // wrong type
	f.Add([]byte(good[:len(good)/2]))                                                                              // truncated
	f.Add([]byte(`{"hash":"` + r.hash + `","artifacts":{"` + x + `":"` + sumX + `","` + x + `":"` + sumS + `"}}`)) // duplicate key
	// Artifacts outside the run directory, with their true checksums: a
	// record must not make Verify read (or trust) files elsewhere.
	outside := sha256Hex([]byte("not an artifact of this run\n"))
	f.Add([]byte(`{"hash":"` + r.hash + `","artifacts":{"../outside.bin":"` + outside + `"}}`))
	f.Add([]byte(`{"hash":"` + r.hash + `","artifacts":{"extract/../../outside.bin":"` + outside + `"}}`))
	f.Add([]byte(`{"hash":"` + r.hash + `","artifacts":{"` + filepath.ToSlash(filepath.Join(filepath.Dir(r.d.Root), "outside.bin")) + `":"` + outside + `"}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		const stage = "probe"
		recPath := r.d.Record(stage).Path()
		if err := os.WriteFile(recPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
		err := r.d.Verify(stage, r.hash)
		var rec Record
		jerr := json.Unmarshal(data, &rec)
		if err != nil {
			if !strings.Contains(err.Error(), r.d.Root) {
				t.Fatalf("error %q does not name the run directory %s", err, r.d.Root)
			}
			if jerr != nil && (errors.Is(err, ErrStageMissing) || !strings.Contains(err.Error(), recPath)) {
				t.Fatalf("corrupt record: error %q, want one naming %s", err, recPath)
			}
			return
		}
		// Verified: the record is well formed, for these options, and every
		// artifact it lists is in the run directory with that checksum.
		if jerr != nil {
			t.Fatalf("verified a record that is not JSON: %v", jerr)
		}
		if rec.Hash != r.hash {
			t.Fatalf("verified a record of options %q", rec.Hash)
		}
		for rel, sum := range rec.Artifacts {
			if !filepath.IsLocal(rel) {
				t.Fatalf("verified artifact %q outside the run directory", rel)
			}
			b, err := os.ReadFile(filepath.Join(r.d.Root, rel))
			if err != nil {
				t.Fatalf("verified artifact %q: %v", rel, err)
			}
			if got := sha256Hex(b); got != sum {
				t.Fatalf("verified artifact %q with checksum %q, file has %s", rel, sum, got)
			}
		}
	})
}

func FuzzReadArrays(f *testing.F) {
	d, err := Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	fa, ia := d.Extract("m").Logits(), d.Cluster("m").Assign()
	for _, a := range []File{fa.File, ia.File} {
		if err := a.MkdirParent(); err != nil {
			f.Fatal(err)
		}
	}
	f.Add([]byte{0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 192, 127}, 3) // 1, 2, NaN
	f.Add([]byte{1, 0, 0, 0, 255, 255, 255, 255}, -1)
	f.Add([]byte{1, 0, 0, 0, 255, 255, 255, 255}, 3)
	f.Add([]byte{1, 2, 3, 4, 5}, 1)
	f.Add([]byte{}, 0)
	f.Add([]byte{}, -1)
	f.Fuzz(func(t *testing.T, data []byte, want int) {
		// Written plainly: the atomic writer's fsyncs would make each call
		// take milliseconds, and the reader is what is fuzzed here.
		for _, a := range []File{fa.File, ia.File} {
			if err := os.WriteFile(a.Path(), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ok := len(data)%4 == 0 && (want < 0 || len(data) == 4*want)
		fs, err := fa.Read(want)
		is, err2 := ia.Read(want)
		for k, e := range []error{err, err2} {
			if (e == nil) != ok {
				t.Fatalf("%d bytes, want %d: error %v", len(data), want, e)
			}
			if p := []string{fa.Path(), ia.Path()}[k]; e != nil && !strings.Contains(e.Error(), p) {
				t.Fatalf("error %q does not name the file %s", e, p)
			}
		}
		if !ok {
			return
		}
		if len(fs) != len(data)/4 || len(is) != len(data)/4 {
			t.Fatalf("%d bytes: %d float32s, %d int32s", len(data), len(fs), len(is))
		}
		for i := range fs {
			u := binary.LittleEndian.Uint32(data[4*i:])
			if math.Float32bits(fs[i]) != u || uint32(is[i]) != u {
				t.Fatalf("value %d: %v, %d from %08x", i, fs[i], is[i], u)
			}
		}
	})
}

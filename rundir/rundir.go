// Package rundir owns the layout of a run directory: atomic writes of JSON,
// CSV and raw arrays, the record of completed stages (with the hash of the
// options that produced them and a checksum of every artifact), and the lock
// that keeps two processes off one run directory.
package rundir

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/useful-pipeline/useful-pipeline/internal/atomicfile"
)

// Dir is a run directory.
type Dir struct {
	Root string
}

// Open returns the run directory at root, creating it.
func Open(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("run directory %s: %w", root, err)
	}
	return &Dir{Root: root}, nil
}

// Path joins elements under the run directory.
func (d *Dir) Path(elem ...string) string {
	return filepath.Join(append([]string{d.Root}, elem...)...)
}

// Exists reports whether rel exists in the run directory.
func (d *Dir) Exists(rel string) bool {
	_, err := os.Stat(d.Path(rel))
	return err == nil
}

// WriteFile writes rel atomically, creating its folder.
func (d *Dir) WriteFile(rel string, data []byte) error {
	return d.Write(rel, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// Write writes rel atomically through fill, creating its folder.
func (d *Dir) Write(rel string, fill func(w io.Writer) error) error {
	p := d.Path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return atomicfile.Write(p, fill)
}

// WriteJSON writes v as indented JSON to rel atomically.
func (d *Dir) WriteJSON(rel string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", d.Path(rel), err)
	}
	return d.WriteFile(rel, append(b, '\n'))
}

// ReadJSON decodes rel into v; errors name the file.
func (d *Dir) ReadJSON(rel string, v any) error {
	b, err := os.ReadFile(d.Path(rel))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", d.Path(rel), err)
	}
	return nil
}

// WriteFloat32s writes little-endian float32 values to rel.
func (d *Dir) WriteFloat32s(rel string, v []float32) error {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return d.WriteFile(rel, b)
}

// ReadFloat32s reads a file written by WriteFloat32s; want >= 0 checks the count.
func (d *Dir) ReadFloat32s(rel string, want int) ([]float32, error) {
	b, err := os.ReadFile(d.Path(rel))
	if err != nil {
		return nil, err
	}
	if len(b)%4 != 0 || (want >= 0 && len(b) != 4*want) {
		return nil, fmt.Errorf("%s: %d bytes, want %d float32 values", d.Path(rel), len(b), want)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}

// WriteInt32s writes little-endian int32 values to rel.
func (d *Dir) WriteInt32s(rel string, v []int32) error {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return d.WriteFile(rel, b)
}

// ReadInt32s reads a file written by WriteInt32s; want >= 0 checks the count.
func (d *Dir) ReadInt32s(rel string, want int) ([]int32, error) {
	b, err := os.ReadFile(d.Path(rel))
	if err != nil {
		return nil, err
	}
	if len(b)%4 != 0 || (want >= 0 && len(b) != 4*want) {
		return nil, fmt.Errorf("%s: %d bytes, want %d int32 values", d.Path(rel), len(b), want)
	}
	out := make([]int32, len(b)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}

// Record is the proof that a stage finished: the hash of the options it ran
// with and the checksum of every artifact it wrote.
type Record struct {
	Stage     string            `json:"stage"`
	Hash      string            `json:"hash"`
	Finished  time.Time         `json:"finished"`
	Artifacts map[string]string `json:"artifacts"` // relative path -> sha256
}

func recordPath(stage string) string { return filepath.Join("stages", stage+".json") }

// Complete records that stage finished with the options hash and artifacts
// (paths relative to the run directory; a folder is hashed file by file).
func (d *Dir) Complete(stage, hash string, artifacts []string) error {
	rec := Record{Stage: stage, Hash: hash, Finished: time.Now().UTC(), Artifacts: map[string]string{}}
	for _, a := range artifacts {
		if err := d.hashTree(a, rec.Artifacts); err != nil {
			return err
		}
	}
	return d.WriteJSON(recordPath(stage), rec)
}

// Forget removes the record of stage (it must be run again).
func (d *Dir) Forget(stage string) error {
	err := os.Remove(d.Path(recordPath(stage)))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// ErrStageMissing is returned by Verify when a stage has not completed, or
// completed with other options.
var ErrStageMissing = errors.New("stage not completed")

// Verify checks that stage completed with the options hash and that its
// artifacts are intact. The error wraps ErrStageMissing when the stage has
// to be run (again), and names the file otherwise.
func (d *Dir) Verify(stage, hash string) error {
	var rec Record
	if err := d.ReadJSON(recordPath(stage), &rec); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w: %s has no record of stage %s", ErrStageMissing, d.Root, stage)
		}
		return err
	}
	if rec.Hash != hash {
		return fmt.Errorf("%w: stage %s in %s ran with other options (hash %.12s, now %.12s)", ErrStageMissing, stage, d.Root, rec.Hash, hash)
	}
	keys := make([]string, 0, len(rec.Artifacts))
	for k := range rec.Artifacts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, rel := range keys {
		if !filepath.IsLocal(rel) {
			return fmt.Errorf("%s: artifact %q is not inside the run directory", d.Path(recordPath(stage)), rel)
		}
		sum, err := fileSHA256(d.Path(rel))
		if err != nil {
			return fmt.Errorf("%w: stage %s artifact %s: %v", ErrStageMissing, stage, d.Path(rel), err)
		}
		if sum != rec.Artifacts[rel] {
			return fmt.Errorf("%w: stage %s artifact %s changed since it was written (checksum %.12s, recorded %.12s)", ErrStageMissing, stage, d.Path(rel), sum, rec.Artifacts[rel])
		}
	}
	return nil
}

func (d *Dir) hashTree(rel string, out map[string]string) error {
	p := d.Path(rel)
	return filepath.Walk(p, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return fmt.Errorf("artifact %s: %w", path, err)
		}
		if info.IsDir() {
			return nil
		}
		r, _ := filepath.Rel(d.Root, path)
		sum, err := fileSHA256(path)
		if err != nil {
			return err
		}
		out[r] = sum
		return nil
	})
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Hash returns the hex sha256 of v's JSON encoding (for option hashes).
func Hash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("rundir: hash: " + err.Error())
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

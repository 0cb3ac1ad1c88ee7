package rundir

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Record is the proof that a stage finished: the hash of the options it ran
// with and the checksum of every artifact it wrote.
type Record struct {
	Stage     string            `json:"stage"`
	Hash      string            `json:"hash"`
	Finished  time.Time         `json:"finished"`
	Artifacts map[string]string `json:"artifacts"` // relative path -> sha256
}

// Complete records that stage finished with the options hash and artifacts
// (paths relative to the run directory, as Rel gives them; a folder is
// hashed file by file).
func (d *Dir) Complete(stage, hash string, artifacts []string) error {
	rec := Record{Stage: stage, Hash: hash, Finished: time.Now().UTC(), Artifacts: map[string]string{}}
	for _, a := range artifacts {
		if err := d.hashTree(a, rec.Artifacts); err != nil {
			return err
		}
	}
	return d.Record(stage).Write(rec)
}

// Forget removes the record of stage (it must be run again).
func (d *Dir) Forget(stage string) error {
	err := os.Remove(d.Record(stage).Path())
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
	rf := d.Record(stage)
	rec, err := rf.Read()
	if err != nil {
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
			return fmt.Errorf("%s: artifact %q is not inside the run directory", rf.Path(), rel)
		}
		sum, err := fileSHA256(d.path(rel))
		if err != nil {
			return fmt.Errorf("%w: stage %s artifact %s: %v", ErrStageMissing, stage, d.path(rel), err)
		}
		if sum != rec.Artifacts[rel] {
			return fmt.Errorf("%w: stage %s artifact %s changed since it was written (checksum %.12s, recorded %.12s)", ErrStageMissing, stage, d.path(rel), sum, rec.Artifacts[rel])
		}
	}
	return nil
}

func (d *Dir) hashTree(rel string, out map[string]string) error {
	return filepath.Walk(d.path(rel), func(path string, info os.FileInfo, err error) error {
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
		out[filepath.ToSlash(r)] = sum
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

package rundir

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"time"
)

// Provenance is run.json: what made the run (program, libraries, machine)
// and the digests of its inputs (the SavedModel folder and the data
// files), so that a resume can refuse inputs that changed.
type Provenance struct {
	Program    string    `json:"program"`
	Commit     string    `json:"commit"`
	TensorFlow string    `json:"tensorflow"`
	Go         string    `json:"go"`
	Host       string    `json:"host"`
	CPU        string    `json:"cpu"`
	Devices    []string  `json:"devices"`
	Started    time.Time `json:"started"`
	// Model is the SavedModel folder the run trains.
	Model FileSet `json:"model"`
	// Data holds the data files (empty for generated data).
	Data FileSet `json:"data"`
}

// Provenance returns run.json.
func (d *Dir) Provenance() JSON[Provenance] { return jsonAt[Provenance](d, "run.json") }

// FileSet is the digest of the files under a folder.
type FileSet struct {
	Dir   string       `json:"dir"`
	Files []FileDigest `json:"files"`
	// SHA256 is the digest of the file list (names, sizes, file digests).
	SHA256 string `json:"sha256"`
}

// FileDigest is one file of a FileSet.
type FileDigest struct {
	Path    string    `json:"path"` // relative to the set's Dir
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	SHA256  string    `json:"sha256"`
}

// DigestFolder hashes every regular file under dir (streamed). prev, when
// it describes the same folder, serves as a cache: a file whose size and
// modification time are unchanged keeps its recorded digest.
func DigestFolder(dir string, prev *FileSet) (FileSet, error) {
	cache := map[string]FileDigest{}
	if prev != nil && prev.Dir == dir {
		for _, f := range prev.Files {
			cache[f.Path] = f
		}
	}
	set := FileSet{Dir: dir}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.Type().IsRegular() {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		fd := FileDigest{Path: rel, Size: info.Size(), ModTime: info.ModTime().UTC()}
		if c, ok := cache[rel]; ok && c.Size == fd.Size && c.ModTime.Equal(fd.ModTime) {
			fd.SHA256 = c.SHA256
		} else if fd.SHA256, err = fileSHA256(p); err != nil {
			return err
		}
		set.Files = append(set.Files, fd)
		return nil
	})
	if err != nil {
		return FileSet{}, fmt.Errorf("digest of %s: %w", dir, err)
	}
	sort.Slice(set.Files, func(i, j int) bool { return set.Files[i].Path < set.Files[j].Path })
	h := sha256.New()
	for _, f := range set.Files {
		fmt.Fprintf(h, "%s\x00%d\x00%s\n", f.Path, f.Size, f.SHA256)
	}
	set.SHA256 = hex.EncodeToString(h.Sum(nil))
	return set, nil
}

// Diff lists how now differs from was: files changed (other content),
// added or removed, each named with its path under the folder.
func (was FileSet) Diff(now FileSet) []string {
	old := map[string]FileDigest{}
	for _, f := range was.Files {
		old[f.Path] = f
	}
	var out []string
	for _, f := range now.Files {
		o, ok := old[f.Path]
		switch {
		case !ok:
			out = append(out, "added "+filepath.Join(now.Dir, f.Path))
		case o.SHA256 != f.SHA256:
			out = append(out, "changed "+filepath.Join(now.Dir, f.Path))
		}
		delete(old, f.Path)
	}
	var gone []string
	for p := range old {
		gone = append(gone, "removed "+filepath.Join(was.Dir, p))
	}
	sort.Strings(gone)
	return append(out, gone...)
}

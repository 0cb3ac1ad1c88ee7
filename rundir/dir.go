// Package rundir owns a run directory: the layout (every path a run
// writes is built here, by a method of Dir, and documented in Layout), one
// typed reader/writer per artifact (JSON schemas, raw arrays, CSV curves,
// checkpoint folders), atomic writes, the record of completed stages (the
// hash of the options that produced them and a checksum of every
// artifact), and the lock that keeps two processes off one run directory.
package rundir

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/useful-pipeline/useful-pipeline/internal/atomicfile"
)

// Dir is a run directory rooted at Root.
type Dir struct {
	Root string
}

// New returns the run directory at root without touching the disk.
func New(root string) *Dir { return &Dir{Root: root} }

// Open returns the run directory at root, creating it.
func Open(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("run directory %s: %w", root, err)
	}
	return &Dir{Root: root}, nil
}

// path joins rel (slash-separated, relative to the root) under the root.
func (d *Dir) path(rel string) string { return filepath.Join(d.Root, filepath.FromSlash(rel)) }

// write writes rel atomically through fill, creating its folder.
func (d *Dir) write(rel string, fill func(w io.Writer) error) error {
	p := d.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return atomicfile.Write(p, fill)
}

// File is one artifact of a run directory at a fixed path. The typed
// artifacts (JSON, Array, Curves, Checkpoint) embed it.
type File struct {
	d   *Dir
	rel string
}

// Rel returns the artifact's path relative to the run directory, with "/"
// separators: what stage records list.
func (f File) Rel() string { return f.rel }

// Path returns the artifact's path on disk.
func (f File) Path() string { return f.d.path(f.rel) }

// Exists reports whether the artifact is on disk.
func (f File) Exists() bool {
	_, err := os.Stat(f.Path())
	return err == nil
}

// WriteBytes writes b to the artifact atomically.
func (f File) WriteBytes(b []byte) error {
	return f.d.write(f.rel, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// Write writes the artifact atomically through fill.
func (f File) Write(fill func(w io.Writer) error) error { return f.d.write(f.rel, fill) }

// ReadBytes reads the artifact.
func (f File) ReadBytes() ([]byte, error) { return os.ReadFile(f.Path()) }

// MkdirParent creates the artifact's folder (for writers that take a path,
// such as the plots).
func (f File) MkdirParent() error { return os.MkdirAll(filepath.Dir(f.Path()), 0o755) }

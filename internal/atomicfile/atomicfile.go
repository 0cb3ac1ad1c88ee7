// Package atomicfile writes files so that a reader sees either the old
// content or the complete new content, never a partial file: data goes to a
// temporary file in the same folder, is synced, and is renamed over the target.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Fault, if set, is asked before every write to a file being written with
// path and the number of bytes the file will hold after the write; an error
// makes that write fail (after writing nothing). Tests use it to simulate a
// full disk (syscall.ENOSPC); see InjectFault.
type Fault func(path string, size int64) error

var (
	faultMu sync.Mutex
	fault   Fault
)

// InjectFault installs f for every later write and returns a function that
// removes it. For tests.
func InjectFault(f Fault) (restore func()) {
	faultMu.Lock()
	prev := fault
	fault = f
	faultMu.Unlock()
	return func() {
		faultMu.Lock()
		fault = prev
		faultMu.Unlock()
	}
}

func currentFault() Fault {
	faultMu.Lock()
	defer faultMu.Unlock()
	return fault
}

// faultWriter passes writes to w unless the fault says the disk is full.
type faultWriter struct {
	w     io.Writer
	path  string
	size  int64
	fault Fault
}

func (f *faultWriter) Write(p []byte) (int, error) {
	if err := f.fault(f.path, f.size+int64(len(p))); err != nil {
		return 0, &os.PathError{Op: "write", Path: f.path, Err: err}
	}
	n, err := f.w.Write(p)
	f.size += int64(n)
	return n, err
}

// Write calls fill with a writer on a temporary file beside path and, if fill
// and the sync succeed, renames it to path. On any error the temporary file is
// removed and path is left as it was.
func Write(path string, fill func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	var w io.Writer = f
	if ft := currentFault(); ft != nil {
		w = &faultWriter{w: f, path: path, fault: ft}
	}
	if err = fill(w); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", path, err)
	}
	if err = os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: rename: %w", path, err)
	}
	return syncDir(dir)
}

// WriteFile writes data to path atomically (see Write).
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	d.Sync()
	return nil
}

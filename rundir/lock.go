package rundir

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Lock takes an exclusive lock on the run directory (flock on .lock), so a
// second process on the same run directory fails at once with a clear error.
// The kernel drops the lock when the process dies, so a killed run never
// leaves it stuck. Call the returned function to release it.
func (d *Dir) Lock() (func(), error) {
	p := d.LockFile().Path()
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("run directory %s is in use by another useful-pipeline process (lock %s held)", d.Root, p)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// RemoveStaleTemps deletes the temporary files and folders (".name.tmp-*")
// that a killed process left behind in the run directory, and returns their
// paths. Call it only with the lock held: then no other process is writing.
// Temporaries are never read, so this only tidies; ckpt.old folders, which
// a resume may need, are kept.
func (d *Dir) RemoveStaleTemps() ([]string, error) {
	var stale []string
	err := filepath.WalkDir(d.Root, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if n := e.Name(); p != d.Root && strings.HasPrefix(n, ".") && strings.Contains(n, ".tmp-") {
			stale = append(stale, p)
			if e.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("run directory %s: %w", d.Root, err)
	}
	for _, p := range stale {
		if err := os.RemoveAll(p); err != nil {
			return nil, fmt.Errorf("remove stale temporary %s: %w", p, err)
		}
	}
	return stale, nil
}

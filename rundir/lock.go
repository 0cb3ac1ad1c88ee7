package rundir

import (
	"fmt"
	"os"
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

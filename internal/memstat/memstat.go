// Package memstat reads a process's resident set size from /proc.
package memstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// RSSKiB returns the resident set size (VmRSS) of process pid in KiB; pid 0
// means this process.
func RSSKiB(pid int) (int64, error) { return StatusKiB(pid, "VmRSS") }

// PeakKiB returns the peak resident set size (VmHWM, the high-water mark
// since the process started or last exec'd) of process pid in KiB; pid 0
// means this process.
func PeakKiB(pid int) (int64, error) { return StatusKiB(pid, "VmHWM") }

// StatusKiB returns the field of /proc/PID/status named field (e.g. "VmRSS",
// "VmHWM"), a size in kB, as KiB; pid 0 means this process. The error names
// the file and the field if it is missing or not a number.
func StatusKiB(pid int, field string) (int64, error) {
	path := "/proc/self/status"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/status", pid)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: %s: %w", path, field, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("%s: no %s", path, field)
}

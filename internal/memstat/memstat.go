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
func RSSKiB(pid int) (int64, error) {
	path := "/proc/self/status"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/status", pid)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no VmRSS", path)
}

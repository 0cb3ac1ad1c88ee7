package loaders

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Config sets the options of LoadWith. A nil *Config means the zero Config.
type Config struct {
	// ImageSize, if not zero, is the (height, width) that the images of the
	// imagefolder dataset are resized to; zero means they must all have one
	// size, which the dataset then has. Other datasets ignore it.
	ImageSize [2]int
	// MaxBytes bounds the memory that the images of a split may take once
	// loaded: an input that would need more is refused with a *FormatError
	// naming it, before anything is allocated for it. 0 means the machine's
	// memory (MemTotal in /proc/meminfo, or the cgroup's memory.max when that
	// is lower); a negative value means no bound.
	MaxBytes int64
}

// budget is the memory bound of one load.
type budget struct {
	max int64 // <= 0: none
}

// newBudget returns the bound that cfg asks for.
func newBudget(cfg *Config) *budget {
	var max int64
	if cfg != nil {
		max = cfg.MaxBytes
	}
	if max == 0 {
		max = machineMemory()
	}
	return &budget{max: max}
}

// check returns a *FormatError naming file if n values of bytesPer bytes
// each exceed the bound. n counts what the input really holds (its size or
// the bytes it really yielded), never a count its header only claims.
func (b *budget) check(format, file string, n, bytesPer int64) error {
	if b == nil || b.max <= 0 {
		return nil
	}
	if n > b.max/bytesPer {
		return ferr(format, file, "the images need %s in memory, more than the %s allowed (the machine's memory, or loaders.Config.MaxBytes)", byteSize(n*bytesPer), byteSize(b.max))
	}
	return nil
}

// byteSize formats a byte count for messages.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// machineMemory returns the memory of the machine in bytes (the lower of
// MemTotal and the cgroup v2 limit), or 0 if neither can be read.
var machineMemory = sync.OnceValue(func() int64 {
	total := memTotal("/proc/meminfo")
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 && (total == 0 || v < total) {
			total = v
		}
	}
	return total
})

// memTotal reads MemTotal (in bytes) from a meminfo file, 0 if it cannot.
func memTotal(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

package rundir

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Marker is .useful-pipeline-run: it says that the folder is a run
// directory of this tool (so the tool may write and tidy there) and gives
// the run a unique ID, which its checkpoints carry.
type Marker struct {
	Tool    string    `json:"tool"`
	RunID   string    `json:"run_id"`
	Created time.Time `json:"created"`
}

const markerTool = "useful-pipeline"

// MarkerFile returns .useful-pipeline-run.
func (d *Dir) MarkerFile() JSON[Marker] { return jsonAt[Marker](d, ".useful-pipeline-run") }

// State says what a folder given as --run-dir is.
type State int

// The states of a --run-dir folder.
const (
	// Absent: no such folder (or an empty one): a new run.
	Absent State = iota
	// Ours: a run directory of this tool (it has the marker).
	Ours
)

// Inspect tells whether root can be a run directory: Absent (missing or
// empty), Ours (marked), or an error naming root when it is a file, is
// unreadable, or is a non-empty folder without the marker (the tool never
// writes into folders it did not make).
func Inspect(root string) (State, error) {
	st, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return Absent, nil
	}
	if err != nil {
		return 0, fmt.Errorf("--run-dir %q: %v", root, err)
	}
	if !st.IsDir() {
		return 0, fmt.Errorf("--run-dir %q is a file, not a folder: give a new folder", root)
	}
	d := New(root)
	if m, err := d.MarkerFile().Read(); err == nil && m.Tool == markerTool && m.RunID != "" {
		return Ours, nil
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return 0, fmt.Errorf("--run-dir %q: %v", root, err)
	}
	if len(entries) == 0 {
		return Absent, nil
	}
	return 0, fmt.Errorf("--run-dir %q holds %d entries (e.g. %s) but is not a useful-pipeline run directory (no %s): give a new or empty folder",
		root, len(entries), entries[0].Name(), d.MarkerFile().Rel())
}

// Mark writes the marker with a new run ID if the folder has none, and
// returns the run's ID.
func (d *Dir) Mark() (string, error) {
	mf := d.MarkerFile()
	if m, err := mf.Read(); err == nil && m.RunID != "" {
		return m.RunID, nil
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	m := Marker{Tool: markerTool, RunID: hex.EncodeToString(b[:]), Created: time.Now().UTC()}
	return m.RunID, mf.Write(m)
}

// RunID returns the run's ID from the marker ("" if unmarked).
func (d *Dir) RunID() string {
	m, _ := d.MarkerFile().Read()
	return m.RunID
}

// tempPatterns are the slash-separated glob patterns of the temporaries
// this tool writes: atomicfile's ".<name>.tmp-<digits>" beside every file
// and checkpoint folder of Layout (placeholders match any name).
var tempPatterns = func() []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range Layout() {
		p := strings.TrimSuffix(e.Path, "/")
		dir, base := path.Split(p)
		base = placeholder.ReplaceAllString(base, "*")
		dir = placeholder.ReplaceAllString(dir, "*")
		pat := dir + "." + base + ".tmp-*"
		if !seen[pat] {
			seen[pat] = true
			out = append(out, pat)
		}
	}
	return out
}()

var placeholder = regexp.MustCompile(`<[a-z]+>`)

// tempName is what follows ".tmp-" in a temporary's name: os.CreateTemp's
// and os.MkdirTemp's random digits.
var tempName = regexp.MustCompile(`\.tmp-[0-9]+$`)

// RemoveStaleTemps deletes the temporary files and folders that a killed
// process of this tool left in the run directory, and returns their paths.
// Only names that match a temporary of a Layout artifact exactly are
// touched, so a file of the user's is never removed. Call it only with the
// lock held: then no other process is writing. Checkpoints' .old folders,
// which a resume may need, are kept.
func (d *Dir) RemoveStaleTemps() ([]string, error) {
	var stale []string
	for _, pat := range tempPatterns {
		matches, err := filepath.Glob(filepath.Join(d.Root, filepath.FromSlash(pat)))
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			if tempName.MatchString(m) {
				stale = append(stale, m)
			}
		}
	}
	for _, p := range stale {
		if err := os.RemoveAll(p); err != nil {
			return nil, fmt.Errorf("remove stale temporary %s: %w", p, err)
		}
	}
	return stale, nil
}

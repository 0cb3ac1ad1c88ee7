package loaderstest

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Root returns the absolute path of the repository's testdata/ folder. It
// finds it from the location of this source file, so it works for any test
// run from a checkout (go test sets no other reliable anchor).
func Root() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("loaderstest: cannot locate the source file")
	}
	// file is <root>/dataset/loaders/loaderstest/testdata.go.
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata")
}

// Path returns the path of elem under Root(), e.g. Path("cifar10",
// "test_batch.bin"). Tests must not write there: use Copy.
func Path(elem ...string) string {
	return filepath.Join(append([]string{Root()}, elem...)...)
}

// Copy copies the fixture file or folder Path(elem...) into a new folder
// under t.TempDir() and returns the copy's path (the folder's or the file's
// own name kept as its last element). The copy is real (not linked), so a
// test may truncate or rewrite its files. It fails the test if the fixture
// is missing.
func Copy(t testing.TB, elem ...string) string {
	t.Helper()
	src := Path(elem...)
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := CopyTree(dst, src); err != nil {
		t.Fatalf("loaderstest: copy fixture %s: %v", src, err)
	}
	return dst
}

// CopyTree copies the file or folder src to dst (a folder dst may exist),
// files with mode 0644 and folders 0755.
func CopyTree(dst, src string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return WriteFile(out, data)
	})
}

// WriteFile writes data to path, creating its folder. An existing file is
// removed first, so that a hard link to it is never written through.
func WriteFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

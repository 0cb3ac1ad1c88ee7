package rundir

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestCompleteVerify(t *testing.T) {
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WriteFloat32s("a/x.f32", []float32{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteJSON("a/s.json", map[string]int{"n": 3}); err != nil {
		t.Fatal(err)
	}
	if err := d.Verify("probe", "h1"); !errors.Is(err, ErrStageMissing) {
		t.Fatalf("before Complete: %v, want ErrStageMissing", err)
	}
	if err := d.Complete("probe", "h1", []string{"a"}); err != nil {
		t.Fatal(err)
	}
	if err := d.Verify("probe", "h1"); err != nil {
		t.Fatalf("Verify after Complete: %v", err)
	}
	if err := d.Verify("probe", "h2"); !errors.Is(err, ErrStageMissing) || !strings.Contains(err.Error(), "other options") {
		t.Fatalf("other hash: %v", err)
	}
	got, err := d.ReadFloat32s("a/x.f32", 3)
	if err != nil || got[2] != 3 {
		t.Fatalf("ReadFloat32s = %v, %v", got, err)
	}
	if _, err := d.ReadFloat32s("a/x.f32", 4); err == nil || !strings.Contains(err.Error(), "x.f32") {
		t.Fatalf("wrong count: %v", err)
	}
	// A changed artifact is detected and named.
	os.WriteFile(d.Path("a/x.f32"), []byte{0, 0, 0, 0}, 0o644)
	if err := d.Verify("probe", "h1"); !errors.Is(err, ErrStageMissing) || !strings.Contains(err.Error(), "x.f32") {
		t.Fatalf("changed artifact: %v", err)
	}
	if err := d.Forget("probe"); err != nil {
		t.Fatal(err)
	}
	if err := d.Verify("probe", "h1"); !errors.Is(err, ErrStageMissing) {
		t.Fatalf("after Forget: %v", err)
	}
}

func TestLockRefusesSecondHolder(t *testing.T) {
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := d.Lock()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Lock(); err == nil || !strings.Contains(err.Error(), "in use by another useful-pipeline process") {
		t.Fatalf("second Lock: %v", err)
	}
	unlock()
	unlock2, err := d.Lock()
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	unlock2()
}

func TestHashIsStable(t *testing.T) {
	a := Hash(struct{ A int }{1})
	if a != Hash(struct{ A int }{1}) || a == Hash(struct{ A int }{2}) {
		t.Fatal("Hash is not a function of its input")
	}
}

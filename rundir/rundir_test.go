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
	x := d.Extract("sgd")
	if err := x.Logits().Write([]float32{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := x.Loss().Write([]float32{4}); err != nil {
		t.Fatal(err)
	}
	if err := d.Verify("probe", "h1"); !errors.Is(err, ErrStageMissing) {
		t.Fatalf("before Complete: %v, want ErrStageMissing", err)
	}
	if err := d.Complete("probe", "h1", []string{x.Rel()}); err != nil {
		t.Fatal(err)
	}
	if err := d.Verify("probe", "h1"); err != nil {
		t.Fatalf("Verify after Complete: %v", err)
	}
	if err := d.Verify("probe", "h2"); !errors.Is(err, ErrStageMissing) || !strings.Contains(err.Error(), "other options") {
		t.Fatalf("other hash: %v", err)
	}
	got, err := x.Logits().Read(3)
	if err != nil || got[2] != 3 {
		t.Fatalf("Read = %v, %v", got, err)
	}
	if _, err := x.Logits().Read(4); err == nil || !strings.Contains(err.Error(), "logits.f32") {
		t.Fatalf("wrong count: %v", err)
	}
	// A changed artifact is detected and named.
	os.WriteFile(x.Logits().Path(), []byte{0, 0, 0, 0}, 0o644)
	if err := d.Verify("probe", "h1"); !errors.Is(err, ErrStageMissing) || !strings.Contains(err.Error(), "logits.f32") {
		t.Fatalf("changed artifact: %v", err)
	}
	if err := d.Forget("probe"); err != nil {
		t.Fatal(err)
	}
	if err := d.Verify("probe", "h1"); !errors.Is(err, ErrStageMissing) {
		t.Fatalf("after Forget: %v", err)
	}
}

func TestIndicesRoundTripAndRange(t *testing.T) {
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ix := d.Cluster("sgd").Slow()
	if err := ix.Write([]int{0, 5, 9}); err != nil {
		t.Fatal(err)
	}
	got, err := ix.Read(10)
	if err != nil || len(got) != 3 || got[1] != 5 {
		t.Fatalf("Read(10) = %v, %v", got, err)
	}
	if _, err := ix.Read(9); err == nil || !strings.Contains(err.Error(), "entry 2 is 9, want 0..8") || !strings.Contains(err.Error(), ix.Path()) {
		t.Fatalf("Read(9): %v, want an error naming entry 2 and the file", err)
	}
	if err := ix.Write([]int{-1}); err == nil {
		t.Fatal("negative index written")
	}
}

func TestCheckpointReplaceAndOldFallback(t *testing.T) {
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ck := d.Retrain("sgd").Checkpoint()
	save := func(v string) func(string) error {
		return func(prefix string) error { return os.WriteFile(prefix+".index", []byte(v), 0o644) }
	}
	var restored string
	restore := func(prefix string) error {
		b, err := os.ReadFile(prefix + ".index")
		restored = string(b)
		return err
	}
	ok := func(TrainState) error { return nil }
	if _, found, err := ck.Read(ok, restore); found || err != nil {
		t.Fatalf("empty: found %v, %v", found, err)
	}
	for i, v := range []string{"one", "two"} {
		if err := ck.Write(save(v), TrainState{Name: "sgd", Next: i + 1}); err != nil {
			t.Fatal(err)
		}
	}
	st, found, err := ck.Read(ok, restore)
	if !found || err != nil || st.Next != 2 || restored != "two" {
		t.Fatalf("Read = %+v, %v, %v, restored %q", st, found, err, restored)
	}
	// A kill between the two renames of Write leaves only <ckpt>.old.
	if err := os.Rename(ck.Path(), ck.Path()+".old"); err != nil {
		t.Fatal(err)
	}
	if st, found, err = ck.Read(ok, restore); !found || err != nil || st.Next != 2 {
		t.Fatalf("from .old: %+v, %v, %v", st, found, err)
	}
	bad := func(TrainState) error { return errors.New("not this run") }
	if _, _, err := ck.Read(bad, restore); err == nil || !strings.Contains(err.Error(), "state.json: not this run") {
		t.Fatalf("refused state: %v", err)
	}
}

func TestCurvesRoundTrip(t *testing.T) {
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := d.Probe("sam").Curves()
	ta := 0.625
	rows := []EpochStats{{Epoch: 1, LR: 0.1, Loss: 0.5, Accuracy: 0.75, Seconds: 1.5, ImagesPerSec: 1234.5, Features: map[string]float64{"G_e": 0.25, "G_d": -0.5}}, {Epoch: 2, LR: 0.01, Loss: 0.25, Accuracy: 1, Seconds: 2, TestAccuracy: &ta}}
	if err := c.Write(rows); err != nil {
		t.Fatal(err)
	}
	got, err := c.Read()
	if err != nil || len(got) != 2 || got[0].Features["G_d"] != -0.5 || got[1].Features != nil || got[1].LR != 0.01 || got[0].Accuracy != 0.75 ||
		got[0].ImagesPerSec != 1234.5 || got[0].TestAccuracy != nil || got[1].TestAccuracy == nil || *got[1].TestAccuracy != 0.625 {
		t.Fatalf("Read = %+v, %v", got, err)
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

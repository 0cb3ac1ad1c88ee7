package train

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/sampler"
)

// fakeModel is a "model" whose one weight is the number of steps taken;
// Save/Restore write and read it, so checkpoints round-trip.
type fakeModel struct{ steps int }

func (m *fakeModel) step(b *graphs.Batch, h graphs.Hyper) (graphs.StepResult, error) {
	m.steps++
	return graphs.StepResult{Loss: float32(h.LR), Correct: b.N / 2}, nil
}
func (m *fakeModel) Save(prefix string) error {
	return os.WriteFile(prefix+".index", []byte(strings.Repeat("x", m.steps)), 0o644)
}
func (m *fakeModel) Restore(prefix string) error {
	b, err := os.ReadFile(prefix + ".index")
	m.steps = len(b)
	return err
}

func newTestLoop(m *fakeModel, epochs int) *Loop {
	ds := &dataset.Dataset{Name: "t", Shape: []int{1}, NumClasses: 2, Images: make([]float32, 8), Labels: []int32{0, 1, 0, 1, 0, 1, 0, 1}}
	smp := sampler.New(ds, nil, nil, &sampler.Config{BatchSize: 4, Seed: 1, Shuffle: true})
	return &Loop{Name: "run", Sampler: smp, Step: m.step, Epochs: epochs, LR: func(e int) float64 { return 1 / float64(e+1) },
		Seed: func(e, s int) int64 { return int64(e*100 + s) }}
}

// TestLoopHooksInOrder: start, steps, measure (which may fill the row),
// then epoch end with the row in the curve, stop rule, end.
func TestLoopHooksInOrder(t *testing.T) {
	m := &fakeModel{}
	l := newTestLoop(m, 5)
	var log []string
	l.OnStart(func(st *State) error { log = append(log, "start"); return nil })
	l.OnStep(func(st *State, si StepInfo) {
		if si.Step == 0 {
			log = append(log, "step")
		}
	})
	l.OnMeasure(func(st *State, r *rundir.EpochStats) error {
		r.Features = map[string]float64{"f": float64(st.Epoch)}
		log = append(log, "measure")
		return nil
	})
	l.OnEpochEnd(func(st *State) error {
		if len(st.Curves) != st.Next || st.Curves[st.Next-1].Features["f"] != float64(st.Next-1) {
			t.Errorf("epoch end sees %d rows at epoch %d", len(st.Curves), st.Next)
		}
		log = append(log, "end-epoch")
		return nil
	})
	l.StopWhen(func(st *State) bool { return st.Next == 3 })
	l.OnEnd(func(st *State) error { log = append(log, "end"); return nil })
	st, err := l.Run()
	if err != nil {
		t.Fatal(err)
	}
	want := "start step measure end-epoch step measure end-epoch step measure end-epoch end"
	if got := strings.Join(log, " "); got != want {
		t.Fatalf("hooks ran %q, want %q", got, want)
	}
	// 3 epochs of 2 steps; the row's loss is the mean step loss (= lr of the epoch).
	if m.steps != 6 || len(st.Curves) != 3 || st.Curves[2].LR != 1.0/3 || math.Abs(st.Curves[2].Loss-float64(float32(1.0/3))) > 1e-9 || st.Curves[0].Accuracy != 0.5 {
		t.Fatalf("steps %d, curves %+v", m.steps, st.Curves)
	}
}

// TestLoopStopsOnNaN: a NaN loss stops the loop with a *NaNError naming
// the run, the epoch and the step, after the OnFail hooks saw it.
func TestLoopStopsOnNaN(t *testing.T) {
	m := &fakeModel{}
	l := newTestLoop(m, 5)
	l.Step = func(b *graphs.Batch, h graphs.Hyper) (graphs.StepResult, error) {
		m.steps++
		loss := float32(0.5)
		if m.steps == 6 {
			loss = float32(math.NaN())
		}
		return graphs.StepResult{Loss: loss}, nil
	}
	failed := false
	l.OnFail(func(st *State, err error) error { failed = true; return err })
	_, err := l.Run()
	var ne *NaNError
	if !errors.As(err, &ne) || ne.Run != "run" || ne.Epoch != 3 || ne.Step != 2 || ne.Checkpoint != "none" || !failed {
		t.Fatalf("err %v (%+v), OnFail ran %v", err, ne, failed)
	}
	if !strings.Contains(err.Error(), "run run: training loss is NaN at epoch 3 step 2") {
		t.Fatalf("message %q", err)
	}
}

// TestCheckpointsResumeKeptState: a run stopped after epoch 2 of 4 and
// resumed from its checkpoint ends with the same curve and kept state as
// an uninterrupted run; a checkpoint of another run directory is refused.
func TestCheckpointsResumeKeptState(t *testing.T) {
	counted := func(l *Loop, n *int) {
		l.Keep("count", n)
		l.OnMeasure(func(st *State, r *rundir.EpochStats) error { *n += st.Epoch + 1; return nil })
	}
	d, err := rundir.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ref, refN := &fakeModel{}, 0
	l := newTestLoop(ref, 4)
	counted(l, &refN)
	want, err := l.Run()
	if err != nil {
		t.Fatal(err)
	}
	ck := d.Retrain("run").Checkpoint()
	m, n := &fakeModel{}, 0
	l = newTestLoop(m, 4)
	counted(l, &n)
	Checkpoints{Folder: ck, Every: 1, Resume: true, RunID: "id1", Model: m, Logf: t.Logf}.Attach(l)
	l.StopWhen(func(st *State) bool { return st.Next == 2 }) // "killed" after epoch 2
	if _, err := l.Run(); err != nil {
		t.Fatal(err)
	}
	m2, n2 := &fakeModel{}, 0
	l = newTestLoop(m2, 4)
	counted(l, &n2)
	Checkpoints{Folder: ck, Every: 1, Resume: true, RunID: "id1", Model: m2, Logf: t.Logf}.Attach(l)
	got, err := l.Run()
	if err != nil {
		t.Fatal(err)
	}
	if n2 != refN || m2.steps != ref.steps || len(got.Curves) != 4 || got.Curves[3].Loss != want.Curves[3].Loss {
		t.Fatalf("resumed: count %d steps %d curves %d; uninterrupted: count %d steps %d", n2, m2.steps, len(got.Curves), refN, ref.steps)
	}
	l = newTestLoop(&fakeModel{}, 4)
	Checkpoints{Folder: ck, Every: 1, Resume: true, RunID: "other", Model: &fakeModel{}, Logf: t.Logf}.Attach(l)
	if _, err := l.Run(); err == nil || !strings.Contains(err.Error(), "copied from another run") || !strings.Contains(err.Error(), filepath.Join(ck.Path(), "state.json")) {
		t.Fatalf("foreign checkpoint: %v", err)
	}
}

// TestCheckpointsKeepStoppedRun: a run a stop rule ended between two saves
// (epoch 3, saves every 2) keeps its final state; resumed with the same
// rule it trains no further and returns that state.
func TestCheckpointsKeepStoppedRun(t *testing.T) {
	d, err := rundir.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ck := d.Retrain("run").Checkpoint()
	stopAt3 := func(st *State) bool { return st.Next == 3 }
	m := &fakeModel{}
	l := newTestLoop(m, 10)
	Checkpoints{Folder: ck, Every: 2, Resume: true, RunID: "id1", Model: m, Logf: t.Logf}.Attach(l)
	l.StopWhen(stopAt3)
	if _, err := l.Run(); err != nil {
		t.Fatal(err)
	}
	m2 := &fakeModel{}
	l = newTestLoop(m2, 10)
	Checkpoints{Folder: ck, Every: 2, Resume: true, RunID: "id1", Model: m2, Logf: t.Logf}.Attach(l)
	l.StopWhen(stopAt3)
	stepped := false
	l.OnStep(func(*State, StepInfo) { stepped = true })
	st, err := l.Run()
	if err != nil {
		t.Fatal(err)
	}
	if stepped || st.Next != 3 || len(st.Curves) != 3 || m2.steps != m.steps || m.steps != 6 {
		t.Fatalf("resumed stopped run: stepped %v, next %d, %d rows, steps %d (first run %d)", stepped, st.Next, len(st.Curves), m2.steps, m.steps)
	}
}

package stages

import (
	"slices"
	"testing"
)

// TestLearnStatsHandMadeTrajectory checks the counters on trajectories
// worked out by hand (columns = examples, rows = epochs 1..6).
func TestLearnStatsHandMadeTrajectory(t *testing.T) {
	traj := [][]int32{
		// ex0 always right, ex1 learned at 2 and kept, ex2 flips, ex3 never, ex4 learned late then forgotten at the end
		{1, 0, 1, 0, 0},
		{1, 1, 0, 0, 0},
		{1, 1, 1, 0, 0},
		{1, 1, 0, 0, 1},
		{1, 1, 1, 0, 1},
		{1, 1, 1, 0, 0},
	}
	l := NewLearnStats(5)
	for e, row := range traj {
		if err := l.Update(row, e+1); err != nil {
			t.Fatal(err)
		}
	}
	if want := []int32{0, 0, 2, 0, 1}; !slices.Equal(l.Forget, want) {
		t.Errorf("forgetting = %v, want %v", l.Forget, want)
	}
	if want := []int32{1, 2, 1, -1, 4}; !slices.Equal(l.First, want) {
		t.Errorf("first learned = %v, want %v", l.First, want)
	}
	if want := []int32{1, 2, 5, -1, -1}; !slices.Equal(l.LearnedForGood(), want) {
		t.Errorf("learned for good = %v, want %v", l.LearnedForGood(), want)
	}
	if err := l.Update([]int32{1}, 7); err == nil {
		t.Error("a result of the wrong length was accepted")
	}
}

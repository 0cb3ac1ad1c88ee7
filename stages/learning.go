package stages

import "fmt"

// LearnStats tracks, per training example, the learning statistics of the
// paper's Tables 2-3 from its correctness at the end of each epoch
// (inference mode, each example once, so upsampled duplicates count once):
// the forgetting score (correct -> incorrect transitions, Toneva et al.
// 2019), the first epoch it was classified correctly, and the epoch it was
// learned for good (after its last misclassification). -1 means never.
type LearnStats struct {
	Epochs    int     `json:"epochs"`
	Prev      []int8  `json:"prev"`
	Forget    []int32 `json:"forget"`
	First     []int32 `json:"first"`
	LastWrong []int32 `json:"last_wrong"`
}

// NewLearnStats returns the statistics of n examples before the first epoch.
func NewLearnStats(n int) *LearnStats {
	l := &LearnStats{Prev: make([]int8, n), Forget: make([]int32, n), First: make([]int32, n), LastWrong: make([]int32, n)}
	for i := range l.First {
		l.First[i] = -1
	}
	return l
}

// Update records the correctness (1/0) of every example after epoch (1-based).
func (l *LearnStats) Update(correct []int32, epoch int) error {
	if len(correct) != len(l.Prev) {
		return fmt.Errorf("learning statistics: %d results for %d examples", len(correct), len(l.Prev))
	}
	for i, c := range correct {
		if c != 0 {
			if l.First[i] < 0 {
				l.First[i] = int32(epoch)
			}
		} else {
			if l.Prev[i] == 1 {
				l.Forget[i]++
			}
			l.LastWrong[i] = int32(epoch)
		}
		l.Prev[i] = int8(min(c, 1))
	}
	l.Epochs = epoch
	return nil
}

// LearnedForGood returns, per example, the epoch after which it stayed
// correct to the end (1 if never misclassified), or -1 if it was
// misclassified at the last epoch.
func (l *LearnStats) LearnedForGood() []int32 {
	out := make([]int32, len(l.Prev))
	for i := range out {
		switch {
		case l.LastWrong[i] == int32(l.Epochs):
			out[i] = -1
		default:
			out[i] = l.LastWrong[i] + 1
		}
	}
	return out
}

package sampler

import (
	"slices"
	"testing"
)

func TestUpsample(t *testing.T) {
	for _, tc := range []struct {
		n      int
		slow   []int
		factor int
		want   []int
	}{
		{4, nil, 3, []int{0, 1, 2, 3}},
		{4, []int{2, 0}, 1, []int{0, 1, 2, 3}},
		{4, []int{2, 0}, 2, []int{0, 1, 2, 3, 2, 0}},
		{4, []int{2, 0}, 3, []int{0, 1, 2, 3, 2, 0, 2, 0}},
		{0, nil, 2, []int{}},
	} {
		slow := slices.Clone(tc.slow)
		got := Upsample(tc.n, tc.slow, tc.factor)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Upsample(%d, %v, %d) = %v, want %v", tc.n, tc.slow, tc.factor, got, tc.want)
		}
		if !slices.Equal(slow, tc.slow) {
			t.Errorf("Upsample modified slow: %v", tc.slow)
		}
	}
	for name, f := range map[string]func(){
		"factor 0":     func() { Upsample(3, nil, 0) },
		"negative n":   func() { Upsample(-1, nil, 2) },
		"out of range": func() { Upsample(3, []int{3}, 2) },
		"negative":     func() { Upsample(3, []int{-1}, 2) },
		"duplicate":    func() { Upsample(3, []int{1, 1}, 2) },
	} {
		mustPanic(t, name, f)
	}
}

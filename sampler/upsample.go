package sampler

import "fmt"

// Upsample returns the USEFUL training list: the base indices 0..n-1 in order,
// followed by factor-1 more copies of slow, each copy in the order of slow.
// Given to New, it makes every example of slow appear factor times per epoch
// and every other example once. factor 1 gives just 0..n-1. The result is a
// new slice; slow is not modified.
//
// Upsample panics if n < 0, factor < 1, or an element of slow is outside
// [0, n) or listed twice.
func Upsample(n int, slow []int, factor int) []int {
	if n < 0 {
		panic(fmt.Sprintf("sampler: Upsample: n is %d, want >= 0", n))
	}
	if factor < 1 {
		panic(fmt.Sprintf("sampler: Upsample: factor is %d, want >= 1", factor))
	}
	seen := make([]bool, n)
	for i, idx := range slow {
		if idx < 0 || idx >= n {
			panic(fmt.Sprintf("sampler: Upsample: slow[%d] is %d, outside 0..%d", i, idx, n-1))
		}
		if seen[idx] {
			panic(fmt.Sprintf("sampler: Upsample: index %d listed twice in slow", idx))
		}
		seen[idx] = true
	}
	out := make([]int, n, n+(factor-1)*len(slow))
	for i := range out {
		out[i] = i
	}
	for range factor - 1 {
		out = append(out, slow...)
	}
	return out
}

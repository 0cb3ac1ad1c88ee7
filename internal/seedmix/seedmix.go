// Package seedmix holds the one integer mixer every seeded choice of the
// project derives its generators from (SplitMix64's finaliser, Steele et al.
// 2014), so that nearby seeds, epochs or indices give unrelated streams.
package seedmix

// Mix is the SplitMix64 finaliser: a bijection on uint64 whose output bits
// each depend on every input bit.
func Mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Derive folds words into seed one at a time with Mix: Derive(s, a, b) =
// Mix(Mix(s ^ Mix(a)) ^ b)... Distinct argument lists give unrelated values.
func Derive(seed uint64, words ...uint64) uint64 {
	h := seed
	for i, w := range words {
		if i == 0 {
			h = Mix(h ^ Mix(w))
			continue
		}
		h = Mix(h ^ w)
	}
	return h
}

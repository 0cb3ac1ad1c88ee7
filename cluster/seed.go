package cluster

import "math/rand/v2"

// seedPlusPlus chooses up to k initial centroids from the n rows of x
// (dimension d) by k-means++ D² sampling and writes them to the first rows of
// w.cent. The first centroid is a uniformly chosen row; each further one is
// row i with probability minD2[i]/Σ minD2, where minD2[i] is the squared
// distance of row i to its nearest chosen centroid. Rows at distance 0 are
// never chosen, so the chosen centroids are distinct. When every row
// coincides with a chosen centroid the sum is 0 and seeding stops early;
// seedPlusPlus returns the number of centroids chosen, which is then the
// number of distinct rows. w.d2 is used as scratch.
func (w *workspace) seedPlusPlus(x []float64, rng *rand.Rand) int {
	n, d, k := w.n, w.d, w.k
	first := rng.IntN(n)
	c := w.centroid(0)
	copy(c, x[first*d:first*d+d])
	if k == 1 {
		return 1
	}
	minD2 := w.d2
	var total float64
	for i := range n {
		v := sqDist(x[i*d:i*d+d], c)
		minD2[i] = v
		total += v
	}
	m := 1
	for ; m < k && total > 0; m++ {
		// The first row whose running sum exceeds u; rows with weight 0 are
		// skipped so they can never be picked.
		u := rng.Float64() * total
		pick, lastPositive := -1, -1
		var cum float64
		for i, v := range minD2 {
			if v == 0 {
				continue
			}
			lastPositive = i
			cum += v
			if cum > u {
				pick = i
				break
			}
		}
		if pick < 0 { // rounding left u at or above the running sum
			pick = lastPositive
		}
		c = w.centroid(m)
		copy(c, x[pick*d:pick*d+d])
		if m+1 == k {
			return k // the distances are only needed for another draw
		}
		total = 0
		for i := range n {
			if v := sqDist(x[i*d:i*d+d], c); v < minD2[i] {
				minD2[i] = v
			}
			total += minD2[i]
		}
	}
	return m
}

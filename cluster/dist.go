package cluster

// sqDist returns the squared Euclidean distance between a and b, which must
// have the same length. It sums with four accumulators in a fixed order, so
// the result is the same on every run.
func sqDist(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	for len(a) >= 4 && len(b) >= 4 {
		d0 := a[0] - b[0]
		d1 := a[1] - b[1]
		d2 := a[2] - b[2]
		d3 := a[3] - b[3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
		a, b = a[4:], b[4:]
	}
	for i, v := range a {
		d := v - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// accumulate adds row - c to s and returns sqDist(row, c); all three must
// have the same length.
func accumulate(s, row, c []float64) float64 {
	s = s[:len(row)]
	c = c[:len(row)]
	var s0, s1, s2, s3 float64
	for len(row) >= 4 && len(s) >= 4 && len(c) >= 4 {
		d0 := row[0] - c[0]
		d1 := row[1] - c[1]
		d2 := row[2] - c[2]
		d3 := row[3] - c[3]
		s[0] += d0
		s[1] += d1
		s[2] += d2
		s[3] += d3
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
		row, s, c = row[4:], s[4:], c[4:]
	}
	for i, v := range row {
		d := v - c[i]
		s[i] += d
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

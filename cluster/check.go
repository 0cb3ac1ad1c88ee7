package cluster

import (
	"fmt"
	"math"
)

// magnitudeLimit returns the largest |value| a coordinate may have so that no
// squared distance, and no sum of n of them, overflows float64 for rows of
// dimension d: n·d·(2·limit)² <= MaxFloat64.
func magnitudeLimit(n, d int) float64 {
	return math.Sqrt(math.MaxFloat64 / (4 * float64(n) * float64(d)))
}

// badValue returns the index of the first element of data that is NaN, ±Inf
// or larger in magnitude than limit, or -1 if there is none.
func badValue(data []float64, limit float64) int {
	for i, v := range data {
		if !(math.Abs(v) <= limit) { // also true for NaN
			return i
		}
	}
	return -1
}

// valueError describes the bad value v of the given kind at row, col.
func valueError(kind string, row, col int, v, limit float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("cluster: row %d, column %d: %s %v is not finite", row, col, kind, v)
	}
	return fmt.Errorf("cluster: row %d, column %d: %s %v exceeds the magnitude limit %.4g (squared distances would overflow)", row, col, kind, v, limit)
}

package predict

import (
	"encoding/csv"
	"sort"
	"strconv"
)

// header returns the CSV header for k classes per row.
func header(k int, labels bool) []string {
	h := []string{"input"}
	if labels {
		h = append(h, "label")
	}
	for j := 1; j <= k; j++ {
		h = append(h, "class_"+strconv.Itoa(j), "probability_"+strconv.Itoa(j))
	}
	return h
}

// topK returns the indices of the k largest probabilities, largest first,
// ties broken by the smaller index.
func topK(probs []float32, k int, idx []int) []int {
	idx = idx[:0]
	for i := range probs {
		idx = append(idx, i)
	}
	sort.SliceStable(idx, func(a, b int) bool { return probs[idx[a]] > probs[idx[b]] })
	return idx[:k]
}

// formatProb prints p with the fewest digits that parse back to the same
// float32.
func formatProb(p float32) string { return strconv.FormatFloat(float64(p), 'g', -1, 32) }

// rowWriter writes one CSV row per image.
type rowWriter struct {
	w       *csv.Writer
	classes []string
	k       int
	labels  bool
	idx     []int
	row     []string
}

func (r *rowWriter) write(input, label string, probs []float32) error {
	r.row = append(r.row[:0], input)
	if r.labels {
		r.row = append(r.row, label)
	}
	r.idx = topK(probs, r.k, r.idx)
	for _, c := range r.idx {
		r.row = append(r.row, r.classes[c], formatProb(probs[c]))
	}
	return r.w.Write(r.row)
}

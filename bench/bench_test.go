package bench

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestStageDoneLine: the full-run benchmark parses the pipeline's
// "stage done" line (pipeline.Run prints it with this format).
func TestStageDoneLine(t *testing.T) {
	line := fmt.Sprintf("%s: stage done in %.1fs%s", "retrain", 688.25, fmt.Sprintf(" (RSS %.1f MiB)", 547.94))
	m := stageDone.FindStringSubmatch(line)
	if m == nil || m[1] != "retrain" || m[2] != "688.2" || m[3] != "547.9" {
		t.Fatalf("%q parsed as %q", line, m)
	}
	if stageDone.MatchString("retrain: stage done in 3.0s") {
		t.Fatal("a line without RSS must not match")
	}
	if !firstEpoch.MatchString("21:42:10 probe/sgd: epoch 1/3 lr 0.1 loss 0.5 acc 80.00% (5.25s)") {
		t.Fatal("first-epoch line not recognised")
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestLogits: the k-means benchmark's data is seeded, has labels in range
// and puts the largest logit on the label for most rows.
func TestLogits(t *testing.T) {
	x, y, loss := Logits(2000, 10, 1)
	x2, y2, _ := Logits(2000, 10, 1)
	if !mat.Equal(x, x2) || fmt.Sprint(y) != fmt.Sprint(y2) {
		t.Fatal("same seed, different logits")
	}
	right := 0
	for i, l := range y {
		if l < 0 || l >= 10 || !(loss[i] > 0) {
			t.Fatalf("row %d: label %d loss %v", i, l, loss[i])
		}
		row := x.RawRowView(i)
		best := 0
		for k := range row {
			if row[k] > row[best] {
				best = k
			}
		}
		if best == int(l) {
			right++
		}
	}
	if right < 1500 {
		t.Fatalf("only %d of 2000 rows have their largest logit on the label", right)
	}
}

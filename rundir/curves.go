package rundir

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
)

// EpochStats is one row of a training curve (curves.csv).
type EpochStats struct {
	Epoch    int     `json:"epoch"` // 1-based: the state after this many epochs
	LR       float64 `json:"lr"`
	Loss     float64 `json:"loss"`     // mean training loss over the epoch's steps
	Accuracy float64 `json:"accuracy"` // fraction of the epoch's examples classified correctly
	Seconds  float64 `json:"seconds"`  // wall time of the epoch's train steps
	// ImagesPerSec is the examples trained per second of Seconds.
	ImagesPerSec float64 `json:"images_per_s"`
	// TestAccuracy is measured after the epoch when --eval-every asks;
	// nil otherwise.
	TestAccuracy *float64 `json:"test_accuracy,omitempty"`
	// Features holds per-epoch measurements of the weights (toy: G_e, G_d).
	Features map[string]float64 `json:"features,omitempty"`
}

// TrainingError returns 1 - Accuracy.
func (s EpochStats) TrainingError() float64 { return 1 - s.Accuracy }

// curveHeader is the first line of curves.csv; featureCols are the
// Features keys it has columns for.
const curveHeader = "epoch,lr,loss,accuracy,train_error_pct,seconds,images_per_s,test_accuracy,G_e,G_d\n"

var featureCols = []string{"G_e", "G_d"}

// Curves is a curves.csv artifact: one EpochStats per line.
type Curves struct{ File }

// Write writes the curve.
func (c Curves) Write(rows []EpochStats) error {
	var b []byte
	b = append(b, curveHeader...)
	for _, r := range rows {
		feat := make([]string, len(featureCols))
		if r.Features != nil {
			for i, k := range featureCols {
				feat[i] = fmt.Sprintf("%.6g", r.Features[k])
			}
		}
		test := ""
		if r.TestAccuracy != nil {
			test = fmt.Sprintf("%.6g", *r.TestAccuracy)
		}
		b = fmt.Appendf(b, "%d,%.6g,%.6g,%.6g,%.4f,%.4f,%.1f,%s,%s,%s\n", r.Epoch, r.LR, r.Loss, r.Accuracy, 100*(1-r.Accuracy), r.Seconds, r.ImagesPerSec, test, feat[0], feat[1])
	}
	return c.WriteBytes(b)
}

// Read reads the curve; errors name the file and line.
func (c Curves) Read() ([]EpochStats, error) {
	b, err := c.ReadBytes()
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Path(), err)
	}
	var out []EpochStats
	for i, r := range rows {
		if i == 0 {
			continue
		}
		if len(r) != 10 {
			return nil, fmt.Errorf("%s: line %d has %d fields, want 10", c.Path(), i+1, len(r))
		}
		num := func(k int) float64 {
			v, err := strconv.ParseFloat(r[k], 64)
			if err != nil {
				return math.NaN()
			}
			return v
		}
		s := EpochStats{Epoch: int(num(0)), LR: num(1), Loss: num(2), Accuracy: num(3), Seconds: num(5), ImagesPerSec: num(6)}
		if r[7] != "" {
			v := num(7)
			s.TestAccuracy = &v
		}
		if r[8] != "" {
			s.Features = map[string]float64{}
			for j, k := range featureCols {
				s.Features[k] = num(8 + j)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

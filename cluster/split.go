package cluster

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// lossTieRel is the relative difference below which the mean losses of the
// two clusters of a class count as equal: |m0-m1| <= lossTieRel·max(|m0|,|m1|).
// It absorbs the rounding of summing the same per-example loss a different
// number of times (0.1+0.1+0.1 != 3·0.1 in float64).
const lossTieRel = 1e-12

// ClassSplit is the split of one class into a fast and a slow cluster.
type ClassSplit struct {
	// Class is the class index.
	Class int
	// Members holds the dataset indices of the class's examples, increasing;
	// nil for a class without examples.
	Members []int
	// Assign holds the cluster (0 or 1) of each member, in the order of
	// Members. Clusters are in KMeans's canonical order, so the class's
	// first example is always in cluster 0.
	Assign []int
	// Sizes holds the number of members in each cluster.
	Sizes [2]int
	// MeanLoss holds the mean per-example loss of each cluster, or 0 for an
	// empty cluster (use Sizes to tell; 0 rather than NaN keeps the value
	// printable and JSON-encodable).
	MeanLoss [2]float64
	// SlowCluster is the index (0 or 1) of the cluster with the higher mean
	// loss, or -1 if the class is not split: it has fewer than two distinct
	// logit rows (no members, one member, all rows identical), or the two
	// mean losses are equal within a relative 1e-12.
	SlowCluster int
	// Slow holds the dataset indices of the members in the slow cluster,
	// increasing; empty if SlowCluster is -1.
	Slow []int
}

// SplitClasses splits every class into two clusters and marks the slow one.
// Row i of logits is the logit vector of example i, labels[i] its class in
// [0, numClasses) and losses[i] its loss. For each class c, in order,
// SplitClasses runs KMeans with k = 2 on the logit rows of the class's
// examples, with cfg's settings but a seed derived deterministically from
// cfg.Seed and c (so classes do not share random streams and a class's split
// does not depend on the other classes). The cluster with the higher mean
// loss is the slow one; see ClassSplit for when a class is not split. A nil
// cfg means the defaults of Config. The result has one ClassSplit per class,
// indexed by class.
//
// SplitClasses panics if logits is nil, if numClasses < 1, if labels or
// losses do not have one entry per row of logits, or if cfg is invalid. An
// empty (zero-value) logits means zero examples and gives numClasses splits
// without members. SplitClasses returns an error naming the row and value if
// a label is out of range, a loss is NaN or ±Inf, or a logit is NaN, ±Inf,
// or so large that squared distances could overflow float64.
func SplitClasses(logits *mat.Dense, labels []int32, losses []float64, numClasses int, cfg *Config) ([]ClassSplit, error) {
	if logits == nil {
		panic("cluster: nil logits")
	}
	if numClasses < 1 {
		panic(fmt.Sprintf("cluster: numClasses = %d, want >= 1", numClasses))
	}
	var n, d int
	var data []float64
	if !logits.IsEmpty() {
		n, d = logits.Dims()
		data = flatten(logits)
	}
	if len(labels) != n || len(losses) != n {
		panic(fmt.Sprintf("cluster: %d logit rows, %d labels, %d losses; want equal lengths", n, len(labels), len(losses)))
	}
	s := cfg.resolve()

	members := make([][]int, numClasses)
	for i, l := range labels {
		if l < 0 || int(l) >= numClasses {
			return nil, fmt.Errorf("cluster: row %d: label %d outside [0, %d)", i, l, numClasses)
		}
		if v := losses[i]; math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("cluster: row %d: loss %v is not finite", i, v)
		}
		members[l] = append(members[l], i)
	}
	if n > 0 {
		limit := magnitudeLimit(n, d) // n >= any class size, so it holds per class
		if i := badValue(data, limit); i >= 0 {
			return nil, valueError("logit", i/d, i%d, data[i], limit)
		}
	}

	splits := make([]ClassSplit, numClasses)
	var buf []float64
	for c, idx := range members {
		sp := ClassSplit{Class: c, SlowCluster: -1}
		if len(idx) == 0 {
			splits[c] = sp
			continue
		}
		buf = buf[:0]
		for _, i := range idx {
			buf = append(buf, data[i*d:i*d+d]...)
		}
		cs := s
		cs.seed = classSeed(s.seed, c)
		res := kmeans(buf, len(idx), d, 2, cs)
		sp.Members = idx
		sp.Assign = res.Labels
		sp.Sizes = [2]int{res.Sizes[0], res.Sizes[1]}
		var sum [2]float64
		for j, i := range idx {
			sum[res.Labels[j]] += losses[i]
		}
		for j := range 2 {
			if sp.Sizes[j] > 0 {
				sp.MeanLoss[j] = sum[j] / float64(sp.Sizes[j])
			}
		}
		sp.SlowCluster = slowCluster(sp.Sizes, sp.MeanLoss)
		if sp.SlowCluster >= 0 {
			for j, i := range idx {
				if res.Labels[j] == sp.SlowCluster {
					sp.Slow = append(sp.Slow, i)
				}
			}
		}
		splits[c] = sp
	}
	return splits, nil
}

// slowCluster returns the index of the cluster with the higher mean loss, or
// -1 if a cluster is empty or the means are equal within lossTieRel.
func slowCluster(sizes [2]int, mean [2]float64) int {
	if sizes[0] == 0 || sizes[1] == 0 {
		return -1
	}
	m0, m1 := mean[0], mean[1]
	if math.Abs(m0-m1) <= lossTieRel*max(math.Abs(m0), math.Abs(m1)) {
		return -1
	}
	if m0 > m1 {
		return 0
	}
	return 1
}

// SlowIndices returns the Slow lists of splits concatenated in the order of
// splits (class order for the result of SplitClasses): the dataset indices to
// upsample. A nil or empty splits, or one where no class has a slow cluster,
// gives an empty result. The result is a new slice.
func SlowIndices(splits []ClassSplit) []int {
	total := 0
	for _, sp := range splits {
		total += len(sp.Slow)
	}
	out := make([]int, 0, total)
	for _, sp := range splits {
		out = append(out, sp.Slow...)
	}
	return out
}

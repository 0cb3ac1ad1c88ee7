package cluster

import "math"

// boundSlack is the relative margin by which a distance bound must beat the
// competing bound before a row is skipped. It covers the rounding of the
// bounds, so a skipped row is never one that a full distance computation
// would move, and rows at (near) ties are always recomputed.
const boundSlack = 1e-10

// run performs restart r of k-means on the n x d rows of x: k-means++
// seeding with its own generator, then Lloyd iterations.
func (w *workspace) run(x []float64, r int, s settings) {
	w.restart = r
	m := w.seedPlusPlus(x, restartRNG(s.seed, r))
	for j := range w.live {
		w.live[j] = j < m
	}
	w.lloyd(x, s.maxIter, s.tol)
}

// lloyd runs Lloyd iterations from the live centroids in w.cent until no
// assignment changes, no centroid moved by more than tol, or maxIter
// assignment passes were made. Then finish makes every centroid the mean of
// its rows and computes the inertia.
//
// Assignment passes skip rows that provably keep their cluster, so late
// iterations, where few rows move, cost far less than a full pass. With
// exactly two live clusters (the USEFUL case) a row's side is the sign of
// its margin from the bisecting hyperplane, and a lower bound on |margin| is
// loosened as the centroids move (assignPlane, loosenPlane). Otherwise
// Hamerly's bounds are used: an upper bound on the distance to the own
// centroid and a lower bound on the distance to every other; a row whose
// upper bound is below its lower bound, or below half the distance from its
// centroid to the nearest other centroid, cannot change cluster. Rows that
// are not skipped get exact distances (or margins), so the labels are those
// of plain Lloyd up to rounding at near-ties. Cluster sums are updated as
// rows move.
func (w *workspace) lloyd(x []float64, maxIter int, tol float64) {
	w.begin(x)
	for it := 1; ; it++ {
		w.iterations = it
		if w.assign(x) == 0 {
			break // same labels as the previous pass: converged
		}
		reseeded := w.reseed(x)
		moved := w.update()
		if (!reseeded && moved <= tol) || it >= maxIter {
			break
		}
	}
	w.finish(x)
}

// begin clears the labels, counts and sums and makes each live centroid the
// reference point of its cluster's sums.
func (w *workspace) begin(x []float64) {
	if w.geo == nil {
		w.geo = newGeometry(x, w.n, w.d)
	}
	w.mode = modeNone
	for i := range w.labels {
		w.labels[i] = -1
	}
	clear(w.counts)
	clear(w.sums)
	for j := range w.k {
		if w.live[j] {
			copy(w.reference(j), w.centroid(j))
		}
	}
}

// assign gives every row to its nearest live centroid, ties to the lower
// cluster index, skipping rows that the bounds show cannot move. It moves
// rows between the clusters' sums and returns the number of rows whose label
// changed. Two live clusters are handled by assignPlane, any other number
// with Hamerly's bounds.
func (w *workspace) assign(x []float64) int {
	d := w.d
	w.active = w.active[:0]
	for j, l := range w.live {
		if l {
			w.active = append(w.active, j)
		}
	}
	active := w.active
	if len(active) == 2 {
		return w.assignPlane(x, active[0], active[1])
	}
	if w.mode != modeHamerly {
		w.mode = modeHamerly
		for i := range w.upper {
			w.upper[i] = math.Inf(1)
		}
		clear(w.lower)
	}
	for _, a := range active {
		h := math.Inf(1)
		for _, b := range active {
			if b != a {
				h = min(h, sqDist(w.centroid(a), w.centroid(b)))
			}
		}
		w.half[a] = 0.5 * math.Sqrt(h)
	}
	changed := 0
	for i := range w.n {
		row := x[i*d : i*d+d : i*d+d]
		a := w.labels[i]
		if a >= 0 {
			m := max(w.half[a], w.lower[i]) * (1 - boundSlack)
			if w.upper[i] < m {
				continue
			}
			w.upper[i] = math.Sqrt(sqDist(row, w.centroid(a)))
			if w.upper[i] < m {
				continue
			}
		}
		best, bd, second := -1, math.Inf(1), math.Inf(1)
		for _, j := range active {
			v := sqDist(row, w.centroid(j))
			if v < bd {
				best, bd, second = j, v, bd
			} else if v < second {
				second = v
			}
		}
		w.upper[i] = math.Sqrt(bd)
		w.lower[i] = math.Sqrt(second)
		if best != a {
			w.move(row, i, best)
			changed++
		}
	}
	return changed
}

// move takes row i (values row) out of its cluster, if any, and puts it in
// cluster b, updating counts and sums.
func (w *workspace) move(row []float64, i, b int) {
	if a := w.labels[i]; a >= 0 {
		s, r := w.sum(a), w.reference(a)
		for t, v := range row {
			s[t] -= v - r[t]
		}
		w.counts[a]--
	}
	s, r := w.sum(b), w.reference(b)
	for t, v := range row {
		s[t] += v - r[t]
	}
	w.counts[b]++
	w.labels[i] = b
}

// reseed re-seeds every empty cluster with the row farthest from its
// centroid (largest squared distance, ties to the lower row index) among
// rows whose cluster has more than one row, so re-seeding never empties
// another cluster. If every such row sits on its centroid the cluster stays
// empty (not live): then all rows coincide with the live centroids and there
// is nothing left to split. reseed reports whether it re-seeded a cluster.
func (w *workspace) reseed(x []float64) bool {
	empty := false
	for _, c := range w.counts {
		empty = empty || c == 0
	}
	if !empty {
		return false
	}
	d := w.d
	for i, a := range w.labels {
		w.d2[i] = sqDist(x[i*d:i*d+d], w.centroid(a))
		w.upper[i] = math.Sqrt(w.d2[i])
	}
	reseeded := false
	for j := range w.k {
		if w.counts[j] > 0 {
			continue
		}
		far, fd := -1, 0.0
		for i, v := range w.d2 {
			if v > fd && w.counts[w.labels[i]] > 1 {
				far, fd = i, v
			}
		}
		if far < 0 {
			w.live[j] = false
			continue
		}
		row := x[far*d : far*d+d]
		copy(w.centroid(j), row)
		copy(w.reference(j), row)
		clear(w.sum(j))
		w.move(row, far, j)
		w.d2[far], w.upper[far] = 0, 0
		w.live[j] = true
		reseeded = true
	}
	if reseeded {
		// New centroids invalidate the lower bounds.
		clear(w.lower)
	}
	return reseeded
}

// update moves every non-empty cluster's centroid to the mean of its rows,
// loosens the bounds by the distances moved, and returns the largest such
// distance.
func (w *workspace) update() float64 {
	var p1, p2 float64 // largest and second largest shift
	r := -1            // cluster with the largest shift
	for j := range w.k {
		w.shift[j] = 0
		if w.counts[j] == 0 {
			continue
		}
		cnt := float64(w.counts[j])
		s, ref, c, next := w.sum(j), w.reference(j), w.centroid(j), w.next
		for t := range next {
			next[t] = ref[t] + s[t]/cnt
		}
		p := math.Sqrt(sqDist(next, c))
		copy(c, next)
		w.shift[j] = p
		if p > p1 {
			p1, p2, r = p, p1, j
		} else if p > p2 {
			p2 = p
		}
	}
	if p1 == 0 {
		return 0
	}
	if w.mode == modePlane {
		w.loosenPlane()
		return p1
	}
	for i, a := range w.labels {
		w.upper[i] += w.shift[a]
		if a == r {
			w.lower[i] -= p2
		} else {
			w.lower[i] -= p1
		}
	}
	return p1
}

// finish sets every non-empty cluster's centroid to the mean of its rows,
// computed afresh (the running sums may have drifted by rounding) as the
// old centroid c plus the mean offset S/n of its n rows from it, so a
// cluster whose rows all equal its centroid keeps it exactly. The same pass
// gives the inertia: for each cluster, Σ||row - c||² - ||S||²/n is the sum of
// squared distances to the new centroid c + S/n.
func (w *workspace) finish(x []float64) {
	d := w.d
	clear(w.sums)
	clear(w.shift) // per-cluster Σ||row - c||²
	for i, a := range w.labels {
		w.shift[a] += accumulate(w.sum(a), x[i*d:i*d+d], w.centroid(a))
	}
	w.inertia = 0
	for j := range w.k {
		if w.counts[j] == 0 {
			w.live[j] = false
			continue
		}
		cnt := float64(w.counts[j])
		s, c := w.sum(j), w.centroid(j)
		var corr float64
		for t := range c {
			delta := s[t] / cnt
			c[t] += delta
			corr += s[t] * delta
		}
		w.inertia += max(0, w.shift[j]-corr)
	}
}

package cluster

import "math"

// geometry holds per-run facts about the rows, shared read-only by all
// restarts: their mean and each row's distance from it.
type geometry struct {
	mean   []float64 // d
	radius []float64 // n: ||row - mean||
}

func newGeometry(x []float64, n, d int) *geometry {
	g := &geometry{mean: make([]float64, d), radius: make([]float64, n)}
	for i := range n {
		for t, v := range x[i*d : i*d+d] {
			g.mean[t] += v
		}
	}
	for t := range g.mean {
		g.mean[t] /= float64(n)
	}
	for i := range n {
		g.radius[i] = math.Sqrt(sqDist(x[i*d:i*d+d], g.mean))
	}
	return g
}

// plane is the bisector of two centroids p < q: a row x is nearer q iff
// (x - mid)·dir > 0, where dir = c_q - c_p and mid = (c_p + c_q)/2, since
// ||x-c_p||² - ||x-c_q||² = 2 (x - mid)·dir.
type plane struct {
	p, q   int
	dir    []float64 // c_q - c_p
	mid    []float64 // (c_p + c_q) / 2
	beta   float64   // (mid - mean)·dir
	norm   float64   // ||dir||
	offset float64   // ||mid - mean||
}

// setPlane sets w.pl to the bisector of live centroids p < q.
func (w *workspace) setPlane(p, q int) {
	cp, cq := w.centroid(p), w.centroid(q)
	pl := &w.pl
	pl.p, pl.q = p, q
	var beta, norm, off float64
	mean := w.geo.mean
	for t := range pl.dir {
		pl.dir[t] = cq[t] - cp[t]
		pl.mid[t] = 0.5 * (cp[t] + cq[t])
		m := pl.mid[t] - mean[t]
		beta += m * pl.dir[t]
		norm += pl.dir[t] * pl.dir[t]
		off += m * m
	}
	pl.beta, pl.norm, pl.offset = beta, math.Sqrt(norm), math.Sqrt(off)
}

// marginDot returns (a - mid)·dir, summed like sqDist.
func marginDot(a, mid, dir []float64) float64 {
	mid = mid[:len(a)]
	dir = dir[:len(a)]
	var s0, s1, s2, s3 float64
	for len(a) >= 4 && len(mid) >= 4 && len(dir) >= 4 {
		s0 += (a[0] - mid[0]) * dir[0]
		s1 += (a[1] - mid[1]) * dir[1]
		s2 += (a[2] - mid[2]) * dir[2]
		s3 += (a[3] - mid[3]) * dir[3]
		a, mid, dir = a[4:], mid[4:], dir[4:]
	}
	for i, v := range a {
		s0 += (v - mid[i]) * dir[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// assignPlane is assign for exactly two live clusters p < q. Each row goes
// to q if its margin (row - mid)·dir is positive, else to p (so a row on
// the bisector goes to the lower index). w.lower holds a lower bound on
// each row's |margin| with the sign given by its label; rows whose bound is
// positive cannot change side and are skipped.
func (w *workspace) assignPlane(x []float64, p, q int) int {
	if w.mode != modePlane || w.pl.p != p || w.pl.q != q {
		w.mode = modePlane
		clear(w.lower)
	}
	w.setPlane(p, q)
	pl := &w.pl
	d := w.d
	radius := w.geo.radius
	changed := 0
	for i := range w.n {
		a := w.labels[i]
		if a >= 0 && w.lower[i] > 0 {
			continue
		}
		row := x[i*d : i*d+d : i*d+d]
		g := marginDot(row, pl.mid, pl.dir)
		best := p
		if g > 0 {
			best = q
		}
		// |g| minus a margin for its rounding error, which is at most a
		// small multiple of d·eps·||row - mid||·||dir||.
		w.lower[i] = math.Abs(g) - boundSlack*(radius[i]+pl.offset)*pl.norm
		if best != a {
			w.move(row, i, best)
			changed++
		}
	}
	return changed
}

// loosenPlane lowers the margin bounds after the centroids moved: with the
// old plane (dir, beta) and the new one (dir', beta'), a row's margin
// changes by (row - mean)·(dir' - dir) - (beta' - beta), at most
// radius·||dir' - dir|| + |beta' - beta| in magnitude.
func (w *workspace) loosenPlane() {
	p, q := w.pl.p, w.pl.q
	if !w.live[p] || !w.live[q] {
		clear(w.lower)
		return
	}
	copy(w.oldDir, w.pl.dir)
	oldBeta := w.pl.beta
	w.setPlane(p, q)
	dw := math.Sqrt(sqDist(w.pl.dir, w.oldDir))
	db := math.Abs(w.pl.beta - oldBeta)
	if dw == 0 && db == 0 {
		return
	}
	f := 1 + boundSlack
	for i, r := range w.geo.radius {
		w.lower[i] -= (r*dw + db) * f
	}
}

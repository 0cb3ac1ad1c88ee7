package sharpness

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// HVP computes H v for the loss Hessian H (n x n, symmetric) into dst.
// It must overwrite every entry of dst and must not keep v or dst. Lanczos
// passes a copy of its basis vector as v, so modifying v is harmless.
type HVP func(v, dst []float64) error

// Defaults for the zero values of Config.
const (
	DefaultIterations = 80
	DefaultK          = 5
	DefaultTol        = 1e-6
)

// invariantTol is the relative size of the residual norm beta_j (against
// the largest |alpha_i| or beta_i seen) below which the basis is taken to
// span an invariant subspace of H.
const invariantTol = 1e-10

// Config sets up Lanczos. A nil *Config means all defaults.
type Config struct {
	// Iterations is the largest number of Lanczos steps, that is
	// Hessian-vector products; 0 means DefaultIterations (80). It is capped
	// at n. Fewer are taken when the basis spans R^n or a restart confirms
	// the K largest eigenvalues (see the package documentation).
	Iterations int
	// K is the number of eigenvalues wanted; 0 means DefaultK (5). It must
	// not exceed n or Iterations.
	K int
	// Seed seeds the PCG generator of the random start vectors.
	Seed uint64
	// Reorthogonalize selects full reorthogonalisation of every Lanczos
	// vector against the whole basis. nil means true (the default); point
	// it at false (e.g. with Bool(false)) for plain three-term Lanczos,
	// which produces ghost copies of converged eigenvalues and is meant for
	// comparison only.
	Reorthogonalize *bool
	// Tol is the convergence test of a Ritz value: residual bound <= Tol
	// times the largest |Ritz value|. 0 means DefaultTol (1e-6). It only
	// decides when a fresh start vector is tried (and Result.Converged);
	// it never ends the run before the K largest Ritz values pass it.
	Tol float64
}

// Bool returns a pointer to b, for Config.Reorthogonalize.
func Bool(b bool) *bool { return &b }

// Result holds the K largest Ritz values.
type Result struct {
	// Eigenvalues are the K largest (algebraic) Ritz values, largest first:
	// Eigenvalues[0] estimates lambda_max.
	Eigenvalues []float64
	// Residuals[i] bounds ||H y - theta y|| for the Ritz pair (theta, y) of
	// Eigenvalues[i]; with reorthogonalisation H has an eigenvalue within
	// Residuals[i] of Eigenvalues[i]. 0 when the basis spans R^n.
	Residuals []float64
	// Iterations is the number of Lanczos steps taken (Hessian-vector
	// products computed).
	Iterations int
	// Restarts counts the fresh random start vectors after the first: after
	// an invariant subspace, or after the K largest Ritz values converged.
	Restarts int
	// Converged reports whether every returned Ritz value passed
	// Config.Tol.
	Converged bool
}

// Ratio returns Eigenvalues[0] / Eigenvalues[K-1]: lambda_max / lambda_5 for
// K = 5 (Table 1 of the paper).
func (r *Result) Ratio() float64 {
	return r.Eigenvalues[0] / r.Eigenvalues[len(r.Eigenvalues)-1]
}

// splitmix64 mixes the seed into the PCG stream selector.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Lanczos estimates the K largest eigenvalues of the n x n symmetric matrix
// whose products hvp computes; see the package documentation.
func Lanczos(n int, hvp HVP, cfg *Config) (*Result, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Iterations == 0 {
		c.Iterations = DefaultIterations
	}
	if c.K == 0 {
		c.K = DefaultK
	}
	if c.Tol == 0 {
		c.Tol = DefaultTol
	}
	switch {
	case n <= 0:
		return nil, fmt.Errorf("sharpness: Lanczos: dimension n = %d, want > 0", n)
	case hvp == nil:
		return nil, errors.New("sharpness: Lanczos: nil hvp")
	case c.Iterations < 0:
		return nil, fmt.Errorf("sharpness: Lanczos: Iterations = %d, want >= 0 (0 means %d)", c.Iterations, DefaultIterations)
	case c.K < 0:
		return nil, fmt.Errorf("sharpness: Lanczos: K = %d, want >= 0 (0 means %d)", c.K, DefaultK)
	case c.K > n:
		return nil, fmt.Errorf("sharpness: Lanczos: K = %d eigenvalues of a %d x %d matrix", c.K, n, n)
	case c.K > c.Iterations:
		return nil, fmt.Errorf("sharpness: Lanczos: K = %d eigenvalues from %d iterations, want K <= Iterations", c.K, c.Iterations)
	case !(c.Tol > 0 && c.Tol < 1):
		return nil, fmt.Errorf("sharpness: Lanczos: Tol = %v, want in (0, 1) (0 means %v)", c.Tol, DefaultTol)
	}
	l := &lanczos{n: n, m: min(c.Iterations, n), k: c.K, tol: c.Tol, hvp: hvp,
		rng: rand.New(rand.NewPCG(c.Seed, splitmix64(c.Seed^0x6c616e637a6f7300))),
		vin: make([]float64, n), w: make([]float64, n)}
	if c.Reorthogonalize == nil || *c.Reorthogonalize {
		return l.full()
	}
	return l.plain()
}

type lanczos struct {
	n, m, k int
	tol     float64
	hvp     HVP
	rng     *rand.Rand
	vin, w  []float64
}

// apply sets l.w = H q for Lanczos step j (0-based).
func (l *lanczos) apply(j int, q []float64) error {
	copy(l.vin, q)
	for i := range l.w {
		l.w[i] = math.NaN()
	}
	if err := l.hvp(l.vin, l.w); err != nil {
		return fmt.Errorf("sharpness: Lanczos iteration %d of %d: hvp: %w", j+1, l.m, err)
	}
	for i, x := range l.w {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("sharpness: Lanczos iteration %d of %d: hvp returned %v at index %d of %d (NaN also means the entry was not written)", j+1, l.m, x, i, l.n)
		}
	}
	return nil
}

// chainEnd marks basis vector at, whose successor is not H q_at's residual
// but a fresh random vector; beta is the norm of the residual left there.
type chainEnd struct {
	at   int
	beta float64
}

// full is Lanczos with full reorthogonalisation, written as Arnoldi with two
// passes of classical Gram-Schmidt: step j computes w = H q_j, the
// projections G[i][j] = q_iᵀ H q_j on every basis vector (the tridiagonal
// alpha_j, beta_{j-1} and rounding-size rest within one Krylov chain; the
// coupling to earlier chains after a restart) and the residual w. The Ritz
// values are the eigenvalues of G = Qᵀ H Q, whatever start vectors the
// chains had.
func (l *lanczos) full() (*Result, error) {
	m, n := l.m, l.n
	basis := make([][]float64, 0, m)
	g := make([]float64, m*m) // upper triangle, row-major with stride m
	coef := make([]float64, m)
	var ends []chainEnd
	chainStart, restarts := 0, 0
	scale := 0.0 // running estimate of ||H||
	lastBeta := 0.0
	q, err := startVector(l.rng, n, nil)
	if err != nil {
		return nil, err
	}
	nextCheck := 0
	for j := 0; j < m; j++ {
		basis = append(basis, q)
		if err := l.apply(j, q); err != nil {
			return nil, err
		}
		w := l.w
		for pass := 0; pass < 2; pass++ {
			for i := 0; i <= j; i++ {
				coef[i] = floats.Dot(basis[i], w)
			}
			for i := 0; i <= j; i++ {
				floats.AddScaled(w, -coef[i], basis[i])
				g[i*m+j] += coef[i]
			}
		}
		bj := floats.Norm(w, 2)
		scale = math.Max(scale, math.Max(math.Abs(g[j*m+j]), bj))
		lastBeta = bj
		if j+1 == n {
			lastBeta = 0 // Q is square: Qᵀ H Q is similar to H
			break
		}
		if j == m-1 {
			break
		}
		fresh := false
		if bj <= invariantTol*scale {
			fresh = true // invariant subspace: continue in its complement
		} else if j >= nextCheck && j+1 >= l.k && j > chainStart {
			nextCheck = j + 1 + j/64 // every step while small, then ~64 checks per doubling
			st := l.status(g, j+1, ends, chainEnd{j, bj}, chainStart, scale)
			if st.allConverged && st.chainConverged {
				if chainStart > 0 && st.chainTop < st.lambdaK-10*l.tol*scale {
					// A fresh chain converged below lambda_K: nothing
					// above lambda_K in the complement of the first
					// chains (the repeated eigenvalues they missed would
					// be there).
					break
				}
				fresh = true // look for copies the chains so far missed
			}
		}
		if fresh {
			ends = append(ends, chainEnd{j, bj})
			restarts++
			chainStart = j + 1
			if q, err = startVector(l.rng, n, basis); err != nil {
				return nil, err
			}
			continue
		}
		q = make([]float64, n)
		floats.ScaleTo(q, 1/bj, w)
	}
	steps := len(basis)
	vals, resid, err := ritz(g, m, 0, steps, append(ends, chainEnd{steps - 1, lastBeta}))
	if err != nil {
		return nil, err
	}
	scale = math.Max(scale, math.Max(math.Abs(vals[0]), math.Abs(vals[steps-1])))
	res := &Result{Eigenvalues: make([]float64, l.k), Residuals: make([]float64, l.k), Iterations: steps, Restarts: restarts, Converged: true}
	for i := 0; i < l.k; i++ {
		res.Eigenvalues[i] = vals[i]
		res.Residuals[i] = resid[i]
		res.Converged = res.Converged && resid[i] <= l.tol*scale
	}
	return res, nil
}

type status struct {
	allConverged   bool    // the K largest Ritz values of G pass Tol
	lambdaK        float64 // the K-th largest Ritz value of G
	chainConverged bool    // the largest Ritz value of the current chain passes Tol
	chainTop       float64 // the largest Ritz value of the current chain
}

// status looks at the Ritz values of G (size size) and of the current chain
// alone: the chain from chainStart is Lanczos on H projected on the
// complement of the earlier chains, its own Ritz residual is
// beta_last |s_last|.
func (l *lanczos) status(g []float64, size int, ends []chainEnd, last chainEnd, chainStart int, scale float64) status {
	var st status
	vals, resid, err := ritz(g, l.m, 0, size, append(ends[:len(ends):len(ends)], last))
	if err != nil {
		return st
	}
	tol := l.tol * math.Max(scale, math.Abs(vals[0]))
	st.allConverged = true
	for i := 0; i < l.k; i++ {
		st.allConverged = st.allConverged && resid[i] <= tol
	}
	st.lambdaK = vals[l.k-1]
	cv, cr, err := ritz(g, l.m, chainStart, size, []chainEnd{last})
	if err != nil {
		return st
	}
	st.chainTop, st.chainConverged = cv[0], cr[0] <= tol
	return st
}

// ritz returns the eigenvalues of the block G[lo:hi, lo:hi] (upper triangle
// of g, stride m) in decreasing order, with the residual bound of each Ritz
// pair: sum over chain ends e in [lo, hi) of beta_e |s_e|.
func ritz(g []float64, m, lo, hi int, ends []chainEnd) (vals, resid []float64, err error) {
	size := hi - lo
	t := mat.NewSymDense(size, nil)
	for i := 0; i < size; i++ {
		for j := i; j < size; j++ {
			t.SetSym(i, j, g[(lo+i)*m+lo+j])
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(t, true) {
		return nil, nil, fmt.Errorf("sharpness: Lanczos: eigen-decomposition of the %d x %d projected matrix failed", size, size)
	}
	asc := eig.Values(nil)
	var s mat.Dense
	eig.VectorsTo(&s)
	vals, resid = make([]float64, size), make([]float64, size)
	for r := range vals {
		i := size - 1 - r
		vals[r] = asc[i]
		for _, e := range ends {
			if e.at >= lo && e.at < hi {
				resid[r] += e.beta * math.Abs(s.At(e.at-lo, i))
			}
		}
	}
	return vals, resid, nil
}

// plain is the three-term Lanczos recurrence without reorthogonalisation;
// it stops at the first invariant subspace.
func (l *lanczos) plain() (*Result, error) {
	m, n := l.m, l.n
	alpha := make([]float64, 0, m)
	beta := make([]float64, 0, m)
	q, err := startVector(l.rng, n, nil)
	if err != nil {
		return nil, err
	}
	qprev := make([]float64, n)
	scale, lastBeta := 0.0, 0.0
	for j := 0; j < m; j++ {
		if err := l.apply(j, q); err != nil {
			return nil, err
		}
		w := l.w
		a := floats.Dot(q, w)
		floats.AddScaled(w, -a, q)
		if j > 0 {
			floats.AddScaled(w, -beta[j-1], qprev)
		}
		alpha = append(alpha, a)
		bj := floats.Norm(w, 2)
		scale = math.Max(scale, math.Max(math.Abs(a), bj))
		lastBeta = bj
		if j == m-1 || bj <= invariantTol*scale {
			break
		}
		beta = append(beta, bj)
		qprev, q = q, qprev
		floats.ScaleTo(q, 1/bj, w)
	}
	steps := len(alpha)
	if steps < l.k {
		return nil, fmt.Errorf("sharpness: Lanczos: invariant subspace of dimension %d holds fewer than K = %d eigenvalues (enable Reorthogonalize)", steps, l.k)
	}
	g := make([]float64, steps*steps)
	for i := 0; i < steps; i++ {
		g[i*steps+i] = alpha[i]
		if i+1 < steps {
			g[i*steps+i+1] = beta[i]
		}
	}
	vals, resid, err := ritz(g, steps, 0, steps, []chainEnd{{steps - 1, lastBeta}})
	if err != nil {
		return nil, err
	}
	scale = math.Max(scale, math.Max(math.Abs(vals[0]), math.Abs(vals[steps-1])))
	res := &Result{Eigenvalues: vals[:l.k], Residuals: resid[:l.k], Iterations: steps, Converged: true}
	for _, r := range res.Residuals {
		res.Converged = res.Converged && r <= l.tol*scale
	}
	return res, nil
}

// startVector draws a standard normal vector, orthogonalises it against
// basis (two Gram-Schmidt passes) and normalises it.
func startVector(rng *rand.Rand, n int, basis [][]float64) ([]float64, error) {
	q := make([]float64, n)
	for try := 0; try < 10; try++ {
		for i := range q {
			q[i] = rng.NormFloat64()
		}
		before := floats.Norm(q, 2)
		for pass := 0; pass < 2; pass++ {
			for _, b := range basis {
				floats.AddScaled(q, -floats.Dot(b, q), b)
			}
		}
		if nrm := floats.Norm(q, 2); nrm > 1e-8*before {
			floats.Scale(1/nrm, q)
			return q, nil
		}
	}
	return nil, fmt.Errorf("sharpness: Lanczos: no start vector orthogonal to the %d basis vectors in R^%d", len(basis), n)
}

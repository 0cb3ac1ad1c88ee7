package sharpness

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

const relTol = 1e-4

// diagHVP is the HVP of diag(d).
func diagHVP(d []float64) HVP {
	return func(v, dst []float64) error {
		for i := range v {
			dst[i] = d[i] * v[i]
		}
		return nil
	}
}

// denseHVP is the HVP of the symmetric matrix a.
func denseHVP(a *mat.SymDense) HVP {
	return func(v, dst []float64) error {
		mat.NewVecDense(len(dst), dst).MulVec(a, mat.NewVecDense(len(v), v))
		return nil
	}
}

// randomOrthogonal returns a seeded random n x n orthogonal matrix: the Q of
// the QR factorisation of a standard normal matrix.
func randomOrthogonal(n int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 1))
	g := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// rotated returns Q diag(d) Qᵀ for a seeded random orthogonal Q.
func rotated(d []float64, seed uint64) *mat.SymDense {
	n := len(d)
	q := randomOrthogonal(n, seed)
	var qd mat.Dense
	qd.Mul(q, mat.NewDiagDense(n, d))
	var a mat.Dense
	a.Mul(&qd, q.T())
	s := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			s.SetSym(i, j, 0.5*(a.At(i, j)+a.At(j, i)))
		}
	}
	return s
}

// topK returns the k largest entries of d, largest first (with multiplicity).
func topK(d []float64, k int) []float64 {
	s := append([]float64(nil), d...)
	sort.Sort(sort.Reverse(sort.Float64Slice(s)))
	return s[:k]
}

func relErr(got, want float64) float64 {
	return math.Abs(got-want) / math.Abs(want)
}

// checkTop checks every returned eigenvalue (in particular lambda_max and
// lambda_5) against the closed form to relTol, and returns the largest
// relative error.
func checkTop(t *testing.T, res *Result, want []float64) float64 {
	t.Helper()
	if len(res.Eigenvalues) != len(want) {
		t.Fatalf("got %d eigenvalues %v, want %d", len(res.Eigenvalues), res.Eigenvalues, len(want))
	}
	worst := 0.0
	for i, w := range want {
		e := relErr(res.Eigenvalues[i], w)
		worst = math.Max(worst, e)
		if e > relTol || math.IsNaN(e) {
			t.Errorf("lambda_%d = %.10g, want %.10g (relative error %.2e > %.0e); all %v", i+1, res.Eigenvalues[i], w, e, relTol, res.Eigenvalues)
		}
	}
	for i := 1; i < len(res.Eigenvalues); i++ {
		if res.Eigenvalues[i] > res.Eigenvalues[i-1] {
			t.Errorf("eigenvalues not in decreasing order: %v", res.Eigenvalues)
		}
	}
	return worst
}

func TestDiagonalSpectrum(t *testing.T) {
	// diag(1..200) in a shuffled order: lambda_i = 201 - i.
	n := 200
	d := make([]float64, n)
	for i := range d {
		d[i] = float64(i + 1)
	}
	rand.New(rand.NewPCG(3, 3)).Shuffle(n, func(i, j int) { d[i], d[j] = d[j], d[i] })
	res, err := Lanczos(n, diagHVP(d), &Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Iterations != DefaultIterations {
		t.Errorf("Iterations = %d, want the default %d", res.Iterations, DefaultIterations)
	}
	worst := checkTop(t, res, []float64{200, 199, 198, 197, 196})
	if got, want := res.Ratio(), 200.0/196; relErr(got, want) > relTol {
		t.Errorf("lambda_max/lambda_5 = %.8g, want %.8g", got, want)
	}
	t.Logf("diag(1..200), 80 steps: worst relative error over lambda_1..5 %.2e; lambda_max error %.2e, lambda_5 error %.2e",
		worst, relErr(res.Eigenvalues[0], 200), relErr(res.Eigenvalues[4], 196))
}

func TestDiagonalGeometricSpectrum(t *testing.T) {
	// A spectrum like a network Hessian's: a few outliers above a bulk.
	n := 500
	d := make([]float64, n)
	for i := range d {
		d[i] = 100 * math.Pow(0.9, float64(i)) // 100, 90, 81, ...
	}
	res, err := Lanczos(n, diagHVP(d), &Config{Seed: 7, Iterations: 40})
	if err != nil {
		t.Fatal(err)
	}
	worst := checkTop(t, res, topK(d, 5))
	t.Logf("geometric spectrum, 40 steps: worst relative error %.2e", worst)
}

func TestRotatedSpectrum(t *testing.T) {
	// A dense symmetric Q diag(d) Qᵀ with Q a seeded random orthogonal
	// matrix and an indefinite spectrum whose largest magnitude is
	// negative: "largest" must mean algebraically largest.
	n := 150
	rng := rand.New(rand.NewPCG(11, 11))
	d := make([]float64, n)
	for i := range d {
		d[i] = -2 + 10*rng.Float64() // bulk in [-2, 8]
	}
	d[0], d[1], d[2], d[3], d[4] = 25, 20, 17, 15, 12
	d[5] = -40
	a := rotated(d, 5)
	res, err := Lanczos(n, denseHVP(a), &Config{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	worst := checkTop(t, res, []float64{25, 20, 17, 15, 12})
	t.Logf("rotated n=150: worst relative error %.2e", worst)

	// The same spectrum with a bulk close below lambda_5 (slower).
	for i := 6; i < n; i++ {
		d[i] = 11.5 * float64(i-6) / float64(n-7)
	}
	res, err = Lanczos(n, denseHVP(rotated(d, 6)), &Config{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	worst = checkTop(t, res, []float64{25, 20, 17, 15, 12})
	t.Logf("rotated n=150, bulk up to 11.5: worst relative error %.2e", worst)

	// Against gonum's dense eigen-decomposition of the same matrix.
	var eig mat.EigenSym
	if !eig.Factorize(a, false) {
		t.Fatal("EigenSym failed")
	}
	if e := relErr(topK(eig.Values(nil), 1)[0], 25); e > 1e-12 {
		t.Fatalf("test matrix: EigenSym lambda_max off by %.2e", e)
	}
}

func TestRepeatedTopEigenvalues(t *testing.T) {
	t.Run("exhausted Krylov space", func(t *testing.T) {
		// 10 three times, then 9 and 8, then 55 entries from {1,2,3,4}: the
		// Krylov space of one start vector has dimension 8 (one vector per
		// distinct eigenvalue) and holds 10 once. Only the restarts after
		// each invariant subspace find the other two copies; stopping at
		// the first one would give lambda_2..5 = 9, 8, 4, 3.
		d := []float64{10, 10, 10, 9, 8}
		for i := 0; i < 55; i++ {
			d = append(d, float64(1+i%4))
		}
		a := rotated(d, 9)
		res, err := Lanczos(len(d), denseHVP(a), &Config{Seed: 4, Iterations: 40})
		if err != nil {
			t.Fatal(err)
		}
		worst := checkTop(t, res, []float64{10, 10, 10, 9, 8})
		if res.Restarts < 2 {
			t.Errorf("Restarts = %d, want >= 2 (Krylov spaces of dimension 8)", res.Restarts)
		}
		t.Logf("exhausted: %d steps, %d restarts, eigenvalues %v, worst relative error %.2e", res.Iterations, res.Restarts, res.Eigenvalues, worst)
	})
	t.Run("outliers above a bulk", func(t *testing.T) {
		// 20 three times, 15 and 12 above a bulk 10 * 0.95^i (n = 200):
		// the first chain finds 20 once, with 15, 12 and the top of the
		// bulk; once those five converge, fresh start vectors orthogonal to
		// the basis find the missing copies of 20, and a last one
		// converges below lambda_5 and confirms the result.
		d := []float64{20, 20, 20, 15, 12}
		for i := 0; i < 195; i++ {
			d = append(d, 10*math.Pow(0.95, float64(i)))
		}
		res, err := Lanczos(len(d), denseHVP(rotated(d, 10)), &Config{Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		worst := checkTop(t, res, []float64{20, 20, 20, 15, 12})
		// Rounding errors, which full reorthogonalisation lets grow, would
		// bring the copies in too, but later: the restarts end the run
		// before the step budget once a chain converges below lambda_5.
		if res.Restarts < 2 || !res.Converged || res.Iterations >= DefaultIterations {
			t.Errorf("Restarts = %d, Converged = %v, Iterations = %d: want >= 2 restarts, convergence and an early stop", res.Restarts, res.Converged, res.Iterations)
		}
		t.Logf("outliers: %d steps, %d restarts, eigenvalues %v, residuals %.1e, worst relative error %.2e", res.Iterations, res.Restarts, res.Eigenvalues, res.Residuals, worst)
	})
}

// TestFloat32HVP emulates the SavedModel's HVP, computed in float32 (relative
// noise around 1e-7, and not exactly symmetric).
func TestFloat32HVP(t *testing.T) {
	d := []float64{20, 15, 12, 11, 10}
	for i := 0; i < 395; i++ {
		d = append(d, 8*math.Pow(0.98, float64(i))-1)
	}
	a := rotated(d, 3)
	n := len(d)
	af := make([]float32, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			af[i*n+j] = float32(a.At(i, j))
		}
	}
	vf := make([]float32, n)
	hvp := func(v, dst []float64) error {
		for i := range v {
			vf[i] = float32(v[i])
		}
		for i := 0; i < n; i++ {
			var s float32
			for j, x := range af[i*n : (i+1)*n] {
				s += x * vf[j]
			}
			dst[i] = float64(s)
		}
		return nil
	}
	res, err := Lanczos(n, hvp, &Config{Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	worst := checkTop(t, res, []float64{20, 15, 12, 11, 10})
	if !res.Converged {
		t.Errorf("not converged with the default Tol: residuals %.1e", res.Residuals)
	}
	t.Logf("float32 HVP: %d steps, %d restarts, worst relative error %.2e, residuals %.1e", res.Iterations, res.Restarts, worst, res.Residuals)
}

// TestQuadraticModel uses a model whose Hessian is known in closed form:
// L(w) = 0.5 wᵀ A w + bᵀ w with A = Q diag(d) Qᵀ, so grad L(w) = A w + b and
// the Hessian is A whatever w. The HVP is computed as a model's would be,
// from gradients only (a central difference of grad L along v, exact for a
// quadratic up to rounding), never from A directly.
func TestQuadraticModel(t *testing.T) {
	n := 120
	rng := rand.New(rand.NewPCG(21, 21))
	d := make([]float64, n)
	for i := range d {
		d[i] = 3 * rng.Float64()
	}
	copy(d, []float64{30, 12, 9, 7.5, 6})
	a := rotated(d, 13)
	b := make([]float64, n)
	w0 := make([]float64, n)
	for i := range b {
		b[i], w0[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	grad := func(w []float64) []float64 {
		g := mat.NewVecDense(n, nil)
		g.MulVec(a, mat.NewVecDense(n, w))
		out := make([]float64, n)
		for i := range out {
			out[i] = g.AtVec(i) + b[i]
		}
		return out
	}
	const eps = 1e-3
	hvp := func(v, dst []float64) error {
		wp, wm := make([]float64, n), make([]float64, n)
		for i := range v {
			wp[i], wm[i] = w0[i]+eps*v[i], w0[i]-eps*v[i]
		}
		gp, gm := grad(wp), grad(wm)
		for i := range dst {
			dst[i] = (gp[i] - gm[i]) / (2 * eps)
		}
		return nil
	}
	res, err := Lanczos(n, hvp, &Config{Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	worst := checkTop(t, res, []float64{30, 12, 9, 7.5, 6})
	if got, want := res.Ratio(), 30/6.0; relErr(got, want) > relTol {
		t.Errorf("lambda_max/lambda_5 = %.8g, want %.8g", got, want)
	}
	t.Logf("quadratic model: worst relative error %.2e, lambda_max/lambda_5 = %.8f", worst, res.Ratio())
}

func TestResidualsBoundErrors(t *testing.T) {
	n := 300
	d := make([]float64, n)
	for i := range d {
		d[i] = float64(i%150) + 0.5*float64(i/150) // 0..149.5, distinct
	}
	res, err := Lanczos(n, diagHVP(d), &Config{Seed: 5, Iterations: 30})
	if err != nil {
		t.Fatal(err)
	}
	for i, th := range res.Eigenvalues {
		dist := math.Inf(1)
		for _, x := range d {
			dist = math.Min(dist, math.Abs(th-x))
		}
		if dist > res.Residuals[i]*(1+1e-8)+1e-9 {
			t.Errorf("Ritz value %d = %v is %.3e from the spectrum, more than its residual %.3e", i, th, dist, res.Residuals[i])
		}
	}
	if res.Residuals[0] == 0 || res.Residuals[0] > res.Residuals[4] {
		t.Errorf("after 30 steps the top Ritz value should converge first: residuals %v", res.Residuals)
	}
}

func TestSmallMatrixIsExact(t *testing.T) {
	// n < Iterations: the basis spans R^n after n steps and T is similar
	// to H, so the Ritz values are the eigenvalues (also with K = n).
	d := []float64{3, -1, 4, 1, -5, 9}
	a := rotated(d, 17)
	res, err := Lanczos(6, denseHVP(a), &Config{K: 6, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Iterations != 6 {
		t.Errorf("Iterations = %d, want 6 (stop when the basis spans R^n)", res.Iterations)
	}
	want := []float64{9, 4, 3, 1, -1, -5}
	for i := range want {
		if math.Abs(res.Eigenvalues[i]-want[i]) > 1e-12 || res.Residuals[i] != 0 {
			t.Errorf("eigenvalue %d = %v (residual %v), want %v exactly", i, res.Eigenvalues[i], res.Residuals[i], want[i])
		}
	}
}

func TestZeroAndScalarMatrices(t *testing.T) {
	zero := make([]float64, 10)
	res, err := Lanczos(10, diagHVP(zero), &Config{K: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range res.Eigenvalues {
		if x != 0 {
			t.Errorf("zero matrix: eigenvalues %v", res.Eigenvalues)
		}
	}
	// 2.5 I: every vector is an eigenvector, every step restarts.
	c := make([]float64, 40)
	for i := range c {
		c[i] = 2.5
	}
	res, err = Lanczos(40, diagHVP(c), &Config{Iterations: 12, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range res.Eigenvalues {
		if math.Abs(x-2.5) > 1e-14 {
			t.Errorf("2.5 I: eigenvalues %v", res.Eigenvalues)
		}
	}
	if res.Restarts != 11 || res.Iterations != 12 {
		t.Errorf("2.5 I: %d restarts in %d steps, want 11 in 12", res.Restarts, res.Iterations)
	}
}

func TestDeterministic(t *testing.T) {
	d := make([]float64, 100)
	for i := range d {
		d[i] = math.Sqrt(float64(i + 1))
	}
	a := rotated(d, 1)
	run := func(seed uint64) *Result {
		res, err := Lanczos(100, denseHVP(a), &Config{Seed: seed, Iterations: 20})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	r1, r2, r3 := run(42), run(42), run(43)
	for i := range r1.Eigenvalues {
		if math.Float64bits(r1.Eigenvalues[i]) != math.Float64bits(r2.Eigenvalues[i]) ||
			math.Float64bits(r1.Residuals[i]) != math.Float64bits(r2.Residuals[i]) {
			t.Fatalf("same seed, different results: %v vs %v", r1.Eigenvalues, r2.Eigenvalues)
		}
	}
	same := true
	for i := range r1.Eigenvalues {
		same = same && r1.Eigenvalues[i] == r3.Eigenvalues[i]
	}
	if same {
		t.Errorf("seeds 42 and 43 gave identical Ritz values %v: the seed is not used", r1.Eigenvalues)
	}
}

// TestWithoutReorthogonalisation shows what full reorthogonalisation buys:
// plain Lanczos, run long enough for lambda_max to converge, produces a
// ghost copy of it, so lambda_2 comes out as lambda_max.
func TestWithoutReorthogonalisation(t *testing.T) {
	n := 400
	d := make([]float64, n)
	for i := range d {
		d[i] = float64(i) / float64(n) // bulk in [0, 1)
	}
	d[0], d[1] = 10, 5
	want := topK(d, 5)
	cfg := &Config{Seed: 3, Iterations: 150}
	good, err := Lanczos(n, diagHVP(d), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkTop(t, good, want)
	cfg.Reorthogonalize = Bool(false)
	plain, err := Lanczos(n, diagHVP(d), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if relErr(plain.Eigenvalues[0], 10) > relTol {
		t.Errorf("plain Lanczos lambda_max = %v, want 10", plain.Eigenvalues[0])
	}
	if relErr(plain.Eigenvalues[1], 10) > relTol {
		t.Errorf("plain Lanczos: expected a ghost copy of 10 as lambda_2, got %v", plain.Eigenvalues)
	}
	t.Logf("with reorthogonalisation %v; without %v", good.Eigenvalues, plain.Eigenvalues)
}

func TestErrors(t *testing.T) {
	d := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	calls := 0
	nanAt3 := func(v, dst []float64) error {
		calls++
		for i := range v {
			dst[i] = d[i] * v[i]
		}
		if calls == 3 {
			dst[5] = math.Inf(-1)
		}
		return nil
	}
	_, err := Lanczos(8, nanAt3, nil)
	if err == nil || !strings.Contains(err.Error(), "iteration 3 of 8") || !strings.Contains(err.Error(), "-Inf at index 5") {
		t.Errorf("Inf from hvp: got %v", err)
	}
	calls = 0
	unwritten := func(v, dst []float64) error {
		calls++
		for i := range v {
			if !(calls == 2 && i == 7) {
				dst[i] = d[i] * v[i]
			}
		}
		return nil
	}
	_, err = Lanczos(8, unwritten, nil)
	if err == nil || !strings.Contains(err.Error(), "iteration 2 of 8") || !strings.Contains(err.Error(), "NaN at index 7") {
		t.Errorf("unwritten dst entry: got %v", err)
	}
	boom := errors.New("session closed")
	calls = 0
	failing := func(v, dst []float64) error {
		calls++
		if calls == 4 {
			return boom
		}
		return diagHVP(d)(v, dst)
	}
	_, err = Lanczos(8, failing, nil)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "iteration 4") {
		t.Errorf("hvp error: got %v", err)
	}
	// A hvp that scribbles on v does not corrupt the basis.
	scribble := func(v, dst []float64) error {
		diagHVP(d)(v, dst)
		for i := range v {
			v[i] = 1e30
		}
		return nil
	}
	res, err := Lanczos(8, scribble, nil)
	if err != nil || math.Abs(res.Eigenvalues[0]-8) > 1e-12 {
		t.Errorf("hvp modifying v: %v, %v", res, err)
	}

	bad := []struct {
		n    int
		hvp  HVP
		cfg  *Config
		want string
	}{
		{0, diagHVP(d), nil, "n = 0"},
		{8, nil, nil, "nil hvp"},
		{8, diagHVP(d), &Config{Iterations: -1}, "Iterations = -1"},
		{8, diagHVP(d), &Config{K: -2}, "K = -2"},
		{4, diagHVP(d), nil, "K = 5 eigenvalues of a 4 x 4"},
		{8, diagHVP(d), &Config{Iterations: 3}, "K = 5 eigenvalues from 3 iterations"},
	}
	for _, b := range bad {
		if _, err := Lanczos(b.n, b.hvp, b.cfg); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("n=%d cfg=%+v: got %v, want an error containing %q", b.n, b.cfg, err, b.want)
		}
	}
	// Without reorthogonalisation an invariant subspace smaller than K is
	// an error, not a silently short answer.
	ones := []float64{2, 2, 2, 2, 2, 2, 2, 2}
	if _, err := Lanczos(8, diagHVP(ones), &Config{Reorthogonalize: Bool(false)}); err == nil || !strings.Contains(err.Error(), "invariant subspace of dimension 1") {
		t.Errorf("plain Lanczos on 2 I: got %v", err)
	}
}

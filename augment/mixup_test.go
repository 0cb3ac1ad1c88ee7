package augment

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMixUpWithGolden checks the mixing maths for a given lambda and permutation.
func TestMixUpWithGolden(t *testing.T) {
	// Three 2-value examples, labels 0, 2, 1 of 3 classes; lambda 0.75 and
	// partners perm = [1 2 0].
	images := []float32{0, 1, 0.4, 0.8, 1, 0}
	labels := []int32{0, 2, 1}
	mixed, soft := mixUpWith(images, labels, 3, 2, 3, 0.75, []int{1, 2, 0})
	assertClose(t, "mixed", mixed, []float32{
		0.75*0 + 0.25*0.4, 0.75*1 + 0.25*0.8,
		0.75*0.4 + 0.25*1, 0.75*0.8 + 0.25*0,
		0.75*1 + 0.25*0, 0.75*0 + 0.25*1}, 1e-7)
	assertClose(t, "soft", soft, []float32{
		0.75, 0, 0.25,
		0, 0.25, 0.75,
		0.25, 0.75, 0}, 1e-7)
	// Same label twice: the row is one-hot.
	_, soft = mixUpWith(images[:4], []int32{1, 1}, 2, 2, 3, 0.3, []int{1, 0})
	assertClose(t, "soft same label", soft, []float32{0, 1, 0, 0, 1, 0}, 1e-7)
}

// TestMixUp checks MixUp against its draws, soft label sums, alpha 0 and panics.
func TestMixUp(t *testing.T) {
	const n, size, classes = 16, 5, 4
	images := randomImage(n*size, 8)
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(i % classes)
	}
	for seed := range uint64(20) {
		mixed, soft := MixUp(images, labels, n, size, classes, 0.4, rand.New(rand.NewPCG(seed, 1)))
		lambda, perm := mixUpDraw(rand.New(rand.NewPCG(seed, 1)), n, 0.4)
		if lambda < 0 || lambda > 1 {
			t.Fatalf("lambda %v", lambda)
		}
		sorted := slices.Clone(perm)
		slices.Sort(sorted)
		for i, v := range sorted {
			if v != i {
				t.Fatalf("perm %v is not a permutation", perm)
			}
		}
		wm, ws := mixUpWith(images, labels, n, size, classes, lambda, perm)
		assertClose(t, "MixUp images", mixed, wm, 0)
		assertClose(t, "MixUp soft", soft, ws, 0)
		for i := 0; i < n; i++ {
			var s float64
			for _, v := range soft[i*classes : (i+1)*classes] {
				s += float64(v)
			}
			if math.Abs(s-1) > 1e-6 {
				t.Fatalf("soft row %d sums to %v", i, s)
			}
		}
	}
	// alpha <= 0 disables mixing.
	mixed, soft := MixUp(images, labels, n, size, classes, 0, rand.New(rand.NewPCG(1, 1)))
	assertClose(t, "alpha 0 images", mixed, images, 0)
	for i := 0; i < n; i++ {
		if soft[i*classes+int(labels[i])] != 1 {
			t.Fatalf("alpha 0: soft row %d = %v", i, soft[i*classes:(i+1)*classes])
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	mustPanic(t, "images length", func() { MixUp(images[1:], labels, n, size, classes, 1, rng) })
	mustPanic(t, "labels length", func() { MixUp(images, labels[1:], n, size, classes, 1, rng) })
	mustPanic(t, "label range", func() { MixUp(images, labels, n, size, 2, 1, rng) })
	mustPanic(t, "alpha NaN", func() { MixUp(images, labels, n, size, classes, math.NaN(), rng) })
}

// TestBetaMoments checks the mean and variance of Beta draws.
func TestBetaMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(99, 1))
	for _, c := range []struct{ a, b float64 }{{0.2, 0.2}, {1, 1}, {0.4, 0.4}, {2, 5}, {0.5, 3}} {
		const n = 200000
		var s, s2 float64
		for range n {
			x := Beta(rng, c.a, c.b)
			if !(x >= 0 && x <= 1) {
				t.Fatalf("Beta(%v,%v) = %v", c.a, c.b, x)
			}
			s += x
			s2 += x * x
		}
		mean := s / n
		v := s2/n - mean*mean
		ab := c.a + c.b
		wantMean := c.a / ab
		wantVar := c.a * c.b / (ab * ab * (ab + 1))
		// Standard error of the mean is sqrt(var/n) <= 0.0012; allow 5 of them.
		if math.Abs(mean-wantMean) > 5*math.Sqrt(wantVar/n) {
			t.Errorf("Beta(%v,%v) mean %.4f, want %.4f", c.a, c.b, mean, wantMean)
		}
		if math.Abs(v-wantVar) > 0.03*wantVar {
			t.Errorf("Beta(%v,%v) variance %.5f, want %.5f", c.a, c.b, v, wantVar)
		}
	}
	// Tiny parameters, where both Gamma draws underflow, still give [0,1].
	for range 1000 {
		if x := Beta(rng, 1e-3, 1e-3); !(x >= 0 && x <= 1) {
			t.Fatalf("Beta(1e-3, 1e-3) = %v", x)
		}
	}
	mustPanic(t, "Beta a", func() { Beta(rng, 0, 1) })
	mustPanic(t, "Gamma shape", func() { Gamma(rng, math.Inf(1)) })
}

// TestGammaMoments checks the mean and variance of Gamma draws.
func TestGammaMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, k := range []float64{0.2, 1, 2.5, 10} {
		const n = 200000
		var s, s2 float64
		for range n {
			x := Gamma(rng, k)
			if !(x >= 0) {
				t.Fatalf("Gamma(%v) = %v", k, x)
			}
			s += x
			s2 += x * x
		}
		mean := s / n
		v := s2/n - mean*mean
		// Mean and variance of Gamma(k, 1) are both k.
		if math.Abs(mean-k) > 5*math.Sqrt(k/n) {
			t.Errorf("Gamma(%v) mean %.4f", k, mean)
		}
		if math.Abs(v-k) > 0.05*k {
			t.Errorf("Gamma(%v) variance %.4f", k, v)
		}
	}
}

package augment

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// TestOpsNames checks the op names and their order.
func TestOpsNames(t *testing.T) {
	want := []string{"Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate",
		"Brightness", "Color", "Contrast", "Sharpness", "Posterize", "Solarize",
		"AutoContrast", "Equalize"}
	if got := Ops(); !slices.Equal(got, want) {
		t.Errorf("Ops() = %v", got)
	}
	Ops()[0] = "changed"
	if Ops()[0] != "Identity" || OpEqualize.String() != "Equalize" || Op(99).String() != "Op(99)" {
		t.Error("Ops or String not stable")
	}
	mustPanic(t, "Apply unknown op", func() { Apply(Op(NumOps), nil, nil, 1, 1, 1, 0) })
}

// TestMagnitudeTables checks the magnitude tables against the ideal linspace.
func TestMagnitudeTables(t *testing.T) {
	// The float32 tables are within float32 rounding of the ideal linspace.
	for k := 0; k < NumBins; k++ {
		f := float64(k) / (NumBins - 1)
		for _, c := range []struct {
			got, want float64
		}{
			{float64(linspace099[k]), 0.99 * f},
			{float64(translate32[k]), 32 * f},
			{float64(rotate135[k]), 135 * f},
			{float64(solarize255[k]), 255 * (1 - f)},
		} {
			if math.Abs(c.got-c.want) > 1e-5*math.Max(1, c.want) {
				t.Errorf("bin %d: table %v, want about %v", k, c.got, c.want)
			}
		}
	}
	// Translations in pixels after int(): 16 and 31 never occur, as in
	// torchvision, because bins 15 and 29 are just below an integer.
	var px []int
	var bits []int
	for k := 0; k < NumBins; k++ {
		m, _, _ := opSpace(OpTranslateX, k)
		px = append(px, int(m))
		b, _, _ := opSpace(OpPosterize, k)
		bits = append(bits, int(b))
	}
	wantPx := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 32}
	if !slices.Equal(px, wantPx) {
		t.Errorf("translate pixels %v\nwant %v", px, wantPx)
	}
	wantBits := []int{8, 8, 8, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 2, 2, 2}
	if !slices.Equal(bits, wantBits) {
		t.Errorf("posterize bits %v\nwant %v", bits, wantBits)
	}
}

// TestTrivialAugmentDistribution checks that ops, bins and signs are drawn uniformly.
func TestTrivialAugmentDistribution(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 1))
	const n = NumOps * NumBins * 300
	var opCount [NumOps]int
	var binCount [NumOps][NumBins]int
	var negCount [NumOps]int
	for range n {
		ch := choose(rng)
		opCount[ch.op]++
		_, table, signed := opSpace(ch.op, 0)
		switch {
		case !table:
			if ch.bin != -1 || ch.magnitude != 0 || ch.negated {
				t.Fatalf("%v drew a magnitude: %+v", ch.op, ch)
			}
			continue
		case ch.bin < 0 || ch.bin >= NumBins:
			t.Fatalf("%v: bin %d", ch.op, ch.bin)
		case ch.negated && !signed:
			t.Fatalf("unsigned %v negated", ch.op)
		}
		binCount[ch.op][ch.bin]++
		m, _, _ := opSpace(ch.op, ch.bin)
		if ch.negated {
			m = -m
			negCount[ch.op]++
		}
		if ch.magnitude != m {
			t.Fatalf("%+v: magnitude, want %v", ch, m)
		}
	}
	// Ops: chi-square with 13 degrees of freedom, 0.001 quantile 34.53.
	if chi := chiSquare(opCount[:], n); chi > 34.53 {
		t.Errorf("ops not uniform: %v (chi2 %.1f)", opCount, chi)
	}
	for op := range NumOps {
		if f := float64(opCount[op]) / n; math.Abs(f-1.0/NumOps) > 0.005 {
			t.Errorf("%v chosen %.4f of the time, want %.4f", Op(op), f, 1.0/NumOps)
		}
		_, table, signed := opSpace(Op(op), 0)
		if !table {
			continue
		}
		// Bins: 30 degrees of freedom, 0.001 quantile 59.70.
		if chi := chiSquare(binCount[op][:], opCount[op]); chi > 59.70 {
			t.Errorf("%v bins not uniform: %v (chi2 %.1f)", Op(op), binCount[op], chi)
		}
		if signed {
			if f := float64(negCount[op]) / float64(opCount[op]); math.Abs(f-0.5) > 0.03 {
				t.Errorf("%v negated %.3f of the time, want 0.5", Op(op), f)
			}
		}
	}
}

// TestTrivialAugmentUsesChoice checks that Augment applies the op that choose draws.
func TestTrivialAugmentUsesChoice(t *testing.T) {
	ta := TrivialAugmentWide{H: 8, W: 9, C: 3}
	src := randomImage(8*9*3, 5)
	seen := map[Op]bool{}
	for seed := range uint64(300) {
		x := append([]float32(nil), src...)
		ta.Augment(rand.New(rand.NewPCG(seed, 9)), x)
		ch := choose(rand.New(rand.NewPCG(seed, 9)))
		want := make([]float32, len(src))
		Apply(ch.op, want, src, 8, 9, 3, ch.magnitude)
		assertClose(t, "Augment vs Apply(choose)", x, want, 0)
		if t.Failed() {
			t.Fatalf("seed %d choice %+v", seed, ch)
		}
		seen[ch.op] = true
	}
	if len(seen) != NumOps {
		t.Errorf("only %d ops exercised", len(seen))
	}
}

// TestTrivialAugmentDeterminism checks that a seed fixes the output.
func TestTrivialAugmentDeterminism(t *testing.T) {
	ta := TrivialAugmentWide{H: 32, W: 32, C: 3}
	src := randomImage(32*32*3, 11)
	distinct := map[float32]bool{}
	for seed := range uint64(100) {
		a := append([]float32(nil), src...)
		b := append([]float32(nil), src...)
		ta.Augment(rand.New(rand.NewPCG(seed, 3)), a)
		ta.Augment(rand.New(rand.NewPCG(seed, 3)), b)
		assertClose(t, "same seed", a, b, 0)
		var s float32
		for _, v := range a {
			s += v
		}
		distinct[s] = true
	}
	if len(distinct) < 20 {
		t.Errorf("100 seeds gave only %d distinct outputs", len(distinct))
	}
}

// TestTrivialAugmentConcurrent checks that concurrent calls give the serial results.
func TestTrivialAugmentConcurrent(t *testing.T) {
	ta := TrivialAugmentWide{H: 16, W: 16, C: 3}
	src := randomImage(16*16*3, 2)
	const n = 400
	want := make([][]float32, n)
	for i := range want {
		want[i] = append([]float32(nil), src...)
		ta.Augment(rand.New(rand.NewPCG(uint64(i), 0)), want[i])
	}
	got := make([][]float32, n)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < n; i += 4 {
				x := append([]float32(nil), src...)
				ta.Augment(rand.New(rand.NewPCG(uint64(i), 0)), x)
				got[i] = x
			}
		})
	}
	wg.Wait()
	for i := range got {
		assertClose(t, "concurrent", got[i], want[i], 0)
	}
}

// TestTrivialAugmentPanics checks the "augment: " panics on bad arguments.
func TestTrivialAugmentPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	mustPanic(t, "length", func() { TrivialAugmentWide{H: 4, W: 4, C: 3}.Augment(rng, make([]float32, 47)) })
	mustPanic(t, "channels", func() { TrivialAugmentWide{H: 4, W: 4, C: 2}.Augment(rng, make([]float32, 32)) })
	mustPanic(t, "shape", func() { TrivialAugmentWide{H: 0, W: 4, C: 3}.Augment(rng, nil) })
	x := make([]float32, 12)
	mustPanic(t, "dst length", func() { ShearX(x[:11], x, 2, 2, 3, 0.1) })
	mustPanic(t, "src length", func() { Rotate(x, x[:6], 2, 2, 3, 10) })
	mustPanic(t, "negative factor", func() { Brightness(x, x, 2, 2, 3, -0.1) })
	mustPanic(t, "NaN factor", func() { Contrast(x, x, 2, 2, 3, math.NaN()) })
	mustPanic(t, "Color channels", func() { Color(x, x, 2, 3, 2, 1) })
	mustPanic(t, "Posterize bits", func() { Posterize(x, x, 2, 2, 3, 9) })
	mustPanic(t, "Solarize threshold", func() { Solarize(x, x, 2, 2, 3, 1.5) })
	mustPanic(t, "Equalize length", func() { Equalize(x, x, 3, 3, 3) })
}

// TestAllocs checks that the augmenters and ops do not allocate per call.
func TestAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randomImage(32*32*3, 4)
	augs := map[string]func(){
		"TrivialAugmentWide": func() { TrivialAugmentWide{H: 32, W: 32, C: 3}.Augment(rng, x) },
		"CropFlip":           func() { CropFlip{H: 32, W: 32, C: 3, Pad: 4}.Augment(rng, x) },
		"Normalize": func() {
			Normalize{Mean: []float32{0.5, 0.5, 0.5}, Std: []float32{1, 1, 1}}.Augment(rng, x)
		},
	}
	for op := range NumOps {
		augs["Apply "+Op(op).String()] = func() { Apply(Op(op), x, x, 32, 32, 3, 0.3) }
	}
	for name, f := range augs {
		f() // warm the scratch pool
		if a := testing.AllocsPerRun(200, f); a != 0 {
			t.Errorf("%s: %v allocations per call", name, a)
		}
	}
	ch := Chain(CropFlip{H: 32, W: 32, C: 3, Pad: 4}, TrivialAugmentWide{H: 32, W: 32, C: 3})
	if a := testing.AllocsPerRun(200, func() { ch.Augment(rng, x) }); a != 0 {
		t.Errorf("Chain: %v allocations per call", a)
	}
}

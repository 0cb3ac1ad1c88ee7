package toy

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// patchKind classifies one patch of example i.
type patchKind int

const (
	kindZero patchKind = iota
	kindFast
	kindSlow
	kindNoise
)

func classify(t *testing.T, cfg Config, patch []float32, y float32) patchKind {
	t.Helper()
	rest := func(from int) bool { // all coordinates from index from are zero
		for _, v := range patch[from:] {
			if v != 0 {
				return false
			}
		}
		return true
	}
	switch {
	case patch[0] == 0 && patch[1] == 0 && rest(2):
		return kindZero
	case patch[0] == float32(cfg.BetaE)*y && patch[1] == 0 && rest(2):
		return kindFast
	case patch[0] == 0 && patch[1] == float32(cfg.BetaD)*y && rest(2):
		return kindSlow
	case patch[0] == 0 && patch[1] == 0:
		return kindNoise
	}
	t.Fatalf("patch %v is neither a feature nor noise orthogonal to v_e, v_d", patch[:4])
	return 0
}

func sign(l int32) float32 {
	if l == 1 {
		return 1
	}
	return -1
}

func TestDefaultConfig(t *testing.T) {
	want := Config{N: 10000, D: 50, P: 3, BetaE: 1, BetaD: 0.2, Alpha: 0.9, NoiseStd: 0.125, Seed: 0}
	if got := DefaultConfig(); got != want {
		t.Fatalf("DefaultConfig() = %+v, want %+v", got, want)
	}
}

func TestGenerateStatistics(t *testing.T) {
	cfg := DefaultConfig()
	ds, tr, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.Validate(); err != nil {
		t.Fatal(err)
	}
	if ds.Len() != cfg.N || !slices.Equal(ds.Shape, []int{cfg.P, cfg.D}) || ds.NumClasses != 2 || len(ds.Images) != cfg.N*cfg.P*cfg.D {
		t.Fatalf("got len %d shape %v classes %d images %d", ds.Len(), ds.Shape, ds.NumClasses, len(ds.Images))
	}
	if len(tr.HasFast) != cfg.N || len(tr.Ve) != cfg.D || len(tr.Vd) != cfg.D {
		t.Fatalf("truth sizes %d %d %d", len(tr.HasFast), len(tr.Ve), len(tr.Vd))
	}
	var dot, ne, nd float32
	for k := range tr.Ve {
		dot += tr.Ve[k] * tr.Vd[k]
		ne += tr.Ve[k] * tr.Ve[k]
		nd += tr.Vd[k] * tr.Vd[k]
	}
	if dot != 0 || ne != 1 || nd != 1 || tr.Ve[0] != 1 || tr.Vd[1] != 1 {
		t.Fatalf("v_e=%v v_d=%v not e_0, e_1", tr.Ve[:3], tr.Vd[:3])
	}

	n := float64(cfg.N)
	ones, fast := 0, 0
	var sum, sumSq float64
	var noiseVals int
	positions := map[[2]int]int{} // (fast-or-zero slot, slow slot) -> count
	for i := 0; i < cfg.N; i++ {
		y := sign(ds.Labels[i])
		if ds.Labels[i] == 1 {
			ones++
		}
		if tr.HasFast[i] {
			fast++
		}
		x := ds.Example(i)
		counts := map[patchKind]int{}
		pos := [2]int{-1, -1}
		for p := 0; p < cfg.P; p++ {
			patch := x[p*cfg.D : (p+1)*cfg.D]
			k := classify(t, cfg, patch, y)
			counts[k]++
			switch k {
			case kindFast, kindZero:
				pos[0] = p
			case kindSlow:
				pos[1] = p
			case kindNoise:
				for _, v := range patch[2:] {
					sum += float64(v)
					sumSq += float64(v) * float64(v)
					noiseVals++
				}
			}
		}
		positions[pos]++
		if counts[kindSlow] != 1 {
			t.Fatalf("example %d has %d slow patches, want 1", i, counts[kindSlow])
		}
		if tr.HasFast[i] && (counts[kindFast] != 1 || counts[kindZero] != 0) {
			t.Fatalf("example %d: HasFast but %d fast and %d zero patches", i, counts[kindFast], counts[kindZero])
		}
		if !tr.HasFast[i] && (counts[kindFast] != 0 || counts[kindZero] != 1) {
			t.Fatalf("example %d: no fast feature but %d fast and %d zero patches", i, counts[kindFast], counts[kindZero])
		}
		if counts[kindNoise] != cfg.P-2 {
			t.Fatalf("example %d has %d noise patches, want %d", i, counts[kindNoise], cfg.P-2)
		}
	}
	if frac, tol := float64(ones)/n, 3*math.Sqrt(0.25/n); math.Abs(frac-0.5) > tol {
		t.Errorf("class 1 fraction %.4f, want 0.5 +- %.4f", frac, tol)
	}
	if frac, tol := float64(fast)/n, 3*math.Sqrt(cfg.Alpha*(1-cfg.Alpha)/n); math.Abs(frac-cfg.Alpha) > tol {
		t.Errorf("fast fraction %.4f, want %.2f +- %.4f", frac, cfg.Alpha, tol)
	}
	mean := sum / float64(noiseVals)
	std := math.Sqrt(sumSq/float64(noiseVals) - mean*mean)
	if math.Abs(mean) > 0.002 || math.Abs(std-cfg.NoiseStd) > 0.002 {
		t.Errorf("noise mean %.5f std %.5f, want 0 and %.3f", mean, std, cfg.NoiseStd)
	}
	// With P=3 there are 6 (fast slot, slow slot) arrangements, each ~1/6.
	if len(positions) != 6 {
		t.Errorf("saw %d patch arrangements, want 6: %v", len(positions), positions)
	}
	for pos, c := range positions {
		if f := float64(c) / n; math.Abs(f-1.0/6) > 3*math.Sqrt((1.0/6)*(5.0/6)/n) {
			t.Errorf("arrangement %v has frequency %.4f, want ~1/6", pos, f)
		}
	}
}

func TestMoreNoisePatches(t *testing.T) {
	cfg := Config{N: 500, D: 5, P: 5, BetaE: 2, BetaD: 0.5, Alpha: 0.3, NoiseStd: 1, Seed: 7}
	ds, tr, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < cfg.N; i++ {
		x := ds.Example(i)
		counts := map[patchKind]int{}
		for p := 0; p < cfg.P; p++ {
			counts[classify(t, cfg, x[p*cfg.D:(p+1)*cfg.D], sign(ds.Labels[i]))]++
		}
		if counts[kindSlow] != 1 || counts[kindNoise] != 3 || counts[kindFast]+counts[kindZero] != 1 || (counts[kindFast] == 1) != tr.HasFast[i] {
			t.Fatalf("example %d: patch kinds %v, HasFast %v", i, counts, tr.HasFast[i])
		}
	}
}

func TestDeterminism(t *testing.T) {
	cfg := DefaultConfig()
	cfg.N = 300
	a, ta, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, tb, _ := Generate(cfg)
	if !slices.Equal(a.Images, b.Images) || !slices.Equal(a.Labels, b.Labels) || !slices.Equal(ta.HasFast, tb.HasFast) {
		t.Fatal("same seed gave different data")
	}
	cfg.Seed = 1
	c, _, _ := Generate(cfg)
	if slices.Equal(a.Images, c.Images) {
		t.Fatal("different seeds gave identical data")
	}
}

func TestGenerateSplit(t *testing.T) {
	cfg := DefaultConfig()
	cfg.N = 400
	train, test, trT, teT, err := GenerateSplit(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*dataset.Dataset{train, test} {
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		if d.Len() != cfg.N {
			t.Fatalf("%s has %d examples", d.Name, d.Len())
		}
	}
	if len(trT.HasFast) != cfg.N || len(teT.HasFast) != cfg.N {
		t.Fatal("truth lengths")
	}
	if slices.Equal(train.Images, test.Images) {
		t.Fatal("train and test are identical")
	}
	if !strings.HasSuffix(train.Name, "/train") || !strings.HasSuffix(test.Name, "/test") {
		t.Fatalf("names %q %q", train.Name, test.Name)
	}
	g, _, _ := Generate(cfg)
	if !slices.Equal(g.Images, train.Images) {
		t.Fatal("train split differs from Generate(cfg)")
	}
	train2, test2, _, _, _ := GenerateSplit(cfg)
	if !slices.Equal(train.Images, train2.Images) || !slices.Equal(test.Images, test2.Images) {
		t.Fatal("GenerateSplit not deterministic")
	}
}

func TestInvalidConfig(t *testing.T) {
	cases := []struct {
		field string
		edit  func(*Config)
	}{
		{"N", func(c *Config) { c.N = 0 }},
		{"D", func(c *Config) { c.D = 1 }},
		{"P", func(c *Config) { c.P = 2 }},
		{"Alpha", func(c *Config) { c.Alpha = 1.5 }},
		{"Alpha", func(c *Config) { c.Alpha = -0.1 }},
		{"Alpha", func(c *Config) { c.Alpha = math.NaN() }},
		{"BetaD", func(c *Config) { c.BetaD = -0.2 }},
		{"BetaE", func(c *Config) { c.BetaE = math.Inf(1) }},
		{"NoiseStd", func(c *Config) { c.NoiseStd = -1 }},
	}
	for _, tc := range cases {
		cfg := DefaultConfig()
		tc.edit(&cfg)
		_, _, err := Generate(cfg)
		if err == nil || !strings.Contains(err.Error(), "Config."+tc.field) {
			t.Errorf("%s: Generate error %v, want one naming Config.%s", tc.field, err, tc.field)
		}
		if _, _, _, _, err := GenerateSplit(cfg); err == nil {
			t.Errorf("%s: GenerateSplit accepted invalid config", tc.field)
		}
	}
}

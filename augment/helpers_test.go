package augment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// levels returns the float image of uint8 levels v/255.
func levels(v ...int) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x) / 255
	}
	return out
}

// scaled returns the float image v[i]*s.
func scaled(s float32, v ...float32) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x * s
	}
	return out
}

// ramp returns n distinct values (i+1)/(n+1) in (0,1).
func ramp(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(i+1) / float32(n+1)
	}
	return out
}

// randomImage returns n uint8-level values drawn from a fixed seed.
func randomImage(n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.IntN(256)) / 255
	}
	return out
}

// assertClose fails if got and want differ in length or by more than tol
// anywhere, printing the first differences.
func assertClose(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", name, len(got), len(want))
	}
	bad := 0
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol) {
			if bad < 5 {
				t.Errorf("%s: [%d] = %v, want %v (diff %.3g)", name, i, got[i], want[i], d)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values differ\n got  %v\n want %v", name, bad, len(got), got, want)
	}
}

// mustPanic fails unless f panics with a message starting with "augment: ".
func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: did not panic", name)
			return
		}
		if s := fmt.Sprint(r); len(s) < 9 || s[:9] != "augment: " {
			t.Errorf("%s: panic %q lacks the \"augment: \" prefix", name, s)
		}
	}()
	f()
}

// nanF returns a NaN.
func nanF() float64 { return math.NaN() }

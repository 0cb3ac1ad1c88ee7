package cluster

import (
	"fmt"
	"math"
)

// Config holds the k-means settings. A nil *Config means all defaults.
// Negative Restarts, MaxIter or Tol, or a NaN or infinite Tol, cause a panic.
type Config struct {
	// Restarts is the number of k-means++ restarts; the restart with the
	// lowest inertia is kept. 0 means 10.
	Restarts int
	// MaxIter is the largest number of Lloyd iterations (assignment passes)
	// per restart. 0 means 300.
	MaxIter int
	// Tol stops a restart when the largest Euclidean distance any centroid
	// moved in one iteration is <= Tol. A restart also stops as soon as no
	// assignment changes. 0 means 1e-10.
	Tol float64
	// Seed is the source of all randomness (math/rand/v2 PCG generators
	// derived from it). The zero seed is a valid seed.
	Seed uint64
}

const (
	defaultRestarts = 10
	defaultMaxIter  = 300
	defaultTol      = 1e-10
)

// settings is a Config with defaults filled in.
type settings struct {
	restarts int
	maxIter  int
	tol      float64
	seed     uint64
}

// resolve returns c with defaults filled in; c may be nil.
func (c *Config) resolve() settings {
	s := settings{restarts: defaultRestarts, maxIter: defaultMaxIter, tol: defaultTol}
	if c == nil {
		return s
	}
	switch {
	case c.Restarts < 0:
		panic(fmt.Sprintf("cluster: negative Restarts %d", c.Restarts))
	case c.MaxIter < 0:
		panic(fmt.Sprintf("cluster: negative MaxIter %d", c.MaxIter))
	case c.Tol < 0 || math.IsNaN(c.Tol) || math.IsInf(c.Tol, 0):
		panic(fmt.Sprintf("cluster: invalid Tol %v", c.Tol))
	}
	if c.Restarts > 0 {
		s.restarts = c.Restarts
	}
	if c.MaxIter > 0 {
		s.maxIter = c.MaxIter
	}
	if c.Tol > 0 {
		s.tol = c.Tol
	}
	s.seed = c.Seed
	return s
}

//go:build !race

package loaders

// raceEnabled is true when the tests run with -race.
const raceEnabled = false

//go:build race

package loaders

// raceEnabled is true when the tests run with -race, whose runtime needs an
// address space the hostile-input children do not get.
const raceEnabled = true

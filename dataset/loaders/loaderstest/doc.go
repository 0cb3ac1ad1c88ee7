// Package loaderstest holds test helpers for the dataset loaders and the
// packages that read datasets: the path of the committed fixtures in the
// repository's testdata/ folder, a copy of one into a test's temporary
// folder, and writers of small random datasets in the on-disk formats that
// package loaders reads (for tests that need more examples than the
// committed fixtures hold, and to re-make those fixtures).
//
// It is imported by tests and by the bench command (bench loadrss writes
// its CIFAR-10 and Tiny-ImageNet data with it), so none of it is linked
// into useful-pipeline.
// It imports nothing from this repository, so that package loaders' own
// (internal) tests may use it too.
package loaderstest

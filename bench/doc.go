// Package bench holds the project's benchmarks that are commands rather than
// tests (make bench): they print figures measured side by side in one run.
package bench

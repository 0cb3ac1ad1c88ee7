// Package stages implements the stages of a USEFUL run, one file each:
// load, probe, extract, cluster, resample, retrain, evaluate and report. Each
// stage reads its inputs from the run directory, checks that the stages it
// needs completed with the same relevant options (a hash recorded in
// stages/<stage>.json together with a checksum of every artifact), and writes
// its outputs atomically. The layout of the run directory is documented in
// docs/RUNDIR.md.
package stages

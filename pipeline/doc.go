// Package pipeline runs USEFUL (UpSample Early For Uniform Learning, NeurIPS
// 2024) as resumable stages over a run directory: load, probe, extract,
// cluster, resample, retrain, evaluate, report. Options holds everything a run
// needs; cmd/useful-pipeline only turns flags into Options and calls Run.
package pipeline

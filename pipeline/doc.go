// Package pipeline runs USEFUL (UpSample Early For Uniform Learning, NeurIPS
// 2024) as resumable stages over a run directory, from one table of stages
// (Registry): what each needs, what its record hashes, whether it needs a
// model or only runs with USEFUL, and the stages.Env method that does the
// work. Run takes validated options.Options; it checks inputs before
// anything is written, records each stage when it completes and forgets
// the later ones.
package pipeline

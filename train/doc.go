// Package train is the training loop: a Loop runs epochs of train steps on
// batches from a sampler and calls the hooks attached to it from outside
// (progress, log lines, checkpoints, measurements, the stop rule, event
// files), in the manner of gomlx's train.Loop, so that the loop itself
// stays a few lines. A NaN or Inf loss stops it with a *NaNError naming the
// run, the epoch and the step.
package train

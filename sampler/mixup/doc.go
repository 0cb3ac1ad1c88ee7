// Package mixup holds the draws and the arithmetic of MixUp (Zhang et al.,
// 2018, "mixup: Beyond Empirical Risk Minimization") and the Beta and Gamma
// samplers they need. It imports nothing from this repository, so that
// both package augment (whose MixUp works on one batch) and package sampler
// (which mixes its batches) use the same code.
package mixup

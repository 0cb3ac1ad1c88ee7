// Package augment holds data augmentations for images as float32 slices in
// HWC order (height, width, channels; channels last) with values in [0,1]
// (pixel/255), the values the datasets of this repository give before
// normalisation. Image datasets store the pixels as bytes: CropFlip,
// Normalize and Chain are also [sampler.PixelAugmenter]s, which convert the
// bytes to float32 in the same pass that crops, flips and normalises, with
// bit-identical results (pixels.go).
//
// Per-example augmenters implement [sampler.Augmenter] and transform one
// example in place:
//
//   - [CropFlip]: torchvision's RandomCrop(size, padding=Pad) followed by
//     RandomHorizontalFlip(0.5).
//   - [TrivialAugmentWide]: torchvision's TrivialAugmentWide (one op out of
//     14, uniform magnitude bin out of 31), with the individual ops exposed as
//     functions ([ShearX], [Rotate], [Equalize], ...) and through [Apply].
//   - [Normalize]: per-channel (x-mean)/std; it must come last since the other
//     augmenters expect values in [0,1].
//   - [Chain] applies several augmenters in order, e.g.
//     Chain(CropFlip{...}, TrivialAugmentWide{...}, Normalize{...}), the order
//     of the usual CIFAR recipe (crop, flip, TrivialAugment, ToTensor,
//     Normalize).
//
// [MixUp] works on a whole batch and is therefore not an Augmenter; it
// produces soft labels, which the training step would have to accept.
//
// All randomness comes from the *rand.Rand handed in, so a given generator
// state always gives the same output. Augmenters keep no mutable state and are
// safe for concurrent use; the ops that need a copy of their input take it
// from a sync.Pool, so that steady-state augmentation does not allocate.
//
// Programmer errors (a slice whose length does not match H*W*C, a bad shape
// or parameter) panic with a message prefixed "augment: ".
package augment

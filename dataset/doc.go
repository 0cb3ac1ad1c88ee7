// Package dataset holds labelled examples in memory, as flat float32 arrays,
// in the layout the SavedModels take (NHWC images, or P x d patches for the toy
// model). Loaders for on-disk formats and generators live in subpackages.
package dataset

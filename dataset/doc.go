// Package dataset holds labelled examples in memory: image datasets as
// bytes (HWC pixels, value v meaning v/255, a quarter of the memory of
// float32), other data (the toy model's patches) as float32, in the layout
// the SavedModels take (NHWC images, or P x d patches). Readers get float32
// values through Dataset.AppendFloat32s whatever the store. Loaders for
// on-disk formats and generators live in subpackages.
package dataset

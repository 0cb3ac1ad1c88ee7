// Package predict classifies images with a serving model written by
// graphs.Export and prints the result as CSV: the `useful-pipeline predict`
// command without its flags.
//
// The images (Options.Images) are one of
//
//   - an image file (PNG or JPEG),
//   - a folder of PNG/JPEG files (its direct entries, sorted by name; hidden
//     files, other files and subfolders are skipped),
//   - a dataset the loaders read, as NAME or NAME:DIR with NAME one of
//     loaders.Names (e.g. fashion-mnist:/usr/share/datasets/fashion-mnist);
//     its test split is classified. A path that exists on disk is always
//     taken as a path.
//
// Images must have the model's height and width. A model of 3 channels
// takes any PNG/JPEG (grey is replicated, alpha dropped, 16-bit reduced to
// 8 bits, as the loaders do); a model of 1 channel takes grey images, and
// colour images only if every pixel has R = G = B. The pixel levels 0..255
// go to the model as they are: the normalisation is inside the model.
//
// The CSV has a header and one row per image, in input order:
//
//	input[,label],class_1,probability_1,...,class_K,probability_K
//
// input is the file path (as given or joined to the folder) or the index in
// the dataset's test split; label, for datasets only, is the true class
// name; class_1 is the most probable class, then the next ones, ties broken
// by class index. Probabilities are the model's float32 values printed
// with the fewest digits that read back to the same float32.
package predict

package predict

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/useful-pipeline/useful-pipeline/graphs"
)

// DefaultTopK is the number of classes printed per image when Options.TopK
// is 0 (fewer if the model has fewer classes).
const DefaultTopK = 5

// DefaultBatchSize is the number of images per model call when
// Options.BatchSize is 0.
const DefaultBatchSize = 256

// Options is what a predict run needs.
type Options struct {
	// Model is a serving model folder written by graphs.Export: a version
	// folder, or a folder of numbered versions (the highest is used).
	Model string
	// Images is an image file, a folder of images, or NAME[:DIR] of a
	// dataset (see the package documentation).
	Images string
	// Out is the CSV file to write (atomically); "" means the writer given
	// to Run.
	Out string
	// TopK is the number of classes per row, 1..number of classes; 0 means
	// min(DefaultTopK, number of classes).
	TopK int
	// BatchSize is the number of images per model call; 0 means
	// DefaultBatchSize.
	BatchSize int
	// Session sets TensorFlow's threads; nil means defaults.
	Session *graphs.Config
}

// check validates the options that do not need the model.
func (o *Options) check() error {
	switch {
	case o.Model == "":
		return fmt.Errorf("--model: no serving model folder given")
	case o.Images == "":
		return fmt.Errorf("--images: no image file, folder or dataset given")
	case o.TopK < 0:
		return fmt.Errorf("--top-k %d: want >= 1", o.TopK)
	case o.BatchSize < 0:
		return fmt.Errorf("--batch-size %d: want >= 1", o.BatchSize)
	}
	if o.Out != "" {
		if fi, err := os.Stat(o.Out); err == nil && fi.IsDir() {
			return fmt.Errorf("--out %s: is a folder, want a file name", o.Out)
		}
		if fi, err := os.Stat(filepath.Dir(o.Out)); err != nil || !fi.IsDir() {
			return fmt.Errorf("--out %s: folder %s does not exist", o.Out, filepath.Dir(o.Out))
		}
	}
	return nil
}

// topK returns the number of classes per row for a model of the given
// number of classes.
func (o *Options) topK(classes int) (int, error) {
	if o.TopK == 0 {
		return min(DefaultTopK, classes), nil
	}
	if o.TopK > classes {
		return 0, fmt.Errorf("--top-k %d: the model has %d classes", o.TopK, classes)
	}
	return o.TopK, nil
}

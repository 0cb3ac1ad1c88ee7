// Package loaders reads image classification datasets in the on-disk formats
// they ship in, into dataset.Dataset values:
//
//   - CIFAR-10 and CIFAR-100 binary versions (cifar-10-batches-bin,
//     cifar-100-binary),
//   - STL-10 binary version (stl10_binary, the labelled train and test sets),
//   - CINIC-10 (PNG image folders),
//   - Tiny-ImageNet-200 (JPEG image folders; val is the test split),
//   - IDX files (MNIST, Fashion-MNIST), gzipped or not,
//   - a user's image folders (imagefolder: train/<class>/ and test/<class>/
//     of PNG or JPEG files, any class count and image size, or resized).
//
// Every loader stores images as bytes (dataset.Dataset.Pixels) in HWC
// order (channels last), the layout the SavedModels take, which
// AppendFloat32s reads as float32 pixel/255 in [0, 1], and labels as class
// indices from 0. Loaders check the input strictly: a missing or truncated
// file, a wrong magic number, wrong image dimensions, an out-of-range label,
// an unknown class id or an empty class folder gives a *FormatError that
// names the file, the record (or line or image) and the offending value;
// Load also refuses a training set in which a class has no example. No
// loader panics on bad input.
//
// Memory is bounded by what an input really holds: every size comes from
// the files' sizes (stat) or from the bytes a gzip stream really inflates
// to (counted by a first pass that keeps nothing, and bounded by deflate's
// 1032:1 ratio before it starts), never from a count a header claims; the
// checks that can be made without the pixels (sizes, headers against each
// other, labels) are made before the images are allocated; files hold at
// most the records of the published dataset; and the images of a split
// must fit in Config.MaxBytes (by default the machine's memory). A refused
// input thus costs a few read buffers, whatever its claimed or real size.
//
// The subsampling variants of the USEFUL paper's experiments are LongTail
// (exponential class profile, Cao et al. 2019) and LabelNoise (symmetric
// label noise).
//
// Test fixtures in these formats are in the repository's testdata/ folder;
// package loaderstest finds them and writes larger random ones.
package loaders

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// Split holds a train and a test set.
type Split struct {
	// Train and Test are the two sets; both have the same Shape and
	// NumClasses.
	Train, Test *dataset.Dataset
	// ClassNames has NumClasses entries: the name of each class index (the
	// same slice as Train.ClassNames and Test.ClassNames).
	ClassNames []string
}

// newSplit returns the split of train and test, both given the class
// names.
func newSplit(train, test *dataset.Dataset, names []string) *Split {
	train.ClassNames, test.ClassNames = names, names
	return &Split{Train: train, Test: test, ClassNames: names}
}

// Names lists the dataset names that Load accepts.
var Names = []string{"cifar10", "cifar100", "cifar100-coarse", "stl10", "cinic10", "tinyimagenet", "mnist", "fashion-mnist", "imagefolder"}

// DefaultDir returns the folder that a dataset is read from when Load is
// given no folder: /usr/share/datasets/fashion-mnist (Debian package
// dataset-fashion-mnist) for fashion-mnist, "" for the others.
func DefaultDir(name string) string {
	if strings.ToLower(name) == "fashion-mnist" {
		return "/usr/share/datasets/fashion-mnist"
	}
	return ""
}

// Load reads dataset name (one of Names, case-insensitive) from dir with the
// default Config: LoadWith(name, dir, nil).
func Load(name, dir string) (*Split, error) { return LoadWith(name, dir, nil) }

// LoadWith reads dataset name (one of Names, case-insensitive) from dir. An
// empty dir means DefaultDir(name); nil cfg means the zero Config. It
// returns an error wrapping ErrUnknownDataset for a name not in Names, and a
// *FormatError for bad or missing input, including an input that holds more
// than its published format allows or more than cfg.MaxBytes of images.
func LoadWith(name, dir string, cfg *Config) (*Split, error) {
	name = strings.ToLower(name)
	if !slices.Contains(Names, name) {
		return nil, fmt.Errorf("loaders: %w %q, want one of %s", ErrUnknownDataset, name, strings.Join(Names, ", "))
	}
	if dir == "" {
		dir = DefaultDir(name)
		if dir == "" {
			return nil, fmt.Errorf("loaders: %s: no data folder given and no default", name)
		}
	}
	var sp *Split
	var err error
	if name == "imagefolder" {
		sp, err = LoadImageFolder(dir, cfg)
	} else {
		sp, err = loadFormat(name, dir, newBudget(cfg))
	}
	if err != nil {
		return nil, err
	}
	if err := checkTrainClasses(name, dir, sp); err != nil {
		return nil, err
	}
	return sp, nil
}

func loadFormat(name, dir string, b *budget) (*Split, error) {
	switch name {
	case "cifar10":
		return loadCIFAR10(dir, b)
	case "cifar100":
		return loadCIFAR100(dir, false, b)
	case "cifar100-coarse":
		return loadCIFAR100(dir, true, b)
	case "stl10":
		return loadSTL10(dir, b)
	case "cinic10":
		return loadCINIC10(dir, b)
	case "tinyimagenet":
		return loadTinyImageNet(dir, b)
	case "mnist":
		return loadMNIST(dir, b)
	default: // "fashion-mnist"
		return loadFashionMNIST(dir, b)
	}
}

// checkTrainClasses returns a *FormatError if a class has no training
// example: USEFUL clusters the examples of each class, and the long-tail and
// baseline selections work per class, so every class needs one. The error
// names the file(s) holding the training labels and the empty classes. (A
// test set may lack a class: only whole-set accuracy is computed on it.)
func checkTrainClasses(name, dir string, sp *Split) error {
	counts := make([]int, sp.Train.NumClasses)
	for _, l := range sp.Train.Labels {
		if l >= 0 && int(l) < len(counts) {
			counts[l]++
		}
	}
	var empty []string
	for c, n := range counts {
		if n == 0 {
			s := strconv.Itoa(c)
			if c < len(sp.ClassNames) {
				s += " (" + sp.ClassNames[c] + ")"
			}
			empty = append(empty, s)
		}
	}
	if len(empty) == 0 {
		return nil
	}
	what := "class " + empty[0] + " has"
	if len(empty) > 1 {
		if len(empty) > 5 {
			empty = append(empty[:5], fmt.Sprintf("... (%d in all)", len(empty)))
		}
		what = "classes " + strings.Join(empty, ", ") + " have"
	}
	return ferr(name, trainLabelFiles(name, dir), "%s no training examples; every class needs at least one (USEFUL clusters the examples of each class)", what)
}

// trainLabelFiles names the file(s) that hold the training labels of a
// dataset already loaded from dir, for error messages.
func trainLabelFiles(name, dir string) string {
	switch name {
	case "cifar10":
		d, _ := resolveDir(name, dir, CIFAR10TestFile, "cifar-10-batches-bin")
		return filepath.Join(d, "data_batch_{1..5}.bin")
	case "cifar100", "cifar100-coarse":
		d, _ := resolveDir(name, dir, "test.bin", "cifar-100-binary")
		return filepath.Join(d, "train.bin")
	case "stl10":
		d, _ := resolveDir(name, dir, "test_X.bin", "stl10_binary")
		return filepath.Join(d, "train_y.bin")
	case "mnist", "fashion-mnist":
		if p, err := findIDX("idx", dir, IDXTrainLabels); err == nil {
			return p
		}
		return filepath.Join(dir, IDXTrainLabels)
	case "tinyimagenet":
		d, _ := resolveDir(name, dir, "wnids.txt", "tiny-imagenet-200")
		return filepath.Join(d, "train")
	}
	// cinic10, imagefolder
	return filepath.Join(dir, "train")
}

// resolveDir returns dir, or dir/sub when dir lacks probe but dir/sub has it
// (the folder that the dataset's archive unpacks to), so a loader may be
// pointed at either. It checks that the folder exists.
func resolveDir(format, dir, probe, sub string) (string, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return "", openErr(format, dir, err)
	}
	if !fi.IsDir() {
		return "", ferr(format, dir, "not a folder")
	}
	if _, err := os.Stat(filepath.Join(dir, probe)); err != nil && sub != "" {
		if _, err2 := os.Stat(filepath.Join(dir, sub, probe)); err2 == nil {
			return filepath.Join(dir, sub), nil
		}
	}
	return dir, nil
}

// readClassNames reads an optional text file of class names, one a line
// (blank lines are ignored), and checks that it holds n names. A missing file
// gives def.
func readClassNames(format, path string, n int, def []string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return slices.Clone(def), nil
		}
		return nil, openErr(format, path, err)
	}
	return parseClassNames(format, path, data, n)
}

// parseClassNames parses the class-name file bytes that readClassNames read
// from path.
func parseClassNames(format, path string, data []byte, n int) ([]string, error) {
	var names []string
	for line := range strings.Lines(string(data)) {
		if s := strings.TrimSpace(line); s != "" {
			names = append(names, s)
		}
	}
	if len(names) != n {
		return nil, ferr(format, path, "%d class names, want %d", len(names), n)
	}
	return names, nil
}

// statSize returns the size of a regular file.
func statSize(format, path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, openErr(format, path, err)
	}
	if !fi.Mode().IsRegular() {
		return 0, ferr(format, path, "not a regular file")
	}
	return fi.Size(), nil
}

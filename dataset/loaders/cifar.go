package loaders

import (
	"fmt"
	"path/filepath"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// CIFAR image geometry: 32x32 RGB, stored as three 1024-byte planes.
const (
	cifarSide   = 32
	cifarPixels = 3 * cifarSide * cifarSide
)

// CIFAR10Classes are the CIFAR-10 class names (batches.meta.txt).
var CIFAR10Classes = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// CIFAR100FineClasses are the 100 CIFAR-100 fine class names
// (fine_label_names.txt).
var CIFAR100FineClasses = []string{
	"apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
	"bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
	"chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
	"dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
	"lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
	"mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
	"plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
	"rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
	"squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
	"train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
}

// CIFAR100CoarseClasses are the 20 CIFAR-100 superclass names
// (coarse_label_names.txt).
var CIFAR100CoarseClasses = []string{
	"aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
	"household_electrical_devices", "household_furniture", "insects", "large_carnivores", "large_man-made_outdoor_things",
	"large_natural_outdoor_scenes", "large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates", "people",
	"reptiles", "small_mammals", "trees", "vehicles_1", "vehicles_2",
}

// cifarSpec describes one CIFAR binary record layout.
type cifarSpec struct {
	format string
	// labels are the label bytes at the start of a record, in order, with
	// their names and number of classes.
	labelNames   []string
	labelClasses []int
	// use is the index (into labelNames) of the label that is kept.
	use int
	// side is the image side, 32 (tests and fuzzing use smaller ones).
	side int
}

// pixels returns the number of pixel bytes (and float32 values) of an image.
func (s cifarSpec) pixels() int { return 3 * s.side * s.side }

func (s cifarSpec) recordSize() int { return len(s.labelNames) + s.pixels() }

var (
	cifar10Spec        = cifarSpec{format: "cifar10", labelNames: []string{"label"}, labelClasses: []int{10}, side: cifarSide}
	cifar100FineSpec   = cifarSpec{format: "cifar100", labelNames: []string{"coarse label", "fine label"}, labelClasses: []int{20, 100}, use: 1, side: cifarSide}
	cifar100CoarseSpec = cifarSpec{format: "cifar100-coarse", labelNames: []string{"coarse label", "fine label"}, labelClasses: []int{20, 100}, use: 0, side: cifarSide}
)

// cifarRecords checks a file size and returns the number of records in it.
func cifarRecords(spec cifarSpec, file string, size int64) (int, error) {
	rs := int64(spec.recordSize())
	if size == 0 {
		return 0, ferr(spec.format, file, "empty file, want %d-byte records", rs)
	}
	if size%rs != 0 {
		n := size / rs
		return 0, rerr(spec.format, file, int(n), "truncated: file size %d is not a multiple of the %d-byte record; the last record has %d of %d bytes", size, rs, size%rs, rs)
	}
	return int(size / rs), nil
}

// decodeCIFAR converts the records in data into images (HWC, pixel/255) and
// labels. images and labels must hold exactly the file's records. Record
// numbers in errors are 0-based within the file.
func decodeCIFAR(spec cifarSpec, file string, data []byte, images []float32, labels []int32) error {
	n, err := cifarRecords(spec, file, int64(len(data)))
	if err != nil {
		return err
	}
	npix, plane := spec.pixels(), spec.side*spec.side
	if len(labels) != n || len(images) != n*npix {
		return fmt.Errorf("%s: %s: internal error: room for %d records, file holds %d", spec.format, file, len(labels), n)
	}
	rs := spec.recordSize()
	nl := len(spec.labelNames)
	lut := &pixelLUT
	for r := range n {
		rec := data[r*rs : (r+1)*rs]
		for k := range nl {
			if c := int(rec[k]); c >= spec.labelClasses[k] {
				return rerr(spec.format, file, r, "%s %d, want 0..%d", spec.labelNames[k], c, spec.labelClasses[k]-1)
			}
		}
		labels[r] = int32(rec[spec.use])
		pix := rec[nl:]
		red, green, blue := pix[:plane], pix[plane:2*plane], pix[2*plane:3*plane]
		out := images[r*npix : (r+1)*npix]
		for p := range plane {
			o := out[3*p : 3*p+3 : 3*p+3]
			o[0] = lut[red[p]]
			o[1] = lut[green[p]]
			o[2] = lut[blue[p]]
		}
	}
	return nil
}

// parseCIFAR decodes one CIFAR binary file held in memory.
func parseCIFAR(spec cifarSpec, file string, data []byte) (images []float32, labels []int32, err error) {
	n, err := cifarRecords(spec, file, int64(len(data)))
	if err != nil {
		return nil, nil, err
	}
	images = make([]float32, n*spec.pixels())
	labels = make([]int32, n)
	if err := decodeCIFAR(spec, file, data, images, labels); err != nil {
		return nil, nil, err
	}
	return images, labels, nil
}

// loadCIFARFiles reads and concatenates CIFAR binary files into one dataset.
func loadCIFARFiles(spec cifarSpec, name string, paths []string) (*dataset.Dataset, error) {
	sizes := make([]int64, len(paths))
	counts := make([]int, len(paths))
	total := 0
	for i, p := range paths {
		size, err := statSize(spec.format, p)
		if err != nil {
			return nil, err
		}
		n, err := cifarRecords(spec, p, size)
		if err != nil {
			return nil, err
		}
		sizes[i], counts[i] = size, n
		total += n
	}
	ds := &dataset.Dataset{
		Name:       name,
		Shape:      []int{spec.side, spec.side, 3},
		NumClasses: spec.labelClasses[spec.use],
		Images:     make([]float32, total*spec.pixels()),
		Labels:     make([]int32, total),
	}
	at := 0
	for i, p := range paths {
		data, err := readExact(spec.format, p, sizes[i])
		if err != nil {
			return nil, err
		}
		n := counts[i]
		if err := decodeCIFAR(spec, p, data, ds.Images[at*spec.pixels():(at+n)*spec.pixels()], ds.Labels[at:at+n]); err != nil {
			return nil, err
		}
		at += n
	}
	return ds, nil
}

// CIFAR10TrainFiles and CIFAR10TestFile are the file names of the CIFAR-10
// binary version.
var (
	CIFAR10TrainFiles = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
	CIFAR10TestFile   = "test_batch.bin"
)

// LoadCIFAR10 reads the CIFAR-10 binary version from dir (the
// cifar-10-batches-bin folder, or a folder holding it): data_batch_1.bin to
// data_batch_5.bin (train, 50000 images) and test_batch.bin (test, 10000).
// Each record is one label byte (0..9) and 3072 pixel bytes, the 32x32 red,
// green and blue planes row-major; the images are converted to HWC. Class
// names come from batches.meta.txt when present.
func LoadCIFAR10(dir string) (*Split, error) {
	spec := cifar10Spec
	dir, err := resolveDir(spec.format, dir, CIFAR10TestFile, "cifar-10-batches-bin")
	if err != nil {
		return nil, err
	}
	var train []string
	for _, f := range CIFAR10TrainFiles {
		train = append(train, filepath.Join(dir, f))
	}
	names, err := readClassNames(spec.format, filepath.Join(dir, "batches.meta.txt"), 10, CIFAR10Classes)
	if err != nil {
		return nil, err
	}
	return loadCIFARSplit(spec, train, filepath.Join(dir, CIFAR10TestFile), names)
}

// LoadCIFAR100 reads the CIFAR-100 binary version from dir (the
// cifar-100-binary folder, or a folder holding it): train.bin (50000 images)
// and test.bin (10000). Each record is a coarse label byte (0..19), a fine
// label byte (0..99) and 3072 pixel bytes as in CIFAR-10. The fine label is
// kept (100 classes), or the coarse one (20 classes) when coarse is true;
// both are checked. Class names come from fine_label_names.txt or
// coarse_label_names.txt when present.
func LoadCIFAR100(dir string, coarse bool) (*Split, error) {
	spec, namesFile, nclass, def := cifar100FineSpec, "fine_label_names.txt", 100, CIFAR100FineClasses
	if coarse {
		spec, namesFile, nclass, def = cifar100CoarseSpec, "coarse_label_names.txt", 20, CIFAR100CoarseClasses
	}
	dir, err := resolveDir(spec.format, dir, "test.bin", "cifar-100-binary")
	if err != nil {
		return nil, err
	}
	names, err := readClassNames(spec.format, filepath.Join(dir, namesFile), nclass, def)
	if err != nil {
		return nil, err
	}
	return loadCIFARSplit(spec, []string{filepath.Join(dir, "train.bin")}, filepath.Join(dir, "test.bin"), names)
}

func loadCIFARSplit(spec cifarSpec, train []string, test string, names []string) (*Split, error) {
	tr, err := loadCIFARFiles(spec, spec.format+"/train", train)
	if err != nil {
		return nil, err
	}
	te, err := loadCIFARFiles(spec, spec.format+"/test", []string{test})
	if err != nil {
		return nil, err
	}
	return &Split{Train: tr, Test: te, ClassNames: names}, nil
}

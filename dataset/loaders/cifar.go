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

// cifarChunk is the number of records read at a time.
const cifarChunk = 256

// scanCIFAR reads the n records of in in chunks, checks every label byte,
// and, when images is not nil, writes the images (HWC pixels) and the
// kept labels to images and labels, which hold exactly n records. It checks
// that the input still holds exactly n records. Record numbers in errors are
// 0-based within the file.
func scanCIFAR(spec cifarSpec, in input, n int, images []uint8, labels []int32) error {
	r, err := in.open()
	if err != nil {
		return err
	}
	defer r.Close()
	rs, nl := spec.recordSize(), len(spec.labelNames)
	npix, plane := spec.pixels(), spec.side*spec.side
	buf := make([]byte, min(n, cifarChunk)*rs)
	for at := 0; at < n; {
		k := min(n-at, cifarChunk)
		got, err := readUpTo(r, buf[:k*rs])
		if err != nil {
			return openErr(spec.format, in.name, err)
		}
		if got < k*rs {
			return fmt.Errorf("%s: %s: file changed while reading: it ends in record %d of the %d it had", spec.format, in.name, at+got/rs, n)
		}
		for j := range k {
			rec := buf[j*rs : (j+1)*rs]
			for l := range nl {
				if c := int(rec[l]); c >= spec.labelClasses[l] {
					return rerr(spec.format, in.name, at+j, "%s %d, want 0..%d", spec.labelNames[l], c, spec.labelClasses[l]-1)
				}
			}
			if images == nil {
				continue
			}
			labels[at+j] = int32(rec[spec.use])
			pix := rec[nl:]
			red, green, blue := pix[:plane], pix[plane:2*plane], pix[2*plane:3*plane]
			out := images[(at+j)*npix : (at+j+1)*npix]
			for p := range plane {
				o := out[3*p : 3*p+3 : 3*p+3]
				o[0] = red[p]
				o[1] = green[p]
				o[2] = blue[p]
			}
		}
		at += k
	}
	if extra, _ := r.Read(buf[:1]); extra != 0 {
		return fmt.Errorf("%s: %s: file changed while reading: it grew past its %d records", spec.format, in.name, n)
	}
	return nil
}

// parseCIFAR decodes one CIFAR binary file held in memory.
func parseCIFAR(spec cifarSpec, file string, data []byte) (pixels []uint8, labels []int32, err error) {
	ds, err := loadCIFARInputs(spec, "mem", []input{bytesInput(file, data)}, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	return ds.Pixels, ds.Labels, nil
}

// loadCIFARFiles reads and concatenates CIFAR binary files into one
// dataset; maxRecords[i], when positive, is the most records file i may
// hold (the size of the published file).
func loadCIFARFiles(spec cifarSpec, name string, paths []string, maxRecords []int, b *budget) (*dataset.Dataset, error) {
	ins := make([]input, len(paths))
	for i, p := range paths {
		in, err := fileInput(spec.format, p)
		if err != nil {
			return nil, err
		}
		ins[i] = in
	}
	return loadCIFARInputs(spec, name, ins, maxRecords, b)
}

// loadCIFARInputs does the work of loadCIFARFiles in two passes: the first
// checks the sizes and every label without keeping anything, the second
// decodes into a dataset sized from the files' real sizes. A refused input
// thus costs one read buffer.
func loadCIFARInputs(spec cifarSpec, name string, ins []input, maxRecords []int, b *budget) (*dataset.Dataset, error) {
	counts := make([]int, len(ins))
	total := 0
	for i, in := range ins {
		n, err := cifarRecords(spec, in.name, in.size)
		if err != nil {
			return nil, err
		}
		if i < len(maxRecords) && maxRecords[i] > 0 && n > maxRecords[i] {
			return nil, ferr(spec.format, in.name, "file size %d holds %d records of %d bytes, more than the %d of the published file", in.size, n, spec.recordSize(), maxRecords[i])
		}
		counts[i] = n
		total += n
	}
	for i, in := range ins {
		if err := scanCIFAR(spec, in, counts[i], nil, nil); err != nil {
			return nil, err
		}
	}
	if err := b.check(spec.format, ins[0].name, int64(total)*int64(spec.pixels()), 1); err != nil {
		return nil, err
	}
	ds := &dataset.Dataset{
		Name:       name,
		Shape:      []int{spec.side, spec.side, 3},
		NumClasses: spec.labelClasses[spec.use],
		Pixels:     make([]uint8, total*spec.pixels()),
		Labels:     make([]int32, total),
	}
	at := 0
	for i, in := range ins {
		n := counts[i]
		if err := scanCIFAR(spec, in, n, ds.Pixels[at*spec.pixels():(at+n)*spec.pixels()], ds.Labels[at:at+n]); err != nil {
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
// data_batch_5.bin (train, 50000 images) and test_batch.bin (test, 10000);
// a file with more than the published 10000 records is refused. Each record is one label byte (0..9) and 3072 pixel bytes, the 32x32 red,
// green and blue planes row-major; the images are converted to HWC. Class
// names come from batches.meta.txt when present.
func LoadCIFAR10(dir string) (*Split, error) { return loadCIFAR10(dir, newBudget(nil)) }

func loadCIFAR10(dir string, b *budget) (*Split, error) {
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
	return loadCIFARSplit(spec, train, filepath.Join(dir, CIFAR10TestFile), names, 10000, 10000, b)
}

// LoadCIFAR100 reads the CIFAR-100 binary version from dir (the
// cifar-100-binary folder, or a folder holding it): train.bin (50000 images)
// and test.bin (10000); a file with more records than those is refused.
// Each record is a coarse label byte (0..19), a fine
// label byte (0..99) and 3072 pixel bytes as in CIFAR-10. The fine label is
// kept (100 classes), or the coarse one (20 classes) when coarse is true;
// both are checked. Class names come from fine_label_names.txt or
// coarse_label_names.txt when present.
func LoadCIFAR100(dir string, coarse bool) (*Split, error) {
	return loadCIFAR100(dir, coarse, newBudget(nil))
}

func loadCIFAR100(dir string, coarse bool, b *budget) (*Split, error) {
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
	return loadCIFARSplit(spec, []string{filepath.Join(dir, "train.bin")}, filepath.Join(dir, "test.bin"), names, 50000, 10000, b)
}

// loadCIFARSplit reads the train files (each at most maxTrain records) and
// the test file (at most maxTest).
func loadCIFARSplit(spec cifarSpec, train []string, test string, names []string, maxTrain, maxTest int, b *budget) (*Split, error) {
	maxes := make([]int, len(train))
	for i := range maxes {
		maxes[i] = maxTrain
	}
	tr, err := loadCIFARFiles(spec, spec.format+"/train", train, maxes, b)
	if err != nil {
		return nil, err
	}
	te, err := loadCIFARFiles(spec, spec.format+"/test", []string{test}, []int{maxTest}, b)
	if err != nil {
		return nil, err
	}
	return newSplit(tr, te, names), nil
}

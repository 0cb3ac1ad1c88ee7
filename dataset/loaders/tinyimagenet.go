package loaders

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// tinySide is the Tiny-ImageNet image size, and tinyClasses its class count.
const (
	tinySide    = 64
	tinyClasses = 200
)

// readWnids reads wnids.txt: one WordNet id a line, blank lines ignored.
func readWnids(path string, want int) ([]string, error) {
	const format = "tinyimagenet"
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, openErr(format, path, err)
	}
	return parseWnids(path, data, want)
}

// parseWnids parses the wnids.txt bytes that readWnids read from path.
func parseWnids(path string, data []byte, want int) ([]string, error) {
	const format = "tinyimagenet"
	var wnids []string
	seen := map[string]int{}
	ln := 0
	for line := range strings.Lines(string(data)) {
		ln++
		w := strings.TrimSpace(line)
		if w == "" {
			continue
		}
		if strings.ContainsAny(w, " \t/\\") || w == "." || w == ".." {
			return nil, lerr(format, path, ln, "bad wnid %q", w)
		}
		if prev, dup := seen[w]; dup {
			return nil, lerr(format, path, ln, "duplicate wnid %q (also on line %d)", w, prev)
		}
		seen[w] = ln
		wnids = append(wnids, w)
	}
	if len(wnids) != want {
		return nil, ferr(format, path, "%d wnids, want %d", len(wnids), want)
	}
	return wnids, nil
}

// parseValAnnotations parses val_annotations.txt: one line per validation
// image, tab-separated file name, wnid and bounding box (x0, y0, x1, y1;
// not used). It returns the file names and class indices in line order.
func parseValAnnotations(file string, data []byte, class map[string]int) (names []string, labels []int32, err error) {
	const format = "tinyimagenet"
	seen := map[string]int{}
	ln := 0
	for line := range strings.Lines(string(data)) {
		ln++
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 {
			return nil, nil, lerr(format, file, ln, "%d tab-separated fields in %q, want file name, wnid and box", len(f), line)
		}
		name, wnid := strings.TrimSpace(f[0]), strings.TrimSpace(f[1])
		if name == "" || name != filepath.Base(name) || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
			return nil, nil, lerr(format, file, ln, "bad image file name %q", name)
		}
		c, ok := class[wnid]
		if !ok {
			return nil, nil, lerr(format, file, ln, "unknown wnid %q for %s (not in wnids.txt)", wnid, name)
		}
		if prev, dup := seen[name]; dup {
			return nil, nil, lerr(format, file, ln, "duplicate image %q (also on line %d)", name, prev)
		}
		seen[name] = ln
		names = append(names, name)
		labels = append(labels, int32(c))
	}
	if len(names) == 0 {
		return nil, nil, ferr(format, file, "no annotations")
	}
	return names, labels, nil
}

// LoadTinyImageNet reads Tiny-ImageNet-200 from dir (the tiny-imagenet-200
// folder, or a folder holding it). wnids.txt lists the 200 class ids; the
// class index is the line order. Train is train/<wnid>/images/*.JPEG; test is
// the labelled validation set, val/images/*.JPEG with the classes in
// val/val_annotations.txt (in its line order). Images are 64x64; grey JPEGs
// are converted to RGB. The unlabelled test/ folder is ignored. ClassNames
// are the wnids.
func LoadTinyImageNet(dir string) (*Split, error) { return loadTinyImageNet(dir, newBudget(nil)) }

func loadTinyImageNet(dir string, b *budget) (*Split, error) {
	const format = "tinyimagenet"
	dir, err := resolveDir(format, dir, "wnids.txt", "tiny-imagenet-200")
	if err != nil {
		return nil, err
	}
	wnids, err := readWnids(filepath.Join(dir, "wnids.txt"), tinyClasses)
	if err != nil {
		return nil, err
	}
	class := make(map[string]int, len(wnids))
	for i, w := range wnids {
		class[w] = i
	}

	trainDir := filepath.Join(dir, "train")
	found, err := subfolders(format, trainDir)
	if err != nil {
		return nil, err
	}
	for _, f := range found {
		if _, ok := class[f]; !ok {
			return nil, ferr(format, filepath.Join(trainDir, f), "class folder %q is not in wnids.txt", f)
		}
	}
	var jobs []imageJob
	for i, w := range wnids {
		files, err := listImages(format, filepath.Join(trainDir, w, "images"))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			jobs = append(jobs, imageJob{path: f, label: int32(i)})
		}
	}
	train, err := decodeImages(format, format+"/train", jobs, imageSpec{width: tinySide, height: tinySide}, len(wnids), b, trainDir)
	if err != nil {
		return nil, err
	}

	annPath := filepath.Join(dir, "val", "val_annotations.txt")
	ann, err := os.ReadFile(annPath)
	if err != nil {
		return nil, openErr(format, annPath, err)
	}
	names, labels, err := parseValAnnotations(annPath, ann, class)
	if err != nil {
		return nil, err
	}
	jobs = jobs[:0]
	for i, n := range names {
		jobs = append(jobs, imageJob{path: filepath.Join(dir, "val", "images", n), label: labels[i]})
	}
	var test *dataset.Dataset
	if test, err = decodeImages(format, format+"/test", jobs, imageSpec{width: tinySide, height: tinySide}, len(wnids), b, filepath.Join(dir, "val", "images")); err != nil {
		return nil, err
	}
	return newSplit(train, test, wnids), nil
}

package loaders

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"path/filepath"
)

// ImageFolderTestDirs are the names that the test split of an image-folder
// dataset may have under its folder, in the order they are looked for.
var ImageFolderTestDirs = []string{"test", "val"}

// LoadImageFolder reads a user's image-folder dataset from dir:
// dir/train/<class>/<image> and dir/test/<class>/<image> (or dir/val/...),
// PNG or JPEG files (other files are ignored). The classes are the
// subfolders of train/ in sorted order, at least 2, each holding at least
// one image; the test split may lack some of them but may not have others.
// ClassNames are the folder names.
//
// With cfg.ImageSize zero, every image of both splits must have the size of
// the first training image (in sorted order); otherwise images are resized
// to cfg.ImageSize (height, width) by bilinear interpolation. Images are
// converted to RGB (Shape [H W 3]). Bad input (a missing split, one class,
// an empty class folder, an image of another size, a file that does not
// decode) is a *FormatError naming the file or folder.
func LoadImageFolder(dir string, cfg *Config) (*Split, error) {
	const format = "imagefolder"
	b := newBudget(cfg)
	var size [2]int
	if cfg != nil {
		size = cfg.ImageSize
	}
	if size != [2]int{} && (size[0] <= 0 || size[1] <= 0 || size[0] > maxSide || size[1] > maxSide) {
		return nil, fmt.Errorf("loaders: imagefolder: image size %dx%d, want both sides in 1..%d", size[0], size[1], maxSide)
	}
	dir, err := resolveDir(format, dir, "train", "")
	if err != nil {
		return nil, err
	}
	trainDir := filepath.Join(dir, "train")
	classes, err := subfolders(format, trainDir)
	if err != nil {
		return nil, err
	}
	if len(classes) < 2 {
		return nil, ferr(format, trainDir, "%d class folder(s) %v, want at least 2", len(classes), classes)
	}
	testDir := ""
	for _, d := range ImageFolderTestDirs {
		if fi, err := os.Stat(filepath.Join(dir, d)); err == nil && fi.IsDir() {
			testDir = filepath.Join(dir, d)
			break
		}
	}
	if testDir == "" {
		return nil, ferr(format, filepath.Join(dir, "test"), "missing folder (the test split: test/ or val/, one subfolder per class)")
	}
	trainJobs, err := folderJobs(format, trainDir, classes, classes)
	if err != nil {
		return nil, err
	}
	testClasses, err := subfolders(format, testDir)
	if err != nil {
		return nil, err
	}
	testJobs, err := folderJobs(format, testDir, testClasses, classes)
	if err != nil {
		return nil, err
	}
	spec := imageSpec{height: size[0], width: size[1], resize: true}
	if size == [2]int{} {
		first := trainJobs[0].path
		w, h, err := imageSize(format, first)
		if err != nil {
			return nil, err
		}
		spec = imageSpec{height: h, width: w, hint: " (the size of " + first + "; give loaders.Config.ImageSize (--image-size H,W) to resize)"}
	}
	tr, err := decodeImages(format, format+"/train", trainJobs, spec, len(classes), b, trainDir)
	if err != nil {
		return nil, err
	}
	te, err := decodeImages(format, format+"/test", testJobs, spec, len(classes), b, testDir)
	if err != nil {
		return nil, err
	}
	return newSplit(tr, te, classes), nil
}

// folderJobs lists the images of root/<c> for each c in found, labelled by
// the position of c in classes; a folder not in classes is refused.
func folderJobs(format, root string, found, classes []string) ([]imageJob, error) {
	index := make(map[string]int, len(classes))
	for i, c := range classes {
		index[c] = i
	}
	var jobs []imageJob
	for _, c := range found {
		ci, ok := index[c]
		if !ok {
			return nil, ferr(format, filepath.Join(root, c), "class folder %q is not a training class (%d classes in train/)", c, len(classes))
		}
		files, err := listImages(format, filepath.Join(root, c))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			jobs = append(jobs, imageJob{path: f, label: int32(ci)})
		}
	}
	if len(jobs) == 0 {
		return nil, ferr(format, root, "no class folders")
	}
	return jobs, nil
}

// imageSize reads the width and height from an image file's header.
func imageSize(format, path string) (w, h int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		fe := openErr(format, path, err)
		return 0, 0, fe
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, &FormatError{Format: format, File: path, Record: 0, Unit: "image", Msg: "cannot decode image", Err: err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxSide || cfg.Height > maxSide || cfg.Width*cfg.Height > maxPixels {
		return 0, 0, &FormatError{Format: format, File: path, Record: 0, Unit: "image", Msg: fmt.Sprintf("image is %dx%d, want sides 1..%d and at most %d pixels", cfg.Width, cfg.Height, maxSide, maxPixels)}
	}
	return cfg.Width, cfg.Height, nil
}

package loaders

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // JPEG decoder for Tiny-ImageNet and image folders
	_ "image/png"  // PNG decoder for CINIC-10 and image folders
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/useful-pipeline/useful-pipeline/dataset"
)

// imageJob is one image file of an image-folder dataset and its label.
type imageJob struct {
	path  string
	label int32
}

// IsImageName reports whether a file name is an image the loaders (and
// predict) read: a PNG or JPEG extension, not a hidden file.
func IsImageName(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// imageSpec says how decoded images become examples: width x height RGB,
// either required (resize false; hint, if any, is added to a size error)
// or reached by resizing.
type imageSpec struct {
	width, height int
	resize        bool
	hint          string
}

// decodeImage decodes one PNG or JPEG file held in data, checks that it is
// width x height, and writes it to dst as HWC RGB pixels.
// Grey, palette, 16-bit, CMYK and alpha images are converted to RGB (grey is
// replicated, alpha is dropped). rec is the image's index in its split.
func decodeImage(format, file string, rec int, data []byte, width, height int, dst []uint8) error {
	return decodeImageSpec(format, file, rec, data, imageSpec{width: width, height: height}, dst)
}

// decodeImageSpec is decodeImage for an imageSpec: with spec.resize, an
// image of any size is resized to spec's (see resizeBilinear).
func decodeImageSpec(format, file string, rec int, data []byte, spec imageSpec, dst []uint8) (err error) {
	defer func() {
		if r := recover(); r != nil { // a decoder bug must not take the process down
			err = &FormatError{Format: format, File: file, Record: rec, Unit: "image", Msg: fmt.Sprintf("cannot decode image: decoder panicked: %v", r)}
		}
	}()
	width, height := spec.width, spec.height
	cfg, kind, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return &FormatError{Format: format, File: file, Record: rec, Unit: "image", Msg: "cannot decode image", Err: err}
	}
	sizeErr := func(w, h int) error {
		return &FormatError{Format: format, File: file, Record: rec, Unit: "image", Msg: fmt.Sprintf("%s image is %dx%d, want %dx%d%s", kind, w, h, width, height, spec.hint)}
	}
	if !spec.resize && (cfg.Width != width || cfg.Height != height) {
		return sizeErr(cfg.Width, cfg.Height)
	}
	if spec.resize && (cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxSide || cfg.Height > maxSide || cfg.Width*cfg.Height > maxPixels) {
		return &FormatError{Format: format, File: file, Record: rec, Unit: "image", Msg: fmt.Sprintf("%s image is %dx%d, want sides 1..%d and at most %d pixels", kind, cfg.Width, cfg.Height, maxSide, maxPixels)}
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return &FormatError{Format: format, File: file, Record: rec, Unit: "image", Msg: "cannot decode " + kind + " image", Err: err}
	}
	b := img.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return sizeErr(b.Dx(), b.Dy())
	}
	if b.Dx() == width && b.Dy() == height {
		toRGB(img, dst)
		return nil
	}
	pix := make([]byte, 3*b.Dx()*b.Dy())
	toRGB(img, pix)
	resizeBilinear(dst, height, width, pix, b.Dy(), b.Dx())
	return nil
}

// maxSide and maxPixels bound the images accepted for resizing: the
// decoders allocate the image that the header claims before reading its
// data, so a small file claiming a huge image would otherwise cost that
// much memory (64 Mpixels is 256 MiB decoded).
const (
	maxSide   = 1 << 14
	maxPixels = 1 << 26
)

// toRGB writes img as HWC RGB bytes into dst, which holds 3*width*height
// values.
func toRGB(img image.Image, dst []byte) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.RGBA:
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			out := dst[y*w*3 : (y+1)*w*3]
			for x := range w {
				out[3*x], out[3*x+1], out[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
			}
		}
	case *image.NRGBA:
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			out := dst[y*w*3 : (y+1)*w*3]
			for x := range w {
				out[3*x], out[3*x+1], out[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
			}
		}
	case *image.Gray:
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			out := dst[y*w*3 : (y+1)*w*3]
			for x := range w {
				v := row[x]
				out[3*x], out[3*x+1], out[3*x+2] = v, v, v
			}
		}
	case *image.YCbCr:
		for y := range h {
			out := dst[y*w*3 : (y+1)*w*3]
			for x := range w {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				out[3*x], out[3*x+1], out[3*x+2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			}
		}
	case *image.Paletted:
		var pal [256][3]byte
		for i, c := range m.Palette {
			if i == 256 {
				break
			}
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			pal[i] = [3]byte{n.R, n.G, n.B}
		}
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			out := dst[y*w*3 : (y+1)*w*3]
			for x := range w {
				p := &pal[row[x]]
				out[3*x], out[3*x+1], out[3*x+2] = p[0], p[1], p[2]
			}
		}
	default: // 16-bit, CMYK, ...: the slow generic path
		for y := range h {
			out := dst[y*w*3 : (y+1)*w*3]
			for x := range w {
				n := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				out[3*x], out[3*x+1], out[3*x+2] = n.R, n.G, n.B
			}
		}
	}
}

// decodeImages reads and decodes the images of jobs, in parallel, into one
// dataset of Shape [height width 3]. On failure it returns the error of the
// first failing image in job order. folder names the images in the error
// of a budget refusal.
func decodeImages(format, name string, jobs []imageJob, spec imageSpec, numClasses int, b *budget, folder string) (*dataset.Dataset, error) {
	width, height := spec.width, spec.height
	size := width * height * 3
	if err := b.check(format, folder, int64(len(jobs))*int64(size), 1); err != nil {
		return nil, err
	}
	ds := &dataset.Dataset{
		Name:       name,
		Shape:      []int{height, width, 3},
		NumClasses: numClasses,
		Pixels:     make([]uint8, len(jobs)*size),
		Labels:     make([]int32, len(jobs)),
	}
	errs := make([]error, len(jobs))
	var next atomic.Int64
	var minErr atomic.Int64
	minErr.Store(int64(len(jobs)))
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) || int64(i) > minErr.Load() {
					return
				}
				j := jobs[i]
				ds.Labels[i] = j.label
				data, err := os.ReadFile(j.path)
				if err == nil {
					err = decodeImageSpec(format, j.path, i, data, spec, ds.Pixels[i*size:(i+1)*size])
				} else {
					err = openErr(format, j.path, err)
					if fe, ok := err.(*FormatError); ok {
						fe.Record, fe.Unit = i, "image"
					}
				}
				if err != nil {
					errs[i] = err
					for {
						cur := minErr.Load()
						if int64(i) >= cur || minErr.CompareAndSwap(cur, int64(i)) {
							break
						}
					}
				}
			}
		})
	}
	wg.Wait()
	if m := int(minErr.Load()); m < len(jobs) {
		return nil, errs[m]
	}
	return ds, nil
}

// listImages returns the PNG and JPEG files in folder, sorted by name; an
// empty or missing folder is a *FormatError.
func listImages(format, folder string) ([]string, error) {
	entries, err := os.ReadDir(folder)
	if err != nil {
		return nil, openErr(format, folder, err)
	}
	var out []string
	for _, e := range entries { // ReadDir sorts by name
		if !e.IsDir() && IsImageName(e.Name()) {
			out = append(out, filepath.Join(folder, e.Name()))
		}
	}
	if len(out) == 0 {
		return nil, ferr(format, folder, "empty class folder: no .png or .jpg images")
	}
	return out, nil
}

// subfolders returns the names of the subfolders of dir, sorted (hidden ones
// are skipped).
func subfolders(format, dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, openErr(format, dir, err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// loadImageFolder reads root/<class>/<image>. With classes nil, the classes
// are root's subfolders in sorted order; otherwise root's subfolders must be
// exactly classes, whose order gives the class indices.
func loadImageFolder(format, name, root string, width, height int, classes []string, b *budget) (*dataset.Dataset, []string, error) {
	found, err := subfolders(format, root)
	if err != nil {
		return nil, nil, err
	}
	if classes == nil {
		classes = found
		if len(classes) < 2 {
			return nil, nil, ferr(format, root, "%d class folders, want at least 2", len(classes))
		}
	} else {
		want := make(map[string]bool, len(classes))
		for _, c := range classes {
			want[c] = true
		}
		for _, f := range found {
			if !want[f] {
				return nil, nil, ferr(format, filepath.Join(root, f), "unexpected class folder %q, want one of the %d classes", f, len(classes))
			}
		}
		if len(found) != len(classes) {
			have := make(map[string]bool, len(found))
			for _, f := range found {
				have[f] = true
			}
			for _, c := range classes {
				if !have[c] {
					return nil, nil, &FormatError{Format: format, File: filepath.Join(root, c), Record: -1, Msg: fmt.Sprintf("missing class folder %q", c)}
				}
			}
		}
	}
	var jobs []imageJob
	for ci, c := range classes {
		files, err := listImages(format, filepath.Join(root, c))
		if err != nil {
			return nil, nil, err
		}
		for _, f := range files {
			jobs = append(jobs, imageJob{path: f, label: int32(ci)})
		}
	}
	ds, err := decodeImages(format, name, jobs, imageSpec{width: width, height: height}, len(classes), b, root)
	if err != nil {
		return nil, nil, err
	}
	return ds, classes, nil
}

// LoadCINIC10 reads CINIC-10 from dir (the folder holding train/, valid/
// and test/, each with one folder of 32x32 PNG images per class). The class
// index is the position of the class folder name in sorted order, taken
// from train/; test/ must have the same classes, 10 of them. Grey PNGs are
// converted to RGB. valid/ is not read: use LoadCINIC10Valid.
func LoadCINIC10(dir string) (*Split, error) { return loadCINIC10(dir, newBudget(nil)) }

func loadCINIC10(dir string, b *budget) (*Split, error) {
	classes, err := cinicClasses(dir)
	if err != nil {
		return nil, err
	}
	tr, _, err := loadImageFolder("cinic10", "cinic10/train", filepath.Join(dir, "train"), 32, 32, classes, b)
	if err != nil {
		return nil, err
	}
	te, _, err := loadImageFolder("cinic10", "cinic10/test", filepath.Join(dir, "test"), 32, 32, classes, b)
	if err != nil {
		return nil, err
	}
	return newSplit(tr, te, classes), nil
}

// LoadCINIC10Valid reads the valid/ split of CINIC-10 from dir, with the
// class indices of LoadCINIC10.
func LoadCINIC10Valid(dir string) (*dataset.Dataset, error) {
	classes, err := cinicClasses(dir)
	if err != nil {
		return nil, err
	}
	ds, _, err := loadImageFolder("cinic10", "cinic10/valid", filepath.Join(dir, "valid"), 32, 32, classes, newBudget(nil))
	return ds, err
}

func cinicClasses(dir string) ([]string, error) {
	dir, err := resolveDir("cinic10", dir, "train", "")
	if err != nil {
		return nil, err
	}
	classes, err := subfolders("cinic10", filepath.Join(dir, "train"))
	if err != nil {
		return nil, err
	}
	if len(classes) != 10 {
		return nil, ferr("cinic10", filepath.Join(dir, "train"), "%d class folders %v, want 10", len(classes), classes)
	}
	return classes, nil
}

package predict

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // JPEG decoder
	_ "image/png"  // PNG decoder
	"os"
)

// checkImageSize reads the header of an image file and returns an error
// naming the file if it cannot be read or is not width x height.
func checkImageSize(path string, width, height int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cfg, kind, err := image.DecodeConfig(f)
	if err != nil {
		return fmt.Errorf("image %s: cannot decode: %w", path, err)
	}
	if cfg.Width != width || cfg.Height != height {
		return fmt.Errorf("image %s: %s image is %dx%d (width x height), but the model takes %dx%d", path, kind, cfg.Width, cfg.Height, width, height)
	}
	return nil
}

// decodeFile decodes the PNG or JPEG file at path into dst as float32 pixel
// levels 0..255 in HWC order with c channels (1 or 3). See the package
// documentation for the colour rules.
func decodeFile(path string, width, height, c int, dst []float32) (err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil { // a decoder bug must not take the process down
			err = fmt.Errorf("image %s: cannot decode: decoder panicked: %v", path, r)
		}
	}()
	img, kind, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("image %s: cannot decode: %w", path, err)
	}
	b := img.Bounds()
	if b.Dx() != width || b.Dy() != height {
		return fmt.Errorf("image %s: %s image is %dx%d (width x height), but the model takes %dx%d", path, kind, b.Dx(), b.Dy(), width, height)
	}
	if len(dst) != width*height*c {
		panic(fmt.Sprintf("predict: decode into %d values, want %d", len(dst), width*height*c))
	}
	for y := range height {
		for x := range width {
			r, g, bl := rgb8(img, b.Min.X+x, b.Min.Y+y)
			o := dst[(y*width+x)*c:]
			if c == 3 {
				o[0], o[1], o[2] = float32(r), float32(g), float32(bl)
				continue
			}
			if r != g || g != bl {
				return fmt.Errorf("image %s: colour image (pixel x=%d y=%d is R,G,B = %d,%d,%d), but the model takes 1 channel (grey)", path, x, y, r, g, bl)
			}
			o[0] = float32(r)
		}
	}
	return nil
}

// rgb8 returns the 8-bit RGB levels of the pixel (x, y) as the loaders
// convert images: RGBA and NRGBA bytes as stored, grey replicated, YCbCr
// through color.YCbCrToRGB, anything else through color.NRGBAModel (alpha
// dropped, 16-bit reduced to its high byte).
func rgb8(img image.Image, x, y int) (r, g, b uint8) {
	switch m := img.(type) {
	case *image.Gray:
		v := m.Pix[m.PixOffset(x, y)]
		return v, v, v
	case *image.RGBA:
		p := m.Pix[m.PixOffset(x, y):]
		return p[0], p[1], p[2]
	case *image.NRGBA:
		p := m.Pix[m.PixOffset(x, y):]
		return p[0], p[1], p[2]
	case *image.YCbCr:
		yi, ci := m.YOffset(x, y), m.COffset(x, y)
		return color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
	}
	n := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	return n.R, n.G, n.B
}

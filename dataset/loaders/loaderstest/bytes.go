package loaderstest

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"image"
	"io"
	"math/rand/v2"
)

// IDX magic numbers of unsigned-byte image (3 dimensions) and label
// (1 dimension) files.
const (
	IDXImagesMagic = 0x00000803
	IDXLabelsMagic = 0x00000801
)

// IDXImages returns an IDX image file of n rows x cols images with every
// pixel zero: the magic, the three big-endian sizes, then n*rows*cols bytes.
func IDXImages(n, rows, cols int) []byte {
	b := make([]byte, 16+n*rows*cols)
	binary.BigEndian.PutUint32(b, IDXImagesMagic)
	binary.BigEndian.PutUint32(b[4:], uint32(n))
	binary.BigEndian.PutUint32(b[8:], uint32(rows))
	binary.BigEndian.PutUint32(b[12:], uint32(cols))
	return b
}

// IDXLabels returns an IDX label file of n zero labels.
func IDXLabels(n int) []byte {
	b := make([]byte, 8+n)
	binary.BigEndian.PutUint32(b, IDXLabelsMagic)
	binary.BigEndian.PutUint32(b[4:], uint32(n))
	return b
}

// Gzip returns data compressed as one gzip member (default level).
func Gzip(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data) // writes to a bytes.Buffer do not fail
	zw.Close()
	return buf.Bytes()
}

// FillRandom fills b with bytes from rng, eight per Uint64 draw (low byte
// first).
func FillRandom(rng *rand.Rand, b []byte) {
	for i := 0; i < len(b); i += 8 {
		v := rng.Uint64()
		for j := i; j < min(i+8, len(b)); j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
}

// RandomImage encodes a w x h opaque RGB image of uniformly random pixels
// with encode (png.Encode, or a JPEG encoder).
func RandomImage(rng *rand.Rand, w, h int, encode func(io.Writer, image.Image) error) ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	FillRandom(rng, img.Pix)
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255 // opaque
	}
	var buf bytes.Buffer
	if err := encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SmoothImage encodes a w x h opaque RGB image that is a random colour
// ramp with noise: channel k at (x, y) is base[k] + x*dx[k] + y*dy[k] + e
// (mod 256), with base, dx and dy drawn once and e uniform in 0..31 drawn
// per value from rng. Such images compress about five times better than
// uniformly random pixels (a 64x64 JPEG of quality 90 is 2-3 KB, its
// headers about 600 bytes), which keeps JPEG fixtures small.
func SmoothImage(rng *rand.Rand, w, h int, encode func(io.Writer, image.Image) error) ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	var base, dx, dy [3]int
	for k := range 3 {
		base[k], dx[k], dy[k] = rng.IntN(256), rng.IntN(2), rng.IntN(2)
	}
	for y := range h {
		for x := range w {
			p := img.Pix[img.PixOffset(x, y):]
			for k := range 3 {
				p[k] = byte(base[k] + x*dx[k] + y*dy[k] + rng.IntN(32))
			}
			p[3] = 255
		}
	}
	var buf bytes.Buffer
	if err := encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

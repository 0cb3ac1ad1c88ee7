package loaders

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
)

// The fuzz targets keep their inputs small (large corpus entries make the
// fuzzer spend its time minimising them): the parsers are run on the input
// as it is at a small image size (2x2, the same code with another constant)
// and at the real size, and on a real-size file tiled from the input.

// allocBound fails if f allocates more than limit bytes (the heap bytes
// counted by runtime.MemStats.TotalAlloc; fuzz inputs run one at a time in
// each worker process, so the count is f's). The readers size their
// allocations from what the input really holds, so the limits are a
// constant plus a multiple of the input's real (for gzip, inflated) size.
func allocBound(t *testing.T, what string, limit uint64, f func()) {
	t.Helper()
	var got uint64
	measure(&got, f)
	if got > limit {
		t.Fatalf("%s allocated %d bytes, want at most %d", what, got, limit)
	}
}

// measure sets *bytes to the heap bytes that f allocates.
func measure(bytes *uint64, f func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	*bytes = after.TotalAlloc - before.TotalAlloc
}

// inflated returns the length of data's content: gunzipped (as far as the
// stream goes) when it starts with the gzip magic.
func inflated(data []byte) int {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return len(data)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return len(data)
	}
	n, _ := io.Copy(io.Discard, zr)
	return int(n)
}

// checkParseErr fails unless a parse error is a *FormatError.
func checkParseErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("error %q is a %T, want *FormatError", err, err)
		}
	}
}

func checkRange(t *testing.T, images []uint8, labels []int32, perImage, classes int) {
	t.Helper()
	if len(images) != len(labels)*perImage {
		t.Fatalf("%d values for %d labels of %d values", len(images), len(labels), perImage)
	}
	for i, l := range labels {
		if l < 0 || int(l) >= classes {
			t.Fatalf("label %d = %d", i, l)
		}
	}
}

// tile repeats data to n bytes (data must not be empty).
func tile(data []byte, n int) []byte {
	out := make([]byte, n)
	for i := 0; i < n; i += len(data) {
		copy(out[i:], data)
	}
	return out
}

// tiledSize picks a real-size file length from the input: 0..2 records of
// recSize bytes, less 0..6 bytes.
func tiledSize(data []byte, recSize int) int {
	n := int(data[0]%3) * recSize
	return max(0, n-int(data[len(data)-1]%7))
}

func FuzzCIFAR10Record(f *testing.F) {
	f.Add([]byte{3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 200})
	f.Add([]byte{9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{19, 99, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
	f.Add([]byte{1, 2, 3})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		run := func(spec cifarSpec, data []byte) {
			var images []uint8
			var labels []int32
			var err error
			allocBound(t, spec.format, 1<<20+8*uint64(len(data)), func() { images, labels, err = parseCIFAR(spec, "fuzz", data) })
			checkParseErr(t, err)
			if err != nil {
				return
			}
			rs := spec.recordSize()
			if len(data) != len(labels)*rs {
				t.Fatalf("%s: %d labels from %d bytes", spec.format, len(labels), len(data))
			}
			checkRange(t, images, labels, spec.pixels(), spec.labelClasses[spec.use])
			plane := spec.side * spec.side
			for r, l := range labels {
				rec := data[r*rs : (r+1)*rs]
				if l != int32(rec[spec.use]) {
					t.Fatalf("%s: record %d label %d, want %d", spec.format, r, l, rec[spec.use])
				}
				// CHW planes to HWC.
				pix := rec[len(spec.labelNames):]
				for c := range 3 {
					for p := range plane {
						if images[r*spec.pixels()+3*p+c] != pix[c*plane+p] {
							t.Fatalf("%s: record %d pixel %d channel %d", spec.format, r, p, c)
						}
					}
				}
			}
		}
		for _, spec := range []cifarSpec{cifar10Spec, cifar100FineSpec, cifar100CoarseSpec} {
			run(spec, data)
			small := spec
			small.side = 2
			run(small, data)
			if len(data) > 0 {
				run(spec, tile(data, tiledSize(data, spec.recordSize())))
			}
		}
	})
}

func FuzzIDX(f *testing.F) {
	img := loaderstest.IDXImages(2, 3, 4)
	for i := range img[16:] {
		img[16+i] = byte(i * 9)
	}
	lbl := loaderstest.IDXLabels(2)
	lbl[8], lbl[9] = 1, 9
	f.Add(img, lbl)
	f.Add(loaderstest.Gzip(img), loaderstest.Gzip(lbl))
	f.Add(img[:20], lbl[:9])
	big := loaderstest.IDXImages(0, 0, 0)
	binary.BigEndian.PutUint32(big[4:], 0xffffffff)
	binary.BigEndian.PutUint32(big[8:], 0xffff)
	binary.BigEndian.PutUint32(big[12:], 0xffff)
	f.Add(big, lbl)
	f.Add([]byte{0x1f, 0x8b}, []byte{0x1f, 0x8b, 8, 0})
	// A small gzip bomb: the images and then 8 MiB of zeros, in 9 KiB.
	bomb := loaderstest.Gzip(img)
	for range 8 {
		bomb = append(bomb, loaderstest.Gzip(make([]byte, 1<<20))...)
	}
	f.Add(bomb, lbl)
	f.Fuzz(func(t *testing.T, images, labels []byte) {
		var ds *dataset.Dataset
		var err error
		var used uint64
		measure(&used, func() { ds, err = parseIDXPair("idx", "fuzz", "images", images, "labels", labels, 0, 0, 10) })
		// An accepted pair costs its dataset; a refused one at most the
		// labels (checked last), never the images.
		limit := 1<<20 + 4*uint64(inflated(labels))
		if err == nil {
			limit += 8 * uint64(inflated(images))
		}
		if used > limit {
			t.Fatalf("idx: allocated %d bytes (error %v), want at most %d", used, err, limit)
		}
		checkParseErr(t, err)
		ds28, err28 := parseIDXPair("idx", "fuzz", "images", images, "labels", labels, 28, 28, 10)
		checkParseErr(t, err28)
		if err != nil {
			if err28 == nil {
				t.Fatalf("fails at any size (%v) but parses at 28x28", err)
			}
			return
		}
		if len(ds.Shape) != 3 || ds.Shape[2] != 1 {
			t.Fatalf("shape %v", ds.Shape)
		}
		if err := ds.Validate(); err != nil {
			t.Fatal(err)
		}
		checkRange(t, ds.Pixels, ds.Labels, ds.ExampleSize(), 10)
		if err28 == nil && (ds28.Len() != ds.Len() || ds.Shape[0] != 28 || ds.Shape[1] != 28) {
			t.Fatalf("28x28 parse disagrees")
		}
	})
}

func FuzzSTL10(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, []byte{3})
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, []byte{0})
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, []byte{11})
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}, []byte{10, 1})
	f.Add([]byte{1, 2, 3, 4, 5}, []byte{1})
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, x, y []byte) {
		run := func(x []byte, side int) {
			var images []uint8
			var labels []int32
			var err error
			allocBound(t, "stl10", 1<<20+8*uint64(len(x)+len(y)), func() { images, labels, err = parseSTL10Side("X", x, "y", y, side) })
			checkParseErr(t, err)
			if err != nil {
				return
			}
			npix := 3 * side * side
			checkRange(t, images, labels, npix, 10)
			for i, l := range labels {
				if int(l) != int(y[i])-1 {
					t.Fatalf("label %d = %d from byte %d", i, l, y[i])
				}
			}
			// Column-major planes to HWC, first image.
			for c := range 3 {
				for row := range side {
					for col := range side {
						if images[(row*side+col)*3+c] != x[c*side*side+col*side+row] {
							t.Fatalf("side %d: pixel (%d,%d,%d)", side, row, col, c)
						}
					}
				}
			}
		}
		run(x, 2)
		run(x, stlSide)
		if len(x) > 0 && len(y) <= 3 {
			// As many real-size images as labels, less 0..6 bytes.
			n := max(0, len(y)*stlPixels-int(x[0]%7))
			run(tile(x, n), stlSide)
		}
	})
}

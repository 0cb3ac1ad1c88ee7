package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
)

// Dataset is a set of labelled examples held in memory, in one of two
// stores: image datasets keep their pixels as bytes in Pixels (value v
// meaning v/255), other data (the toy patches) float32 values in Images.
// Exactly one of the two is non-nil. Example i occupies
// [i*ExampleSize(), (i+1)*ExampleSize()) of the store in row-major order of
// Shape (HWC for images). Labels are class indices in [0, NumClasses). A
// Dataset is read-only once built: transformations return new datasets or
// index lists.
//
// Readers that want float32 values whatever the store (training, evaluation)
// use AppendFloat32s, which gives float32(v)/255 for a pixel v: exactly the
// values a float32 store of the same images held.
type Dataset struct {
	// Name identifies the data (for reports and run hashes).
	Name string
	// Shape is the shape of one example, e.g. [28 28 1] or [3 50].
	Shape []int
	// NumClasses is the number of classes.
	NumClasses int
	// Pixels holds Len()*ExampleSize() bytes for an image dataset (nil
	// otherwise): pixel value v stands for float32(v)/255.
	Pixels []uint8
	// Images holds Len()*ExampleSize() float32 values for other data (nil
	// for an image dataset).
	Images []float32
	// Labels holds one class index per example.
	Labels []int32
	// ClassNames, if not nil, holds the name of each class index
	// (NumClasses entries), e.g. the folder names of an image-folder
	// dataset; generated data may leave it nil.
	ClassNames []string
}

// Len returns the number of examples.
func (d *Dataset) Len() int { return len(d.Labels) }

// ExampleSize returns the number of values (pixels or float32) in one
// example.
func (d *Dataset) ExampleSize() int {
	n := 1
	for _, s := range d.Shape {
		n *= s
	}
	return n
}

// Example returns the float32 values of example i: a slice of Images for a
// float32 store (aliasing it), a new slice of float32(v)/255 for a pixel
// store.
func (d *Dataset) Example(i int) []float32 {
	n := d.ExampleSize()
	if d.Pixels != nil {
		return d.AppendFloat32s(make([]float32, 0, n), i, i+1)
	}
	return d.Images[i*n : (i+1)*n]
}

// ExamplePixels returns the pixels of example i, aliasing Pixels. It panics
// for a float32 store.
func (d *Dataset) ExamplePixels(i int) []uint8 {
	if d.Pixels == nil {
		panic(fmt.Sprintf("dataset: %q holds float32 values, not pixels", d.Name))
	}
	n := d.ExampleSize()
	return d.Pixels[i*n : (i+1)*n]
}

// Validate checks that the arrays agree with Shape and that every label is in
// range. The error names the dataset, the example and the value.
func (d *Dataset) Validate() error {
	if len(d.Shape) == 0 {
		return fmt.Errorf("dataset %q: empty example shape", d.Name)
	}
	for i, s := range d.Shape {
		if s <= 0 {
			return fmt.Errorf("dataset %q: shape dimension %d is %d, want > 0", d.Name, i, s)
		}
	}
	if d.NumClasses < 2 {
		return fmt.Errorf("dataset %q: %d classes, want at least 2", d.Name, d.NumClasses)
	}
	if d.ClassNames != nil && len(d.ClassNames) != d.NumClasses {
		return fmt.Errorf("dataset %q: %d class names for %d classes", d.Name, len(d.ClassNames), d.NumClasses)
	}
	if d.Pixels != nil && d.Images != nil {
		return fmt.Errorf("dataset %q: holds both pixels and float32 values", d.Name)
	}
	want := d.Len() * d.ExampleSize()
	if d.Pixels != nil {
		if len(d.Pixels) != want {
			return fmt.Errorf("dataset %q: %d pixels for %d examples of shape %v, want %d", d.Name, len(d.Pixels), d.Len(), d.Shape, want)
		}
	} else if len(d.Images) != want {
		return fmt.Errorf("dataset %q: %d image values for %d examples of shape %v, want %d", d.Name, len(d.Images), d.Len(), d.Shape, want)
	}
	for i, l := range d.Labels {
		if l < 0 || int(l) >= d.NumClasses {
			return fmt.Errorf("dataset %q: example %d has label %d, want 0..%d", d.Name, i, l, d.NumClasses-1)
		}
	}
	return nil
}

// ClassIndices returns, for each class, the indices of its examples in
// increasing order.
func (d *Dataset) ClassIndices() [][]int {
	out := make([][]int, d.NumClasses)
	for i, l := range d.Labels {
		out[l] = append(out[l], i)
	}
	return out
}

// PixelValue maps a pixel byte v to its float32 value float32(v)/255.
var PixelValue = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return t
}()

// AppendFloat32s appends the float32 values of examples [lo, hi) to dst, in
// order (PixelValue of each pixel for a pixel store), and returns the
// extended slice. It panics if the range is outside [0, Len()].
func (d *Dataset) AppendFloat32s(dst []float32, lo, hi int) []float32 {
	n := d.ExampleSize()
	if d.Pixels == nil {
		return append(dst, d.Images[lo*n:hi*n]...)
	}
	src := d.Pixels[lo*n : hi*n]
	at := len(dst)
	dst = append(dst, make([]float32, len(src))...)
	out := dst[at:]
	lut := &PixelValue
	for i, v := range src {
		out[i] = lut[v]
	}
	return dst
}

// values returns the number of values in the store.
func (d *Dataset) values() int {
	if d.Pixels != nil {
		return len(d.Pixels)
	}
	return len(d.Images)
}

// ChannelStats returns the per-channel mean and standard deviation of an
// HWC image set (the last dimension of Shape is the channel), accumulated in
// float64 over every float32 value in order; a standard deviation below
// 1e-6 is raised to it. A pixel store gives the same results as a float32
// store of the same values.
func (d *Dataset) ChannelStats() (mean, std []float32) {
	c := d.Shape[len(d.Shape)-1]
	sum, sq := make([]float64, c), make([]float64, c)
	if d.Pixels != nil {
		lut := &PixelValue
		for i, p := range d.Pixels {
			v := float64(lut[p])
			sum[i%c] += v
			sq[i%c] += v * v
		}
	} else {
		for i, v := range d.Images {
			sum[i%c] += float64(v)
			sq[i%c] += float64(v) * float64(v)
		}
	}
	n := float64(d.values() / c)
	mean, std = make([]float32, c), make([]float32, c)
	for k := range c {
		m := sum[k] / n
		mean[k] = float32(m)
		std[k] = float32(math.Sqrt(math.Max(sq[k]/n-m*m, 1e-12)))
	}
	return mean, std
}

// Digest returns the hex sha256 of the dataset's shape, float32 values
// (little-endian bits; PixelValue of each pixel for a pixel store, so both
// stores of the same values agree) and labels: two datasets with the same
// digest hold the same examples in the same order.
func (d *Dataset) Digest() string {
	h := sha256.New()
	var b [4]byte
	for _, s := range d.Shape {
		binary.LittleEndian.PutUint32(b[:], uint32(s))
		h.Write(b[:])
	}
	if d.Pixels != nil {
		var bits [256][4]byte
		for v, f := range PixelValue {
			binary.LittleEndian.PutUint32(bits[v][:], math.Float32bits(f))
		}
		buf := make([]byte, 0, 4096)
		for _, p := range d.Pixels {
			buf = append(buf, bits[p][:]...)
			if len(buf) == cap(buf) {
				h.Write(buf)
				buf = buf[:0]
			}
		}
		h.Write(buf)
	} else {
		for _, x := range d.Images {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
			h.Write(b[:])
		}
	}
	for _, l := range d.Labels {
		binary.LittleEndian.PutUint32(b[:], uint32(l))
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

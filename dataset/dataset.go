package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
)

// Dataset is a set of labelled examples held in memory. Example i occupies
// Images[i*ExampleSize() : (i+1)*ExampleSize()] in row-major order of Shape.
// Labels are class indices in [0, NumClasses). A Dataset is read-only once
// built: transformations return new datasets or index lists.
type Dataset struct {
	// Name identifies the data (for reports and run hashes).
	Name string
	// Shape is the shape of one example, e.g. [28 28 1] or [3 50].
	Shape []int
	// NumClasses is the number of classes.
	NumClasses int
	// Images holds Len()*ExampleSize() values.
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

// ExampleSize returns the number of float32 values in one example.
func (d *Dataset) ExampleSize() int {
	n := 1
	for _, s := range d.Shape {
		n *= s
	}
	return n
}

// Example returns the values of example i, aliasing Images.
func (d *Dataset) Example(i int) []float32 {
	n := d.ExampleSize()
	return d.Images[i*n : (i+1)*n]
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
	if want := d.Len() * d.ExampleSize(); len(d.Images) != want {
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

// AppendFloat32s appends the values of examples [lo, hi) to dst, in order,
// and returns the extended slice. It panics if the range is outside [0, Len()].
func (d *Dataset) AppendFloat32s(dst []float32, lo, hi int) []float32 {
	n := d.ExampleSize()
	return append(dst, d.Images[lo*n:hi*n]...)
}

// ChannelStats returns the per-channel mean and standard deviation of an
// HWC image set (the last dimension of Shape is the channel), accumulated in
// float64 over every value; a standard deviation below 1e-6 is raised to it.
func (d *Dataset) ChannelStats() (mean, std []float32) {
	c := d.Shape[len(d.Shape)-1]
	sum, sq := make([]float64, c), make([]float64, c)
	for i, v := range d.Images {
		sum[i%c] += float64(v)
		sq[i%c] += float64(v) * float64(v)
	}
	n := float64(len(d.Images) / c)
	mean, std = make([]float32, c), make([]float32, c)
	for k := range c {
		m := sum[k] / n
		mean[k] = float32(m)
		std[k] = float32(math.Sqrt(math.Max(sq[k]/n-m*m, 1e-12)))
	}
	return mean, std
}

// Digest returns the hex sha256 of the dataset's shape, values and labels:
// two datasets with the same digest hold the same examples in the same order.
func (d *Dataset) Digest() string {
	h := sha256.New()
	var b [4]byte
	for _, s := range d.Shape {
		binary.LittleEndian.PutUint32(b[:], uint32(s))
		h.Write(b[:])
	}
	for _, x := range d.Images {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
		h.Write(b[:])
	}
	for _, l := range d.Labels {
		binary.LittleEndian.PutUint32(b[:], uint32(l))
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

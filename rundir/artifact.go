package rundir

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// JSON is an artifact holding one T as indented JSON.
type JSON[T any] struct{ File }

func jsonAt[T any](d *Dir, rel string) JSON[T] { return JSON[T]{File{d, rel}} }

// Write writes v atomically.
func (j JSON[T]) Write(v T) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", j.Path(), err)
	}
	return j.WriteBytes(append(b, '\n'))
}

// Read decodes the artifact; errors name the file.
func (j JSON[T]) Read() (T, error) {
	var v T
	b, err := j.ReadBytes()
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("%s: %w", j.Path(), err)
	}
	return v, nil
}

// Number is the element type of a raw array artifact.
type Number interface{ ~float32 | ~int32 }

// Array is an artifact holding a raw little-endian array of T (.f32, .i32).
type Array[T Number] struct{ File }

func arrayAt[T Number](d *Dir, rel string) Array[T] { return Array[T]{File{d, rel}} }

// Write writes v atomically.
func (a Array[T]) Write(v []T) error {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], bits(x))
	}
	return a.WriteBytes(b)
}

// Read reads the array; want >= 0 checks the element count. Errors name
// the file.
func (a Array[T]) Read(want int) ([]T, error) {
	b, err := a.ReadBytes()
	if err != nil {
		return nil, err
	}
	if len(b)%4 != 0 || (want >= 0 && len(b) != 4*want) {
		return nil, fmt.Errorf("%s: %d bytes, want %d values of 4 bytes", a.Path(), len(b), want)
	}
	out := make([]T, len(b)/4)
	for i := range out {
		out[i] = fromBits[T](binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}

func bits[T Number](x T) uint32 {
	switch v := any(x).(type) {
	case float32:
		return math.Float32bits(v)
	case int32:
		return uint32(v)
	}
	panic("rundir: unreachable")
}

func fromBits[T Number](u uint32) T {
	var zero T
	switch any(zero).(type) {
	case float32:
		return T(math.Float32frombits(u))
	}
	return T(int32(u))
}

// Indices is an artifact holding a list of example indices (int32 on
// disk); it converts between []int and the file once, checking the range.
type Indices struct{ Array[int32] }

func indicesAt(d *Dir, rel string) Indices { return Indices{arrayAt[int32](d, rel)} }

// Write writes idx.
func (x Indices) Write(idx []int) error {
	v := make([]int32, len(idx))
	for i, k := range idx {
		if k < 0 || k > math.MaxInt32 {
			return fmt.Errorf("write %s: index %d at %d is outside int32", x.Path(), k, i)
		}
		v[i] = int32(k)
	}
	return x.Array.Write(v)
}

// Read reads the list and checks that every index is in [0, n); errors
// name the file, the position and the value.
func (x Indices) Read(n int) ([]int, error) {
	v, err := x.Array.Read(-1)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(v))
	for i, k := range v {
		if k < 0 || int(k) >= n {
			return nil, fmt.Errorf("%s: entry %d is %d, want 0..%d", x.Path(), i, k, n-1)
		}
		out[i] = int(k)
	}
	return out, nil
}

// Folder is an artifact that is a folder of files (recorded file by file).
type Folder struct{ File }

// RemoveAll removes the folder and everything in it.
func (f Folder) RemoveAll() error { return os.RemoveAll(f.Path()) }

package graphs

// #cgo LDFLAGS: -ltensorflow
// #include <stdlib.h>
// #include <tensorflow/c/c_api.h>
import "C"

import (
	"bytes"
	"fmt"
	"runtime"
	"unsafe"

	tf "github.com/wamuir/graft/tensorflow"
)

// cTensor returns the TF_Tensor behind a graft Tensor. graft v0.10.0 declares
// `type Tensor struct { c *C.TF_Tensor; shape []int64 }`; the layout is
// pinned with the graft version in go.mod and checked by TestRawTensorAccess.
func cTensor(t *tf.Tensor) *C.TF_Tensor {
	return *(**C.TF_Tensor)(unsafe.Pointer(t))
}

// rawBytes aliases the C buffer of t. The slice is valid while t is alive.
func rawBytes(t *tf.Tensor) []byte {
	c := cTensor(t)
	if c == nil {
		panic("graphs: tensor already released")
	}
	n := int(C.TF_TensorByteSize(c))
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(C.TF_TensorData(c)), n)
}

func rawFloat32(t *tf.Tensor) []float32 {
	b := rawBytes(t)
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

func rawInt32(t *tf.Tensor) []int32 {
	b := rawBytes(t)
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(&b[0])), len(b)/4)
}

func rawInt64(t *tf.Tensor) []int64 {
	b := rawBytes(t)
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*int64)(unsafe.Pointer(&b[0])), len(b)/8)
}

// release frees t's C buffer now instead of waiting for its finalizer.
func release(t *tf.Tensor) {
	if t == nil {
		return
	}
	p := (**C.TF_Tensor)(unsafe.Pointer(t))
	if *p == nil {
		return
	}
	runtime.SetFinalizer(t, nil)
	C.TF_DeleteTensor(*p)
	*p = nil
}

func releaseAll(ts []*tf.Tensor) {
	for _, t := range ts {
		release(t)
	}
}

var dtypeSize = map[tf.DataType]int{tf.Float: 4, tf.Int32: 4, tf.Int64: 8}

// zeroTensor allocates a zero-filled tensor of a fixed-size type.
func zeroTensor(dt tf.DataType, shape []int64) (*tf.Tensor, error) {
	size, ok := dtypeSize[dt]
	if !ok {
		panic(fmt.Sprintf("graphs: zeroTensor of unsupported type %v", dt))
	}
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return tf.ReadTensor(dt, shape, bytes.NewReader(make([]byte, n*size)))
}

// inputKey identifies a reusable input tensor.
type inputKey struct {
	sig, arg string
	n        int64 // leading dimension (batch size), 0 for scalars
}

// inputs caches input tensors so that each (signature, argument, batch size)
// is allocated once and rewritten in place on every call. TF_SessionRun only
// reads its inputs, and the tensors are rewritten between calls, never during.
type inputs struct {
	m map[inputKey]*tf.Tensor
}

func (in *inputs) get(sig, arg string, dt tf.DataType, shape []int64) (*tf.Tensor, error) {
	var n int64
	if len(shape) > 0 {
		n = shape[0]
	}
	k := inputKey{sig, arg, n}
	if t, ok := in.m[k]; ok {
		return t, nil
	}
	t, err := zeroTensor(dt, shape)
	if err != nil {
		return nil, err
	}
	if in.m == nil {
		in.m = make(map[inputKey]*tf.Tensor)
	}
	in.m[k] = t
	return t, nil
}

func (in *inputs) releaseAll() {
	for k, t := range in.m {
		release(t)
		delete(in.m, k)
	}
}

func (in *inputs) float32s(sig, arg string, shape []int64, v []float32) (*tf.Tensor, error) {
	t, err := in.get(sig, arg, tf.Float, shape)
	if err != nil {
		return nil, err
	}
	dst := rawFloat32(t)
	if len(dst) != len(v) {
		panic(fmt.Sprintf("graphs: %s/%s: %d values for shape %v", sig, arg, len(v), shape))
	}
	copy(dst, v)
	return t, nil
}

func (in *inputs) int32s(sig, arg string, shape []int64, v []int32) (*tf.Tensor, error) {
	t, err := in.get(sig, arg, tf.Int32, shape)
	if err != nil {
		return nil, err
	}
	dst := rawInt32(t)
	if len(dst) != len(v) {
		panic(fmt.Sprintf("graphs: %s/%s: %d values for shape %v", sig, arg, len(v), shape))
	}
	copy(dst, v)
	return t, nil
}

func (in *inputs) scalarF32(sig, arg string, v float32) (*tf.Tensor, error) {
	t, err := in.get(sig, arg, tf.Float, nil)
	if err != nil {
		return nil, err
	}
	rawFloat32(t)[0] = v
	return t, nil
}

func (in *inputs) scalarI64(sig, arg string, v int64) (*tf.Tensor, error) {
	t, err := in.get(sig, arg, tf.Int64, nil)
	if err != nil {
		return nil, err
	}
	rawInt64(t)[0] = v
	return t, nil
}

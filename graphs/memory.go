package graphs

// #include <malloc.h>
import "C"

import (
	"runtime"
	"runtime/debug"
)

// ReleaseMemory returns freed memory to the operating system: it runs the
// Go collector (which also runs the finalizers that delete TensorFlow
// graphs and tensors no longer referenced) and then asks glibc to give back
// the free pages of its heaps (malloc_trim), where TensorFlow's freed
// buffers stay otherwise. Call it between stages, after Close.
func ReleaseMemory() {
	runtime.GC() // queue finalizers of unreachable graft objects
	runtime.GC() // and collect what they released
	debug.FreeOSMemory()
	C.malloc_trim(0)
}

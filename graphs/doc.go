// Package graphs is the Go side of the SavedModel contract: it loads a model
// folder written by python_export/, checks it against its manifest.json and
// against the contract (the signature names and arguments of contract.go,
// mirrored from python_export/contract.py), and offers typed methods for the
// train steps (SGD, SAM, ASAM; with labels or soft MixUp targets), predict,
// evaluate, save, restore, reset and the flat parameter vector. It is the
// only package of the project that imports graft
// (github.com/wamuir/graft/tensorflow).
//
// Input tensors are allocated once per (signature, argument, batch shape) and
// rewritten in place for every call, and output tensors are released as soon
// as their values are copied out, so a training loop does not grow the heap
// of C tensors waiting for Go finalizers.
//
// A Model is not safe for concurrent use.
package graphs

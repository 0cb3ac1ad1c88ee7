package loaders

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
)

// input is one file a loader reads: its name (for errors), its size on disk
// and a way to open it, again if needed. Loaders size every allocation from
// what an input really holds (its size, or the bytes a stream really
// yields), never from a count that a header claims, and check all they can
// before allocating the dataset, so that a refused input costs little
// memory whatever its claimed or real size.
type input struct {
	name string
	size int64
	open func() (io.ReadCloser, error)
}

// fileInput stats path, which must be a regular file.
func fileInput(format, path string) (input, error) {
	size, err := statSize(format, path)
	if err != nil {
		return input{}, err
	}
	return input{name: path, size: size, open: func() (io.ReadCloser, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, openErr(format, path, err)
		}
		return f, nil
	}}, nil
}

// bytesInput is an input held in memory (tests and fuzzing).
func bytesInput(name string, b []byte) input {
	return input{name: name, size: int64(len(b)), open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

// content opens in and returns a reader of its content: the input itself,
// or its gunzipped stream when it starts with the gzip magic 1f 8b. A bad
// gzip header is a *FormatError; errors of the stream itself come from
// Read and are turned into errors by gzipErr.
func content(format string, in input) (r io.Reader, gz bool, closer io.Closer, err error) {
	f, err := in.open()
	if err != nil {
		return nil, false, nil, err
	}
	br := bufio.NewReaderSize(f, 1<<16)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, false, f, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		f.Close()
		return nil, false, nil, &FormatError{Format: format, File: in.name, Record: -1, Msg: "bad gzip header", Err: err}
	}
	return zr, true, f, nil
}

// streamErr turns an error met while reading the content of in into the
// loader's error: for a gzip stream a *FormatError (truncated or corrupt
// stream), otherwise a plain error naming the file.
func streamErr(format string, in input, gz bool, err error) error {
	if gz && !errors.Is(err, os.ErrPermission) {
		msg := "corrupt gzip stream"
		if errors.Is(err, io.ErrUnexpectedEOF) {
			msg = "truncated gzip stream"
		}
		return &FormatError{Format: format, File: in.name, Record: -1, Msg: msg, Err: err}
	}
	return openErr(format, in.name, err)
}

// readUpTo reads into buf until it is full or the stream ends; it returns
// the bytes read and an error only for a failure other than the end of the
// stream.
// (A gzip stream cut short reports io.ErrUnexpectedEOF, which is an error
// here, unlike in io.ReadFull.)
func readUpTo(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// countRest reads r to its end, keeping nothing, and returns the number of
// bytes it held, stopping once that passes limit (so a stream that inflates
// without end is not read for ever); over reports the stop.
func countRest(r io.Reader, limit int64) (n int64, over bool, err error) {
	buf := make([]byte, 1<<15)
	for n <= limit {
		m, err := r.Read(buf)
		n += int64(m)
		if err == io.EOF {
			return n, false, nil
		}
		if err != nil {
			return n, false, err
		}
	}
	return n, true, nil
}

// readInput reads the whole of in into buf, which has room for exactly
// in.size bytes, and checks that the input ends there.
func readInput(format string, in input, buf []byte) error {
	r, err := in.open()
	if err != nil {
		return err
	}
	defer r.Close()
	got, err := readUpTo(r, buf)
	if err != nil {
		return openErr(format, in.name, err)
	}
	var one [1]byte
	if extra, _ := r.Read(one[:]); got != len(buf) || extra != 0 {
		return fmt.Errorf("%s: %s: file changed while reading: it was %d bytes", format, in.name, len(buf))
	}
	return nil
}

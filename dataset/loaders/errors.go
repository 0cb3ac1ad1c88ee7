package loaders

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
)

// FormatError reports bad input: a file that is missing, truncated, has the
// wrong magic number, wrong image dimensions or an out-of-range label, or a
// folder layout that does not match the dataset's published format. Callers
// tell bad input (for example exit status 2) from other failures with
// errors.As(err, new(*FormatError)). Errors that are not about the input
// (a permission or I/O error, an out-of-memory) are returned as plain errors.
type FormatError struct {
	// Format is the loader that failed: "cifar10", "idx", "stl10", ...
	Format string
	// File is the file (or folder) at fault.
	File string
	// Record is the 0-based record, image or line (see Unit) at fault, or -1
	// when the fault is not in one record (a missing file, a bad header).
	Record int
	// Unit names what Record counts: "record" (the default when empty),
	// "image" or "line". Lines are numbered from 1.
	Unit string
	// Msg describes the fault and quotes the offending value.
	Msg string
	// Err is the underlying error, if any (for a missing file it matches
	// fs.ErrNotExist under errors.Is).
	Err error
}

func (e *FormatError) Error() string {
	s := e.Format + ": " + e.File
	if e.Record >= 0 {
		unit := e.Unit
		if unit == "" {
			unit = "record"
		}
		s += ": " + unit + " " + strconv.Itoa(e.Record)
	}
	s += ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *FormatError) Unwrap() error { return e.Err }

// IsFormatError reports whether err (or an error it wraps) is a *FormatError.
func IsFormatError(err error) bool {
	var fe *FormatError
	return errors.As(err, &fe)
}

// ErrUnknownDataset is wrapped by Load for a name not in Names.
var ErrUnknownDataset = errors.New("unknown dataset")

// ferr builds a FormatError for a whole file.
func ferr(format, file, msg string, args ...any) *FormatError {
	return &FormatError{Format: format, File: file, Record: -1, Msg: fmt.Sprintf(msg, args...)}
}

// rerr builds a FormatError for record rec (0-based) of a file.
func rerr(format, file string, rec int, msg string, args ...any) *FormatError {
	return &FormatError{Format: format, File: file, Record: rec, Msg: fmt.Sprintf(msg, args...)}
}

// lerr builds a FormatError for line (1-based) of a text file.
func lerr(format, file string, line int, msg string, args ...any) *FormatError {
	return &FormatError{Format: format, File: file, Record: line, Unit: "line", Msg: fmt.Sprintf(msg, args...)}
}

// openErr turns an error from opening, reading or stat-ing path into an
// error for the caller: a missing file is a *FormatError ("missing file"),
// anything else a plain error that names the file.
func openErr(format, path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		inner := err
		var pe *fs.PathError
		if errors.As(err, &pe) {
			inner = pe.Err
		}
		return &FormatError{Format: format, File: path, Record: -1, Msg: "missing file", Err: inner}
	}
	return fmt.Errorf("%s: %s: %w", format, path, err)
}

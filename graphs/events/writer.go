package events

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
	"unicode/utf8"
)

// FileVersion is the file_version of the first Event of every event file
// (kVersionPrefix + kCurrentVersion of tensorflow/core/util/events_writer.h).
const FileVersion = "brain.Event:2"

// SourceWriter is the source_metadata.writer TensorFlow's EventsWriter puts in
// the first Event (kWriterSourceMetadata, read back from a TensorFlow 2.18 file).
const SourceWriter = "tensorflow.core.util.events_writer"

// bufferSize is the size of the in-memory buffer between flushes.
const bufferSize = 64 << 10

// ErrClosed is returned, wrapped with the file's path, by a Writer's methods
// after Close.
var ErrClosed = errors.New("event file is closed")

// Writer appends scalar summaries to one event file. Records are buffered in
// memory and reach the file on Flush, on Close, or when the 64 KiB buffer
// fills. The first write error is kept and returned by every later call.
// A Writer is safe for concurrent use.
type Writer struct {
	mu     sync.Mutex
	path   string
	file   *os.File
	buf    *bufio.Writer
	now    func() time.Time
	record []byte // reused framing buffer
	err    error  // first write error, sticky
	closed bool
}

// Create makes dir (and its parents) if missing and opens a new event file in
// it, named by FileName for the current time, host and process. The file
// starts with the version record and then a SessionLog START record at
// firstStep, both flushed at once; firstStep is the first step the writer is
// going to write: 1 (or 0) for a new run, the first step written again by a
// resumed run. The START record is what TensorFlow 1's Supervisor wrote when a
// session started: TensorBoard's Python loader (plugin_event_accumulator.py,
// _CheckForRestartAndMaybePurge, `--purge_orphaned_data` on by default) takes
// a run's first START as its start and every later START as a restart, and
// then drops the points it has read from the run's earlier files whose step
// is >= the START's step, so the points a killed run wrote after its last
// checkpoint are not shown beside the resumed run's (tested; TensorBoard's
// Rust loader instead drops a tag's points at steps >= any step written again).
// Files are read in the order of their names, which start with the creation
// second: a resumed run must not start within the second its previous writer
// was created. For the same reason a second Writer on a folder hides, in the
// Python loader, the points of the first at steps >= its firstStep: open one
// Writer per run folder and write all of the run's scalars through it.
//
// An existing file is never reused or truncated: if the name is taken
// (another writer of this process in the same second, or a resumed run that
// got the same process id) the counter is increased until the name is free.
// Errors name the folder or file.
func Create(dir string, firstStep int64) (*Writer, error) {
	return create(dir, time.Now, &firstStep)
}

// create is Create with the clock as a parameter; firstStep nil writes no
// START record, which gives exactly the file TensorFlow 2 writes (the golden
// test replays the wall times of a TensorFlow-written file).
func create(dir string, now func() time.Time, firstStep *int64) (*Writer, error) {
	if dir == "" {
		return nil, errors.New("events: empty folder name")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("events: create folder %s: %w", dir, err)
	}
	t := now()
	host, pid := hostname(), os.Getpid()
	var (
		path string
		f    *os.File
	)
	for {
		path = filepath.Join(dir, FileName(t, host, pid, fileCounter.Add(1)-1))
		var err error
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("events: create %w", err)
		}
	}
	w := &Writer{path: path, file: f, buf: bufio.NewWriterSize(f, bufferSize), now: now}
	err := w.write(versionEvent(t.Unix()))
	if err == nil && firstStep != nil {
		err = w.write(startEvent(wallTime(now()), *firstStep))
	}
	if err == nil {
		err = w.flushLocked()
	}
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return w, nil
}

// Path returns the event file's path.
func (w *Writer) Path() string { return w.path }

// Scalar appends one Event holding the scalar v of tag at step, as
// tf.summary.scalar(tag, v, step=step) writes it: the wall time is now and v
// is stored as float32 (so it is rounded to the nearest float32, values
// beyond ±3.4e38 become ±Inf; NaN and ±Inf are written as they are and
// TensorBoard shows them as such). The tag must be non-empty valid UTF-8:
// TensorBoard groups tags by their text up to the first "/".
func (w *Writer) Scalar(tag string, step int64, v float64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.scalarLocked(tag, step, v)
}

// Scalars appends one Event per entry of m, all at step, in increasing order
// of tag (so the file's bytes do not depend on map order). It checks every tag
// before writing any; the same rules as Scalar apply. An empty map writes nothing.
func (w *Writer) Scalars(step int64, m map[string]float64) error {
	tags := make([]string, 0, len(m))
	for tag := range m {
		if err := w.checkTag(tag); err != nil {
			return err
		}
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, tag := range tags {
		if err := w.scalarLocked(tag, step, m[tag]); err != nil {
			return err
		}
	}
	return nil
}

func (w *Writer) scalarLocked(tag string, step int64, v float64) error {
	if err := w.checkTag(tag); err != nil {
		return err
	}
	return w.write(scalarEvent(wallTime(w.now()), step, tag, v))
}

// checkTag rejects the tags TensorBoard cannot show or protobuf cannot encode.
func (w *Writer) checkTag(tag string) error {
	if tag == "" {
		return fmt.Errorf("events: %s: empty tag", w.path)
	}
	if !utf8.ValidString(tag) {
		return fmt.Errorf("events: %s: tag %q is not valid UTF-8", w.path, tag)
	}
	return nil
}

// wallTime is TensorFlow's Event.wall_time: microseconds since the epoch
// divided by 1e6 (GetWallTime in tensorflow/core/summary/summary_file_writer.cc).
func wallTime(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }

// write frames the encoded Event data (or its encoding error) as a TFRecord
// and appends it to the buffer. w.mu is held (or w is not shared yet).
func (w *Writer) write(data []byte, err error) error {
	if w.closed {
		return fmt.Errorf("events: %s: %w", w.path, ErrClosed)
	}
	if w.err != nil {
		return w.err
	}
	if err != nil {
		return fmt.Errorf("events: %s: encode event: %w", w.path, err)
	}
	w.record = appendRecord(w.record[:0], data)
	if _, err := w.buf.Write(w.record); err != nil {
		w.err = fmt.Errorf("events: write %s: %w", w.path, err)
		return w.err
	}
	return nil
}

// Flush writes the buffered records to the file and asks the operating system
// to commit them to disk (fsync), as TensorFlow's EventsWriter::Flush does.
// A training loop calls it once per epoch.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("events: %s: %w", w.path, ErrClosed)
	}
	return w.flushLocked()
}

func (w *Writer) flushLocked() error {
	if w.err != nil {
		return w.err
	}
	if err := w.buf.Flush(); err != nil {
		w.err = fmt.Errorf("events: write %s: %w", w.path, err)
		return w.err
	}
	if err := w.file.Sync(); err != nil {
		w.err = fmt.Errorf("events: sync %s: %w", w.path, err)
		return w.err
	}
	return nil
}

// Close flushes the buffered records and closes the file. It returns the
// first error met by the Writer, if any. Calling Close again returns nil.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.flushLocked()
	if cerr := w.file.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("events: close %s: %w", w.path, cerr)
	}
	return err
}

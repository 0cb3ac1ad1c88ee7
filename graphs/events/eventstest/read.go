package eventstest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	epb "github.com/wamuir/graft/tensorflow/core/util/event_go_proto"
	"google.golang.org/protobuf/proto"

	"github.com/useful-pipeline/useful-pipeline/graphs/events"
)

// ErrTruncated is wrapped by the RecordError of a file that ends inside a record.
var ErrTruncated = errors.New("truncated record")

// RecordError reports the record at byte Offset of file Path that could not be
// read: cut short (Err wraps ErrTruncated), a checksum that does not match, or
// data that is not an Event.
type RecordError struct {
	Path   string
	Offset int64
	Err    error
}

// Error implements error.
func (e *RecordError) Error() string {
	return fmt.Sprintf("event file %s: record at offset %d: %v", e.Path, e.Offset, e.Err)
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }

// ReadFile returns the Events of the event file at path, in file order. On a
// bad record it returns the Events before it and a *RecordError; an I/O error
// is returned as os.ReadFile returns it.
func ReadFile(path string) ([]*epb.Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*epb.Event
	for off := 0; off < len(data); {
		fail := func(format string, a ...any) ([]*epb.Event, error) {
			return out, &RecordError{Path: path, Offset: int64(off), Err: fmt.Errorf(format, a...)}
		}
		rest := data[off:]
		if len(rest) < events.RecordHeaderLen {
			return fail("%w: %d header bytes of %d", ErrTruncated, len(rest), events.RecordHeaderLen)
		}
		if got, want := binary.LittleEndian.Uint32(rest[8:12]), events.MaskedCRC32C(rest[:8]); got != want {
			return fail("length checksum %#08x, want %#08x", got, want)
		}
		n := binary.LittleEndian.Uint64(rest[:8])
		if avail := uint64(len(rest) - events.RecordHeaderLen - events.RecordFooterLen); len(rest) < events.RecordHeaderLen+events.RecordFooterLen || n > avail {
			return fail("%w: length %d, %d bytes left", ErrTruncated, n, len(rest)-events.RecordHeaderLen)
		}
		body := rest[events.RecordHeaderLen : events.RecordHeaderLen+int(n)]
		footer := rest[events.RecordHeaderLen+int(n):]
		if got, want := binary.LittleEndian.Uint32(footer[:4]), events.MaskedCRC32C(body); got != want {
			return fail("data checksum %#08x, want %#08x", got, want)
		}
		ev := new(epb.Event)
		if err := proto.Unmarshal(body, ev); err != nil {
			return fail("not an Event: %v", err)
		}
		out = append(out, ev)
		off += events.RecordHeaderLen + int(n) + events.RecordFooterLen
	}
	return out, nil
}

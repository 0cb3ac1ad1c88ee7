package events

import (
	"fmt"

	spb "github.com/wamuir/graft/tensorflow/core/framework/summary_go_proto"
	epb "github.com/wamuir/graft/tensorflow/core/util/event_go_proto"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Go's protobuf encoder writes a message's oneof fields after its other
// fields, TensorFlow's C++ encoder writes all fields in field-number order.
// Both are valid encodings, but to write the very bytes TensorFlow writes,
// each message below is encoded as a concatenation of parts whose fields
// increase: a protobuf parser merges concatenated encodings of a message into
// one message (the protobuf encoding guide, "Last One Wins" / merging).

var (
	eventSummaryField = fieldNumber(&epb.Event{}, "summary")
	summaryValueField = fieldNumber(&spb.Summary{}, "value")
)

func fieldNumber(m proto.Message, name protoreflect.Name) protowire.Number {
	f := m.ProtoReflect().Descriptor().Fields().ByName(name)
	if f == nil {
		panic(fmt.Sprintf("events: %T has no field %s", m, name))
	}
	return f.Number()
}

// marshalParts appends the encodings of parts, in order, to dst.
func marshalParts(dst []byte, parts ...proto.Message) ([]byte, error) {
	opts := proto.MarshalOptions{Deterministic: true}
	for _, p := range parts {
		var err error
		if dst, err = opts.MarshalAppend(dst, p); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// versionEvent encodes the first Event of a file, as EventsWriter::InitIfNeeded
// writes it: wall_time (whole seconds), file_version, source_metadata.
func versionEvent(seconds int64) ([]byte, error) {
	return marshalParts(nil,
		&epb.Event{WallTime: float64(seconds), What: &epb.Event_FileVersion{FileVersion: FileVersion}},
		&epb.Event{SourceMetadata: &epb.SourceMetadata{Writer: SourceWriter}})
}

// scalarEvent encodes Event{wall_time, step, summary {value {tag, tensor, metadata}}}
// with the value of scalarValue.
func scalarEvent(wall float64, step int64, tag string, v float64) ([]byte, error) {
	sv := scalarValue(tag, v)
	value, err := marshalParts(nil,
		&spb.Summary_Value{Tag: sv.Tag, Value: sv.Value},
		&spb.Summary_Value{Metadata: sv.Metadata})
	if err != nil {
		return nil, err
	}
	summary := protowire.AppendTag(nil, summaryValueField, protowire.BytesType)
	summary = protowire.AppendBytes(summary, value)
	ev, err := marshalParts(nil, &epb.Event{WallTime: wall, Step: step})
	if err != nil {
		return nil, err
	}
	ev = protowire.AppendTag(ev, eventSummaryField, protowire.BytesType)
	return protowire.AppendBytes(ev, summary), nil
}

// startEvent encodes Event{wall_time, step, session_log {status: START}}
// (its only oneof field, session_log, has the highest number: Go's order is
// TensorFlow's).
func startEvent(wall float64, step int64) ([]byte, error) {
	return marshalParts(nil, &epb.Event{
		WallTime: wall,
		Step:     step,
		What:     &epb.Event_SessionLog{SessionLog: &epb.SessionLog{Status: epb.SessionLog_START}},
	})
}

// Package events writes TensorFlow event files that TensorBoard reads: the
// files `tf.summary.create_file_writer` writes in TensorFlow 2.18, made from
// graft's generated TensorFlow protos (Event, Summary, TensorProto).
//
// A file is named as TensorFlow's SummaryFileWriter names it,
//
//	events.out.tfevents.<unix seconds, 10 digits>.<hostname>.<pid>.<counter>.v2
//
// (tensorflow/core/util/events_writer.cc, EventsWriter::InitIfNeeded:
// "%s.out.tfevents.%010lld.%s%s" with the prefix <dir>/events; the suffix
// ".<pid>.<counter>" + ".v2" comes from SummaryFileWriter::Initialize in
// tensorflow/core/summary/summary_file_writer.cc and the ".v2" default of
// tf.summary.create_file_writer). Its first record is the Event
// {wall_time: <whole seconds>, file_version: "brain.Event:2",
// source_metadata {writer: "tensorflow.core.util.events_writer"}}, the second
// a SessionLog START at the writer's first step (see Create: it lets
// TensorBoard drop the steps a resumed run writes again); each scalar
// then follows as one Event {wall_time, step, summary} whose single value is
// what tf.summary.scalar writes: a rank-0 DT_FLOAT tensor (4 bytes of
// tensor_content, little endian) with metadata.plugin_data.plugin_name
// "scalars". Values are therefore stored as float32.
//
// Every Event is framed as a TFRecord (tensorflow/core/lib/io/record_writer.cc,
// RecordWriter::WriteRecord):
//
//	uint64 length, little endian
//	uint32 masked CRC32C of the 8 length bytes
//	byte   data[length]
//	uint32 masked CRC32C of data
//
// with the CRC-32C (Castagnoli) checksum masked as in
// tensorflow/core/lib/hash/crc32c.h: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
//
// A Writer buffers records in memory and writes them to disk when Flush is
// called (and whenever its 64 KiB buffer fills), so a process killed between
// flushes can leave a partial last record; TensorBoard reads such a file up to
// its last whole record (tested). Opening the same folder again, as a resumed
// run does, creates a new file beside the old ones; see Create for how
// TensorBoard then treats steps written twice.
//
// The package's tests read the files back with tensorboard 2.18's own readers
// (EventAccumulator, the Python data provider behind `--load_fast=false` and
// the Rust data server behind the default `--load_fast=auto`) and compare a
// Go-written file byte for byte with one written by TensorFlow 2.18.
package events

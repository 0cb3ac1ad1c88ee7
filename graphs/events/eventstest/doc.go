// Package eventstest reads TensorFlow event files for tests: every TFRecord is
// checked against both of its masked CRC-32C checksums and decoded into graft's
// Event proto. A file cut short after its last whole record (a writer killed
// mid-write) returns the whole records together with an error naming the file
// and the offset of the partial record.
package eventstest

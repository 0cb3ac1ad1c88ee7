package events

import "encoding/binary"

// RecordHeaderLen and RecordFooterLen are the bytes a TFRecord adds before and
// after its data: the uint64 length and its masked CRC, then the data's masked CRC.
const (
	RecordHeaderLen = 8 + 4
	RecordFooterLen = 4
)

// appendRecord appends data framed as one TFRecord to dst and returns the
// extended slice (RecordWriter::WriteRecord in
// tensorflow/core/lib/io/record_writer.cc).
func appendRecord(dst, data []byte) []byte {
	var header [RecordHeaderLen]byte
	binary.LittleEndian.PutUint64(header[:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(header[8:], MaskedCRC32C(header[:8]))
	dst = append(dst, header[:]...)
	dst = append(dst, data...)
	return binary.LittleEndian.AppendUint32(dst, MaskedCRC32C(data))
}

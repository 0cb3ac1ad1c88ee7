package events

import "hash/crc32"

// crcMaskDelta is kMaskDelta of tensorflow/core/lib/hash/crc32c.h.
const crcMaskDelta = 0xa282ead8

// castagnoli is the CRC-32C table (polynomial 0x1EDC6F41, reflected 0x82F63B78).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MaskedCRC32C returns the CRC-32C (Castagnoli) checksum of b, masked as
// TFRecord files store it (crc32c::Mask in tensorflow/core/lib/hash/crc32c.h):
// rotated right by 15 bits plus 0xa282ead8, modulo 2^32.
func MaskedCRC32C(b []byte) uint32 {
	crc := crc32.Checksum(b, castagnoli)
	return (crc>>15 | crc<<17) + crcMaskDelta
}

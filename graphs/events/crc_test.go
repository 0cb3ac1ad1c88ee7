package events_test

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/graphs/events"
)

// TestCRC32CRFC3720 checks the checksum under the mask against the CRC-32C
// examples of RFC 3720 (iSCSI), Appendix B.4. The RFC prints the CRC bytes in
// transmission order, i.e. little endian: "aa 36 91 8a" is 0x8a9136aa.
func TestCRC32CRFC3720(t *testing.T) {
	asc, desc, zeros, ones := make([]byte, 32), make([]byte, 32), make([]byte, 32), make([]byte, 32)
	for i := range 32 {
		asc[i], desc[i], ones[i] = byte(i), byte(31-i), 0xff
	}
	// The 48-byte iSCSI read command PDU of B.4.
	pdu := []byte{
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
		0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	}
	for _, c := range []struct {
		name string
		data []byte
		want uint32
	}{
		{"32 bytes of zeros", zeros, 0x8a9136aa},
		{"32 bytes of 0xff", ones, 0x62a8ab43},
		{"32 incrementing bytes", asc, 0x46dd794e},
		{"32 decrementing bytes", desc, 0x113fdb5c},
		{"iSCSI read PDU", pdu, 0xd9963a56},
	} {
		crc := crc32.Checksum(c.data, crc32.MakeTable(crc32.Castagnoli))
		if crc != c.want {
			t.Errorf("%s: CRC-32C %#08x, RFC 3720 gives %#08x", c.name, crc, c.want)
		}
		// Unmask (crc32c::Unmask) must give the RFC value back.
		rot := events.MaskedCRC32C(c.data) - 0xa282ead8
		if got := rot>>17 | rot<<15; got != c.want {
			t.Errorf("%s: unmasked MaskedCRC32C %#08x, RFC 3720 gives %#08x", c.name, got, c.want)
		}
	}
}

// TestMaskedCRC32CAgainstTensorFlow checks MaskedCRC32C against the masked
// checksums TensorFlow 2.18 wrote into testdata/tf2.18 (see testdata/README.md):
// the header of the first record, whose length is 62, and its data.
func TestMaskedCRC32CAgainstTensorFlow(t *testing.T) {
	data := readGolden(t)
	length := binary.LittleEndian.Uint64(data[:8])
	if length != 62 {
		t.Fatalf("first record length %d, the golden file has 62", length)
	}
	if got, want := events.MaskedCRC32C(data[:8]), binary.LittleEndian.Uint32(data[8:12]); got != want || want != 0xe740d2d9 {
		t.Errorf("masked CRC of the length: %#08x, TensorFlow wrote %#08x (0xe740d2d9)", got, want)
	}
	body := data[12 : 12+length]
	if got, want := events.MaskedCRC32C(body), binary.LittleEndian.Uint32(data[12+length:]); got != want {
		t.Errorf("masked CRC of the data: %#08x, TensorFlow wrote %#08x", got, want)
	}
}

// goldenPath is the event file TensorFlow 2.18 wrote (testdata/README.md).
func goldenPath(t *testing.T) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join("testdata", "tf2.18", "events.out.tfevents.*"))
	if err != nil || len(m) != 1 {
		t.Fatalf("want one golden event file in testdata/tf2.18, found %v (%v)", m, err)
	}
	return m[0]
}

func readGolden(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(goldenPath(t))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

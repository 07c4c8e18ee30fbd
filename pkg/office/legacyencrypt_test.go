package office

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLegacyEncryption reads the Word and Excel 97 files that LibreOffice
// wrote for the worker cases, which are not encrypted, then the same
// files with the one field set that a password to open sets: the FIB's
// fEncrypted bit of a Word document, a FILEPASS record after the BOF of
// an Excel workbook.
func TestLegacyEncryption(t *testing.T) {
	for _, tc := range []struct {
		file, stream string
		encrypt      func(t *testing.T, b []byte, off int64)
	}{
		{"../../test/cases/office/legacy-doc/file.doc", "WordDocument", func(t *testing.T, b []byte, off int64) {
			require.Equal(t, uint16(0xA5EC), binary.LittleEndian.Uint16(b[off:]), "FIB identifier")
			b[off+0x0B] |= 0x01 // fEncrypted: bit 8 of the flags at 0x0A
		}},
		{"../../test/cases/office/legacy-xls/file.xls", "Workbook", func(t *testing.T, b []byte, off int64) {
			require.Equal(t, uint16(0x0809), binary.LittleEndian.Uint16(b[off:]), "BOF record")
			next := off + 4 + int64(binary.LittleEndian.Uint16(b[off+2:]))
			binary.LittleEndian.PutUint16(b[next:], 0x002F) // FILEPASS
		}},
	} {
		t.Run(tc.stream, func(t *testing.T) {
			b, err := os.ReadFile(tc.file)
			require.NoError(t, err)
			require.False(t, oleEncrypted(bytes.NewReader(b), int64(len(b))), "the file as written is not encrypted")
			shift := binary.LittleEndian.Uint16(b[0x1E:])
			off, ok := oleStream(bytes.NewReader(b), b[:min(len(b), 1<<20)], tc.stream, shift)
			require.True(t, ok, "the %s stream is found", tc.stream)
			enc := bytes.Clone(b)
			tc.encrypt(t, enc, off)
			require.True(t, oleEncrypted(bytes.NewReader(enc), int64(len(enc))), "the flagged copy is encrypted")
		})
	}
}

// TestLegacyEncryptionHostile: directory entries that point past the end
// of the file, or streams whose first bytes are not what they should be,
// read as not encrypted, with no panic.
func TestLegacyEncryptionHostile(t *testing.T) {
	b := make([]byte, 1024)
	copy(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	binary.LittleEndian.PutUint16(b[0x1E:], 9)
	e := b[512+128:]
	copy(e, utf16le("WordDocument"))
	binary.LittleEndian.PutUint16(e[0x40:], uint16(2*len("WordDocument")+2))
	e[0x42] = 2
	binary.LittleEndian.PutUint32(e[0x74:], 0xFFFFFFF0) // far past the end
	binary.LittleEndian.PutUint32(e[0x78:], 1<<20)
	require.False(t, oleEncrypted(bytes.NewReader(b), int64(len(b))))
	binary.LittleEndian.PutUint32(e[0x74:], 0) // the directory itself: no FIB there
	require.False(t, oleEncrypted(bytes.NewReader(b), int64(len(b))))
	// A small stream lives in the mini stream: a root entry and FAT that
	// point nowhere, or at themselves, end the walk.
	binary.LittleEndian.PutUint32(e[0x78:], 100)
	binary.LittleEndian.PutUint32(e[0x74:], 1000)
	for _, dir := range []uint32{0, 0xFFFFFF00} {
		binary.LittleEndian.PutUint32(b[0x30:], dir)
		require.False(t, oleEncrypted(bytes.NewReader(b), int64(len(b))))
	}
	b[512+0x42] = 5 // a root entry whose stream starts at the directory
	binary.LittleEndian.PutUint32(b[0x30:], 0)
	require.False(t, oleEncrypted(bytes.NewReader(b), int64(len(b))))
}

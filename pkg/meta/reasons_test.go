package meta

import (
	"bytes"
	"context"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oleFile is an OLE2 compound file header followed by a directory that
// names the given streams (in UTF-16LE, as OLE2 directory entries do).
func oleFile(streams ...string) []byte {
	b := append([]byte(oleSignature), make([]byte, 512-len(oleSignature))...)
	for _, s := range streams {
		e := make([]byte, 128)
		copy(e, utf16LE(s))
		b = append(b, e...)
	}
	return b
}

// TestReasons pins the reason of each kind of source the metadata
// renditions refuse, and a message that says why.
func TestReasons(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		data       []byte
		reason     api.Reason
		message    string
	}{
		{"zero bytes", "empty.pdf", nil, api.ReasonSourceCorrupt, `"empty.pdf" is empty`},
		{"zero bytes, no name", "", nil, api.ReasonSourceCorrupt, "the source is empty"},
		{"PNG cut inside its signature", "cut.png", []byte("\x89PN"), api.ReasonSourceCorrupt, `"cut.png" does not start like a PNG file`},
		{"JPEG cut after its SOI marker", "cut.jpg", []byte{0xFF, 0xD8}, api.ReasonSourceCorrupt, `"cut.jpg" does not start like a JPEG file`},
		{"JPEG XL container without a codestream, named .bin", "a.bin", []byte("\x00\x00\x00\x0cJXL \r\n\x87\n\x00\x00"), api.ReasonSourceCorrupt, "no codestream box"},
		{"garbage named .jpg", "noise.jpg", bytes.Repeat([]byte{0x5A, 0x17, 0x00}, 100), api.ReasonSourceCorrupt, "does not start like a JPEG file"},
		{"garbage named .docx", "noise.docx", []byte("this is not a zip"), api.ReasonSourceCorrupt, "does not start like a DOCX file"},
		{"garbage named .nef", "noise.nef", []byte{1, 2, 3, 4, 5, 6, 7, 8}, api.ReasonSourceCorrupt, "TIFF-based raw"},
		{"garbage without a name", "", bytes.Repeat([]byte{0x5A, 0x17, 0x00}, 100), api.ReasonSourceFormatUnsupported, "does not support the format"},
		{"text named .txt", "notes.txt", []byte("just words\n"), api.ReasonSourceFormatUnsupported, "does not support the format"},
		{"password-protected docx", "secret.docx", oleFile("Root Entry", "EncryptionInfo", "EncryptedPackage"), api.ReasonSourceUnsupported, `"secret.docx" is an encrypted (password-protected) Office document`},
		{"legacy Word file named .docx", "old.docx", oleFile("Root Entry", "WordDocument"), api.ReasonSourceFormatUnsupported, "does not support the format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Extract(context.Background(), bytes.NewReader(tc.data), int64(len(tc.data)), tc.file, Options{})
			require.Error(t, err)
			assert.Equal(t, tc.reason, api.ReasonOf(err), err.Error())
			var ae *api.Error
			require.ErrorAs(t, err, &ae)
			assert.Contains(t, ae.Message, tc.message)
		})
	}
}

// TestReadLimitBeforeAnything: a source whose metadata lies past
// MaxBytes is SourceTooLarge, naming the limit, not a truncated file.
func TestReadLimitBeforeAnything(t *testing.T) {
	data := append(append([]byte{0xFF, 0xD8}, bytes.Repeat([]byte{0xFF}, 2<<20)...), segment(0xC0, []byte{8, 0, 10, 0, 20, 1, 1, 0x11, 0})...)
	_, err := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), "far.jpg", Options{MaxBytes: 1 << 20})
	require.Error(t, err)
	assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), err.Error())
	assert.Contains(t, err.Error(), "beyond the read limit of 1048576 bytes")
}

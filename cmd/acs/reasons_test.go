package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// The reason table of pkg/api, checked across the rendition families
// through `acs process`: one request per source asks for a png thumbnail,
// an XMP packet, machine-metadata-json and the full text, and every
// rendition must end in one event with the reason the table gives, with
// nothing left at a failed rendition's target.

// families are the renditions each request asks for, in order.
var families = []string{"png", "xmp", "machine-metadata-json", "text"}

// lossless JPEG: a baseline JPEG's structure with a SOF3 (lossless,
// Huffman) frame header, which no engine here decodes.
func losslessJPEG() []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})                                             // SOI
	b.Write([]byte{0xFF, 0xC3, 0x00, 0x0B, 8, 0, 16, 0, 16, 1, 1, 0x11, 0}) // SOF3: 8-bit, 16x16, one component
	b.Write([]byte{0xFF, 0xDA, 0x00, 0x08, 1, 1, 0x00, 1, 0, 0})            // SOS: predictor 1
	b.Write(bytes.Repeat([]byte{0x55}, 64))                                 // entropy-coded data
	b.Write([]byte{0xFF, 0xD9})                                             // EOI
	return b.Bytes()
}

// widePNG is a PNG whose header declares 2^31-1 x 1 pixels: a few dozen
// bytes that promise 8 GiB of pixels.
func widePNG() []byte {
	var b bytes.Buffer
	b.Write([]byte("\x89PNG\r\n\x1a\n"))
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 1<<31-1)
	binary.BigEndian.PutUint32(ihdr[4:], 1)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// ocrOr returns reason when Tesseract is installed (the text of an image
// is read by OCR), else SourceFormatUnsupported.
func ocrOr(reason api.Reason) api.Reason {
	for _, p := range []string{"tesseract", "/usr/bin/tesseract"} {
		if _, err := exec.LookPath(p); err == nil {
			return reason
		}
	}
	return api.ReasonSourceFormatUnsupported
}

func TestReasonsAreTheSameInEveryFamily(t *testing.T) {
	encrypted := filepath.Join("..", "..", "pkg", "meta", "testdata", "pdf")
	const created = ""
	tests := []struct {
		name string
		// file is the source's name in the test directory and data its
		// bytes; or source is the request's source as is.
		file   string
		data   []byte
		source string
		// want is the reason of each family's event, created for none.
		want [4]api.Reason
	}{
		{name: "zero-byte PDF", file: "empty.pdf", data: []byte{},
			want: [4]api.Reason{api.ReasonSourceCorrupt, api.ReasonSourceCorrupt, api.ReasonSourceCorrupt, api.ReasonSourceCorrupt}},
		{name: "zero-byte JPEG", file: "empty.jpg", data: []byte{},
			want: [4]api.Reason{api.ReasonSourceCorrupt, api.ReasonSourceCorrupt, api.ReasonSourceCorrupt, api.ReasonSourceCorrupt}},
		{name: "lossless JPEG (SOF3)", file: "lossless.jpg", data: losslessJPEG(),
			// Its metadata is read without decoding the pixels; it has no text.
			want: [4]api.Reason{api.ReasonSourceFormatUnsupported, created, created, api.ReasonSourceFormatUnsupported}},
		{name: "PNG 2^31-1 pixels wide", file: "wide.png", data: widePNG(),
			// Its text is read by OCR, whose image checks refuse it as
			// the thumbnail's do; without Tesseract, images have no text.
			want: [4]api.Reason{api.ReasonSourceTooLarge, created, created, ocrOr(api.ReasonSourceTooLarge)}},
		{name: "PDF with a user password (AES-256)", source: filepath.Join(encrypted, "enc-user-aes-256.pdf"),
			want: [4]api.Reason{api.ReasonSourceUnsupported, api.ReasonSourceUnsupported, api.ReasonSourceUnsupported, api.ReasonSourceUnsupported}},
		{name: "PDF with a user password (RC4-40)", source: filepath.Join(encrypted, "enc-user-rc4-40.pdf"),
			want: [4]api.Reason{api.ReasonSourceUnsupported, api.ReasonSourceUnsupported, api.ReasonSourceUnsupported, api.ReasonSourceUnsupported}},
		{name: "PDF with an owner password only", source: filepath.Join(encrypted, "enc-aes-128.pdf"),
			want: [4]api.Reason{created, created, created, created}},
		{name: "unparsable URL", source: "https:x",
			want: [4]api.Reason{api.ReasonSourceUnsupported, api.ReasonSourceUnsupported, api.ReasonSourceUnsupported, api.ReasonSourceUnsupported}},
		{name: "numeric host", source: "https://2130706433/a.png",
			want: [4]api.Reason{api.ReasonSourceUnsupported, api.ReasonSourceUnsupported, api.ReasonSourceUnsupported, api.ReasonSourceUnsupported}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			source := tc.source
			if tc.file != "" {
				source = filepath.Join(dir, tc.file)
				require.NoError(t, os.WriteFile(source, tc.data, 0o600))
			}
			out := filepath.Join(dir, "out")
			require.NoError(t, os.Mkdir(out, 0o700))
			renditions := make([]map[string]any, len(families))
			for i, fmt := range families {
				renditions[i] = map[string]any{"name": "r" + fmt, "fmt": fmt, "target": filepath.Join(out, "r."+fmt)}
				if fmt == "png" {
					renditions[i]["width"] = 64
				}
			}
			req, err := json.Marshal(map[string]any{"source": source, "renditions": renditions})
			require.NoError(t, err)

			code, res, stderr := runProcess(t, string(req))
			require.Len(t, res.Events, len(families), "one event per rendition; stderr: %s", stderr)
			failed := false
			for i, ev := range res.Events {
				fmt := families[i]
				target := filepath.Join(out, "r."+fmt)
				if tc.want[i] == created {
					assert.Equal(t, api.EventRenditionCreated, ev.Type, "%s: %s %s", fmt, ev.ErrorReason, ev.ErrorMessage)
					assert.FileExists(t, target)
					continue
				}
				failed = true
				assert.Equal(t, api.EventRenditionFailed, ev.Type, fmt)
				assert.Equal(t, tc.want[i], ev.ErrorReason, "%s: %s", fmt, ev.ErrorMessage)
				assert.NotEmpty(t, ev.ErrorMessage, fmt)
				assert.NoFileExists(t, target, "%s: nothing is left at a failed rendition's target", fmt)
			}
			if failed {
				assert.Equal(t, exitFailed, code)
			} else {
				assert.Equal(t, exitOK, code)
			}
			// Nothing but the created renditions is left behind.
			entries, err := os.ReadDir(out)
			require.NoError(t, err)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			var want []string
			for i, fmt := range families {
				if tc.want[i] == created {
					want = append(want, "r."+fmt)
				}
			}
			assert.ElementsMatch(t, want, names, "the output directory holds the created renditions only")
		})
	}
}

package image

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
)

// Readers of the markers the tests check in renditions, written from the
// format specifications.

// jpegMarkers lists the markers of a JPEG up to its first scan.
func jpegMarkers(t testing.TB, data []byte) []byte {
	t.Helper()
	require.True(t, bytes.HasPrefix(data, []byte{0xff, 0xd8}), "a JPEG")
	var out []byte
	for p := 2; p+4 <= len(data); {
		require.Equal(t, byte(0xff), data[p], "marker at %d", p)
		m := data[p+1]
		out = append(out, m)
		if m == 0xda { // start of scan
			break
		}
		p += 2 + int(binary.BigEndian.Uint16(data[p+2:]))
	}
	return out
}

// jpegSegment returns the payload of the first APPn segment whose payload
// starts with prefix, or nil.
func jpegSegment(data []byte, marker byte, prefix string) []byte {
	for p := 2; p+4 <= len(data) && data[p] == 0xff && data[p+1] != 0xda; {
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if p+2+n > len(data) {
			return nil
		}
		payload := data[p+4 : p+2+n]
		if data[p+1] == marker && bytes.HasPrefix(payload, []byte(prefix)) {
			return payload
		}
		p += 2 + n
	}
	return nil
}

// pngChunks returns the chunk types of a PNG, in order.
func pngChunkTypes(t testing.TB, data []byte) []string {
	t.Helper()
	require.True(t, bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")), "a PNG")
	var out []string
	for p := 8; p+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[p:]))
		out = append(out, string(data[p+4:p+8]))
		p += 12 + n
	}
	return out
}

// gifInterlaced reports whether the first image descriptor of a GIF has
// its interlace flag set.
func gifInterlaced(t testing.TB, data []byte) bool {
	t.Helper()
	require.True(t, bytes.HasPrefix(data, []byte("GIF8")), "a GIF")
	p := 13
	if data[10]&0x80 != 0 { // global colour table
		p += 3 << (data[10]&7 + 1)
	}
	for p < len(data) {
		switch data[p] {
		case 0x21: // extension: label, then sub-blocks
			p += 2
			for p < len(data) && data[p] != 0 {
				p += int(data[p]) + 1
			}
			p++
		case 0x2c: // image descriptor
			return data[p+9]&0x40 != 0
		default:
			t.Fatalf("unexpected GIF block %#x at %d", data[p], p)
		}
	}
	t.Fatal("no image descriptor")
	return false
}

// webpChunkTypes returns the chunk types of a WebP.
func webpChunkTypes(t testing.TB, data []byte) []string {
	t.Helper()
	chunks, err := parseRIFF(data)
	require.NoError(t, err)
	var out []string
	for _, c := range chunks {
		out = append(out, c.fourCC)
	}
	return out
}

// readBack reads a rendition's header with libvips, as a reader of the
// rendition would.
func readBack(t testing.TB, path string) header {
	t.Helper()
	h, err := readHeader(path, "")
	require.NoError(t, err, "libvips reads %s back", path)
	return h
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

const exiftoolPath = "/usr/bin/exiftool"

// exiftool returns exiftool's "-s -G1" listing of a file, or skips the
// test when exiftool (Debian libimage-exiftool-perl) is not installed.
func exiftool(t testing.TB, args ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("cross-checked with exiftool: skipped in -short mode")
	}
	testutil.NeedTool(t, exiftoolPath)
	out, err := exec.Command(exiftoolPath, append([]string{"-s", "-G1", "-a"}, args...)...).CombinedOutput()
	require.NoError(t, err, "exiftool %v: %s", args, out)
	return string(out)
}

// exifTag returns the value of one tag from an exiftool listing, or "".
func exifTag(listing, group, tag string) string {
	for _, line := range strings.Split(listing, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "["+group+"]" && f[1] == tag && strings.Contains(line, ":") {
			return strings.TrimSpace(line[strings.Index(line, ":")+1:])
		}
	}
	return ""
}

package meta

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"testing"
)

// testEntry is an IFD entry for buildIFD; val is the raw value in the
// byte order of the structure.
type testEntry struct {
	tag, typ uint16
	count    uint32
	val      []byte
}

// buildIFD returns an IFD placed at the absolute offset at, followed by
// its out-of-line values, with next as the next-IFD offset.
func buildIFD(bo binary.ByteOrder, at uint32, entries []testEntry, next uint32) []byte {
	head := 2 + 12*len(entries) + 4
	var ifd, vals bytes.Buffer
	var u16 [2]byte
	var u32 [4]byte
	bo.PutUint16(u16[:], uint16(len(entries)))
	ifd.Write(u16[:])
	for _, e := range entries {
		bo.PutUint16(u16[:], e.tag)
		ifd.Write(u16[:])
		bo.PutUint16(u16[:], e.typ)
		ifd.Write(u16[:])
		bo.PutUint32(u32[:], e.count)
		ifd.Write(u32[:])
		if len(e.val) <= 4 {
			var v [4]byte
			copy(v[:], e.val)
			ifd.Write(v[:])
		} else {
			bo.PutUint32(u32[:], at+uint32(head+vals.Len()))
			ifd.Write(u32[:])
			vals.Write(e.val)
			if vals.Len()%2 == 1 {
				vals.WriteByte(0)
			}
		}
	}
	bo.PutUint32(u32[:], next)
	ifd.Write(u32[:])
	return append(ifd.Bytes(), vals.Bytes()...)
}

// buildTIFF returns a TIFF structure (header and IFD0 at offset 8).
func buildTIFF(bo binary.ByteOrder, entries []testEntry) []byte {
	h := []byte("II*\x00\x08\x00\x00\x00")
	if bo == binary.BigEndian {
		h = []byte("MM\x00*\x00\x00\x00\x08")
	}
	return append(h, buildIFD(bo, 8, entries, 0)...)
}

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// segment returns a JPEG marker segment.
func segment(marker byte, payload []byte) []byte {
	b := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(b[2:], uint16(len(payload)+2))
	return append(b, payload...)
}

// chunk returns a PNG chunk (the CRC is not checked by the reader).
func chunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return append(b, 0, 0, 0, 0)
}

// jpegWith returns a minimal JPEG (a frame header, no scan data) with the
// given segments before the frame.
func jpegWith(segs ...[]byte) []byte {
	b := []byte{0xFF, 0xD8}
	for _, s := range segs {
		b = append(b, s...)
	}
	b = append(b, segment(0xC0, []byte{8, 0, 10, 0, 20, 1, 1, 0x11, 0})...)
	return append(b, 0xFF, 0xDA, 0, 2, 0xFF, 0xD9)
}

func zipEntries(t testing.TB, entries [][2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

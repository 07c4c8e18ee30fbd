package meta

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// xmpToUTF8 returns an XMP packet written in UTF-16 or UTF-32 (either
// byte order, with or without a byte order mark, as the XMP specification
// allows) as UTF-8, and its encoding's name; a packet in UTF-8 (or in no
// recognisable encoding) is returned as it is, with "".
func xmpToUTF8(data []byte) ([]byte, string) {
	var enc string
	var order binary.ByteOrder
	width := 2
	switch {
	case bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0, 0, 0, '<'}):
		enc, order, width = "UTF-32BE", binary.BigEndian, 4
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0, 0}), bytes.HasPrefix(data, []byte{'<', 0, 0, 0}):
		enc, order, width = "UTF-32LE", binary.LittleEndian, 4
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0, '<'}):
		enc, order = "UTF-16BE", binary.BigEndian
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{'<', 0}):
		enc, order = "UTF-16LE", binary.LittleEndian
	default:
		return data, ""
	}
	out := make([]byte, 0, len(data))
	if width == 4 {
		for i := 0; i+4 <= len(data); i += 4 {
			r := rune(order.Uint32(data[i:]))
			if !utf8.ValidRune(r) {
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		}
	} else {
		units := make([]uint16, 0, len(data)/2)
		for i := 0; i+2 <= len(data); i += 2 {
			units = append(units, order.Uint16(data[i:]))
		}
		for _, r := range utf16.Decode(units) {
			out = utf8.AppendRune(out, r)
		}
	}
	return bytes.TrimPrefix(out, []byte("\uFEFF")), enc
}

package metablock

import (
	"strings"
	"unicode/utf8"
)

// Legacy decodes text of unknown 8-bit encoding: UTF-8 when it is valid
// UTF-8, otherwise Windows-1252 (the superset of Latin-1 that the writers
// of legacy EXIF and IPTC text use).
func Legacy(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return CP1252(b)
}

// cp1252 maps the bytes 0x80-0x9F of Windows-1252; 0 marks an unassigned byte.
var cp1252 = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

// CP1252 decodes Windows-1252; its five unassigned bytes stand for
// themselves.
func CP1252(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xA0:
			if r := cp1252[c-0x80]; r != 0 {
				sb.WriteRune(r)
			} else {
				sb.WriteRune(rune(c))
			}
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// Latin1 decodes ISO 8859-1.
func Latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

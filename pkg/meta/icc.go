package meta

import (
	"encoding/binary"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/internal/metablock"
)

// iccColorSpaces names the ICC data colour spaces.
var iccColorSpaces = map[string]string{
	"RGB ": "RGB", "CMYK": "CMYK", "GRAY": "Gray", "Lab ": "Lab", "XYZ ": "XYZ",
	"YCbr": "YCbCr", "Luv ": "Luv", "HSV ": "HSV", "HLS ": "HLS", "CMY ": "CMY",
}

// parseICC reads an ICC profile's data colour space and description
// (a v2 'desc' or a v4 'mluc' tag).
func parseICC(b *builder, p []byte, what string) {
	if len(p) < 132 || string(p[36:40]) != "acsp" {
		b.warn("%s: not an ICC profile", what)
		return
	}
	if cs, ok := iccColorSpaces[string(p[16:20])]; ok {
		b.set("acs:ColorSpace", Text(cs), prioFile)
	}
	n := int(binary.BigEndian.Uint32(p[128:]))
	if n > (len(p)-132)/12 {
		b.warn("%s: tag table is truncated", what)
		n = (len(p) - 132) / 12
	}
	for i := 0; i < n; i++ {
		e := p[132+12*i:]
		if string(e[:4]) != "desc" {
			continue
		}
		off, size := int64(binary.BigEndian.Uint32(e[4:])), int64(binary.BigEndian.Uint32(e[8:]))
		if off+size > int64(len(p)) || size < 12 {
			b.warn("%s: description tag is out of range", what)
			return
		}
		if d := iccText(p[off : off+size]); d != "" {
			b.set("photoshop:ICCProfile", Text(d), prioFile)
		}
		return
	}
}

func iccText(t []byte) string {
	switch string(t[:4]) {
	case "desc":
		n := int64(binary.BigEndian.Uint32(t[8:]))
		if n > int64(len(t)-12) {
			n = int64(len(t) - 12)
		}
		s := t[12 : 12+n]
		s = metablock.CString(s)
		return strings.TrimSpace(decodeLegacy(s))
	case "mluc":
		if len(t) < 28 {
			return ""
		}
		count := int(binary.BigEndian.Uint32(t[8:]))
		recSize := int(binary.BigEndian.Uint32(t[12:]))
		if recSize < 12 || count <= 0 {
			return ""
		}
		best := ""
		for i := 0; i < count && 16+i*recSize+12 <= len(t); i++ {
			r := t[16+i*recSize:]
			lang := string(r[:4])
			l, o := int64(binary.BigEndian.Uint32(r[4:])), int64(binary.BigEndian.Uint32(r[8:]))
			if o+l > int64(len(t)) {
				continue
			}
			s := strings.TrimSpace(utf16String(t[o:o+l], binary.BigEndian))
			if best == "" || lang == "enUS" {
				best = s
			}
			if lang == "enUS" {
				break
			}
		}
		return best
	case "text":
		s := t[8:]
		s = metablock.CString(s)
		return strings.TrimSpace(decodeLegacy(s))
	}
	return ""
}

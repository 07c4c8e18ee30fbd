package format

import (
	"encoding/binary"

	"github.com/assetcompute/assetcompute/pkg/internal/rasterhead"
)

// inddGUID starts every InDesign document and template: the GUID
// 0606EDF5-D81D-46E5-BD31-EFE7FE74B71D of its master pages, as bytes.
const inddGUID = "\x06\x06\xED\xF5\xD8\x1D\x46\xE5\xBD\x31\xEF\xE7\xFE\x74\xB7\x1D"

// sniffRaster tells the raster formats whose magic bytes are short or
// missing by a check of their whole header: Netpbm ("P1" to "P7", "PF",
// "Pf") and SGI (0x01DA) by the header alone, icons and cursors by their
// directory; Targa (no magic bytes at all), PCX (one) and PICT (none at
// the start) only when the extension names them too.
func sniffRaster(head []byte, ext string) (string, bool) {
	named, _ := ByExtension(ext)
	switch {
	case len(head) >= 3 && head[0] == 'P' && (!named.Known() || named.Binary):
		// Not in a file named as text: "P1 2 3" may start a line of it.
		if _, err := rasterhead.Netpbm(head); err == nil {
			switch head[1] {
			case '1', '4':
				return "pbm", true
			case '2', '5':
				return "pgm", true
			case '3', '6':
				return "ppm", true
			case '7':
				return "pam", true
			case 'F', 'f':
				return "pfm", true
			}
		}
	case len(head) >= 2 && binary.BigEndian.Uint16(head) == 474:
		if _, err := rasterhead.SGI(head); err == nil {
			return "sgi", true
		}
	case has(head, 0, "\x00\x00\x01\x00") || has(head, 0, "\x00\x00\x02\x00"):
		if _, err := rasterhead.ICO(head); err == nil {
			if head[2] == 2 {
				return "cur", true
			}
			return "ico", true
		}
	}
	switch named.Name {
	case "tga":
		if _, err := rasterhead.TGA(head); err == nil {
			return "tga", true
		}
	case "pcx":
		if _, err := rasterhead.PCX(head); err == nil {
			return "pcx", true
		}
	case "pict":
		if _, err := rasterhead.PICT(head); err == nil {
			return "pict", true
		}
	}
	return "", false
}

// Package rasterhead reads the size of the long tail of raster formats
// from their headers, without decoding a pixel: SGI, Netpbm (PBM, PGM,
// PPM, PAM, PFM), Targa, Windows icons and cursors, PCX, Radiance HDR,
// OpenEXR, DirectDraw Surface and Apple PICT.
//
// The image engine checks the declared size against its pixel limits
// before any decoder runs, format sniffing uses the header checks to tell
// the formats whose magic bytes are weak (Targa has none), and metadata
// extraction reports the size. Every read is bounded: a header that
// points outside the file, or past MaxHeader, is an error, never a panic.
// The package imports only the standard library.
package rasterhead

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxHeader is the most bytes of a file read for its header (Radiance
// and PAM headers are text of any length, OpenEXR attributes too).
const MaxHeader = 64 << 10

// Info is what a header declares.
type Info struct {
	// Width and Height are the size in pixels of the image the engine
	// renders (for an icon, its largest entry).
	Width, Height int
	// Channels is the number of samples per pixel (1 grey, 3 RGB, 4
	// with alpha); 0 when the header does not say.
	Channels int
	// Bits is the number of bits per sample; 32 for floating point.
	Bits int
	// Float is true for the floating-point formats (PFM, Radiance,
	// OpenEXR), whose samples are linear light.
	Float bool
	// Entry is the 0-based index of the icon entry Width and Height are
	// of (ICO, CUR); 0 otherwise.
	Entry int
	// Compression names the compression when the format has several:
	// "rle" for run-length encoded SGI, Targa and PCX, the DDS fourCC.
	Compression string
}

// ErrUnknown is returned for a format name the package does not read.
var ErrUnknown = errors.New("rasterhead: not a format of this package")

// CorruptError is a header that cannot be read: truncated, or with
// values no file of the format has.
type CorruptError struct{ Msg string }

func (e *CorruptError) Error() string { return e.Msg }

// UnsupportedError is a valid header of a variant the service does not
// read (a DDS compression ImageMagick has no decoder for).
type UnsupportedError struct{ Msg string }

func (e *UnsupportedError) Error() string { return e.Msg }

func corrupt(format string, args ...any) error {
	return &CorruptError{Msg: fmt.Sprintf(format, args...)}
}

// Formats are the format names (those of package format) Read knows.
var Formats = []string{"sgi", "ppm", "pgm", "pbm", "pam", "pfm", "tga", "ico", "cur", "pcx", "hdr", "exr", "dds", "pict"}

// Known reports whether Read knows the format called name.
func Known(name string) bool {
	for _, f := range Formats {
		if f == name {
			return true
		}
	}
	return false
}

// Read reads the header of the file r (size bytes) of the format called
// name. Errors are *CorruptError, *UnsupportedError, ErrUnknown, or the
// reader's.
func Read(r io.ReaderAt, size int64, name string) (Info, error) {
	head, err := readUpTo(r, size, 0, MaxHeader)
	if err != nil {
		return Info{}, err
	}
	switch name {
	case "sgi":
		return SGI(head)
	case "ppm", "pgm", "pbm", "pam", "pfm":
		return Netpbm(head)
	case "tga":
		return TGA(head)
	case "ico", "cur":
		return icon(r, size, head)
	case "pcx":
		return PCX(head)
	case "hdr":
		return Radiance(head)
	case "exr":
		return EXR(head)
	case "dds":
		return DDS(head)
	case "pict":
		return PICT(head)
	}
	return Info{}, ErrUnknown
}

func readUpTo(r io.ReaderAt, size, off, n int64) ([]byte, error) {
	if off >= size {
		return nil, nil
	}
	n = min(n, size-off)
	b := make([]byte, n)
	m, err := r.ReadAt(b, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:m], nil
}

// SGI reads an SGI (IRIS RGB) header: 512 bytes, big-endian.
func SGI(h []byte) (Info, error) {
	if len(h) < 512 {
		return Info{}, corrupt("SGI header is truncated (%d of 512 bytes)", len(h))
	}
	be := binary.BigEndian
	if be.Uint16(h) != 474 {
		return Info{}, corrupt("not an SGI header")
	}
	storage, bpc, dim := h[2], h[3], be.Uint16(h[4:])
	if storage > 1 || (bpc != 1 && bpc != 2) || dim < 1 || dim > 3 {
		return Info{}, corrupt("SGI header has invalid values (storage %d, %d bytes per sample, %d dimensions)", storage, bpc, dim)
	}
	w, ht, z := int(be.Uint16(h[6:])), int(be.Uint16(h[8:])), int(be.Uint16(h[10:]))
	switch dim {
	case 1:
		ht, z = 1, 1
	case 2:
		z = 1
	}
	if w == 0 || ht == 0 || z == 0 || z > 4 {
		return Info{}, corrupt("SGI header gives %dx%d pixels of %d channels", w, ht, z)
	}
	info := Info{Width: w, Height: ht, Channels: z, Bits: 8 * int(bpc)}
	if storage == 1 {
		info.Compression = "rle"
	}
	return info, nil
}

// netpbmTokens reads n whitespace-separated tokens after the magic,
// skipping # comments; it returns them and the offset after the last.
func netpbmTokens(h []byte, off, n int) ([]string, int, bool) {
	var toks []string
	i := off
	for len(toks) < n {
		for i < len(h) && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n' || h[i] == '#') {
			if h[i] == '#' {
				for i < len(h) && h[i] != '\n' && h[i] != '\r' {
					i++
				}
				continue
			}
			i++
		}
		start := i
		for i < len(h) && h[i] > ' ' && h[i] != '#' {
			i++
		}
		if start == i || i == len(h) {
			return toks, i, false
		}
		toks = append(toks, string(h[start:i]))
	}
	return toks, i, true
}

// Netpbm reads a PBM, PGM, PPM (P1-P6), PAM (P7) or PFM (PF, Pf) header.
func Netpbm(h []byte) (Info, error) {
	if len(h) < 3 || h[0] != 'P' {
		return Info{}, corrupt("not a Netpbm header")
	}
	ws := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	if !ws(h[2]) {
		return Info{}, corrupt("not a Netpbm header")
	}
	atoi := func(s string) (int, bool) {
		v, err := strconv.Atoi(s)
		return v, err == nil && v > 0
	}
	switch h[1] {
	case '1', '2', '3', '4', '5', '6':
		n := 3
		if h[1] == '1' || h[1] == '4' {
			n = 2
		}
		toks, _, ok := netpbmTokens(h, 2, n)
		if !ok {
			return Info{}, corrupt("Netpbm header is truncated")
		}
		w, ok1 := atoi(toks[0])
		ht, ok2 := atoi(toks[1])
		if !ok1 || !ok2 {
			return Info{}, corrupt("Netpbm header gives no size (%q x %q)", toks[0], toks[1])
		}
		info := Info{Width: w, Height: ht, Channels: 1, Bits: 1}
		if n == 3 {
			maxval, ok := atoi(toks[2])
			if !ok || maxval > 65535 {
				return Info{}, corrupt("Netpbm header has an invalid maximum value %q", toks[2])
			}
			info.Bits = 8
			if maxval > 255 {
				info.Bits = 16
			}
		}
		if h[1] == '3' || h[1] == '6' {
			info.Channels = 3
		}
		return info, nil
	case 'F', 'f':
		toks, _, ok := netpbmTokens(h, 2, 3)
		if !ok {
			return Info{}, corrupt("PFM header is truncated")
		}
		w, ok1 := atoi(toks[0])
		ht, ok2 := atoi(toks[1])
		if _, err := strconv.ParseFloat(toks[2], 64); !ok1 || !ok2 || err != nil {
			return Info{}, corrupt("PFM header has invalid values")
		}
		ch := 3
		if h[1] == 'f' {
			ch = 1
		}
		return Info{Width: w, Height: ht, Channels: ch, Bits: 32, Float: true}, nil
	case '7':
		end := bytes.Index(h, []byte("ENDHDR"))
		if end < 0 {
			return Info{}, corrupt("PAM header has no ENDHDR")
		}
		info := Info{Bits: 8}
		for _, line := range strings.Split(string(h[3:end]), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || strings.HasPrefix(f[0], "#") {
				continue
			}
			v, ok := atoi(f[1])
			switch f[0] {
			case "WIDTH":
				if ok {
					info.Width = v
				}
			case "HEIGHT":
				if ok {
					info.Height = v
				}
			case "DEPTH":
				if ok {
					info.Channels = v
				}
			case "MAXVAL":
				if ok && v > 255 {
					info.Bits = 16
				}
			}
		}
		if info.Width == 0 || info.Height == 0 || info.Channels == 0 || info.Channels > 4 {
			return Info{}, corrupt("PAM header gives %dx%d pixels of %d channels", info.Width, info.Height, info.Channels)
		}
		return info, nil
	}
	return Info{}, corrupt("not a Netpbm header")
}

// TGA reads a Truevision Targa header (18 bytes, little-endian). Targa
// has no magic bytes: every field is checked against the values the
// format allows.
func TGA(h []byte) (Info, error) {
	if len(h) < 18 {
		return Info{}, corrupt("Targa header is truncated (%d of 18 bytes)", len(h))
	}
	le := binary.LittleEndian
	cmapType, imgType := h[1], h[2]
	cmapLen, cmapDepth := le.Uint16(h[5:]), h[7]
	w, ht, depth := int(le.Uint16(h[12:])), int(le.Uint16(h[14:])), h[16]
	switch {
	case cmapType > 1:
		return Info{}, corrupt("not a Targa header (colour map type %d)", cmapType)
	case imgType != 1 && imgType != 2 && imgType != 3 && imgType != 9 && imgType != 10 && imgType != 11:
		return Info{}, corrupt("not a Targa header (image type %d)", imgType)
	case (imgType == 1 || imgType == 9) && (cmapType != 1 || cmapLen == 0):
		return Info{}, corrupt("Targa colour-mapped image without a colour map")
	case cmapType == 1 && cmapDepth != 15 && cmapDepth != 16 && cmapDepth != 24 && cmapDepth != 32:
		return Info{}, corrupt("Targa colour map of %d-bit entries", cmapDepth)
	case depth != 8 && depth != 15 && depth != 16 && depth != 24 && depth != 32:
		return Info{}, corrupt("Targa image of %d bits per pixel", depth)
	case w == 0 || ht == 0:
		return Info{}, corrupt("Targa header gives an empty image (%dx%d)", w, ht)
	}
	info := Info{Width: w, Height: ht, Bits: 8}
	switch {
	case imgType == 3 || imgType == 11:
		info.Channels = 1
	case depth == 32 || (cmapType == 1 && cmapDepth == 32):
		info.Channels = 4
	default:
		info.Channels = 3
	}
	if imgType >= 9 {
		info.Compression = "rle"
	}
	return info, nil
}

// iconEntry is one entry of an icon directory.
type iconEntry struct {
	w, h         int
	size, offset int64
}

// ICO reads the directory of a Windows icon or cursor from its first
// bytes: the size of its largest entry as the directory declares it
// (which an entry's own PNG or BMP header may contradict; Read checks
// those too).
func ICO(h []byte) (Info, error) {
	info, _, err := iconDir(h, -1)
	return info, err
}

func iconDir(h []byte, size int64) (Info, []iconEntry, error) {
	if len(h) < 6 {
		return Info{}, nil, corrupt("icon header is truncated")
	}
	le := binary.LittleEndian
	typ, n := le.Uint16(h[2:]), int(le.Uint16(h[4:]))
	if le.Uint16(h) != 0 || (typ != 1 && typ != 2) || n == 0 {
		return Info{}, nil, corrupt("not an icon header")
	}
	if len(h) < 6+16*n {
		return Info{}, nil, corrupt("icon directory of %d entries is truncated", n)
	}
	var entries []iconEntry
	best := -1
	for i := 0; i < n; i++ {
		e := h[6+16*i:]
		w, ht := int(e[0]), int(e[1])
		if w == 0 {
			w = 256
		}
		if ht == 0 {
			ht = 256
		}
		sz, off := int64(le.Uint32(e[8:])), int64(le.Uint32(e[12:]))
		if e[3] != 0 && e[3] != 0xFF || sz == 0 || off < int64(6+16*n) || (size >= 0 && off+sz > size) {
			return Info{}, nil, corrupt("icon entry %d is invalid or points outside the file", i+1)
		}
		entries = append(entries, iconEntry{w, ht, sz, off})
		if best < 0 || w*ht > entries[best].w*entries[best].h {
			best = i
		}
	}
	return Info{Width: entries[best].w, Height: entries[best].h, Channels: 4, Bits: 8, Entry: best}, entries, nil
}

// icon reads an icon directory and the header of each entry's image (a
// PNG or a BMP without its file header), whose size is what a decoder
// allocates; the largest entry wins.
func icon(r io.ReaderAt, size int64, h []byte) (Info, error) {
	info, entries, err := iconDir(h, size)
	if err != nil {
		return info, err
	}
	be, le := binary.BigEndian, binary.LittleEndian
	best := -1
	for i, e := range entries {
		b, err := readUpTo(r, size, e.offset, 24)
		if err != nil {
			return Info{}, err
		}
		var w, ht int
		switch {
		case len(b) >= 24 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
			w, ht = int(be.Uint32(b[16:])), int(be.Uint32(b[20:]))
		case len(b) >= 12 && le.Uint32(b) >= 40:
			w, ht = int(int32(le.Uint32(b[4:]))), int(int32(le.Uint32(b[8:])))/2
			if ht < 0 {
				ht = -ht
			}
		default:
			return Info{}, corrupt("icon entry %d holds neither a PNG nor a bitmap", i+1)
		}
		if w <= 0 || ht <= 0 {
			return Info{}, corrupt("icon entry %d has an empty image (%dx%d)", i+1, w, ht)
		}
		entries[i].w, entries[i].h = w, ht
		if best < 0 || int64(w)*int64(ht) > int64(entries[best].w)*int64(entries[best].h) {
			best = i
		}
	}
	info.Width, info.Height, info.Entry = entries[best].w, entries[best].h, best
	return info, nil
}

// PCX reads a ZSoft PCX header (128 bytes, little-endian).
func PCX(h []byte) (Info, error) {
	if len(h) < 128 {
		return Info{}, corrupt("PCX header is truncated (%d of 128 bytes)", len(h))
	}
	le := binary.LittleEndian
	version, enc, bpp, planes := h[1], h[2], h[3], h[65]
	if h[0] != 0x0A || (version != 0 && version != 2 && version != 3 && version != 4 && version != 5) || enc > 1 ||
		(bpp != 1 && bpp != 2 && bpp != 4 && bpp != 8) || planes < 1 || planes > 4 {
		return Info{}, corrupt("not a PCX header")
	}
	xmin, ymin, xmax, ymax := int(le.Uint16(h[4:])), int(le.Uint16(h[6:])), int(le.Uint16(h[8:])), int(le.Uint16(h[10:]))
	if xmax < xmin || ymax < ymin {
		return Info{}, corrupt("PCX header gives an empty image")
	}
	info := Info{Width: xmax - xmin + 1, Height: ymax - ymin + 1, Channels: int(planes), Bits: int(bpp)}
	if planes == 1 && bpp == 8 {
		info.Channels = 3 // a palette
	}
	if enc == 1 {
		info.Compression = "rle"
	}
	return info, nil
}

// Radiance reads a Radiance RGBE header: text lines, an empty line, then
// the resolution line ("-Y 480 +X 640" and its rotations).
func Radiance(h []byte) (Info, error) {
	if !bytes.HasPrefix(h, []byte("#?")) {
		return Info{}, corrupt("not a Radiance header")
	}
	end := bytes.Index(h, []byte("\n\n"))
	if end < 0 {
		return Info{}, corrupt("Radiance header is truncated or longer than %d bytes", MaxHeader)
	}
	rest := h[end+2:]
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 {
		return Info{}, corrupt("Radiance resolution line is truncated")
	}
	f := strings.Fields(string(rest[:nl]))
	if len(f) != 4 {
		return Info{}, corrupt("Radiance resolution line %q is invalid", rest[:nl])
	}
	a, err1 := strconv.Atoi(f[1])
	b, err2 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil || a <= 0 || b <= 0 || len(f[0]) != 2 || len(f[2]) != 2 {
		return Info{}, corrupt("Radiance resolution line %q is invalid", rest[:nl])
	}
	w, ht := b, a
	if f[0][1] == 'X' { // the first axis is the column axis: rotated
		w, ht = a, b
	}
	return Info{Width: w, Height: ht, Channels: 3, Bits: 32, Float: true}, nil
}

// EXR reads an OpenEXR header: the attributes of the first part, of
// which dataWindow gives the size.
func EXR(h []byte) (Info, error) {
	if len(h) < 8 || string(h[:4]) != "\x76\x2F\x31\x01" {
		return Info{}, corrupt("not an OpenEXR header")
	}
	le := binary.LittleEndian
	p := 8
	cstr := func() (string, bool) {
		i := bytes.IndexByte(h[p:min(len(h), p+256)], 0)
		if i < 0 {
			return "", false
		}
		s := string(h[p : p+i])
		p += i + 1
		return s, true
	}
	info := Info{Bits: 32, Float: true}
	found := false
	for p < len(h) {
		name, ok := cstr()
		if !ok {
			break
		}
		if name == "" {
			if !found {
				return Info{}, corrupt("OpenEXR header has no dataWindow")
			}
			return info, nil
		}
		typ, ok := cstr()
		if !ok || p+4 > len(h) {
			break
		}
		n := int(int32(le.Uint32(h[p:])))
		p += 4
		if n < 0 || p+n > len(h) {
			break
		}
		v := h[p : p+n]
		p += n
		switch {
		case name == "dataWindow" && typ == "box2i" && n == 16:
			x0, y0 := int64(int32(le.Uint32(v))), int64(int32(le.Uint32(v[4:])))
			x1, y1 := int64(int32(le.Uint32(v[8:]))), int64(int32(le.Uint32(v[12:])))
			if x1 < x0 || y1 < y0 || x1-x0 >= 1<<30 || y1-y0 >= 1<<30 {
				return Info{}, corrupt("OpenEXR dataWindow is invalid")
			}
			info.Width, info.Height = int(x1-x0+1), int(y1-y0+1)
			found = true
		case name == "channels" && typ == "chlist":
			for q := 0; q < len(v) && v[q] != 0; {
				i := bytes.IndexByte(v[q:], 0)
				if i < 0 {
					break
				}
				if info.Channels == 0 && q+i+5 <= len(v) && le.Uint32(v[q+i+1:]) == 1 {
					info.Bits = 16 // half
				}
				q += i + 1 + 16
				info.Channels++
			}
		}
	}
	return Info{}, corrupt("OpenEXR header is truncated or longer than %d bytes", MaxHeader)
}

// DDS reads a DirectDraw Surface header: "DDS ", then 124 bytes.
func DDS(h []byte) (Info, error) {
	if len(h) < 128 || string(h[:4]) != "DDS " {
		return Info{}, corrupt("DDS header is truncated or invalid")
	}
	le := binary.LittleEndian
	if le.Uint32(h[4:]) != 124 {
		return Info{}, corrupt("DDS header has an invalid size")
	}
	ht, w := int(le.Uint32(h[12:])), int(le.Uint32(h[16:]))
	if w <= 0 || ht <= 0 || w > 1<<24 || ht > 1<<24 {
		return Info{}, corrupt("DDS header gives an invalid size (%dx%d)", w, ht)
	}
	pfFlags := le.Uint32(h[80:])
	info := Info{Width: w, Height: ht, Channels: 4, Bits: 8}
	if pfFlags&0x4 != 0 { // DDPF_FOURCC
		cc := string(h[84:88])
		switch cc {
		case "DXT1", "DXT2", "DXT3", "DXT4", "DXT5":
			info.Compression = cc
		default:
			return Info{}, &UnsupportedError{Msg: fmt.Sprintf("DDS compression %q is not supported (DXT1 to DXT5 and uncompressed are)", strings.TrimRight(cc, "\x00"))}
		}
	}
	return info, nil
}

// PICT reads the frame of an Apple PICT file: a 512-byte header of the
// application's, the picture size and frame, then the version opcode.
func PICT(h []byte) (Info, error) {
	if len(h) < 528 {
		return Info{}, corrupt("PICT header is truncated")
	}
	be := binary.BigEndian
	top, left := int(int16(be.Uint16(h[514:]))), int(int16(be.Uint16(h[516:])))
	bottom, right := int(int16(be.Uint16(h[518:]))), int(int16(be.Uint16(h[520:])))
	v2 := be.Uint16(h[522:]) == 0x0011 && be.Uint16(h[524:]) == 0x02FF
	v1 := be.Uint16(h[522:]) == 0x1101
	if !v1 && !v2 {
		return Info{}, corrupt("not a PICT file (no version opcode after the frame)")
	}
	if right <= left || bottom <= top {
		return Info{}, corrupt("PICT frame is empty")
	}
	return Info{Width: right - left, Height: bottom - top, Channels: 3, Bits: 8}, nil
}

// Complete checks, where the header makes it cheap, that the file holds
// the pixel data its header declares: uncompressed SGI and Targa have a
// fixed size, run-length encoded SGI a table of where each row is. Some
// decoders fill a short file's missing rows with black and report
// success; this check tells such a file as truncated first.
func Complete(r io.ReaderAt, size int64, name string, info Info) error {
	switch name {
	case "sgi":
		w, h, z, bpc := int64(info.Width), int64(info.Height), int64(info.Channels), int64(info.Bits/8)
		if info.Compression == "" {
			if need := 512 + w*h*z*bpc; size < need {
				return corrupt("SGI file is truncated: %d bytes of the %d its header declares", size, need)
			}
			return nil
		}
		n := h * z
		tab, err := readUpTo(r, size, 512, 8*n)
		if err != nil {
			return err
		}
		if int64(len(tab)) < 8*n {
			return corrupt("SGI file is truncated inside its row table")
		}
		be := binary.BigEndian
		for i := int64(0); i < n; i++ {
			start, length := int64(be.Uint32(tab[4*i:])), int64(be.Uint32(tab[4*(n+i):]))
			if start+length > size {
				return corrupt("SGI file is truncated: row %d of %d lies past its end", i+1, n)
			}
		}
	case "tga":
		if info.Compression != "" {
			return nil
		}
		h, err := readUpTo(r, size, 0, 18)
		if err != nil || len(h) < 18 {
			return corrupt("Targa header is truncated")
		}
		le := binary.LittleEndian
		cmap := int64(0)
		if h[1] == 1 {
			cmap = int64(le.Uint16(h[5:])) * int64((int(h[7])+7)/8)
		}
		need := 18 + int64(h[0]) + cmap + int64(info.Width)*int64(info.Height)*int64((int(h[16])+7)/8)
		if size < need {
			return corrupt("Targa file is truncated: %d bytes of the %d its header declares", size, need)
		}
	}
	return nil
}

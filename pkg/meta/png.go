package meta

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"time"
)

// readPNG walks the PNG chunks, reading IHDR, pHYs, iCCP, eXIf, acTL and
// the text chunks (tEXt, zTXt, iTXt: XMP, ImageMagick raw profiles and
// the registered keywords). Image data chunks are skipped unread.
func readPNG(x *extraction) error {
	s, b := x.s, x.b
	pos := int64(8)
	sawIHDR := false
	for chunks := 0; ; chunks++ {
		if chunks > 100000 {
			b.warn("PNG: too many chunks; stopped")
			break
		}
		h, err := s.readAt(pos, 8)
		if err != nil {
			if !sawIHDR {
				return corruptf("no IHDR chunk")
			}
			b.warn("PNG: the file is truncated (no IEND chunk)")
			break
		}
		n := int64(binary.BigEndian.Uint32(h))
		typ := string(h[4:8])
		if n > 0x7FFFFFFF || !isChunkType(typ) {
			if !sawIHDR {
				return corruptf("bad chunk header")
			}
			b.warn("PNG: bad chunk header at offset %d", pos)
			break
		}
		start := pos + 8
		if start+n > s.size {
			if !sawIHDR {
				return corruptf("truncated IHDR chunk")
			}
			b.warn("PNG: chunk %s at offset %d is truncated", typ, pos)
			break
		}
		if chunks == 0 && typ != "IHDR" {
			return corruptf("the first chunk is %q, not IHDR", typ)
		}
		limit := b.opts.MaxSegmentBytes
		if typ == "iTXt" {
			limit = b.opts.MaxXMPBytes
		}
		switch typ {
		case "IHDR", "pHYs", "iCCP", "eXIf", "acTL", "tEXt", "zTXt", "iTXt", "tRNS":
			if typ == "tRNS" {
				b.set("acs:HasAlpha", Bool(true), prioFile)
				break
			}
			if n > limit {
				b.warn("PNG: %s chunk of %d bytes is over the limit of %d; skipped", typ, n, limit)
				break
			}
			data, err := s.readAt(start, n)
			if err != nil {
				return err
			}
			switch typ {
			case "IHDR":
				if len(data) < 13 {
					return corruptf("short IHDR chunk")
				}
				sawIHDR = true
				pngHeader(b, data)
			case "pHYs":
				if len(data) >= 9 && data[8] == 1 {
					xr := float64(binary.BigEndian.Uint32(data)) * 0.0254
					yr := float64(binary.BigEndian.Uint32(data[4:])) * 0.0254
					if xr > 0 && yr > 0 {
						b.set("tiff:XResolution", Number(xr), prioLow)
						b.set("tiff:YResolution", Number(yr), prioLow)
						b.set("tiff:ResolutionUnit", Number(2), prioLow)
					}
				}
			case "iCCP":
				if i := bytes.IndexByte(data, 0); i > 0 && i+2 <= len(data) {
					if icc, ok := x.inflate(data[i+2:], b.opts.MaxSegmentBytes, "MaxSegmentBytes", "PNG iCCP"); ok {
						parseICC(b, icc, "PNG ICC profile")
					}
				}
			case "eXIf":
				x.exifBlock(data, "PNG eXIf")
			case "acTL":
				if len(data) >= 8 {
					b.set("acs:FrameCount", Number(float64(binary.BigEndian.Uint32(data))), prioFile)
					b.set("acs:LoopCount", Number(float64(binary.BigEndian.Uint32(data[4:]))), prioFile)
				}
			default:
				x.pngText(typ, data)
			}
		case "IEND":
			return nil
		}
		pos = start + n + 4
	}
	return nil
}

func isChunkType(t string) bool {
	for i := 0; i < 4; i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func pngHeader(b *builder, d []byte) {
	w, h := binary.BigEndian.Uint32(d), binary.BigEndian.Uint32(d[4:])
	depth, ctype := d[8], d[9]
	b.set("tiff:ImageWidth", Number(float64(w)), prioFile)
	b.set("tiff:ImageLength", Number(float64(h)), prioFile)
	ch := map[byte]int{0: 1, 2: 3, 3: 3, 4: 2, 6: 4}[ctype]
	if ch > 0 {
		bps := make([]Value, ch)
		for i := range bps {
			bps[i] = Number(float64(depth))
		}
		if ctype == 3 {
			bps = []Value{Number(float64(depth))}
		}
		b.set("tiff:BitsPerSample", Seq(bps...), prioFile)
		b.set("acs:Channels", Number(float64(ch)), prioFile)
	}
	cs := "RGB"
	if ctype == 0 || ctype == 4 {
		cs = "Gray"
	}
	b.set("acs:ColorSpace", Text(cs), prioFile-2)
	b.set("acs:HasAlpha", Bool(ctype == 4 || ctype == 6), prioFile-1)
	b.set("acs:Interlaced", Bool(d[12] == 1), prioFile)
}

// inflate decompresses zlib data, at most limit bytes (the limit named
// by setting) and within the source's expansion budget.
func (x *extraction) inflate(data []byte, limit int64, setting, what string) ([]byte, bool) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		x.b.warn("%s: bad compressed data", what)
		return nil, false
	}
	out, err := x.expand(zr, limit, setting, what)
	return out, err == nil
}

// errExpand reports decompressed data over its limit.
var errExpand = errors.New("decompressed data over the limit")

// expand reads the decompressed stream r to its end. It stops
// decompressing as soon as the output passes limit (the limit of the item,
// named by setting: MaxXMPBytes, MaxSegmentBytes) or what is left of
// MaxExpandBytes for the source, and then warns and returns errExpand: a
// compression bomb costs at most that much memory and time, and the rest
// of the metadata is still read.
func (x *extraction) expand(r io.Reader, limit int64, setting, what string) ([]byte, error) {
	left := x.b.opts.MaxExpandBytes - x.expanded
	if left <= 0 {
		x.b.warn("%s: skipped: the source already decompressed to the limit of %d bytes (MaxExpandBytes)", what, x.b.opts.MaxExpandBytes)
		return nil, errExpand
	}
	if limit > left {
		limit, setting = left, "MaxExpandBytes"
	}
	out, err := readCapped(r, limit+1)
	n := int64(len(out))
	x.expanded += n
	if n > limit {
		if setting == "MaxExpandBytes" {
			x.b.warn("%s: skipped: the source decompresses to more than the limit of %d bytes (MaxExpandBytes)", what, x.b.opts.MaxExpandBytes)
		} else {
			x.b.warn("%s: skipped: it decompresses to more than the limit of %d bytes (%s)", what, limit, setting)
		}
		return nil, errExpand
	}
	if err != nil {
		x.b.warn("%s: bad compressed data: %v", what, err)
		return out, err
	}
	return out, nil
}

// readCapped reads r to its end or to max bytes, whichever comes first. Its
// buffer grows by doubling but never past max, so reading costs at most
// about twice max.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	buf := make([]byte, 0, min(max, 32<<10))
	for int64(len(buf)) < max {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(max, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// pngText reads a tEXt, zTXt or iTXt chunk.
func (x *extraction) pngText(typ string, data []byte) {
	b := x.b
	i := bytes.IndexByte(data, 0)
	if i <= 0 || i > 79 {
		b.warn("PNG: %s chunk without a keyword", typ)
		return
	}
	key := decodeLatin1(data[:i])
	rest := data[i+1:]
	lang := ""
	var text string
	switch typ {
	case "tEXt":
		text = decodeLatin1(rest)
	case "zTXt":
		if len(rest) < 1 {
			return
		}
		out, ok := x.inflate(rest[1:], x.b.opts.MaxSegmentBytes, "MaxSegmentBytes", "PNG zTXt "+key)
		if !ok {
			return
		}
		text = decodeLatin1(out)
	case "iTXt":
		if len(rest) < 2 {
			return
		}
		compressed := rest[0] == 1
		rest = rest[2:]
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			return
		}
		lang = string(rest[:j])
		rest = rest[j+1:]
		k := bytes.IndexByte(rest, 0)
		if k < 0 {
			return
		}
		rest = rest[k+1:]
		if compressed {
			out, ok := x.inflate(rest, x.b.opts.MaxXMPBytes, "MaxXMPBytes", "PNG iTXt "+key)
			if !ok {
				return
			}
			rest = out
		}
		if key == "XML:com.adobe.xmp" {
			parseXMP(b, rest, prioXMP, "PNG XMP")
			return
		}
		text = string(rest)
	}
	if strings.HasPrefix(key, "Raw profile type ") {
		x.rawProfile(strings.TrimPrefix(key, "Raw profile type "), text)
		return
	}
	alt := func(s string) Value {
		if lang != "" {
			return Value{Kind: KindLangAlt, Alt: []LangText{{lang, s}}}
		}
		return LangAlt(s)
	}
	switch key {
	case "Title":
		b.set("dc:title", alt(text), prioLow)
	case "Author":
		b.set("dc:creator", TextSeq(text), prioLow)
	case "Description":
		b.set("dc:description", alt(text), prioLow)
	case "Copyright":
		b.set("dc:rights", alt(text), prioLow)
	case "Software":
		b.set("xmp:CreatorTool", Text(text), prioLow)
	case "Comment":
		b.set("acs:Comment", Text(text), prioLow)
	case "Creation Time":
		if iso, ok := looseDate(text); ok {
			b.set("xmp:CreateDate", Date(iso), prioLow)
		}
	case "XML:com.adobe.xmp":
		parseXMP(b, []byte(text), prioXMP, "PNG XMP")
	}
}

// rawProfile decodes an ImageMagick "Raw profile type NAME" text:
// "\nNAME\n   LENGTH\nHEX...".
func (x *extraction) rawProfile(name, text string) {
	lines := strings.SplitN(strings.TrimLeft(text, "\n"), "\n", 3)
	if len(lines) < 3 {
		return
	}
	h := strings.Map(func(r rune) rune {
		if r == '\n' || r == ' ' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, lines[2])
	data, err := hex.DecodeString(h)
	if err != nil {
		x.b.warn("PNG: bad raw %s profile", name)
		return
	}
	switch strings.ToLower(name) {
	case "exif", "app1":
		x.exifBlock(data, "PNG raw EXIF profile")
	case "iptc", "8bim":
		if bytes.HasPrefix(data, []byte("8BIM")) {
			x.applyIRB(parseIRB(x.b, data, "PNG raw IPTC profile"), "PNG")
		} else {
			parseIPTC(x.b, data, prioIPTC, "PNG raw IPTC profile")
		}
	case "xmp":
		parseXMP(x.b, data, prioXMP, "PNG raw XMP profile")
	case "icc", "icm":
		parseICC(x.b, data, "PNG raw ICC profile")
	}
}

// looseDate reads the date formats found in informal fields: ISO 8601,
// EXIF, RFC 1123 and RFC 822 variants.
func looseDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if iso, ok := xmpDate(s); ok {
		return iso, true
	}
	if iso, ok := exifDate(s, "", ""); ok {
		return iso, true
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC822Z, time.RFC822, time.RFC850,
		"Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST",
		"Mon Jan 2 15:04:05 2006", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02T15:04:05-07:00"), true
		}
	}
	return "", false
}

// Package indd reads what the service takes from Adobe InDesign files:
// the XMP packet of an INDD or INDT document, found with bounded ranged
// reads, and the page thumbnails that packet carries (xmpGImg:image,
// base64-encoded JPEG, in xmp:PageInfo and xmp:Thumbnails).
//
// An InDesign document starts with two 4096-byte master pages (the GUID
// 0606EDF5-D81D-46E5-BD31-EFE7FE74B71D, "DOCUMENT", the byte order, a
// sequence number and the number of database pages); the XMP packet is
// kept in a contiguous object after the database pages. FindXMP reads the
// master pages for where the objects start, then scans forward for the
// packet in windows, never past MaxScan bytes, and reads at most
// MaxPacket bytes of it. The package imports only the standard library.
package indd

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// GUID starts every InDesign document and template.
const GUID = "\x06\x06\xED\xF5\xD8\x1D\x46\xE5\xBD\x31\xEF\xE7\xFE\x74\xB7\x1D"

// Bounds of the reads.
const (
	// MaxScan is how far into the file the packet is looked for.
	MaxScan = 256 << 20
	// MaxPacket is the largest packet read (page thumbnails make packets
	// of some MB).
	MaxPacket = 64 << 20
	// MaxImage is the largest thumbnail decoded.
	MaxImage = 16 << 20
	window   = 1 << 20
	pageSize = 4096
)

// ErrNotInDesign is a file without the InDesign header.
var ErrNotInDesign = errors.New("not an InDesign document (no master page GUID)")

// ErrNoXMP is a document in which no XMP packet was found.
var ErrNoXMP = errors.New("no XMP packet found")

// IsInDesign reports whether head starts with the InDesign header.
func IsInDesign(head []byte) bool { return bytes.HasPrefix(head, []byte(GUID)) }

func read(r io.ReaderAt, size, off, n int64) ([]byte, error) {
	if off >= size || n <= 0 {
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

// objectsStart returns where the contiguous objects start: after the
// database pages the newer master page counts, or after the two master
// pages when it gives nothing sensible.
func objectsStart(r io.ReaderAt, size int64) (int64, error) {
	b, err := read(r, size, 0, 2*pageSize)
	if err != nil {
		return 0, err
	}
	if !IsInDesign(b) {
		return 0, ErrNotInDesign
	}
	var best uint64
	var pages uint32
	for p := 0; p+pageSize <= len(b); p += pageSize {
		m := b[p:]
		if !bytes.HasPrefix(m, []byte(GUID)) {
			continue
		}
		var bo binary.ByteOrder = binary.LittleEndian
		if m[24] == 2 {
			bo = binary.BigEndian
		}
		if seq := bo.Uint64(m[264:]); seq >= best {
			best, pages = seq, bo.Uint32(m[280:])
		}
	}
	start := int64(pages) * pageSize
	if start < 2*pageSize || start >= size {
		start = 2 * pageSize
	}
	return start, nil
}

// FindXMP returns the XMP packet of the InDesign document r (size
// bytes): from "<?xpacket begin" (or "<x:xmpmeta" without a packet
// wrapper) to the end of its closing processing instruction (or
// "</x:xmpmeta>").
func FindXMP(r io.ReaderAt, size int64) ([]byte, error) {
	start, err := objectsStart(r, size)
	if err != nil {
		return nil, err
	}
	begin, err := scan(r, size, start, [][]byte{[]byte("<?xpacket begin"), []byte("<x:xmpmeta")})
	if errors.Is(err, ErrNoXMP) && start > 2*pageSize {
		begin, err = scan(r, size, 2*pageSize, [][]byte{[]byte("<?xpacket begin"), []byte("<x:xmpmeta")})
	}
	if err != nil {
		return nil, err
	}
	// Read the packet in windows up to its end.
	var packet []byte
	for off := begin; off < size && int64(len(packet)) < MaxPacket; off += window {
		b, err := read(r, size, off, min(window, MaxPacket-int64(len(packet))))
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			break
		}
		from := max(0, len(packet)-32)
		packet = append(packet, b...)
		if i := bytes.Index(packet[from:], []byte("<?xpacket end")); i >= 0 {
			end := bytes.Index(packet[from+i:], []byte("?>"))
			if end >= 0 {
				return packet[:from+i+end+2], nil
			}
		}
		if i := bytes.Index(packet[from:], []byte("</x:xmpmeta>")); i >= 0 {
			return packet[:from+i+len("</x:xmpmeta>")], nil
		}
	}
	if int64(len(packet)) >= MaxPacket {
		return nil, errors.New("XMP packet is larger than " + strconv.Itoa(MaxPacket>>20) + " MB")
	}
	return nil, errors.New("XMP packet is truncated: it has no end")
}

// scan looks for the first of marks from off on, in windows that overlap
// by the longest mark, at most MaxScan bytes.
func scan(r io.ReaderAt, size, off int64, marks [][]byte) (int64, error) {
	const overlap = 32
	for pos := off; pos < size && pos-off < MaxScan; pos += window - overlap {
		b, err := read(r, size, pos, window)
		if err != nil {
			return 0, err
		}
		best := -1
		for _, m := range marks {
			if i := bytes.Index(b, m); i >= 0 && (best < 0 || i < best) {
				best = i
			}
		}
		if best >= 0 {
			return pos + int64(best), nil
		}
		if int64(len(b)) < window {
			break
		}
	}
	return 0, ErrNoXMP
}

// NSImage is the namespace of the XMP image fields (xmpGImg).
const NSImage = "http://ns.adobe.com/xap/1.0/g/img/"

// Thumbnail is one page or document thumbnail of an XMP packet.
type Thumbnail struct {
	// Width and Height are what the packet declares (0 when it does
	// not).
	Width, Height int
	// Format is the declared format, "JPEG" in files InDesign writes.
	Format string
	// Data is the decoded image.
	Data []byte
}

// Thumbnails returns the thumbnails of an XMP packet whose image decodes
// from base64, in the order of the packet; images over MaxImage bytes are
// left out.
func Thumbnails(packet []byte) ([]Thumbnail, error) {
	d := xml.NewDecoder(bytes.NewReader(packet))
	d.Strict = false
	type group struct {
		t     Thumbnail
		image string
	}
	var stack []*group
	var out []Thumbnail
	var field string
	var text strings.Builder
	set := func(g *group, name, v string) {
		v = strings.TrimSpace(v)
		switch name {
		case "width":
			g.t.Width, _ = strconv.Atoi(v)
		case "height":
			g.t.Height, _ = strconv.Atoi(v)
		case "format":
			g.t.Format = v
		case "image":
			g.image = v
		}
	}
	for depth := 0; ; {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > 64 {
				return out, errors.New("XMP elements nested too deeply")
			}
			g := &group{}
			for _, a := range e.Attr {
				if a.Name.Space == NSImage {
					set(g, a.Name.Local, a.Value)
				}
			}
			stack = append(stack, g)
			field = ""
			if e.Name.Space == NSImage {
				field = e.Name.Local
				text.Reset()
			}
		case xml.CharData:
			if field != "" && text.Len()+len(e) <= MaxImage*2 {
				text.Write(e)
			}
		case xml.EndElement:
			depth--
			if len(stack) == 0 {
				continue
			}
			g := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if e.Name.Space == NSImage && field == e.Name.Local && len(stack) > 0 {
				set(stack[len(stack)-1], field, text.String())
				field = ""
				continue
			}
			if g.image != "" {
				data, err := decodeBase64(g.image)
				if err == nil && len(data) > 0 && len(data) <= MaxImage {
					g.t.Data = data
					out = append(out, g.t)
				}
			}
		}
	}
	return out, nil
}

// decodeBase64 decodes base64 text with line breaks and spaces in it.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if len(s) > MaxImage*4/3+4 {
		return nil, errors.New("thumbnail too large")
	}
	return base64.StdEncoding.DecodeString(s)
}

// Largest returns the thumbnail of the most pixels (by the size the
// packet declares, or the most bytes when it declares none), and false
// when there is none.
func Largest(ts []Thumbnail) (Thumbnail, bool) {
	best := -1
	for i, t := range ts {
		if best < 0 {
			best = i
			continue
		}
		b := ts[best]
		pa, pb := t.Width*t.Height, b.Width*b.Height
		if pa > pb || (pa == pb && len(t.Data) > len(b.Data)) {
			best = i
		}
	}
	if best < 0 {
		return Thumbnail{}, false
	}
	return ts[best], true
}

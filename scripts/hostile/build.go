package main

// Byte-level builders for the hostile corpus: PNG chunks, PDF objects with
// a correct cross-reference table, zip archives with chosen (or lying)
// headers, and DEFLATE bombs. Each builder writes what a real encoder
// would, except where a file is meant to lie.

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"sync"

	"github.com/assetcompute/assetcompute/internal/testutil"
)

// pngChunk returns one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	binary.Write(&b, binary.BigEndian, crc.Sum32())
	return b.Bytes()
}

// ihdr returns the data of an IHDR chunk for an 8-bit image of the given
// colour type (0 grey, 2 RGB, 6 RGBA).
func ihdr(w, h uint32, colourType byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, w)
	binary.Write(&b, binary.BigEndian, h)
	b.Write([]byte{8, colourType, 0, 0, 0})
	return b.Bytes()
}

// pngFile assembles a PNG from its chunks (signature and IEND added).
func pngFile(chunks ...[]byte) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	for _, c := range chunks {
		b = append(b, c...)
	}
	return append(b, pngChunk("IEND", nil)...)
}

// greyRows returns the zlib-compressed scanlines (filter byte 0) of a grey
// w x h image, every pixel v. Large images compress to almost nothing.
func greyRows(w, h int, v byte) []byte {
	row := make([]byte, w+1)
	for i := 1; i < len(row); i++ {
		row[i] = v
	}
	var b bytes.Buffer
	z, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	for y := 0; y < h; y++ {
		z.Write(row)
	}
	z.Close()
	return b.Bytes()
}

// zeros is an io.Reader of n zero bytes.
func zeros(n int64) io.Reader { return io.LimitReader(zeroReader{}, n) }

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// deflateCache keeps the compressed bombs: compressing a GiB takes seconds,
// and several files embed the same one.
var deflateCache sync.Map

// rawDeflateOf returns the raw DEFLATE stream of n bytes of r's content,
// where r is made by mk (called once per distinct key).
func rawDeflateOf(key string, mk func() io.Reader) []byte {
	if b, ok := deflateCache.Load(key); ok {
		return b.([]byte)
	}
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	io.Copy(w, mk())
	w.Close()
	deflateCache.Store(key, b.Bytes())
	return b.Bytes()
}

// zlibBomb returns a zlib stream that inflates to n zero bytes, written
// directly (testutil.ZlibBomb) rather than compressed.
func zlibBomb(n int64) []byte { return testutil.ZlibBomb(nil, n) }

// zlibOf compresses b.
func zlibOf(b []byte) []byte {
	var out bytes.Buffer
	z := zlib.NewWriter(&out)
	z.Write(b)
	z.Close()
	return out.Bytes()
}

// pdf assembles a PDF from numbered objects (1-based, in order) with a
// correct xref table; trailer holds the trailer dictionary's entries.
type pdf struct {
	objs    [][]byte
	trailer string
}

// add appends an object and returns its number.
func (p *pdf) add(body string) int {
	p.objs = append(p.objs, []byte(body))
	return len(p.objs)
}

// addStream appends a stream object with the given dictionary entries
// (Length added) and returns its number.
func (p *pdf) addStream(dict string, data []byte) int {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< %s /Length %d >>\nstream\n", dict, len(data))
	b.Write(data)
	b.WriteString("\nendstream")
	p.objs = append(p.objs, b.Bytes())
	return len(p.objs)
}

// set replaces object n's body.
func (p *pdf) set(n int, body string) { p.objs[n-1] = []byte(body) }

// bytes writes the file.
func (p *pdf) bytes() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(p.objs))
	for i, o := range p.objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		b.Write(o)
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(p.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", len(p.objs)+1, p.trailer, xref)
	return b.Bytes()
}

// textPDF returns a valid PDF of n pages, each with one line of Helvetica
// text, plus whatever extra does to the document before it is written
// (catalog and pages are objects 1 and 2).
func textPDF(n int, extra func(p *pdf, catalog string) string) []byte {
	p := &pdf{}
	p.add("") // catalog, set below
	p.add("") // pages, set below
	font := p.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	kids := make([]string, n)
	for i := 0; i < n; i++ {
		content := p.addStream("", fmt.Appendf(nil, "BT /F1 18 Tf 72 720 Td (Page %d of a plain text document.) Tj ET", i+1))
		page := p.add(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", font, content))
		kids[i] = fmt.Sprintf("%d 0 R", page)
	}
	p.set(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	catalog := "/Type /Catalog /Pages 2 0 R"
	if extra != nil {
		catalog = extra(p, catalog)
	}
	p.set(1, "<< "+catalog+" >>")
	p.trailer = "/Root 1 0 R"
	return p.bytes()
}

// zipEntry is one member of a generated archive.
type zipEntry struct {
	name string
	data []byte
	// raw, when set, is the member's DEFLATE stream as stored, with
	// declared sizes size (uncompressed) and crc: it lets an archive hold a
	// bomb without inflating it here, or lie about its size.
	raw  []byte
	size uint64
	crc  uint32
}

// zipFile writes the entries, stored when store is set and deflated
// otherwise.
func zipFile(entries ...zipEntry) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		if e.raw != nil {
			h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, CRC32: e.crc,
				CompressedSize64: uint64(len(e.raw)), UncompressedSize64: e.size}
			w, err := zw.CreateRaw(h)
			if err != nil {
				panic(err)
			}
			w.Write(e.raw)
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
		if err != nil {
			panic(err)
		}
		w.Write(e.data)
	}
	zw.Close()
	return b.Bytes()
}

// crcOfZeros returns the CRC-32 of n zero bytes.
func crcOfZeros(n int64) uint32 {
	c := crc32.NewIEEE()
	io.Copy(c, zeros(n))
	return c.Sum32()
}

// zeroBombEntry is a zip member that inflates to n zero bytes; declared is
// the uncompressed size its headers claim (n for an honest bomb).
func zeroBombEntry(name string, n int64, declared uint64) zipEntry {
	z := zlibBomb(n)
	raw := z[2 : len(z)-4] // the DEFLATE stream inside the zlib wrapper
	return zipEntry{name: name, raw: raw, size: declared, crc: crcOfZeros(n)}
}

// repeatReader repeats s forever.
type repeatReader struct {
	s string
	i int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	for n := range p {
		p[n] = r.s[r.i]
		r.i = (r.i + 1) % len(r.s)
	}
	return len(p), nil
}

// xmlBombEntry is a zip member whose XML inflates to n bytes: prefix, then
// body repeated, then suffix.
func xmlBombEntry(name, prefix, body, suffix string, n int64) zipEntry {
	mk := func() io.Reader {
		return io.MultiReader(strings.NewReader(prefix), io.LimitReader(&repeatReader{s: body}, n), strings.NewReader(suffix))
	}
	raw := rawDeflateOf("xml-"+name+fmt.Sprint(n), mk)
	c := crc32.NewIEEE()
	io.Copy(c, mk())
	return zipEntry{name: name, raw: raw, size: uint64(int64(len(prefix)+len(suffix)) + n), crc: c.Sum32()}
}

package image

import (
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
	"os"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// PNG sources: the header and the metadata chunks, read before libvips.
//
// libpng inflates every zTXt, compressed iTXt and iCCP chunk it meets, up
// to 50 MB each (the limit libvips sets), and libvips keeps each text as
// image metadata that every step of the pipeline carries along: a 1 MB
// PNG with 25 zTXt chunks of 40 MB of zeros each took 53 s to make a
// thumbnail. The engine walks the chunks first, inflating each compressed
// metadata chunk into a counter that stops at maxPNGMetaChunk, and when
// some chunk is over that or all of them together over maxPNGMeta, it
// renders from a copy of the file without the chunks over the budget, in
// file order (an iCCP chunk comes before the image data, most text after
// it). The pixels are untouched; only
// metadata the rendition would not keep anyway is lost (a dropped profile
// makes the source be read as sRGB). The walk reads the chunk headers,
// not the pixel data, and inflates at most maxPNGInflate +
// maxPNGMetaChunk bytes whatever the file holds.

const (
	// maxPNGMetaChunk is the most one text (tEXt, zTXt, iTXt) or
	// profile (iCCP) chunk may inflate to.
	maxPNGMetaChunk = 8 << 20
	// maxPNGMeta is the most all of them together may inflate to.
	maxPNGMeta = 16 << 20
	// maxPNGInflate is the most the walk inflates, whatever the file
	// holds: once it is spent, later compressed chunks are dropped
	// unread.
	maxPNGInflate = 2 * maxPNGMeta
	// maxPNGTextChunks is the most text chunks kept.
	maxPNGTextChunks = 256
	// maxPNGSide is the widest or tallest PNG libvips reads
	// (VIPS_MAX_COORD).
	maxPNGSide = 10_000_000
)

// pngInfo is what the chunk walk finds.
type pngInfo struct {
	width, height int
	interlaced    bool
	// drop lists the chunks to leave out, as [offset, end) of the file.
	drop [][2]int64
	// dropped counts them by chunk type.
	dropped map[string]int
	// inflated is how many bytes the walk inflated.
	inflated int64
}

// readPNGInfo walks the chunks of the PNG file f of the given size. Its
// errors are *api.Error; a chunk cut short by the end of the file ends
// the walk, leaving libvips to report the truncation.
func readPNGInfo(f *os.File, size int64) (*pngInfo, error) {
	corrupt := func(format string, args ...any) error {
		return api.Errorf(api.ReasonSourceCorrupt, "source is a corrupt PNG file: "+format, args...)
	}
	var head [8 + 8 + 13]byte
	if n, _ := f.ReadAt(head[:], 0); n < len(head) {
		return nil, corrupt("it ends inside its header")
	}
	be := binary.BigEndian
	if string(head[12:16]) != "IHDR" || be.Uint32(head[8:]) != 13 {
		return nil, corrupt("it does not start with an IHDR chunk")
	}
	info := &pngInfo{
		width: int(be.Uint32(head[16:])), height: int(be.Uint32(head[20:])),
		interlaced: head[28] == 1, dropped: map[string]int{},
	}
	if info.width == 0 || info.height == 0 || info.width > 1<<31-1 || info.height > 1<<31-1 {
		return nil, corrupt("its header declares %dx%d pixels", info.width, info.height)
	}

	var kept int64 // inflated bytes of the metadata kept so far
	texts := 0
	hdr := make([]byte, 8)
	for pos := int64(8); pos+12 <= size; {
		if _, err := f.ReadAt(hdr, pos); err != nil {
			return nil, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
		}
		length := int64(be.Uint32(hdr))
		typ := string(hdr[4:8])
		end := pos + 12 + length
		if length > 1<<31-1 {
			return nil, corrupt("its %q chunk declares %d bytes", typ, length)
		}
		if end > size || typ == "IEND" {
			break
		}
		data := io.NewSectionReader(f, pos+8, length)
		var n int64 // the chunk's metadata, inflated
		over := false
		switch typ {
		case "tEXt", "zTXt", "iTXt", "iCCP":
			if typ != "iCCP" {
				texts++
			}
			if texts > maxPNGTextChunks || kept >= maxPNGMeta || info.inflated >= maxPNGInflate {
				over = true // past the budget: not even inflated
				break
			}
			var err error
			var inflated int64
			n, inflated, err = pngMetaSize(typ, data, length)
			if err != nil {
				return nil, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
			}
			info.inflated += inflated
			over = n > maxPNGMetaChunk || kept+n > maxPNGMeta
		default:
			pos = end
			continue
		}
		if over {
			info.drop = append(info.drop, [2]int64{pos, end})
			info.dropped[typ]++
		} else {
			kept += n
		}
		pos = end
	}
	return info, nil
}

// pngMetaSize returns the size of a metadata chunk's content once
// inflated, counting at most maxPNGMetaChunk+1 bytes of it, and how many
// bytes it inflated to tell; a compressed stream that is corrupt counts as
// what it yields before the error.
func pngMetaSize(typ string, data *io.SectionReader, length int64) (size, inflated int64, err error) {
	// The header before the text or profile: a keyword and a NUL, then
	// for zTXt and iCCP the compression method, for iTXt a compression
	// flag and method, a language tag and a translated keyword.
	const maxHeader = 80 + 1 + 2 + 2*1024
	head := make([]byte, min(length, maxHeader))
	if _, err := data.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return 0, 0, err
	}
	nul := func(b []byte, from int) int {
		for i := from; i < len(b); i++ {
			if b[i] == 0 {
				return i
			}
		}
		return -1
	}
	k := nul(head, 0)
	if k < 0 {
		return length, 0, nil // malformed: libpng ignores it, count it raw
	}
	compressed := false
	start := int64(k + 1)
	switch typ {
	case "zTXt", "iCCP":
		compressed = true
		start++
	case "iTXt":
		if k+2 >= len(head) {
			return length, 0, nil
		}
		compressed = head[k+1] == 1
		lang := nul(head, k+3)
		if lang < 0 {
			return length, 0, nil
		}
		tkey := nul(head, lang+1)
		if tkey < 0 {
			return length, 0, nil
		}
		start = int64(tkey + 1)
	}
	if !compressed || start >= length {
		return length, 0, nil
	}
	zr, err := zlib.NewReader(io.NewSectionReader(data, start, length-start))
	if err != nil {
		return 0, 0, nil // not a zlib stream: libpng drops it
	}
	defer zr.Close()
	n, err := io.Copy(io.Discard, io.LimitReader(zr, maxPNGMetaChunk+1))
	var pe *os.PathError
	if errors.As(err, &pe) {
		return 0, n, err
	}
	return n, n, nil
}

// writeWithout copies the file src of the given size into a new file in
// dir without the byte ranges in drop (sorted, disjoint) and returns its
// path.
func writeWithout(src *os.File, size int64, drop [][2]int64, dir, pattern string) (string, error) {
	out, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	var pos int64
	for _, d := range append(drop, [2]int64{size, size}) {
		if _, err = io.Copy(out, io.NewSectionReader(src, pos, d[0]-pos)); err != nil {
			break
		}
		pos = d[1]
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(out.Name())
		return "", err
	}
	return out.Name(), nil
}

// checkPNG reads a PNG's header and metadata chunks. When some metadata
// is over the budget it writes a copy without it in dir and returns its
// path in c.path.
func checkPNG(path, dir string, c *sourceCheck) error {
	f, err := os.Open(path)
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	info, err := readPNGInfo(f, fi.Size())
	if err != nil {
		return err
	}
	c.width, c.height = info.width, info.height
	if info.width > maxPNGSide || info.height > maxPNGSide {
		return api.Errorf(api.ReasonSourceTooLarge, "source is %dx%d, more than the %d pixels a side this service reads",
			info.width, info.height, maxPNGSide)
	}
	if info.interlaced {
		c.wholeDecode = "interlaced PNG"
	}
	if len(info.drop) == 0 {
		return nil
	}
	c.path, err = writeWithout(f, fi.Size(), info.drop, dir, ".source-*.png")
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "source copy without its oversized metadata cannot be written")
	}
	return nil
}

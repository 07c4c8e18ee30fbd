package meta

import (
	"bytes"
	"encoding/binary"
	"io"
)

// The camera raw formats that are not TIFF-structured: a Fujifilm RAF
// keeps its EXIF in the JPEG its header points to, a Canon CR3 (ISO base
// media) in the CMT1 (IFD0), CMT2 (Exif IFD) and CMT4 (GPS IFD) boxes of
// Canon's uuid box in moov. Their readers, and those of the
// TIFF-structured raw formats the table of extract.go does not list, join
// it here.
func init() {
	readers["raf"] = readRAF
	readers["cr3"] = readCR3
	readers["mrw"] = readMRW
	// The other TIFF-structured raw formats read like TIFF.
	for _, f := range []string{"srf", "rwl", "srw", "iiq", "3fr", "erf", "kdc", "dcr", "mef", "mos"} {
		readers[f] = readTIFF
	}
}

// readRAF reads the metadata of a Fujifilm RAF: the JPEG at the offset
// and length of its header (big-endian, at 84 and 88), read like a JPEG
// file.
func readRAF(x *extraction) error {
	h, err := x.s.readAt(0, 92)
	if err != nil {
		return corruptf("the RAF header is cut short")
	}
	off, n := int64(binary.BigEndian.Uint32(h[84:])), int64(binary.BigEndian.Uint32(h[88:]))
	if off < 92 || n < 4 || off > x.s.size || n > x.s.size-off {
		return corruptf("the RAF header points its JPEG (%d bytes at %d) outside the file", n, off)
	}
	sub := *x
	sub.s = &src{ctx: x.s.ctx, r: io.NewSectionReader(x.s.r, off, n), size: n, left: x.s.left}
	err = readJPEG(&sub)
	x.s.read += sub.s.read
	x.s.left -= sub.s.read
	if err != nil {
		return err
	}
	rafSize(x)
	return nil
}

// rafSize sets the image size of a RAF to the raw image's, as exiftool
// does: RawImageCroppedSize (0x111) of the metadata block the header
// points to (offset and length at 92 and 96), else RawImageFullSize
// (0x100), each a big-endian height and width. Without them the size
// stays the JPEG's.
func rafSize(x *extraction) {
	h, err := x.s.readAt(0, 100)
	if err != nil {
		return
	}
	off, n := int64(binary.BigEndian.Uint32(h[92:])), int64(binary.BigEndian.Uint32(h[96:]))
	if off < 92 || n < 4 || n > 1<<16 || off > x.s.size || n > x.s.size-off {
		return
	}
	m, err := x.s.readAt(off, n)
	if err != nil {
		return
	}
	count := binary.BigEndian.Uint32(m)
	sizes := map[uint16][2]uint16{}
	p := 4
	for i := uint32(0); i < count && i < 4096 && p+4 <= len(m); i++ {
		tag, size := binary.BigEndian.Uint16(m[p:]), int(binary.BigEndian.Uint16(m[p+2:]))
		p += 4
		if p+size > len(m) {
			break
		}
		if (tag == 0x100 || tag == 0x111) && size == 4 {
			sizes[tag] = [2]uint16{binary.BigEndian.Uint16(m[p:]), binary.BigEndian.Uint16(m[p+2:])}
		}
		p += size
	}
	for _, tag := range []uint16{0x111, 0x100} {
		if hw, ok := sizes[tag]; ok && hw[0] > 0 && hw[1] > 0 {
			x.b.del("tiff:ImageWidth")
			x.b.del("tiff:ImageLength")
			x.b.set("tiff:ImageWidth", Number(float64(hw[1])), prioFile)
			x.b.set("tiff:ImageLength", Number(float64(hw[0])), prioFile)
			return
		}
	}
}

// The uuid of Canon's metadata box in a CR3's moov.
var cr3MetaUUID = []byte{0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48}

// readCR3 reads the metadata of a Canon CR3: the TIFF structures of the
// CMT1, CMT2 and CMT4 boxes, and the XMP of the XMP uuid box when there
// is one.
func readCR3(x *extraction) error {
	moov, ok, err := x.cr3Box(0, x.s.size, "moov", nil)
	if err != nil || !ok {
		return corruptf("CR3: no moov box")
	}
	canon, ok, _ := x.cr3Box(moov[0], moov[1], "uuid", cr3MetaUUID)
	if !ok {
		return corruptf("CR3: no Canon metadata box")
	}
	b := x.b
	strs := map[uint16]string{}
	var last *tiffStruct
	for _, c := range []string{"CMT1", "CMT2", "CMT4"} {
		box, ok, _ := x.cr3Box(canon[0]+16, canon[1], c, nil)
		if !ok {
			continue
		}
		t, err := newTIFF(x.s, box[0], b.opts, func(f string, a ...any) { b.warn("CR3 "+c+": "+f, a...) })
		if err != nil {
			b.warn("CR3 %s: %v", c, err)
			continue
		}
		d, err := t.ReadIFD(t.First, "CR3 "+c)
		if err != nil {
			b.warn("%v", err)
			continue
		}
		switch c {
		case "CMT1": // IFD0
			t.apply(b, d, imageTags, prioEXIF)
			t.apply(b, d, ifd0Tags, prioEXIF)
			t.ifd0Specials(b, d)
			if e, ok := d.Find(0x0132); ok {
				strs[0x0132], _ = t.str(e)
			}
		case "CMT2": // the Exif IFD
			t.apply(b, d, exifIFDTags, prioEXIF)
			t.exifSpecials(b, d, strs)
			last = t
		case "CMT4": // the GPS IFD
			t.apply(b, d, gpsTags, prioEXIF)
			t.gps(b, d)
		}
	}
	if last != nil {
		last.dates(b, strs)
	}
	if len(b.props) == 0 {
		return corruptf("CR3: no readable metadata box")
	}
	// The XMP uuid box: at the top level (where Canon's cameras and
	// exiftool put it), or in moov.
	xmpBox, ok, _ := x.cr3Box(0, x.s.size, "uuid", xmpUUID)
	if !ok {
		xmpBox, ok, _ = x.cr3Box(moov[0], moov[1], "uuid", xmpUUID)
	}
	if ok {
		if n := xmpBox[1] - xmpBox[0] - 16; n > b.opts.MaxXMPBytes {
			b.warn("CR3: XMP box of %d bytes over the limit; skipped", n)
		} else if data, err := x.s.readAt(xmpBox[0]+16, n); err != nil {
			b.warn("CR3 XMP: %s", x.describe(err))
		} else {
			parseXMP(b, data, prioXMP, "CR3 XMP")
		}
	}
	return nil
}

// xmpUUID is the uuid of the XMP box of ISO base media and JPEG 2000 files.
var xmpUUID = []byte("\xBE\x7A\xCF\xCB\x97\xA9\x42\xE8\x9C\x71\x99\x94\x91\xE3\xAF\xAC")

// cr3Box finds the first box of type typ (for "uuid" boxes, with that
// uuid) between start and end, and returns where its payload starts (at
// the uuid, for a uuid box) and ends.
func (x *extraction) cr3Box(start, end int64, typ string, uuid []byte) ([2]int64, bool, error) {
	for pos, n := start, 0; pos+8 <= end && n < 256; n++ {
		h, err := x.s.readAt(pos, 8)
		if err != nil {
			return [2]int64{}, false, err
		}
		size, hdr := int64(binary.BigEndian.Uint32(h)), int64(8)
		switch size {
		case 0:
			size = end - pos
		case 1:
			l, err := x.s.readAt(pos+8, 8)
			if err != nil {
				return [2]int64{}, false, err
			}
			size, hdr = int64(binary.BigEndian.Uint64(l)), 16
		}
		if size < hdr || size > end-pos {
			return [2]int64{}, false, corruptf("CR3 box %q at %d overruns its parent", h[4:8], pos)
		}
		if string(h[4:8]) == typ {
			if uuid == nil {
				return [2]int64{pos + hdr, pos + size}, true, nil
			}
			if u, err := x.s.readAt(pos+hdr, 16); err == nil && bytes.Equal(u, uuid) {
				return [2]int64{pos + hdr, pos + size}, true, nil
			}
		}
		pos += size
	}
	return [2]int64{}, false, nil
}

// readMRW reads the metadata of a Minolta MRW: the TIFF structure of its
// TTW block.
func readMRW(x *extraction) error {
	h, err := x.s.readAt(0, 8)
	if err != nil {
		return corruptf("the MRW header is cut short")
	}
	end := min(x.s.size, 8+int64(binary.BigEndian.Uint32(h[4:])))
	for pos, n := int64(8), 0; pos+8 <= end && n < 256; n++ {
		b, err := x.s.readAt(pos, 8)
		if err != nil {
			return corruptf("MRW block at %d is cut short", pos)
		}
		size := int64(binary.BigEndian.Uint32(b[4:]))
		if string(b[:4]) == "\x00TTW" {
			t, ifd0 := x.tiffBlock(x.s, pos+8, modeTIFF, "MRW TTW")
			if t == nil || ifd0 == nil {
				return corruptf("the MRW TTW block is not a readable TIFF structure")
			}
			x.tiffEmbedded(t, ifd0, "MRW")
			return nil
		}
		pos += 8 + size
	}
	return corruptf("MRW: no TTW block")
}

package raw

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// makerNote finds the previews of the maker notes that keep one in a
// simple place: Nikon (PreviewIFD), Olympus (CameraSettings
// PreviewImageStart), Pentax (PreviewImageStart), Minolta
// (PreviewImageStart).
func (w *tiffWalk) makerNote(e entry) {
	var h [16]byte
	if _, err := w.t.r.ReadAt(h[:], e.valOff); err != nil {
		return
	}
	order := func(b []byte) binary.ByteOrder {
		switch string(b) {
		case "II":
			return binary.LittleEndian
		case "MM":
			return binary.BigEndian
		}
		return nil
	}
	sub := func(base, first int64, bo binary.ByteOrder) *tiffReader {
		return &tiffReader{r: w.t.r, size: w.size, base: base, bo: bo, first: first, visited: map[int64]bool{}}
	}
	add := func(mt *tiffReader, d *ifd, startTag, lenTag uint16, name string) {
		off, ok1 := mt.uint(d, startTag)
		n, ok2 := mt.uint(d, lenTag)
		if ok1 && ok2 {
			w.info.addJPEG(w.t.r, w.size, name, mt.base+int64(off), int64(n))
		}
	}
	switch {
	case bytes.HasPrefix(h[:], []byte("Nikon\x00")):
		mt, _, err := newTIFF(w.t.r, w.size, e.valOff+10)
		if err != nil {
			return
		}
		d, _, err := mt.readIFD(mt.first)
		if err != nil {
			return
		}
		if o, ok := mt.uint(d, 0x0011); ok {
			if p, _, err := mt.readIFD(int64(o)); err == nil {
				add(mt, p, tagJPEGOffset, tagJPEGLength, "PreviewImage (Nikon maker note)")
			}
		}
	case bytes.HasPrefix(h[:], []byte("OLYMPUS\x00")) || bytes.HasPrefix(h[:], []byte("OM SYSTEM\x00")):
		hdr := int64(12)
		if h[0] == 'O' && h[1] == 'M' {
			hdr = 16
		}
		var bb [2]byte
		if _, err := w.t.r.ReadAt(bb[:], e.valOff+hdr-4); err != nil {
			return
		}
		bo := order(bb[:])
		if bo == nil {
			return
		}
		mt := sub(e.valOff, hdr, bo)
		d, _, err := mt.readIFD(hdr)
		if err != nil {
			return
		}
		if o, ok := mt.uint(d, 0x2020); ok {
			if cs, _, err := mt.readIFD(int64(o)); err == nil {
				add(mt, cs, 0x0101, 0x0102, "PreviewImage (Olympus maker note)")
			}
		}
	case bytes.HasPrefix(h[:], []byte("AOC\x00")):
		bo := order(h[4:6])
		if bo == nil {
			return
		}
		mt := sub(w.t.base, e.valOff+6-w.t.base, bo)
		if d, _, err := mt.readIFD(mt.first); err == nil {
			add(mt, d, 0x0004, 0x0003, "PreviewImage (Pentax maker note)")
		}
	case strings.HasPrefix(strings.ToUpper(w.info.Make), "MINOLTA") || strings.HasPrefix(strings.ToUpper(w.info.Make), "KONICA MINOLTA"):
		mt := sub(w.t.base, e.valOff-w.t.base, w.t.bo)
		if d, _, err := mt.readIFD(mt.first); err == nil {
			add(mt, d, 0x0088, 0x0089, "PreviewImage (Minolta maker note)")
		}
	}
}

// inspectRAF reads a Fujifilm RAF: the header's JPEG (whose EXIF holds
// the orientation) and the metadata block's sensor sizes.
func inspectRAF(r io.ReaderAt, size int64, info *Info) error {
	var h [108]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return corrupt("the RAF header is cut short: %v", err)
	}
	be := binary.BigEndian
	info.Make = "FUJIFILM"
	info.Model = strings.TrimRight(string(h[28:60]), "\x00 ")
	jOff, jLen := int64(be.Uint32(h[84:])), int64(be.Uint32(h[88:]))
	mOff, mLen := int64(be.Uint32(h[92:])), int64(be.Uint32(h[96:]))
	info.addJPEG(r, size, "RAF JPEG", jOff, jLen)
	if p, ok := info.Largest(); ok && p.orientation != 0 {
		info.Orientation = p.orientation
	}
	if mOff > 0 && mLen >= 4 && mOff+mLen <= size {
		meta := make([]byte, min(mLen, 64<<10))
		if _, err := r.ReadAt(meta, mOff); err != nil {
			return nil
		}
		count := int(be.Uint32(meta))
		pos := 4
		for i := 0; i < count && i < 256 && pos+4 <= len(meta); i++ {
			tag, n := be.Uint16(meta[pos:]), int(be.Uint16(meta[pos+2:]))
			pos += 4
			if pos+n > len(meta) {
				break
			}
			if n >= 4 {
				hgt, wid := int(be.Uint16(meta[pos:])), int(be.Uint16(meta[pos+2:]))
				switch tag {
				case 0x100:
					info.setSensor(wid, hgt)
				case 0x111:
					info.CropWidth, info.CropHeight = wid, hgt
				}
			}
			pos += n
		}
	}
	if info.SensorWidth == 0 && info.CropWidth > 0 {
		info.setSensor(info.CropWidth, info.CropHeight)
	}
	return nil
}

// Bounds of the ISO base media walk.
const (
	maxBoxes   = 256
	maxBoxDeep = 8
)

// The uuids of Canon's CR3 boxes.
var (
	cr3CanonUUID   = []byte{0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48}
	cr3PreviewUUID = []byte{0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d, 0x16}
)

// boxHdr is one ISO base media box: its type and where its payload is.
type boxHdr struct {
	typ        string
	start, end int64 // payload
}

// boxes lists the boxes between start and end.
func boxes(r io.ReaderAt, start, end int64) ([]boxHdr, error) {
	var out []boxHdr
	for pos := start; pos+8 <= end; {
		if len(out) >= maxBoxes {
			return out, fmt.Errorf("more than %d boxes", maxBoxes)
		}
		var h [16]byte
		if _, err := r.ReadAt(h[:8], pos); err != nil {
			return out, fmt.Errorf("box at %d: %w", pos, err)
		}
		size, hdr := int64(binary.BigEndian.Uint32(h[:])), int64(8)
		switch size {
		case 0:
			size = end - pos
		case 1:
			if _, err := r.ReadAt(h[8:16], pos+8); err != nil {
				return out, fmt.Errorf("box at %d: %w", pos, err)
			}
			size, hdr = int64(binary.BigEndian.Uint64(h[8:])), 16
		}
		if size < hdr || pos+size > end || size < 0 {
			return out, fmt.Errorf("box %q at %d overruns its parent", h[4:8], pos)
		}
		out = append(out, boxHdr{typ: string(h[4:8]), start: pos + hdr, end: pos + size})
		pos += size
	}
	return out, nil
}

// soiIn returns the offset of a JPEG start of image within the first
// bytes of a box's payload, or -1.
func soiIn(r io.ReaderAt, b boxHdr) int64 {
	buf := make([]byte, min(64, b.end-b.start))
	if _, err := r.ReadAt(buf, b.start); err != nil {
		return -1
	}
	i := bytes.Index(buf, []byte{0xFF, 0xD8, 0xFF})
	if i < 0 {
		return -1
	}
	return b.start + int64(i)
}

// inspectCR3 reads a Canon CR3: CMT1 (IFD0: camera, orientation), the THMB
// thumbnail, the PRVW preview, the JPEG of the first track and the raw
// track's size.
func inspectCR3(r io.ReaderAt, size int64, info *Info) error {
	top, err := boxes(r, 0, size)
	if err != nil && len(top) == 0 {
		return corrupt("CR3: %v", err)
	}
	moov := false
	for _, b := range top {
		switch b.typ {
		case "moov":
			moov = true
			kids, _ := boxes(r, b.start, b.end)
			traks := 0
			for _, k := range kids {
				switch {
				case k.typ == "uuid" && hasUUID(r, k, cr3CanonUUID):
					canon, _ := boxes(r, k.start+16, k.end)
					for _, c := range canon {
						switch c.typ {
						case "CMT1":
							var sub Info
							if inspectTIFF(r, c.end, c.start, &sub) == nil {
								info.Orientation, info.Make, info.Model = sub.Orientation, sub.Make, sub.Model
							}
						case "THMB":
							if s := soiIn(r, c); s > 0 {
								info.addJPEG(r, size, "CR3 THMB", s, c.end-s)
							}
						}
					}
				case k.typ == "trak":
					cr3Track(r, size, k, traks, info)
					traks++
				}
			}
		case "uuid":
			if hasUUID(r, b, cr3PreviewUUID) {
				kids, _ := boxes(r, b.start+24, b.end)
				for _, k := range kids {
					if k.typ == "PRVW" {
						if s := soiIn(r, k); s > 0 {
							info.addJPEG(r, size, "CR3 PRVW", s, k.end-s)
						}
					}
				}
			}
		}
	}
	if !moov {
		return corrupt("CR3: no moov box")
	}
	return nil
}

func hasUUID(r io.ReaderAt, b boxHdr, uuid []byte) bool {
	var u [16]byte
	if b.end-b.start < 16 {
		return false
	}
	if _, err := r.ReadAt(u[:], b.start); err != nil {
		return false
	}
	return bytes.Equal(u[:], uuid)
}

// cr3Track reads a CR3 track: the size of its CRAW sample entry (the
// sensor, for the raw tracks) and, for the first track, its one sample,
// the full-size JPEG.
func cr3Track(r io.ReaderAt, size int64, trak boxHdr, index int, info *Info) {
	b := trak
	for _, typ := range []string{"mdia", "minf", "stbl"} {
		kids, _ := boxes(r, b.start, b.end)
		found := false
		for _, k := range kids {
			if k.typ == typ {
				b, found = k, true
				break
			}
		}
		if !found {
			return
		}
	}
	kids, _ := boxes(r, b.start, b.end)
	var sampleSize, sampleOff int64
	for _, k := range kids {
		buf := make([]byte, min(k.end-k.start, 64))
		if _, err := r.ReadAt(buf, k.start); err != nil {
			continue
		}
		be := binary.BigEndian
		switch k.typ {
		case "stsd":
			// version/flags, count, then the first entry: size, type,
			// 6 reserved, 2 index, 16 pre-defined, width, height.
			if len(buf) >= 8+8+28 && string(buf[12:16]) == "CRAW" {
				info.setSensor(int(be.Uint16(buf[8+8+24:])), int(be.Uint16(buf[8+8+26:])))
			}
		case "stsz":
			if len(buf) >= 12 {
				sampleSize = int64(be.Uint32(buf[4:]))
				if sampleSize == 0 && be.Uint32(buf[8:]) > 0 && len(buf) >= 16 {
					sampleSize = int64(be.Uint32(buf[12:]))
				}
			}
		case "co64":
			if len(buf) >= 16 && be.Uint32(buf[4:]) > 0 {
				sampleOff = int64(be.Uint64(buf[8:]))
			}
		case "stco":
			if len(buf) >= 12 && be.Uint32(buf[4:]) > 0 {
				sampleOff = int64(be.Uint32(buf[8:]))
			}
		}
	}
	if index == 0 && sampleOff > 0 && sampleSize > 0 {
		info.addJPEG(r, size, "CR3 JPEG", sampleOff, sampleSize)
	}
}

// inspectCRW reads a Canon CRW (CIFF): JpgFromRaw (0x2007) and the image
// size and rotation of ImageSpec (0x1810).
func inspectCRW(r io.ReaderAt, size int64, info *Info) error {
	var h [6]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return corrupt("CRW header: %v", err)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if h[0] == 'M' {
		bo = binary.BigEndian
	}
	hlen := int64(bo.Uint32(h[2:]))
	if hlen < 14 || hlen >= size {
		return corrupt("CRW header length %d", hlen)
	}
	info.Make = "Canon"
	dirs := 0
	var heap func(start, end int64, depth int) error
	heap = func(start, end int64, depth int) error {
		dirs++
		if depth > maxDepth || dirs > maxIFDs || end-start < 6 {
			return fmt.Errorf("CIFF directory at %d: too deep or too many", start)
		}
		var b [4]byte
		if _, err := r.ReadAt(b[:], end-4); err != nil {
			return err
		}
		tbl := start + int64(bo.Uint32(b[:]))
		if tbl < start || tbl+2 > end {
			return fmt.Errorf("CIFF table at %d outside its heap", tbl)
		}
		if _, err := r.ReadAt(b[:2], tbl); err != nil {
			return err
		}
		n := int64(bo.Uint16(b[:]))
		if n > maxEntries || tbl+2+10*n > end {
			return fmt.Errorf("CIFF table at %d declares %d entries", tbl, n)
		}
		ents := make([]byte, 10*n)
		if _, err := r.ReadAt(ents, tbl+2); err != nil {
			return err
		}
		for i := int64(0); i < n; i++ {
			e := ents[10*i:]
			tag := bo.Uint16(e)
			ln, off := int64(bo.Uint32(e[2:])), start+int64(bo.Uint32(e[6:]))
			if tag&0xC000 != 0 { // value in the record itself
				continue
			}
			if off < start || off+ln > end {
				continue
			}
			switch {
			case tag&0x3800 == 0x2800 || tag&0x3800 == 0x3000:
				if err := heap(off, off+ln, depth+1); err != nil {
					info.Rejected = append(info.Rejected, err.Error())
				}
			case tag&0x3FFF == 0x2007:
				info.addJPEG(r, size, "JpgFromRaw", off, ln)
			case tag&0x3FFF == 0x1810 && ln >= 16:
				var s [16]byte
				if _, err := r.ReadAt(s[:], off); err == nil {
					info.setSensor(int(bo.Uint32(s[:])), int(bo.Uint32(s[4:])))
					switch int32(bo.Uint32(s[12:])) {
					case 90:
						info.Orientation = 6
					case 180:
						info.Orientation = 3
					case 270, -90:
						info.Orientation = 8
					}
				}
			}
		}
		return nil
	}
	if err := heap(hlen, size, 0); err != nil {
		return corrupt("CRW: %v", err)
	}
	return nil
}

// inspectMRW reads a Minolta MRW: the sensor size of its PRD block and
// the TIFF structure of its TTW block (orientation, maker note preview).
func inspectMRW(r io.ReaderAt, size int64, info *Info) error {
	var h [8]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return corrupt("MRW header: %v", err)
	}
	end := min(size, 8+int64(binary.BigEndian.Uint32(h[4:])))
	blocks := 0
	for pos := int64(8); pos+8 <= end && blocks < maxBoxes; blocks++ {
		if _, err := r.ReadAt(h[:], pos); err != nil {
			return corrupt("MRW block at %d: %v", pos, err)
		}
		n := int64(binary.BigEndian.Uint32(h[4:]))
		if pos+8+n > size {
			return corrupt("MRW block %q overruns the file", h[1:4])
		}
		switch string(h[:4]) {
		case "\x00PRD":
			var p [12]byte
			if _, err := r.ReadAt(p[:], pos+8); err == nil {
				info.setSensor(int(binary.BigEndian.Uint16(p[10:])), int(binary.BigEndian.Uint16(p[8:])))
			}
		case "\x00TTW":
			sensorW, sensorH := info.SensorWidth, info.SensorHeight
			if err := inspectTIFF(r, pos+8+n, pos+8, info); err != nil {
				return err
			}
			info.SensorWidth, info.SensorHeight = sensorW, sensorH
		}
		pos += 8 + n
	}
	return nil
}

// inspectX3F reads a Sigma X3F: the directory at the end of the file
// lists image sections; a JPEG one (format 18) is the preview, the
// largest other one the sensor.
func inspectX3F(r io.ReaderAt, size int64, info *Info) error {
	info.Make = "SIGMA"
	var b [12]byte
	if size < 40 {
		return corrupt("X3F file of %d bytes", size)
	}
	if _, err := r.ReadAt(b[:4], size-4); err != nil {
		return corrupt("X3F directory pointer: %v", err)
	}
	le := binary.LittleEndian
	dir := int64(le.Uint32(b[:]))
	if dir <= 0 || dir+12 > size {
		return corrupt("X3F directory at %d is outside the file", dir)
	}
	if _, err := r.ReadAt(b[:], dir); err != nil || string(b[:4]) != "SECd" {
		return corrupt("no X3F directory at %d", dir)
	}
	n := int64(le.Uint32(b[8:]))
	if n > maxEntries || dir+12+12*n > size {
		return corrupt("X3F directory declares %d entries", n)
	}
	ents := make([]byte, 12*n)
	if _, err := r.ReadAt(ents, dir+12); err != nil {
		return corrupt("X3F directory: %v", err)
	}
	for i := int64(0); i < n; i++ {
		e := ents[12*i:]
		off, ln, typ := int64(le.Uint32(e)), int64(le.Uint32(e[4:])), string(e[8:12])
		if (typ != "IMA2" && typ != "IMAG") || ln < 28 || off+ln > size {
			continue
		}
		var s [28]byte
		if _, err := r.ReadAt(s[:], off); err != nil || string(s[:4]) != "SECi" {
			continue
		}
		format, cols, rows := le.Uint32(s[12:]), int(le.Uint32(s[16:])), int(le.Uint32(s[20:]))
		if format == 18 {
			info.addJPEG(r, size, "X3F JPEG", off+28, ln-28)
		} else {
			info.setSensor(cols, rows)
		}
	}
	return nil
}

package raw

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
)

// Preview is a picture embedded in a raw file.
type Preview struct {
	// Name says where it was found: "JpgFromRaw", "PreviewImage",
	// "ThumbnailImage", "DNG preview", "RAF JPEG", "CR3 PRVW", ...
	Name string
	// Offset and Length locate its bytes in the file.
	Offset, Length int64
	// Width and Height are its size as stored, before orientation.
	Width, Height int
	// RGB is true for an uncompressed 8-bit RGB strip, false for a JPEG.
	RGB bool
	// orientation is the EXIF orientation of a JPEG's own APP1, 0 when
	// it has none.
	orientation int
}

// Pixels is Width x Height.
func (p Preview) Pixels() int64 { return int64(p.Width) * int64(p.Height) }

// String describes the preview: "PreviewImage 1616x1080 JPEG".
func (p Preview) String() string {
	kind := "JPEG"
	if p.RGB {
		kind = "RGB"
	}
	return fmt.Sprintf("%s %dx%d %s", p.Name, p.Width, p.Height, kind)
}

// Info is what a raw file declares: its camera, orientation, sensor size
// and embedded previews.
type Info struct {
	// Layout is the container: "tiff" (TIFF-structured raw files: DNG,
	// NEF, ARW, CR2, PEF, ORF, RW2, ...), "raf", "cr3", "crw", "mrw" or
	// "x3f".
	Layout string
	// Make and Model name the camera, when the file says.
	Make, Model string
	// Orientation is the EXIF orientation of the raw image (1 to 8; 1
	// when the file records none).
	Orientation int
	// SensorWidth and SensorHeight are the declared size of the raw
	// image, 0 when unknown.
	SensorWidth, SensorHeight int
	// CropWidth and CropHeight are the default crop (DNG
	// DefaultCropSize, RAF cropped size), or the sensor size; CropX and
	// CropY its origin (DNG DefaultCropOrigin), in sensor pixels.
	CropWidth, CropHeight int
	CropX, CropY          int
	// Previews are the embedded pictures that can be decoded, largest
	// first.
	Previews []Preview
	// Rejected describes the embedded pictures found that cannot be used
	// (a lossless JPEG, one that points outside the file), for messages.
	Rejected []string
	// RawMissing, when set, says why the file is cut short: its raw
	// data, a directory or a preview lies beyond the end of the file.
	RawMissing string
}

// Largest returns the largest preview, and false when there is none.
func (i *Info) Largest() (Preview, bool) {
	if len(i.Previews) == 0 {
		return Preview{}, false
	}
	return i.Previews[0], true
}

// found describes what the file holds, for messages: "previews
// PreviewImage 160x120 JPEG; sensor 6000x4000".
func (i *Info) found() string {
	var b bytes.Buffer
	if len(i.Previews) == 0 {
		b.WriteString("no usable embedded preview")
	} else {
		b.WriteString("embedded previews ")
		for k, p := range i.Previews {
			if k > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.String())
		}
	}
	if i.SensorWidth > 0 {
		fmt.Fprintf(&b, "; declared sensor size %dx%d", i.SensorWidth, i.SensorHeight)
	}
	return b.String()
}

// Inspect reads the structure of the raw file r (size bytes) with a few
// ranged reads: it never reads the raw data or the previews' pixels, only
// directories and headers. A file whose structure cannot be read is an
// *api.Error with reason SourceCorrupt; a layout Inspect does not know,
// SourceFormatUnsupported.
func Inspect(r io.ReaderAt, size int64) (*Info, error) {
	head := make([]byte, 32)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	info := &Info{Orientation: 1}
	var err error
	switch {
	case bytes.HasPrefix(head, []byte("FUJIFILMCCD-RAW")):
		info.Layout = "raf"
		err = inspectRAF(r, size, info)
	case len(head) >= 12 && string(head[4:8]) == "ftyp" && string(head[8:12]) == "crx ":
		info.Layout = "cr3"
		err = inspectCR3(r, size, info)
	case len(head) >= 14 && (string(head[:2]) == "II" || string(head[:2]) == "MM") && string(head[6:14]) == "HEAPCCDR":
		info.Layout = "crw"
		err = inspectCRW(r, size, info)
	case bytes.HasPrefix(head, []byte("\x00MRM")):
		info.Layout = "mrw"
		err = inspectMRW(r, size, info)
	case bytes.HasPrefix(head, []byte("FOVb")):
		info.Layout = "x3f"
		err = inspectX3F(r, size, info)
	case bytes.HasPrefix(head, []byte("II")) || bytes.HasPrefix(head, []byte("MM")):
		info.Layout = "tiff"
		err = inspectTIFF(r, size, 0, info)
	case n < 8:
		return nil, corrupt("the file is %d bytes long, too short for a raw image", size)
	default:
		return nil, unsupportedFormat("the file's structure is not one of a camera raw format this service reads (TIFF-based, RAF, CR3, CRW, MRW, X3F)")
	}
	if err != nil {
		return nil, err
	}
	if info.CropWidth == 0 {
		info.CropWidth, info.CropHeight = info.SensorWidth, info.SensorHeight
	}
	sort.SliceStable(info.Previews, func(a, b int) bool { return info.Previews[a].Pixels() > info.Previews[b].Pixels() })
	return info, nil
}

// addJPEG checks the JPEG of length bytes at off and adds it as a
// preview called name, or records why it cannot be used.
func (info *Info) addJPEG(r io.ReaderAt, size int64, name string, off, length int64) {
	if off <= 0 || length <= 0 || off+length > size {
		info.Rejected = append(info.Rejected, fmt.Sprintf("%s (%d bytes at %d) lies outside the file", name, length, off))
		if off > 0 && off < size && length < 1<<30 {
			info.cut(fmt.Sprintf("the embedded %s would end at byte %d, but the file is %d bytes long", name, off+length, size))
		}
		return
	}
	for _, p := range info.Previews {
		if p.Offset == off {
			return // the same picture through two tags
		}
	}
	j, err := readJPEGInfo(r, off, length)
	if err != nil {
		info.Rejected = append(info.Rejected, fmt.Sprintf("%s: %v", name, err))
		return
	}
	info.Previews = append(info.Previews, Preview{Name: name, Offset: off, Length: length, Width: j.width, Height: j.height, orientation: j.orientation})
}

// cut records that the file was cut short, once.
func (info *Info) cut(why string) {
	if info.RawMissing == "" {
		info.RawMissing = why
	}
}

// setSensor records a raw image of w x h, keeping the largest.
func (info *Info) setSensor(w, h int) {
	if w > 0 && h > 0 && int64(w)*int64(h) > int64(info.SensorWidth)*int64(info.SensorHeight) {
		info.SensorWidth, info.SensorHeight = w, h
	}
}

// Photometric interpretations of raw data.
const (
	photometricCFA       = 32803
	photometricLinearRaw = 34892
)

// inspectTIFF walks the TIFF structure at base: the IFD chain, SubIFDs,
// the EXIF IFD and the maker notes it knows.
func inspectTIFF(r io.ReaderAt, size, base int64, info *Info) error {
	t, magic, err := newTIFF(r, size, base)
	if err != nil {
		return err
	}
	w := &tiffWalk{t: t, info: info, magic: magic, size: size}
	off := t.first
	for i := 0; off != 0; i++ {
		d, next, err := t.readIFD(off)
		if err != nil {
			if i == 0 {
				return corrupt("IFD0: %v", err)
			}
			info.Rejected = append(info.Rejected, fmt.Sprintf("IFD%d: %v", i, err))
			if errors.Is(err, errOutside) {
				info.cut(fmt.Sprintf("IFD%d lies beyond the end of the file (%d bytes)", i, size))
			}
			break
		}
		w.scan(d, 0, i)
		off = next
	}
	if info.SensorWidth == 0 {
		info.setSensor(w.pixelX, w.pixelY)
	}
	return nil
}

// tiffWalk is the state of one walk over a TIFF structure.
type tiffWalk struct {
	t              *tiffReader
	info           *Info
	magic          uint16
	size           int64
	pixelX, pixelY int // EXIF PixelX/YDimension, the fallback sensor size
	dng            bool
}

// scan reads what one directory holds and follows its children. chain is
// the directory's index in the IFD chain at depth 0, -1 elsewhere.
func (w *tiffWalk) scan(d *ifd, depth, chain int) {
	t, info := w.t, w.info
	if chain == 0 && depth == 0 {
		if o, ok := t.uint(d, tagOrientation); ok && o >= 1 && o <= 8 {
			info.Orientation = int(o)
		}
		info.Make, info.Model = t.str(d, tagMake), t.str(d, tagModel)
		_, w.dng = d.entries[tagDNGVersion]
	}
	name := "PreviewImage"
	if chain == 1 {
		name = "ThumbnailImage"
	} else if depth > 0 {
		name = "JpgFromRaw"
	}
	// JPEGInterchangeFormat: the NEF JpgFromRaw, the ARW and PEF
	// previews, the EXIF thumbnail.
	if off, ok := t.uint(d, tagJPEGOffset); ok {
		if n, ok := t.uint(d, tagJPEGLength); ok {
			info.addJPEG(t.r, w.size, name, t.base+int64(off), int64(n))
		}
	}
	// RW2: the JPEG is the value of tag 0x2E.
	if w.magic == 0x55 {
		if e, ok := d.entries[tagJpgFromRawRW2]; ok && e.far {
			info.addJPEG(t.r, w.size, "JpgFromRaw", e.valOff, int64(e.count))
		}
	}
	w.image(d, chain)
	if e, ok := d.entries[tagSubIFDs]; ok && depth < maxDepth {
		offs, err := t.uints(e, 16)
		if errors.Is(err, errOutside) {
			info.cut(fmt.Sprintf("the SubIFDs list lies beyond the end of the file (%d bytes)", w.size))
		}
		if err == nil {
			for _, o := range offs {
				if sub, _, err := t.readIFD(int64(o)); err == nil {
					w.scan(sub, depth+1, -1)
				} else {
					info.Rejected = append(info.Rejected, "SubIFD: "+err.Error())
					if errors.Is(err, errOutside) {
						info.cut(fmt.Sprintf("a SubIFD lies beyond the end of the file (%d bytes)", w.size))
					}
				}
			}
		}
	}
	if o, ok := t.uint(d, tagExifIFD); ok && depth < maxDepth {
		if exif, _, err := t.readIFD(int64(o)); err == nil {
			if x, ok := t.uint(exif, tagPixelXDimension); ok {
				y, _ := t.uint(exif, tagPixelYDimension)
				w.pixelX, w.pixelY = int(x), int(y)
			}
			if e, ok := exif.entries[tagMakerNote]; ok && e.far {
				w.makerNote(e)
			}
		}
	}
}

// image reads the image a directory describes: raw data (the sensor
// size, and whether the data is inside the file), a JPEG in one strip (a
// DNG preview, a CR2 IFD0 preview), or an uncompressed RGB strip.
func (w *tiffWalk) image(d *ifd, chain int) {
	t, info := w.t, w.info
	width, _ := t.uint(d, tagImageWidth)
	height, _ := t.uint(d, tagImageLength)
	comp, _ := t.uint(d, tagCompression)
	photo, _ := t.uint(d, tagPhotometric)
	offE, hasStrips := d.entries[tagStripOffsets]
	cntE, hasCounts := d.entries[tagStripByteCounts]
	if photo == photometricCFA || photo == photometricLinearRaw {
		info.setSensor(int(width), int(height))
		if cw, ok := d.entries[tagDefaultCropSize]; ok {
			if v, err := t.uints(cw, 2); err == nil && len(v) == 2 && v[0] > 0 && v[1] > 0 && v[0] <= width && v[1] <= height {
				info.CropWidth, info.CropHeight = int(v[0]), int(v[1])
				if co, ok := d.entries[tagDefaultCropOrig]; ok {
					if o, err := t.uints(co, 2); err == nil && len(o) == 2 && o[0]+v[0] <= width && o[1]+v[1] <= height {
						info.CropX, info.CropY = int(o[0]), int(o[1])
					}
				}
			}
		}
		if hasStrips && hasCounts {
			if end, ok := w.lastEnd(offE, cntE); ok && end > w.size {
				info.RawMissing = fmt.Sprintf("the raw data (%dx%d) would end at byte %d, but the file is %d bytes long", width, height, end, w.size)
			}
		}
		return
	}
	if !hasStrips || !hasCounts || offE.count != 1 {
		return
	}
	off, _ := t.uint(d, tagStripOffsets)
	n, _ := t.uint(d, tagStripByteCounts)
	switch {
	case comp == 6 || comp == 7:
		name := "PreviewImage"
		if w.dng {
			name = "DNG preview"
		}
		info.addJPEG(t.r, w.size, name, t.base+int64(off), int64(n))
	case comp == 1 && photo == 2 && width > 0 && height > 0 && width <= 4096 && height <= 4096:
		spp, _ := t.uint(d, tagSamplesPerPixel)
		bps, _ := t.uint(d, tagBitsPerSample)
		if spp == 3 && bps == 8 && int64(n) >= int64(width*height*3) && t.base+int64(off)+int64(n) <= w.size {
			name := "ThumbnailImage"
			if chain > 0 {
				name = fmt.Sprintf("IFD%d RGB image", chain)
			}
			info.Previews = append(info.Previews, Preview{Name: name, Offset: t.base + int64(off), Length: int64(n), Width: int(width), Height: int(height), RGB: true})
		}
	}
}

// lastEnd returns where the last strip of an image ends: the last value
// of offsets plus the last of counts.
func (w *tiffWalk) lastEnd(offE, cntE entry) (int64, bool) {
	last := func(e entry) (uint64, bool) {
		if e.count == 0 {
			return 0, false
		}
		sz := typeSize(e.typ)
		if !e.far {
			v, err := w.t.uints(e, int(e.count))
			if err != nil || len(v) == 0 {
				return 0, false
			}
			return v[len(v)-1], true
		}
		one := e
		one.count = 1
		one.valOff = e.valOff + sz*int64(e.count-1)
		one.far = true
		v, err := w.t.uints(one, 1)
		if err != nil || len(v) == 0 {
			return 0, false
		}
		return v[0], true
	}
	o, ok1 := last(offE)
	c, ok2 := last(cntE)
	if !ok1 || !ok2 {
		return 0, false
	}
	return w.t.base + int64(o) + int64(c), true
}

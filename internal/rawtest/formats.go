package rawtest

import (
	"bytes"
	"encoding/binary"
)

// TIFF tags used by the writers.
const (
	tagNewSubfileType  = 254
	tagImageWidth      = 256
	tagImageLength     = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagMake            = 271
	tagModel           = 272
	tagStripOffsets    = 273
	tagOrientation     = 274
	tagSamplesPerPixel = 277
	tagRowsPerStrip    = 278
	tagStripByteCounts = 279
	tagPlanarConfig    = 284
	tagSubIFDs         = 330
	tagJPEGOffset      = 513
	tagJPEGLength      = 514
	tagCFARepeat       = 33421
	tagCFAPattern      = 33422
	tagDNGVersion      = 50706
	tagDNGBackward     = 50707
	tagUniqueModel     = 50708
	tagCFAPlaneColor   = 50710
	tagCFALayout       = 50711
	tagBlackLevel      = 50714
	tagWhiteLevel      = 50717
	tagCropOrigin      = 50719
	tagCropSize        = 50720
	tagColorMatrix1    = 50721
	tagAsShotNeutral   = 50728
	tagIlluminant1     = 50778
	tagPreviewSpace    = 50970
)

// DNG describes a DNG file: uncompressed 16-bit CFA data (RGGB) of the
// scene in a SubIFD, an RGB thumbnail in IFD0, and optionally a JPEG
// preview in a second SubIFD.
type DNG struct {
	// Width and Height are the sensor's size (even numbers).
	Width, Height int
	// Orientation is the EXIF orientation (0 is 1, upright).
	Orientation int
	// PreviewWidth and PreviewHeight are the size of the JPEG preview
	// SubIFD; 0 for none.
	PreviewWidth, PreviewHeight int
	// ThumbWidth and ThumbHeight are the size of the uncompressed RGB
	// thumbnail of IFD0; 0 takes 8 x 8.
	ThumbWidth, ThumbHeight int
	// CutRawData leaves the CFA data out of the file, as a truncated
	// copy would: the raw SubIFD still points to where it would be.
	CutRawData bool
	// CropWidth and CropHeight, when set, are the DefaultCropSize (the
	// crop is centred).
	CropWidth, CropHeight int
	// Compression, when set, is the raw IFD's Compression tag instead of
	// 1 (the data stays uncompressed): 52546, JPEG XL, makes a DNG that
	// LibRaw 0.20 cannot read.
	Compression uint16
	// Lossless stores the CFA data as a lossless JPEG (Compression 7),
	// as Adobe's converter and most cameras that write DNG do.
	Lossless bool
}

// Bytes writes the DNG.
func (d DNG) Bytes() []byte {
	tw, th := d.ThumbWidth, d.ThumbHeight
	if tw == 0 {
		tw, th = 8, 8
	}
	rgb := rgbScene(tw, th)
	var cfa []byte
	compression := d.Compression
	if compression == 0 {
		compression = 1
	}
	if !d.CutRawData {
		samples := make([]uint16, d.Width*d.Height)
		// RGGB: (even row, even column) red, (odd, odd) blue.
		for y := 0; y < d.Height; y++ {
			for x := 0; x < d.Width; x++ {
				c := Quadrants(x, y, d.Width, d.Height)
				ch := 1
				switch {
				case y%2 == 0 && x%2 == 0:
					ch = 0
				case y%2 == 1 && x%2 == 1:
					ch = 2
				}
				samples[y*d.Width+x] = uint16(c[ch] * 60000)
			}
		}
		if d.Lossless {
			cfa, compression = LosslessJPEG(samples, d.Width, d.Height), 7
		} else {
			cfa = make([]byte, 2*len(samples))
			for i, v := range samples {
				binary.LittleEndian.PutUint16(cfa[2*i:], v)
			}
		}
	}
	rawBytes := 2 * d.Width * d.Height
	if cfa != nil {
		rawBytes = len(cfa)
	}
	raw := &IFD{Entries: []Entry{
		Longs(tagNewSubfileType, 0),
		Longs(tagImageWidth, uint32(d.Width)),
		Longs(tagImageLength, uint32(d.Height)),
		Shorts(tagBitsPerSample, 16),
		Shorts(tagCompression, compression),
		Shorts(tagPhotometric, 32803),
		Shorts(tagSamplesPerPixel, 1),
		Longs(tagRowsPerStrip, uint32(d.Height)),
		Longs(tagStripByteCounts, uint32(rawBytes)),
		Shorts(tagPlanarConfig, 1),
		Shorts(tagCFARepeat, 2, 2),
		Bytes(tagCFAPattern, 0, 1, 1, 2),
		Bytes(tagCFAPlaneColor, 0, 1, 2),
		Shorts(tagCFALayout, 1),
		Longs(tagBlackLevel, 0),
		Longs(tagWhiteLevel, 65535),
	}}
	if d.CutRawData {
		// Points past the end of the file.
		raw.Entries = append(raw.Entries, Longs(tagStripOffsets, 1<<30))
	} else {
		raw.Entries = append(raw.Entries, BlobAt(tagStripOffsets, cfa))
	}
	if d.CropWidth > 0 {
		raw.Entries = append(raw.Entries,
			Longs(tagCropOrigin, uint32(d.Width-d.CropWidth)/2, uint32(d.Height-d.CropHeight)/2),
			Longs(tagCropSize, uint32(d.CropWidth), uint32(d.CropHeight)))
	}
	subs := []*IFD{raw}
	if d.PreviewWidth > 0 {
		j := JPEG(d.PreviewWidth, d.PreviewHeight)
		subs = append(subs, &IFD{Entries: []Entry{
			Longs(tagNewSubfileType, 1),
			Longs(tagImageWidth, uint32(d.PreviewWidth)),
			Longs(tagImageLength, uint32(d.PreviewHeight)),
			Shorts(tagBitsPerSample, 8, 8, 8),
			Shorts(tagCompression, 7),
			Shorts(tagPhotometric, 6),
			Shorts(tagSamplesPerPixel, 3),
			Longs(tagRowsPerStrip, uint32(d.PreviewHeight)),
			BlobAt(tagStripOffsets, j),
			Longs(tagStripByteCounts, uint32(len(j))),
			Shorts(tagPlanarConfig, 1),
			Longs(tagPreviewSpace, 2),
		}})
	}
	orientation := d.Orientation
	if orientation == 0 {
		orientation = 1
	}
	ifd0 := &IFD{Entries: []Entry{
		Longs(tagNewSubfileType, 1),
		Longs(tagImageWidth, uint32(tw)),
		Longs(tagImageLength, uint32(th)),
		Shorts(tagBitsPerSample, 8, 8, 8),
		Shorts(tagCompression, 1),
		Shorts(tagPhotometric, 2),
		String(tagMake, "Acme"),
		String(tagModel, "Acme Test DNG"),
		BlobAt(tagStripOffsets, rgb),
		Shorts(tagOrientation, uint16(orientation)),
		Shorts(tagSamplesPerPixel, 3),
		Longs(tagRowsPerStrip, uint32(th)),
		Longs(tagStripByteCounts, uint32(len(rgb))),
		Shorts(tagPlanarConfig, 1),
		SubIFDs(tagSubIFDs, subs...),
		Bytes(tagDNGVersion, 1, 4, 0, 0),
		Bytes(tagDNGBackward, 1, 1, 0, 0),
		String(tagUniqueModel, "Acme Test DNG"),
		// XYZ (D65) to camera: the camera sees linear sRGB.
		SRationals(tagColorMatrix1, 10000,
			32406, -15372, -4986,
			-9689, 18758, 415,
			557, -2040, 10570),
		Shorts(tagIlluminant1, 21),
		Rationals(tagAsShotNeutral, 1000, 1000, 1000, 1000),
	}}
	return TIFF(ifd0, 42)
}

// TIFFRaw describes a TIFF-structured raw file of a camera maker's layout
// with a JPEG preview: see NEF and ARW.
type TIFFRaw struct {
	// Width and Height are the sensor's size.
	Width, Height int
	// Orientation is the EXIF orientation (0 is 1).
	Orientation int
	// PreviewWidth and PreviewHeight are the JPEG preview's size.
	PreviewWidth, PreviewHeight int
}

// cfaIFD is a raw IFD of w x h 16-bit samples, all zero.
func cfaIFD(w, h int) *IFD {
	data := make([]byte, 2*w*h)
	return &IFD{Entries: []Entry{
		Longs(tagNewSubfileType, 0),
		Longs(tagImageWidth, uint32(w)),
		Longs(tagImageLength, uint32(h)),
		Shorts(tagBitsPerSample, 16),
		Shorts(tagCompression, 1),
		Shorts(tagPhotometric, 32803),
		Shorts(tagSamplesPerPixel, 1),
		BlobAt(tagStripOffsets, data),
		Longs(tagRowsPerStrip, uint32(h)),
		Longs(tagStripByteCounts, uint32(len(data))),
		Shorts(tagCFARepeat, 2, 2),
		Bytes(tagCFAPattern, 0, 1, 1, 2),
	}}
}

func (t TIFFRaw) orientation() uint16 {
	if t.Orientation == 0 {
		return 1
	}
	return uint16(t.Orientation)
}

// NEF writes a file laid out like a Nikon NEF: IFD0 an uncompressed
// 160x120 thumbnail, SubIFD 0 the JPEG preview (JpgFromRaw, through
// JPEGInterchangeFormat), SubIFD 1 the CFA data.
func (t TIFFRaw) NEF() []byte {
	j := JPEG(t.PreviewWidth, t.PreviewHeight)
	thumb := rgbScene(160, 120)
	preview := &IFD{Entries: []Entry{
		Longs(tagNewSubfileType, 1),
		Shorts(tagCompression, 6),
		BlobAt(tagJPEGOffset, j),
		Longs(tagJPEGLength, uint32(len(j))),
	}}
	ifd0 := &IFD{Entries: []Entry{
		Longs(tagNewSubfileType, 1),
		Longs(tagImageWidth, 160),
		Longs(tagImageLength, 120),
		Shorts(tagBitsPerSample, 8, 8, 8),
		Shorts(tagCompression, 1),
		Shorts(tagPhotometric, 2),
		String(tagMake, "NIKON CORPORATION"),
		String(tagModel, "NIKON TEST"),
		BlobAt(tagStripOffsets, thumb),
		Shorts(tagOrientation, t.orientation()),
		Shorts(tagSamplesPerPixel, 3),
		Longs(tagRowsPerStrip, 120),
		Longs(tagStripByteCounts, uint32(len(thumb))),
		SubIFDs(tagSubIFDs, preview, cfaIFD(t.Width, t.Height)),
	}}
	return TIFF(ifd0, 42)
}

// ARW writes a file laid out like a Sony ARW: IFD0 holds the JPEG
// preview (through JPEGInterchangeFormat) and points to the CFA data in
// a SubIFD; IFD1 holds a small JPEG thumbnail.
func (t TIFFRaw) ARW() []byte {
	j := JPEG(t.PreviewWidth, t.PreviewHeight)
	small := JPEG(160, 120)
	ifd1 := &IFD{Entries: []Entry{
		Longs(tagNewSubfileType, 1),
		Shorts(tagCompression, 6),
		BlobAt(tagJPEGOffset, small),
		Longs(tagJPEGLength, uint32(len(small))),
	}}
	ifd0 := &IFD{Entries: []Entry{
		Longs(tagNewSubfileType, 1),
		Shorts(tagCompression, 6),
		String(tagMake, "SONY"),
		String(tagModel, "ILCE-TEST"),
		Shorts(tagOrientation, t.orientation()),
		SubIFDs(tagSubIFDs, cfaIFD(t.Width, t.Height)),
		BlobAt(tagJPEGOffset, j),
		Longs(tagJPEGLength, uint32(len(j))),
	}, Next: ifd1}
	return TIFF(ifd0, 42)
}

// ExifJPEG returns a JPEG of the scene at w x h with an APP1 Exif segment
// holding orientation (and Make), as a camera writes.
func ExifJPEG(w, h, orientation int) []byte {
	j := JPEG(w, h)
	exif := TIFF(&IFD{Entries: []Entry{
		String(tagMake, "FUJIFILM"),
		Shorts(tagOrientation, uint16(orientation)),
	}}, 42)
	seg := append([]byte("Exif\x00\x00"), exif...)
	out := append([]byte{0xFF, 0xD8, 0xFF, 0xE1}, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	return append(out, j[2:]...)
}

// RAF writes a Fujifilm RAF: its header, the camera's JPEG (with Exif
// orientation) and a metadata block declaring a sensor of w x h.
func RAF(w, h, jpegW, jpegH, orientation int) []byte {
	j := ExifJPEG(jpegW, jpegH, orientation)
	hdr := make([]byte, 148)
	copy(hdr, "FUJIFILMCCD-RAW 0201FF383501")
	copy(hdr[28:], "X-TEST")
	copy(hdr[60:], "0100")
	// Metadata: two records, full size and cropped size (height, width).
	var meta bytes.Buffer
	_ = binary.Write(&meta, binary.BigEndian, uint32(2))
	for _, tag := range []uint16{0x100, 0x111} {
		_ = binary.Write(&meta, binary.BigEndian, []uint16{tag, 4, uint16(h), uint16(w)})
	}
	jOff := uint32(len(hdr))
	mOff := jOff + uint32(len(j))
	cfaOff := mOff + uint32(meta.Len())
	cfa := make([]byte, 4096)
	be := binary.BigEndian
	be.PutUint32(hdr[84:], jOff)
	be.PutUint32(hdr[88:], uint32(len(j)))
	be.PutUint32(hdr[92:], mOff)
	be.PutUint32(hdr[96:], uint32(meta.Len()))
	be.PutUint32(hdr[100:], cfaOff)
	be.PutUint32(hdr[104:], uint32(len(cfa)))
	out := append(hdr, j...)
	out = append(out, meta.Bytes()...)
	return append(out, cfa...)
}

// box writes an ISO base media box.
func box(typ string, payload ...[]byte) []byte {
	n := 8
	for _, p := range payload {
		n += len(p)
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(n))
	out = append(out, typ...)
	for _, p := range payload {
		out = append(out, p...)
	}
	return out
}

func be16(v ...int) []byte {
	var b []byte
	for _, x := range v {
		b = binary.BigEndian.AppendUint16(b, uint16(x))
	}
	return b
}

func be32(v ...int) []byte {
	var b []byte
	for _, x := range v {
		b = binary.BigEndian.AppendUint32(b, uint32(x))
	}
	return b
}

// The uuids of Canon's CR3 boxes.
var (
	canonUUID   = []byte{0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48}
	previewUUID = []byte{0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d, 0x16}
)

// CR3 describes a Canon CR3-like file: ISO base media with a THMB
// thumbnail in the Canon uuid box of moov, a PRVW preview in its own uuid
// box, and optionally the full-size JPEG as the first track's sample.
type CR3 struct {
	// Width and Height are the sensor's size (the CRAW entry of the raw
	// track).
	Width, Height int
	// Orientation is the EXIF orientation in CMT1 (0 is 1).
	Orientation int
	// PreviewWidth and PreviewHeight are the PRVW JPEG's size.
	PreviewWidth, PreviewHeight int
	// FullWidth and FullHeight, when set, are the size of the JPEG of
	// the first track.
	FullWidth, FullHeight int
	// DateTimeOriginal ("2024:05:06 07:08:09") and ISO, when set, are
	// written in a CMT2 box (the Exif IFD).
	DateTimeOriginal string
	ISO              int
}

// trak is a track whose one sample (a CRAW entry of w x h) is size
// bytes at offset.
func trak(w, h, offset, size int) []byte {
	entry := box("CRAW", make([]byte, 6), be16(1), make([]byte, 16), be16(w, h), make([]byte, 50))
	stsd := box("stsd", be32(0, 1), entry)
	stsz := box("stsz", be32(0, size, 1))
	co64 := box("co64", be32(0, 1), binary.BigEndian.AppendUint64(nil, uint64(offset)))
	return box("trak", box("mdia", box("minf", box("stbl", stsd, stsz, co64))))
}

// Bytes writes the CR3.
func (c CR3) Bytes() []byte {
	o := c.Orientation
	if o == 0 {
		o = 1
	}
	cmt1 := TIFF(&IFD{Entries: []Entry{
		String(tagMake, "Canon"),
		String(tagModel, "Canon EOS TEST"),
		Shorts(tagOrientation, uint16(o)),
	}}, 42)
	thumb := JPEG(160, 120)
	thmb := box("THMB", be32(0), be16(160, 120), be32(len(thumb)), be16(1, 0), thumb)
	kids := [][]byte{canonUUID, box("CNCV", []byte("CanonCR3_001/00.10.00/00.00.00")), box("CMT1", cmt1)}
	if c.DateTimeOriginal != "" || c.ISO != 0 {
		var exif []Entry
		if c.DateTimeOriginal != "" {
			exif = append(exif, String(0x9003, c.DateTimeOriginal))
		}
		if c.ISO != 0 {
			exif = append(exif, Shorts(0x8827, uint16(c.ISO)))
		}
		kids = append(kids, box("CMT2", TIFF(&IFD{Entries: exif}, 42)))
	}
	canon := box("uuid", append(kids, thmb)...)
	prvJPEG := JPEG(c.PreviewWidth, c.PreviewHeight)
	prvw := box("PRVW", be32(0), be16(1, c.PreviewWidth, c.PreviewHeight, 1), be32(len(prvJPEG)), prvJPEG)
	prv := box("uuid", previewUUID, make([]byte, 8), prvw)
	ftyp := box("ftyp", []byte("crx "), be32(1), []byte("crx isom"))
	var full []byte
	if c.FullWidth > 0 {
		full = JPEG(c.FullWidth, c.FullHeight)
	}
	rawData := make([]byte, 1024)
	// moov's size does not depend on the offsets: lay it out once with
	// zeros, then again with the mdat offsets.
	layout := func(mdatData int) []byte {
		var traks [][]byte
		if full != nil {
			traks = append(traks, trak(c.FullWidth, c.FullHeight, mdatData, len(full)))
		}
		traks = append(traks, trak(c.Width, c.Height, mdatData+len(full), len(rawData)))
		return box("moov", append([][]byte{canon}, traks...)...)
	}
	moov := layout(0)
	mdatData := len(ftyp) + len(moov) + len(prv) + 8
	moov = layout(mdatData)
	out := append(append(append([]byte(nil), ftyp...), moov...), prv...)
	return append(out, box("mdat", full, rawData)...)
}

// RW2 writes a file laid out like a Panasonic RW2: the RW2 header (magic
// 0x55), IFD0 holding the sensor size, the orientation, the JPEG preview
// as the value of tag 0x2E (JpgFromRaw) and the CFA data.
func (t TIFFRaw) RW2() []byte {
	j := JPEG(t.PreviewWidth, t.PreviewHeight)
	data := make([]byte, 2*t.Width*t.Height)
	ifd0 := &IFD{Entries: []Entry{
		Shorts(0x0002, uint16(t.Width)),  // SensorWidth
		Shorts(0x0003, uint16(t.Height)), // SensorHeight
		{Tag: 0x002E, Type: Undefined, Count: uint32(len(j)), Value: j},
		Longs(tagImageWidth, uint32(t.Width)),
		Longs(tagImageLength, uint32(t.Height)),
		Shorts(tagPhotometric, 32803),
		String(tagMake, "Panasonic"),
		String(tagModel, "DC-TEST"),
		BlobAt(tagStripOffsets, data),
		Shorts(tagOrientation, t.orientation()),
		Longs(tagStripByteCounts, uint32(len(data))),
	}}
	return TIFF(ifd0, 0x55)
}

// rgbScene returns the scene as w x h 8-bit RGB samples.
func rgbScene(w, h int) []byte {
	rgb := make([]byte, 0, w*h*3)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := Quadrants(x, y, w, h)
			rgb = append(rgb, gamma(c[0]), gamma(c[1]), gamma(c[2]))
		}
	}
	return rgb
}

// CR2 writes a file laid out like a Canon CR2: the "CR" marker after the
// TIFF header, IFD0 the JPEG preview in one strip (Compression 6) with the
// EXIF IFD (PixelXDimension, PixelYDimension: the sensor's size), IFD1 a
// 160x120 JPEG thumbnail, IFD2 a small uncompressed RGB image, IFD3 the
// raw data as a lossless JPEG.
func (t TIFFRaw) CR2() []byte {
	j := JPEG(t.PreviewWidth, t.PreviewHeight)
	thumb := JPEG(160, 120)
	small := rgbScene(96, 64)
	samples := make([]uint16, t.Width*t.Height)
	for i := range samples {
		samples[i] = uint16(i % 4096)
	}
	ljpeg := LosslessJPEG(samples, t.Width, t.Height)
	ifd3 := &IFD{Entries: []Entry{
		Shorts(tagCompression, 6),
		BlobAt(tagStripOffsets, ljpeg),
		Longs(tagStripByteCounts, uint32(len(ljpeg))),
		Shorts(0xC640, 1, uint16(t.Width), uint16(t.Width)), // CR2Slice
	}}
	ifd2 := &IFD{Entries: []Entry{
		Longs(tagImageWidth, 96),
		Longs(tagImageLength, 64),
		Shorts(tagBitsPerSample, 8, 8, 8),
		Shorts(tagCompression, 1),
		Shorts(tagPhotometric, 2),
		BlobAt(tagStripOffsets, small),
		Shorts(tagSamplesPerPixel, 3),
		Longs(tagRowsPerStrip, 64),
		Longs(tagStripByteCounts, uint32(len(small))),
	}, Next: ifd3}
	ifd1 := &IFD{Entries: []Entry{
		Shorts(tagCompression, 6),
		BlobAt(tagJPEGOffset, thumb),
		Longs(tagJPEGLength, uint32(len(thumb))),
	}, Next: ifd2}
	ifd0 := &IFD{Entries: []Entry{
		Longs(tagImageWidth, uint32(t.PreviewWidth)),
		Longs(tagImageLength, uint32(t.PreviewHeight)),
		Shorts(tagBitsPerSample, 8, 8, 8),
		Shorts(tagCompression, 6),
		String(tagMake, "Canon"),
		String(tagModel, "Canon EOS TEST"),
		BlobAt(tagStripOffsets, j),
		Shorts(tagOrientation, t.orientation()),
		Longs(tagStripByteCounts, uint32(len(j))),
		SubIFDs(0x8769, &IFD{Entries: []Entry{
			Longs(0xA002, uint32(t.Width)),
			Longs(0xA003, uint32(t.Height)),
		}}),
	}, Next: ifd1}
	// The CR2 header: "CR", version 2.0, and the offset of IFD3, which
	// readers find through the IFD chain as well (left 0 here).
	return TIFFAfter(ifd0, 42, []byte{'C', 'R', 2, 0, 0, 0, 0, 0})
}

package image

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/metablock"
)

// A reader of the composite image of Photoshop files (PSD, and PSB, the
// large document format), written from Adobe's file format
// specification. A PSD file is a header, colour mode data (the palette of
// an indexed image), image resources (the ICC profile, XMP, EXIF and IPTC
// among them), layer and mask information, and last the image data
// section: the merged result of all layers, which Photoshop writes when
// "maximize compatibility" is on. Only that section is read; layers are
// not composited. It holds one plane per channel, raw or PackBits (RLE)
// compressed row by row.

// PSD colour modes.
const (
	psdBitmap    = 0
	psdGrey      = 1
	psdIndexed   = 2
	psdRGB       = 3
	psdCMYK      = 4
	psdMulti     = 7
	psdDuotone   = 8
	psdLab       = 9
	psdMaxCount  = 56
	psdMaxSide   = 30000
	psbMaxSide   = 300000
	maxResources = 64 << 20
)

// psdInfo is what the header and the sections before the image data say.
type psdInfo struct {
	big                       bool // PSB
	channels, width, height   int
	depth, mode               int
	palette                   []byte
	icc, xmp, exif, iptc      []byte
	noComposite               bool // saved without "maximize compatibility"
	mergedAlpha               bool // the first extra channel is the merged transparency
	dataOffset                int64
	colourChannels, usedChans int
}

func psdCorrupt(format string, args ...any) error {
	return api.Errorf(api.ReasonSourceCorrupt, "source is a corrupt PSD file: "+format, args...)
}

func psdUnsupported(format string, args ...any) error {
	return api.Errorf(api.ReasonSourceFormatUnsupported, "source is a PSD file this service cannot render: "+format, args...)
}

// readPSDInfo reads everything up to the image data section.
func readPSDInfo(f *os.File) (*psdInfo, error) {
	r := bufio.NewReader(f)
	var pos int64
	read := func(n int) ([]byte, error) {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, psdCorrupt("it ends inside its header sections")
		}
		pos += int64(n)
		return b, nil
	}
	skip := func(n int64) error {
		if n < 0 {
			return psdCorrupt("a section has a negative length")
		}
		if n <= int64(r.Buffered()) {
			_, _ = r.Discard(int(n))
			pos += n
			return nil
		}
		pos += n
		if _, err := f.Seek(pos, io.SeekStart); err != nil {
			return api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
		}
		r.Reset(f)
		return nil
	}
	be := binary.BigEndian
	h, err := read(26)
	if err != nil {
		return nil, err
	}
	if string(h[:4]) != "8BPS" {
		return nil, psdCorrupt("no 8BPS signature")
	}
	info := &psdInfo{
		channels: int(be.Uint16(h[12:])), height: int(be.Uint32(h[14:])), width: int(be.Uint32(h[18:])),
		depth: int(be.Uint16(h[22:])), mode: int(be.Uint16(h[24:])),
	}
	maxSide := psdMaxSide
	switch be.Uint16(h[4:]) {
	case 1:
	case 2:
		info.big, maxSide = true, psbMaxSide
	default:
		return nil, psdUnsupported("version %d", be.Uint16(h[4:]))
	}
	if info.channels < 1 || info.channels > psdMaxCount || info.width < 1 || info.height < 1 ||
		info.width > maxSide || info.height > maxSide {
		return nil, psdCorrupt("%d channels of %dx%d pixels", info.channels, info.width, info.height)
	}
	switch info.mode {
	case psdBitmap:
		info.colourChannels = 1
		if info.depth != 1 {
			return nil, psdCorrupt("a bitmap image of depth %d", info.depth)
		}
	case psdGrey, psdDuotone, psdIndexed:
		info.colourChannels = 1
	case psdRGB:
		info.colourChannels = 3
	case psdCMYK:
		info.colourChannels = 4
	case psdLab:
		return nil, psdUnsupported("Lab colour mode")
	case psdMulti:
		return nil, psdUnsupported("multichannel colour mode")
	default:
		return nil, psdUnsupported("colour mode %d", info.mode)
	}
	if info.mode != psdBitmap && info.depth != 8 && info.depth != 16 {
		return nil, psdUnsupported("%d bits per channel (8 and 16 are read)", info.depth)
	}
	if info.channels < info.colourChannels {
		return nil, psdCorrupt("%d channels for colour mode %d", info.channels, info.mode)
	}
	if info.mode == psdIndexed && info.depth != 8 {
		return nil, psdCorrupt("an indexed image of depth %d", info.depth)
	}

	// Colour mode data: the palette of an indexed image.
	b, err := read(4)
	if err != nil {
		return nil, err
	}
	if n := int64(be.Uint32(b)); info.mode == psdIndexed {
		if n < 768 || n > 1<<16 {
			return nil, psdCorrupt("an indexed image without a palette")
		}
		if info.palette, err = read(int(n)); err != nil {
			return nil, err
		}
	} else if err := skip(n); err != nil {
		return nil, err
	}

	// Image resources.
	if b, err = read(4); err != nil {
		return nil, err
	}
	if n := int64(be.Uint32(b)); n > maxResources {
		if err := skip(n); err != nil {
			return nil, err
		}
	} else {
		res, err := read(int(n))
		if err != nil {
			return nil, err
		}
		info.icc = metablock.FindResource(res, metablock.ResourceICC)
		info.xmp = metablock.FindResource(res, metablock.ResourceXMP)
		info.exif = metablock.FindResource(res, metablock.ResourceEXIF)
		info.iptc = metablock.FindResource(res, metablock.ResourceIPTC)
		if v := metablock.FindResource(res, metablock.ResourceVersion); len(v) >= 5 && v[4] == 0 {
			info.noComposite = true // version info: hasRealMergedData false
		}
	}

	// Layer and mask information: only the sign of the layer count.
	lenSize := 4
	if info.big {
		lenSize = 8
	}
	if b, err = read(lenSize); err != nil {
		return nil, err
	}
	section := readLen(b)
	if section > 0 {
		if b, err = read(lenSize); err != nil {
			return nil, err
		}
		layerInfo := readLen(b)
		consumed := int64(lenSize)
		if layerInfo >= 2 {
			c, err := read(2)
			if err != nil {
				return nil, err
			}
			consumed += 2
			info.mergedAlpha = int16(be.Uint16(c)) < 0
		}
		if section < consumed {
			return nil, psdCorrupt("the layer section is shorter than its content")
		}
		if err := skip(section - consumed); err != nil {
			return nil, err
		}
	}
	info.dataOffset = pos
	info.usedChans = info.colourChannels
	if info.mergedAlpha && info.channels > info.colourChannels && info.mode != psdIndexed && info.mode != psdBitmap {
		info.usedChans++
	} else {
		info.mergedAlpha = false
	}
	return info, nil
}

func readLen(b []byte) int64 {
	if len(b) == 8 {
		v := binary.BigEndian.Uint64(b)
		if v > 1<<62 {
			return -1
		}
		return int64(v)
	}
	return int64(binary.BigEndian.Uint32(b))
}

// psdSpace returns the libvips interpretation and band count of the image
// the engine makes from info.
func (info *psdInfo) space() (colourSpace, int) {
	deep := info.depth == 16
	switch info.mode {
	case psdRGB:
		if deep {
			return spaceRGB16, info.usedChans
		}
		return spaceSRGB, info.usedChans
	case psdIndexed:
		return spaceSRGB, 3
	case psdCMYK:
		return spaceCMYK, info.usedChans
	}
	if deep {
		return spaceGrey16, info.usedChans
	}
	return spaceBW, info.usedChans
}

// psdHeader reads a PSD's header sections.
func psdHeader(path string) (header, error) {
	f, err := os.Open(path)
	if err != nil {
		return header{}, api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	defer f.Close()
	info, err := readPSDInfo(f)
	if err != nil {
		return header{}, err
	}
	if info.noComposite {
		return header{}, psdUnsupported(`it was saved without a composite image (turn on "Maximize PSD and PSB File Compatibility" in Photoshop)`)
	}
	space, bands := info.space()
	return header{
		Width: info.width, Height: info.height, Bands: bands, Orientation: 1,
		HasProfile: info.icc != nil, Space: space, Pages: 1, Loader: "psd (Go)",
		XMP: info.xmp, EXIF: info.exif, IPTC: info.iptc,
	}, nil
}

// decodePSD decodes the composite image of a PSD into memory libvips owns.
func decodePSD(ctx context.Context, path string) (*vipsImage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	defer f.Close()
	info, err := readPSDInfo(f)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(info.dataOffset, io.SeekStart); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	r := bufio.NewReaderSize(f, 1<<16)
	space, bands := info.space()
	sample := 1
	if info.depth == 16 {
		sample = 2
	}
	w, h := info.width, info.height
	buf := newPixelBuffer(w * h * bands * sample)
	if buf == nil {
		return nil, errOutOfMemory
	}
	if err := info.readPlanes(ctx, r, buf.Pix, bands, sample); err != nil {
		buf.free()
		return nil, err
	}
	img, err := imageFromPixels(buf, w, h, bands, sample == 2, space)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "decoded pixels cannot be handed to libvips")
	}
	if info.icc != nil {
		img.setBlob("icc-profile-data", info.icc)
	}
	return img, nil
}

// readPlanes reads the image data section into pix, interleaved, bands
// samples of sample bytes per pixel.
func (info *psdInfo) readPlanes(ctx context.Context, r *bufio.Reader, pix []byte, bands, sample int) error {
	be := binary.BigEndian
	var comp [2]byte
	if _, err := io.ReadFull(r, comp[:]); err != nil {
		return psdCorrupt("it ends before its image data")
	}
	w, h := info.width, info.height
	rowBytes := (w*info.depth + 7) / 8
	var counts []int
	switch c := be.Uint16(comp[:]); c {
	case 0:
	case 1:
		size := 2
		if info.big {
			size = 4
		}
		table := make([]byte, info.channels*h*size)
		if _, err := io.ReadFull(r, table); err != nil {
			return psdCorrupt("it ends inside its row table")
		}
		counts = make([]int, info.channels*h)
		for i := range counts {
			if size == 2 {
				counts[i] = int(be.Uint16(table[2*i:]))
			} else {
				counts[i] = int(be.Uint32(table[4*i:]))
			}
		}
	default:
		return psdUnsupported("image data compression %d (raw and RLE are read)", c)
	}
	row := make([]byte, rowBytes)
	var packed []byte
	maxSample := 255
	if sample == 2 {
		maxSample = 65535
	}
	for c := 0; c < info.usedChans; c++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("image: PSD decoding stopped: %w", err)
		}
		invert := info.mode == psdCMYK && c < 4 // Photoshop stores CMYK as 255 = no ink
		for y := 0; y < h; y++ {
			if counts == nil {
				if _, err := io.ReadFull(r, row); err != nil {
					return psdCorrupt("its image data is truncated")
				}
			} else {
				n := counts[c*h+y]
				if cap(packed) < n {
					packed = make([]byte, n)
				}
				packed = packed[:n]
				if _, err := io.ReadFull(r, packed); err != nil {
					return psdCorrupt("its image data is truncated")
				}
				if err := unpackBits(packed, row); err != nil {
					return err
				}
			}
			info.scatter(row, pix, c, y, bands, sample, invert, maxSample)
		}
	}
	return nil
}

// scatter writes one channel's row into the interleaved buffer.
func (info *psdInfo) scatter(row, pix []byte, c, y, bands, sample int, invert bool, maxSample int) {
	w := info.width
	base := y * w * bands * sample
	switch {
	case info.mode == psdBitmap: // 1 bit per pixel, 1 is black
		for x := 0; x < w; x++ {
			v := byte(255)
			if row[x>>3]&(0x80>>(x&7)) != 0 {
				v = 0
			}
			pix[base+x] = v
		}
	case info.mode == psdIndexed:
		pal := info.palette
		for x := 0; x < w; x++ {
			k := int(row[x])
			o := base + 3*x
			pix[o], pix[o+1], pix[o+2] = pal[k], pal[256+k], pal[512+k]
		}
	case sample == 1:
		for x := 0; x < w; x++ {
			v := row[x]
			if invert {
				v = 255 - v
			}
			pix[base+x*bands+c] = v
		}
	default:
		for x := 0; x < w; x++ {
			v := binary.BigEndian.Uint16(row[2*x:])
			if invert {
				v = uint16(maxSample) - v
			}
			binary.NativeEndian.PutUint16(pix[base+(x*bands+c)*2:], v)
		}
	}
}

var errPackBits = errors.New("PackBits data does not fill its row")

// unpackBits decodes one PackBits-compressed row into row, which it must
// fill exactly.
func unpackBits(src, row []byte) error {
	o := 0
	for i := 0; i < len(src) && o < len(row); {
		n := int(int8(src[i]))
		i++
		switch {
		case n >= 0:
			if i+n+1 > len(src) || o+n+1 > len(row) {
				return api.Wrap(api.ReasonSourceCorrupt, errPackBits, "source is a corrupt PSD file: its compressed rows do not decode")
			}
			copy(row[o:], src[i:i+n+1])
			i += n + 1
			o += n + 1
		case n != -128:
			if i >= len(src) || o+1-n > len(row) {
				return api.Wrap(api.ReasonSourceCorrupt, errPackBits, "source is a corrupt PSD file: its compressed rows do not decode")
			}
			for k := 0; k < 1-n; k++ {
				row[o+k] = src[i]
			}
			i++
			o += 1 - n
		}
	}
	if o != len(row) {
		return api.Wrap(api.ReasonSourceCorrupt, errPackBits, "source is a corrupt PSD file: its compressed rows do not decode")
	}
	return nil
}

package postscript

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
)

// maxPreviewBytes bounds the TIFF preview copied out of a DOS EPS file,
// and maxPreviewPixels the EPSI preview decoded.
const (
	maxPreviewBytes  = 256 << 20
	maxPreviewPixels = 25_000_000
)

// TIFFPreviewSize returns the pixel size of the TIFF preview of a DOS EPS
// file, read from the first image directory of the section the header
// points to. ok is false when there is none, or when its header cannot be
// read (the file is then rendered instead).
func TIFFPreviewSize(r io.ReaderAt, d *Document) (w, h int, ok bool) {
	if !d.HasTIFFPreview() || d.DOS.TIFFLength < 8 {
		return 0, 0, false
	}
	return tiffSize(io.NewSectionReader(r, d.DOS.TIFFOffset, d.DOS.TIFFLength))
}

// tiffSize reads the pixel size of the first image of a TIFF file.
func tiffSize(sec io.ReaderAt) (w, h int, ok bool) {
	var hdr [8]byte
	if _, err := sec.ReadAt(hdr[:], 0); err != nil {
		return 0, 0, false
	}
	var bo binary.ByteOrder
	switch string(hdr[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0, 0, false
	}
	ifd := int64(bo.Uint32(hdr[4:]))
	var cnt [2]byte
	if _, err := sec.ReadAt(cnt[:], ifd); err != nil {
		return 0, 0, false
	}
	n := min(int(bo.Uint16(cnt[:])), 512)
	entries := make([]byte, 12*n)
	if _, err := sec.ReadAt(entries, ifd+2); err != nil {
		return 0, 0, false
	}
	for i := 0; i < n; i++ {
		e := entries[12*i:]
		tag, typ := bo.Uint16(e), bo.Uint16(e[2:])
		var v int
		switch typ {
		case 3: // SHORT
			v = int(bo.Uint16(e[8:]))
		case 4: // LONG
			v = int(bo.Uint32(e[8:]))
		default:
			continue
		}
		switch tag {
		case 256:
			w = v
		case 257:
			h = v
		}
	}
	return w, h, w > 0 && h > 0
}

// ExtractTIFFPreview copies the TIFF preview of a DOS EPS file to dst.
func ExtractTIFFPreview(r io.ReaderAt, d *Document, dst string) error {
	if !d.HasTIFFPreview() {
		return errors.New("no TIFF preview")
	}
	if d.DOS.TIFFLength > maxPreviewBytes {
		return fmt.Errorf("the TIFF preview is %d bytes, more than %d", d.DOS.TIFFLength, maxPreviewBytes)
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, io.NewSectionReader(r, d.DOS.TIFFOffset, d.DOS.TIFFLength)); err != nil {
		f.Close()
		os.Remove(dst)
		return err
	}
	return f.Close()
}

// DecodeEPSIPreview decodes the EPSI preview of d from r (a file of the
// given size) into a grey image: the hexadecimal comment lines, each row
// padded to a byte, top row first, 0 white and the largest value black.
func DecodeEPSIPreview(r io.ReaderAt, size int64, d *Document) (*image.Gray, error) {
	p := d.Preview
	if p == nil {
		return nil, errors.New("no EPSI preview")
	}
	if int64(p.Width)*int64(p.Height) > maxPreviewPixels {
		return nil, fmt.Errorf("the EPSI preview is %dx%d pixels, more than %d", p.Width, p.Height, maxPreviewPixels)
	}
	rowBytes := (p.Width*p.Depth + 7) / 8
	need := rowBytes * p.Height
	// Two hex digits a byte, plus "% " and a line end every few dozen.
	avail := min(size-p.Offset, int64(need)*3+int64(p.Height)*8+4096)
	if avail <= 0 {
		return nil, errors.New("the EPSI preview is cut short")
	}
	buf := make([]byte, avail)
	n, err := r.ReadAt(buf, p.Offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	data := make([]byte, 0, need)
	var hi byte
	half := false
	for _, c := range buf[:n] {
		if len(data) == need {
			break
		}
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		case c == '%' || c == ' ' || c == '\t' || c == '\r' || c == '\n':
			continue
		default:
			return nil, fmt.Errorf("the EPSI preview holds %q where hexadecimal data was expected", c)
		}
		if !half {
			hi, half = v, true
			continue
		}
		data = append(data, hi<<4|v)
		half = false
	}
	if len(data) < need {
		return nil, fmt.Errorf("the EPSI preview is cut short (%d of %d bytes)", len(data), need)
	}
	img := image.NewGray(image.Rect(0, 0, p.Width, p.Height))
	maxV := 1<<p.Depth - 1
	for y := 0; y < p.Height; y++ {
		row := data[y*rowBytes:]
		for x := 0; x < p.Width; x++ {
			bit := x * p.Depth
			v := int(row[bit/8]>>(8-p.Depth-bit%8)) & maxV
			img.Pix[y*img.Stride+x] = uint8(255 - v*255/maxV)
		}
	}
	return img, nil
}

// writePNG writes img as a PNG file at dst.
func writePNG(img image.Image, dst string) error {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		os.Remove(dst)
		return err
	}
	return f.Close()
}

package rasterhead

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand"
	"testing"
)

// samples are valid headers of each format, written here.
func samples() map[string][]byte {
	le, be := binary.LittleEndian, binary.BigEndian
	tga := make([]byte, 18+6*4*4)
	tga[2], tga[16] = 2, 32
	le.PutUint16(tga[12:], 6)
	le.PutUint16(tga[14:], 4)
	sgi := make([]byte, 512+6*4*3)
	be.PutUint16(sgi, 474)
	sgi[3] = 1
	be.PutUint16(sgi[4:], 3)
	be.PutUint16(sgi[6:], 6)
	be.PutUint16(sgi[8:], 4)
	be.PutUint16(sgi[10:], 3)
	pcx := make([]byte, 128+24)
	pcx[0], pcx[1], pcx[2], pcx[3], pcx[65] = 0x0A, 5, 1, 8, 3
	le.PutUint16(pcx[8:], 5)
	le.PutUint16(pcx[10:], 3)
	dds := make([]byte, 128+64)
	copy(dds, "DDS ")
	le.PutUint32(dds[4:], 124)
	le.PutUint32(dds[12:], 4)
	le.PutUint32(dds[16:], 6)
	pict := make([]byte, 600)
	be.PutUint16(pict[518:], 4)
	be.PutUint16(pict[520:], 6)
	be.PutUint16(pict[522:], 0x0011)
	be.PutUint16(pict[524:], 0x02FF)
	// An icon with a 6x4 BMP entry and a PNG entry whose header says 16x16.
	var ico bytes.Buffer
	ico.Write([]byte{0, 0, 1, 0, 2, 0})
	entry := func(w, h byte, size, off uint32) {
		e := make([]byte, 16)
		e[0], e[1] = w, h
		le.PutUint32(e[8:], size)
		le.PutUint32(e[12:], off)
		ico.Write(e)
	}
	entry(6, 4, 40, 38)
	entry(0, 0, 24, 78)
	bmp := make([]byte, 40)
	le.PutUint32(bmp, 40)
	le.PutUint32(bmp[4:], 6)
	le.PutUint32(bmp[8:], 8)
	ico.Write(bmp)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
	png = be.AppendUint32(png, 16)
	png = be.AppendUint32(png, 16)
	ico.Write(png)
	exr := []byte("\x76\x2F\x31\x01\x02\x00\x00\x00")
	exr = append(exr, "channels\x00chlist\x00"...)
	exr = le.AppendUint32(exr, 18+18+1)
	for _, c := range []string{"G", "R"} {
		exr = append(exr, c+"\x00"...)
		exr = append(exr, make([]byte, 16)...)
	}
	exr = append(exr, 0)
	exr = append(exr, "dataWindow\x00box2i\x00"...)
	exr = le.AppendUint32(exr, 16)
	for _, v := range []uint32{0, 0, 5, 3} {
		exr = le.AppendUint32(exr, v)
	}
	exr = append(exr, 0)
	return map[string][]byte{
		"tga": tga, "sgi": sgi, "pcx": pcx, "dds": dds, "pict": pict, "ico": ico.Bytes(), "exr": exr,
		"ppm": []byte("P6\n# c\n6 4\n255\n" + string(make([]byte, 72))),
		"pam": []byte("P7\nWIDTH 6\nHEIGHT 4\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n"),
		"pfm": []byte("Pf\n6 4\n-1.0\n" + string(make([]byte, 96))),
		"hdr": []byte("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 4 +X 6\n"),
	}
}

func TestReadSamples(t *testing.T) {
	for name, data := range samples() {
		info, err := Read(bytes.NewReader(data), int64(len(data)), name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		want := [2]int{6, 4}
		if name == "ico" {
			want = [2]int{16, 16} // the PNG entry's own header wins
		}
		if [2]int{info.Width, info.Height} != want {
			t.Errorf("%s: %dx%d, want %v", name, info.Width, info.Height, want)
		}
		if err := Complete(bytes.NewReader(data), int64(len(data)), name, info); err != nil {
			t.Errorf("%s: Complete: %v", name, err)
		}
	}
}

// TestReadHostile cuts every sample at every length and flips random
// bytes: errors, never a panic; a cut SGI or Targa is incomplete.
func TestReadHostile(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for name, data := range samples() {
		for n := 0; n < len(data); n++ {
			info, err := Read(bytes.NewReader(data[:n]), int64(n), name)
			if err == nil && (name == "sgi" || name == "tga") {
				if Complete(bytes.NewReader(data[:n]), int64(n), name, info) == nil {
					t.Errorf("%s cut to %d bytes is complete", name, n)
				}
			}
		}
		for i := 0; i < 2000; i++ {
			b := append([]byte(nil), data...)
			for k := 0; k < 3; k++ {
				b[rng.Intn(len(b))] = byte(rng.Intn(256))
			}
			info, err := Read(bytes.NewReader(b), int64(len(b)), name)
			if err == nil {
				_ = Complete(bytes.NewReader(b), int64(len(b)), name, info)
				if info.Width <= 0 || info.Height <= 0 {
					t.Errorf("%s: %dx%d without an error", name, info.Width, info.Height)
				}
			}
		}
	}
	if _, err := Read(bytes.NewReader(nil), 0, "nope"); !errors.Is(err, ErrUnknown) {
		t.Errorf("unknown format: %v", err)
	}
}

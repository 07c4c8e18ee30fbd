package image

import (
	"bytes"
	"encoding/binary"
	"math"
	"sync"
)

// The sRGB profile embedded in renditions of colour-managed sources.
//
// libvips' own sRGB profile is 6.9 KB, as large as a whole thumbnail, so
// the engine builds a compact ICC v2 display profile from the sRGB
// definition (IEC 61966-2-1) instead: the primaries and white point, the
// Bradford adaptation to the D50 connection space, and the transfer curve
// as a 64-point table, which reproduces the curve within a tenth of an
// 8-bit level. It is about 480 bytes.

// srgbCurvePoints is the number of entries of the transfer curve table.
const srgbCurvePoints = 64

var (
	srgbProfileOnce sync.Once
	srgbProfileData []byte
)

// srgbProfile returns the compact sRGB profile. The slice is shared: do
// not modify it.
func srgbProfile() []byte {
	srgbProfileOnce.Do(func() { srgbProfileData = buildSRGBProfile() })
	return srgbProfileData
}

// srgbToLinear is the sRGB transfer function, signal to linear light.
func srgbToLinear(v float64) float64 {
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

type mat3 [3][3]float64

func (a mat3) mul(b mat3) mat3 {
	var m mat3
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				m[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return m
}

func (a mat3) apply(v [3]float64) [3]float64 {
	var out [3]float64
	for i := 0; i < 3; i++ {
		out[i] = a[i][0]*v[0] + a[i][1]*v[1] + a[i][2]*v[2]
	}
	return out
}

func (a mat3) inverse() mat3 {
	det := a[0][0]*(a[1][1]*a[2][2]-a[1][2]*a[2][1]) -
		a[0][1]*(a[1][0]*a[2][2]-a[1][2]*a[2][0]) +
		a[0][2]*(a[1][0]*a[2][1]-a[1][1]*a[2][0])
	var m mat3
	m[0][0] = (a[1][1]*a[2][2] - a[1][2]*a[2][1]) / det
	m[0][1] = (a[0][2]*a[2][1] - a[0][1]*a[2][2]) / det
	m[0][2] = (a[0][1]*a[1][2] - a[0][2]*a[1][1]) / det
	m[1][0] = (a[1][2]*a[2][0] - a[1][0]*a[2][2]) / det
	m[1][1] = (a[0][0]*a[2][2] - a[0][2]*a[2][0]) / det
	m[1][2] = (a[0][2]*a[1][0] - a[0][0]*a[1][2]) / det
	m[2][0] = (a[1][0]*a[2][1] - a[1][1]*a[2][0]) / det
	m[2][1] = (a[0][1]*a[2][0] - a[0][0]*a[2][1]) / det
	m[2][2] = (a[0][0]*a[1][1] - a[0][1]*a[1][0]) / det
	return m
}

// xyToXYZ returns the XYZ of chromaticity (x, y) at luminance 1.
func xyToXYZ(x, y float64) [3]float64 { return [3]float64{x / y, 1, (1 - x - y) / y} }

// srgbD50Matrix returns the sRGB linear-RGB to XYZ matrix adapted to the
// ICC's D50 connection space with the Bradford transform; its columns are
// the rXYZ, gXYZ and bXYZ tags.
func srgbD50Matrix() mat3 {
	r, g, b := xyToXYZ(0.64, 0.33), xyToXYZ(0.30, 0.60), xyToXYZ(0.15, 0.06)
	d65 := xyToXYZ(0.3127, 0.3290)
	d50 := [3]float64{0.9642, 1.0, 0.8249} // the ICC PCS illuminant
	prim := mat3{{r[0], g[0], b[0]}, {r[1], g[1], b[1]}, {r[2], g[2], b[2]}}
	s := prim.inverse().apply(d65)
	var m mat3
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			m[i][j] = prim[i][j] * s[j]
		}
	}
	bradford := mat3{{0.8951, 0.2664, -0.1614}, {-0.7502, 1.7135, 0.0367}, {0.0389, -0.0685, 1.0296}}
	src, dst := bradford.apply(d65), bradford.apply(d50)
	scale := mat3{{dst[0] / src[0], 0, 0}, {0, dst[1] / src[1], 0}, {0, 0, dst[2] / src[2]}}
	adapt := bradford.inverse().mul(scale).mul(bradford)
	return adapt.mul(m)
}

// s15f16 encodes an ICC s15Fixed16Number.
func s15f16(v float64) uint32 { return uint32(int32(math.Round(v * 65536))) }

// buildSRGBProfile assembles the profile: header, tag table, tag data.
func buildSRGBProfile() []byte {
	be := binary.BigEndian
	xyz := func(v [3]float64) []byte {
		b := make([]byte, 20)
		copy(b, "XYZ ")
		for i, c := range v {
			be.PutUint32(b[8+4*i:], s15f16(c))
		}
		return b
	}
	desc := func(s string) []byte {
		var b bytes.Buffer
		b.WriteString("desc\x00\x00\x00\x00")
		_ = binary.Write(&b, be, uint32(len(s)+1))
		b.WriteString(s + "\x00")
		b.Write(make([]byte, 4+4+2+1+67)) // no Unicode or ScriptCode description
		return b.Bytes()
	}
	text := func(s string) []byte { return append([]byte("text\x00\x00\x00\x00"+s), 0) }
	curve := func() []byte {
		b := make([]byte, 12+2*srgbCurvePoints)
		copy(b, "curv")
		be.PutUint32(b[8:], srgbCurvePoints)
		for i := 0; i < srgbCurvePoints; i++ {
			v := srgbToLinear(float64(i) / (srgbCurvePoints - 1))
			be.PutUint16(b[12+2*i:], uint16(math.Round(v*65535)))
		}
		return b
	}
	m := srgbD50Matrix()
	column := func(j int) [3]float64 { return [3]float64{m[0][j], m[1][j], m[2][j]} }
	trc := curve()
	tags := []struct {
		sig  string
		data []byte
	}{
		{"desc", desc("sRGB (compact)")},
		{"cprt", text("No copyright, use freely")},
		{"wtpt", xyz([3]float64{0.9642, 1.0, 0.8249})},
		{"rXYZ", xyz(column(0))},
		{"gXYZ", xyz(column(1))},
		{"bXYZ", xyz(column(2))},
		{"rTRC", trc},
		{"gTRC", trc}, // the three curves share one copy
		{"bTRC", trc},
	}
	pad := func(n int) int { return (n + 3) &^ 3 }
	offset := 128 + 4 + 12*len(tags)
	table := make([]byte, 4+12*len(tags))
	be.PutUint32(table, uint32(len(tags)))
	var data bytes.Buffer
	placed := map[*byte]uint32{}
	for i, t := range tags {
		off, ok := placed[&t.data[0]]
		if !ok {
			off = uint32(offset + data.Len())
			placed[&t.data[0]] = off
			data.Write(t.data)
			data.Write(make([]byte, pad(len(t.data))-len(t.data)))
		}
		e := table[4+12*i:]
		copy(e, t.sig)
		be.PutUint32(e[4:], off)
		be.PutUint32(e[8:], uint32(len(t.data)))
	}

	head := make([]byte, 128)
	total := 128 + len(table) + data.Len()
	be.PutUint32(head[0:], uint32(total))
	be.PutUint32(head[8:], 0x02100000) // version 2.1
	copy(head[12:], "mntr")
	copy(head[16:], "RGB ")
	copy(head[20:], "XYZ ")
	for i, v := range []uint16{2024, 1, 1, 0, 0, 0} { // creation date
		be.PutUint16(head[24+2*i:], v)
	}
	copy(head[36:], "acsp")
	be.PutUint32(head[64:], 0) // perceptual intent
	be.PutUint32(head[68:], s15f16(0.9642))
	be.PutUint32(head[72:], s15f16(1.0))
	be.PutUint32(head[76:], s15f16(0.8249))

	out := make([]byte, 0, total)
	out = append(out, head...)
	out = append(out, table...)
	return append(out, data.Bytes()...)
}

package image

import (
	"encoding/binary"
	"math"
	"sync"
)

// Sources tagged with an sRGB profile.
//
// Most photographs carry an sRGB profile (cameras, phones and image
// editors embed one), and a transform from it to sRGB only turns each
// pixel into Lab and back: on a 2048-pixel rendition that is a tenth of
// the work. So when the source's profile is a matrix-and-curves profile
// whose colorants, white point and curves are those of sRGB, within what
// changes no 8-bit value, the engine leaves its pixels as they are. The
// rendition is tagged sRGB all the same.

// srgbReference holds the colorants (rXYZ, gXYZ, bXYZ) of the engine's
// compact sRGB profile, which isSRGB compares others with.
var srgbReference = sync.OnceValue(func() [3][3]float64 {
	var ref [3][3]float64
	p := srgbProfile()
	tags := iccTags(p)
	for i, sig := range []string{"rXYZ", "gXYZ", "bXYZ"} {
		ref[i], _ = iccXYZ(p, tags[sig])
	}
	return ref
})

// srgbColorantTolerance is how far a colorant of a profile may be from
// sRGB's, in XYZ: 0.003 moves no 8-bit value by more
// than a third of a level, and allows the rounding of the published sRGB
// profiles (HP's, libvips', lcms').
const srgbColorantTolerance = 0.003

// isSRGB reports whether icc is an RGB matrix-and-curves profile that
// describes sRGB: the colorants within srgbColorantTolerance of sRGB's,
// and each curve, followed by the sRGB encoding, giving back every 8-bit
// value within half a level. The media white point (wtpt) is not compared:
// ICC v2 sRGB profiles record D65 there, v4 ones D50, and the relative
// colorimetric transform libvips makes does not use it. A profile with
// lookup tables (A2B0, ...) is not taken for sRGB, whatever its colorants,
// since the transform would use the tables.
func isSRGB(icc []byte) bool {
	if len(icc) < 132 || string(icc[16:20]) != "RGB " || string(icc[20:24]) != "XYZ " {
		return false
	}
	switch string(icc[12:16]) {
	case "mntr", "scnr", "spac":
	default:
		return false
	}
	tags := iccTags(icc)
	if tags == nil {
		return false
	}
	for _, lut := range []string{"A2B0", "A2B1", "A2B2", "B2A0", "B2A1", "B2A2"} {
		if _, ok := tags[lut]; ok {
			return false
		}
	}
	ref := srgbReference()
	for i, sig := range []string{"rXYZ", "gXYZ", "bXYZ"} {
		xyz, ok := iccXYZ(icc, tags[sig])
		if !ok {
			return false
		}
		for k := range xyz {
			if math.Abs(xyz[k]-ref[i][k]) > srgbColorantTolerance {
				return false
			}
		}
	}
	for _, sig := range []string{"rTRC", "gTRC", "bTRC"} {
		curve, ok := iccCurve(icc, tags[sig])
		if !ok {
			return false
		}
		for v := 0; v < 256; v++ {
			x := float64(v) / 255
			if math.Abs(linearToSRGB(curve(x))-x)*255 > 0.5 {
				return false
			}
		}
	}
	return true
}

// linearToSRGB is the sRGB encoding, linear light to signal.
func linearToSRGB(v float64) float64 {
	if v <= 0.0031308 {
		return v * 12.92
	}
	return 1.055*math.Pow(v, 1/2.4) - 0.055
}

// iccTag is the place of a tag's data in a profile.
type iccTag struct{ off, n int }

// iccTags reads the tag table; nil when it is malformed.
func iccTags(p []byte) map[string]iccTag {
	if len(p) < 132 {
		return nil
	}
	count := int(binary.BigEndian.Uint32(p[128:]))
	if count > 200 || 132+12*count > len(p) {
		return nil
	}
	tags := make(map[string]iccTag, count)
	for i := 0; i < count; i++ {
		e := p[132+12*i:]
		off, n := int(binary.BigEndian.Uint32(e[4:])), int(binary.BigEndian.Uint32(e[8:]))
		if off < 0 || n < 0 || off > len(p) || n > len(p)-off {
			return nil
		}
		tags[string(e[:4])] = iccTag{off, n}
	}
	return tags
}

// s15 reads an s15Fixed16Number.
func s15(b []byte) float64 { return float64(int32(binary.BigEndian.Uint32(b))) / 65536 }

// iccXYZ reads an XYZType tag with one value.
func iccXYZ(p []byte, t iccTag) ([3]float64, bool) {
	if t.n < 20 {
		return [3]float64{}, false
	}
	d := p[t.off : t.off+t.n]
	if string(d[:4]) != "XYZ " {
		return [3]float64{}, false
	}
	return [3]float64{s15(d[8:]), s15(d[12:]), s15(d[16:])}, true
}

// iccCurve reads a curveType or parametricCurveType tag as a function from
// signal (0 to 1) to linear light.
func iccCurve(p []byte, t iccTag) (func(float64) float64, bool) {
	if t.n < 12 {
		return nil, false
	}
	d := p[t.off : t.off+t.n]
	switch string(d[:4]) {
	case "curv":
		n := int(binary.BigEndian.Uint32(d[8:]))
		if n < 2 || 12+2*n > len(d) {
			return nil, false // identity, a bare gamma or truncated: not sRGB
		}
		table := make([]float64, n)
		for i := range table {
			table[i] = float64(binary.BigEndian.Uint16(d[12+2*i:])) / 65535
		}
		return func(x float64) float64 {
			pos := x * float64(n-1)
			i := min(int(pos), n-2)
			f := pos - float64(i)
			return table[i]*(1-f) + table[i+1]*f
		}, true
	case "para":
		kind := int(binary.BigEndian.Uint16(d[8:]))
		counts := []int{1, 3, 4, 5, 7}
		if kind >= len(counts) || 12+4*counts[kind] > len(d) {
			return nil, false
		}
		var g [7]float64
		for i := 0; i < counts[kind]; i++ {
			g[i] = s15(d[12+4*i:])
		}
		pow := func(v float64) float64 {
			if v <= 0 {
				return 0
			}
			return math.Pow(v, g[0])
		}
		return func(x float64) float64 {
			switch kind {
			case 0:
				return pow(x)
			case 1:
				if x >= -g[2]/g[1] {
					return pow(g[1]*x + g[2])
				}
				return 0
			case 2:
				if x >= -g[2]/g[1] {
					return pow(g[1]*x+g[2]) + g[3]
				}
				return g[3]
			case 3:
				if x >= g[4] {
					return pow(g[1]*x + g[2])
				}
				return g[3] * x
			default:
				if x >= g[4] {
					return pow(g[1]*x+g[2]) + g[5]
				}
				return g[3]*x + g[6]
			}
		}, true
	}
	return nil, false
}

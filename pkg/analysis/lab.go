package analysis

import "math"

// lab is a CIELAB colour (D65 white point, the sRGB observer).
type lab struct{ L, A, B float64 }

// srgbToLinear is the sRGB transfer function inverse, by 8-bit value.
var srgbToLinear = func() [256]float64 {
	var t [256]float64
	for i := range t {
		c := float64(i) / 255
		if c <= 0.04045 {
			t[i] = c / 12.92
		} else {
			t[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return t
}()

// D65 reference white.
const (
	whiteX = 0.95047
	whiteZ = 1.08883
)

// toLab converts an 8-bit sRGB colour to CIELAB.
func toLab(r, g, b uint8) lab {
	R, G, B := srgbToLinear[r], srgbToLinear[g], srgbToLinear[b]
	x := (0.4124564*R + 0.3575761*G + 0.1804375*B) / whiteX
	y := 0.2126729*R + 0.7151522*G + 0.0721750*B
	z := (0.0193339*R + 0.1191920*G + 0.9503041*B) / whiteZ
	fx, fy, fz := labF(x), labF(y), labF(z)
	return lab{L: 116*fy - 16, A: 500 * (fx - fy), B: 200 * (fy - fz)}
}

func labF(t float64) float64 {
	if t > 216.0/24389 {
		return math.Cbrt(t)
	}
	return (24389.0/27*t + 16) / 116
}

func labFInv(t float64) float64 {
	if t3 := t * t * t; t3 > 216.0/24389 {
		return t3
	}
	return (116*t - 16) * 27 / 24389
}

// rgb converts c back to 8-bit sRGB, clipping colours outside the gamut.
func (c lab) rgb() (uint8, uint8, uint8) {
	fy := (c.L + 16) / 116
	fx := fy + c.A/500
	fz := fy - c.B/200
	x, y, z := labFInv(fx)*whiteX, labFInv(fy), labFInv(fz)*whiteZ
	R := 3.2404542*x - 1.5371385*y - 0.4985314*z
	G := -0.9692660*x + 1.8760108*y + 0.0415560*z
	B := 0.0556434*x - 0.2040259*y + 1.0572252*z
	return encode(R), encode(G), encode(B)
}

func encode(v float64) uint8 {
	if v <= 0.0031308 {
		v *= 12.92
	} else {
		v = 1.055*math.Pow(v, 1/2.4) - 0.055
	}
	return uint8(math.Round(math.Max(0, math.Min(1, v)) * 255))
}

// dist2 is the squared CIE76 colour difference (ΔE*ab²).
func (c lab) dist2(o lab) float64 {
	dl, da, db := c.L-o.L, c.A-o.A, c.B-o.B
	return dl*dl + da*da + db*db
}

// chroma and hue (degrees, 0-360) of the LCh form.
func (c lab) chroma() float64 { return math.Hypot(c.A, c.B) }
func (c lab) hue() float64 {
	h := math.Atan2(c.B, c.A) * 180 / math.Pi
	if h < 0 {
		h += 360
	}
	return h
}

package analysis

import (
	"fmt"
	"image"
	"math"
	"math/bits"
	"sort"
	"strconv"
)

// luma returns the picture's luma (Rec. 601 weights on the sRGB values,
// 0-255), flattened over white, as rows of floats.
func luma(img *image.NRGBA) ([]float64, int, int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]float64, w*h)
	for y := 0; y < h; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := 0; x < w; x++ {
			p := row[4*x : 4*x+4]
			a := float64(p[3]) / 255
			v := 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
			out[y*w+x] = v*a + 255*(1-a)
		}
	}
	return out, w, h
}

// shrink averages a w x h plane into a tw x th one: each target cell is
// the mean of the source pixels it covers (at least one pixel, so a
// picture smaller than the target is sampled, not left empty).
func shrink(src []float64, w, h, tw, th int) []float64 {
	out := make([]float64, tw*th)
	for ty := 0; ty < th; ty++ {
		y0 := ty * h / th
		y1 := max(y0+1, (ty+1)*h/th)
		for tx := 0; tx < tw; tx++ {
			x0 := tx * w / tw
			x1 := max(x0+1, (tx+1)*w/tw)
			sum := 0.0
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					sum += src[y*w+x]
				}
			}
			out[ty*tw+tx] = sum / float64((y1-y0)*(x1-x0))
		}
	}
	return out
}

// dHash is the difference hash: the luma shrunk to 9x8, one bit per
// horizontally adjacent pair, set when the left is brighter than the
// right, row by row from the top left, most significant bit first.
func dHash(l []float64, w, h int) uint64 {
	s := shrink(l, w, h, 9, 8)
	var v uint64
	for y := 0; y < 8; y++ {
		for x := 0; x < 8; x++ {
			v <<= 1
			if s[y*9+x] > s[y*9+x+1] {
				v |= 1
			}
		}
	}
	return v
}

// dct32 holds the DCT-II basis for 32 samples.
var dct32 = func() [32][32]float64 {
	var m [32][32]float64
	for k := 0; k < 32; k++ {
		for n := 0; n < 32; n++ {
			m[k][n] = math.Cos(math.Pi / 32 * (float64(n) + 0.5) * float64(k))
		}
	}
	return m
}()

// pHash is the DCT hash: the luma shrunk to 32x32, its 2-D DCT-II, and of
// the 8x8 lowest frequencies one bit each, set when the coefficient is
// above their median (the DC term, which only carries the mean
// brightness, is left out of the median), row by row, most significant
// bit first.
func pHash(l []float64, w, h int) uint64 {
	s := shrink(l, w, h, 32, 32)
	// Rows, then columns, keeping the 8 lowest frequencies of each.
	var rows [32][8]float64
	for y := 0; y < 32; y++ {
		for k := 0; k < 8; k++ {
			sum := 0.0
			for x := 0; x < 32; x++ {
				sum += s[y*32+x] * dct32[k][x]
			}
			rows[y][k] = sum
		}
	}
	var coef [64]float64
	for k := 0; k < 8; k++ {
		for u := 0; u < 8; u++ {
			sum := 0.0
			for y := 0; y < 32; y++ {
				sum += rows[y][u] * dct32[k][y]
			}
			coef[k*8+u] = sum
		}
	}
	ac := append([]float64(nil), coef[1:]...)
	sort.Float64s(ac)
	median := (ac[31] + ac[32]) / 2
	var v uint64
	for _, c := range coef {
		v <<= 1
		if c > median {
			v |= 1
		}
	}
	return v
}

// hashHex writes a hash as 16 lower-case hex digits.
func hashHex(v uint64) string { return fmt.Sprintf("%016x", v) }

// Distance returns the Hamming distance between two hashes written by
// this package (16 hex digits each): 0 for the same picture, a few bits
// for a resized or recompressed copy, around 32 for unrelated pictures.
func Distance(a, b string) (int, error) {
	x, err := parseHash(a)
	if err != nil {
		return 0, err
	}
	y, err := parseHash(b)
	if err != nil {
		return 0, err
	}
	return bits.OnesCount64(x ^ y), nil
}

func parseHash(s string) (uint64, error) {
	if len(s) != 16 {
		return 0, fmt.Errorf("analysis: hash %q: want 16 hex digits", s)
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("analysis: hash %q: %w", s, err)
	}
	return v, nil
}

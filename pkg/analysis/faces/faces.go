// Package faces finds faces in a picture with pigo (github.com/esimov/pigo),
// a pure-Go pixel-intensity-comparison cascade, and the frontal-face
// cascade pigo's module ships (cascade/facefinder, MIT licence, embedded
// here with its notice in facefinder.LICENSE). No model is downloaded and
// nothing runs outside the process.
//
// Detect works on a luma plane of at most DetectSide pixels on its long
// side (a larger picture is area-averaged down to it) and returns boxes in
// the coordinates of the picture it was given. The parameters (DefaultParams)
// were tuned on the labelled set of scripts/bench-faces.sh.
package faces

import (
	_ "embed"
	"fmt"
	"image"
	"math"
	"sort"
	"sync"

	pigo "github.com/esimov/pigo/core"
)

//go:embed facefinder
var facefinder []byte

// DetectSide is the long side, in pixels, of the picture the cascade runs
// on. A larger picture is first shrunk to it; a face is found when it is
// at least Params.MinSize of that side (about 19 px of 384).
const DetectSide = 384

// Params tune the detector.
type Params struct {
	// MinSize is the smallest face looked for, as a share of the long
	// side of the detection picture; MaxSize the largest.
	MinSize, MaxSize float64
	// Shift is the step of the scanning window, as a share of its size.
	Shift float64
	// Scale is the factor between two window sizes.
	Scale float64
	// IoU is the overlap (intersection over union) above which two
	// detections are one face.
	IoU float64
	// MinScore is the least cluster score (the sum of the cascade
	// outputs of the detections merged into it) a face must have.
	MinScore float64
	// Angles are the in-plane rotations tried, in turns (0 is upright,
	// 0.0833 is 30°); nil tries upright faces only.
	Angles []float64
}

// DefaultParams are the parameters the analysis rendition, blurFaces and
// the smart crop use.
func DefaultParams() Params {
	return Params{MinSize: 0.05, MaxSize: 1, Shift: 0.15, Scale: 1.1, IoU: 0.2, MinScore: 5}
}

// Face is one face found.
type Face struct {
	// X, Y, W and H are the box around the face, in pixels of the
	// picture given to Detect (or, after Scale, of any other size).
	X, Y, W, H int
	// Score is the cascade's cluster score (unbounded, at least
	// Params.MinScore); Confidence maps it to 0–1 as Score/(Score+10):
	// 0.33 at the threshold 5, 0.5 at 10, 0.8 at 40.
	Score      float64
	Confidence float64
}

// Confidence maps a cluster score to 0–1 (see Face.Confidence).
func Confidence(score float64) float64 { return score / (score + 10) }

var (
	cascadeOnce sync.Once
	cascade     *pigo.Pigo
	upright     *model
	cascadeErr  error
)

// classifier returns the unpacked cascade, read once; it is only read
// after that, so detections may run concurrently.
func classifier() (*pigo.Pigo, error) {
	cascadeOnce.Do(func() {
		cascade, cascadeErr = pigo.NewPigo().Unpack(facefinder)
		if cascadeErr == nil {
			upright, cascadeErr = unpackModel(facefinder)
		}
		if cascadeErr != nil {
			cascadeErr = fmt.Errorf("faces: the embedded cascade cannot be read: %w", cascadeErr)
		}
	})
	return cascade, cascadeErr
}

// Luma is a greyscale picture: W*H bytes, row by row.
type Luma struct {
	Pix  []uint8
	W, H int
}

// LumaOf returns the Rec. 601 luma of img composited over white, area
// averaged so that its long side is at most maxSide (never enlarged).
func LumaOf(img image.Image, maxSide int) Luma {
	b := img.Bounds()
	w := b.Dx()
	if n, ok := img.(*image.NRGBA); ok {
		if max(w, b.Dy()) <= maxSide {
			return lumaNRGBA(n)
		}
		return shrinkPlane(w, b.Dy(), maxSide, func(x, y int) float64 {
			p := n.Pix[y*n.Stride+4*x : y*n.Stride+4*x+4]
			a := float64(p[3]) / 255
			l := 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
			return l*a + 255*(1-a)
		})
	}
	return shrinkPlane(w, b.Dy(), maxSide, func(x, y int) float64 {
		r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
		l := (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
		return l + 255*(1-float64(a)/65535)
	})
}

// lumaNRGBA is LumaOf of a picture that needs no shrinking: the same
// values, without the per-pixel call shrinkPlane makes.
func lumaNRGBA(n *image.NRGBA) Luma {
	b := n.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 1 || h < 1 {
		return Luma{}
	}
	out := Luma{Pix: make([]uint8, w*h), W: w, H: h}
	for y := 0; y < h; y++ {
		row := n.Pix[y*n.Stride : y*n.Stride+4*w]
		o := out.Pix[y*w : y*w+w]
		for x := range o {
			p := row[4*x : 4*x+4 : 4*x+4]
			a := float64(p[3]) / 255
			l := 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
			o[x] = uint8(math.Round(l*a + 255*(1-a)))
		}
	}
	return out
}

// LumaOfBands returns the luma of 8-bit interleaved pixels with the given
// number of bands (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA), composited over
// white and shrunk as LumaOf does.
func LumaOfBands(pix []uint8, w, h, bands, maxSide int) Luma {
	return shrinkPlane(w, h, maxSide, func(x, y int) float64 {
		i := (y*w + x) * bands
		p := pix[i : i+bands]
		var l, a float64 = 0, 1
		switch bands {
		case 1:
			l = float64(p[0])
		case 2:
			l, a = float64(p[0]), float64(p[1])/255
		case 3:
			l = 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
		default:
			l, a = 0.299*float64(p[0])+0.587*float64(p[1])+0.114*float64(p[2]), float64(p[3])/255
		}
		return l*a + 255*(1-a)
	})
}

// shrinkPlane area-averages the w x h plane whose values at returns so
// that its long side is at most maxSide. It reads each value once and
// holds only the result.
func shrinkPlane(w, h, maxSide int, at func(x, y int) float64) Luma {
	if w < 1 || h < 1 {
		return Luma{}
	}
	scale := math.Min(1, float64(maxSide)/float64(max(w, h)))
	ow, oh := max(1, int(math.Round(float64(w)*scale))), max(1, int(math.Round(float64(h)*scale)))
	out := Luma{Pix: make([]uint8, ow*oh), W: ow, H: oh}
	sums := make([]float64, ow)
	counts := make([]int, ow)
	for oy := 0; oy < oh; oy++ {
		y0, y1 := oy*h/oh, max((oy+1)*h/oh, oy*h/oh+1)
		clear(sums)
		clear(counts)
		for y := y0; y < y1; y++ {
			for ox := 0; ox < ow; ox++ {
				x0, x1 := ox*w/ow, max((ox+1)*w/ow, ox*w/ow+1)
				for x := x0; x < x1; x++ {
					sums[ox] += at(x, y)
				}
				counts[ox] += x1 - x0
			}
		}
		for ox := 0; ox < ow; ox++ {
			out.Pix[oy*ow+ox] = uint8(math.Round(sums[ox] / float64(counts[ox])))
		}
	}
	return out
}

// Detect finds the faces of img (shrunk to DetectSide first) with the
// default parameters; boxes are in img's pixels, largest score first. A
// picture without faces gives an empty list.
func Detect(img image.Image) ([]Face, error) {
	b := img.Bounds()
	l := LumaOf(img, DetectSide)
	fs, err := DetectLuma(l, DefaultParams())
	if err != nil {
		return nil, err
	}
	return Scale(fs, l.W, l.H, b.Dx(), b.Dy()), nil
}

// DetectLuma runs the cascade over l with p; boxes are in l's pixels,
// largest score first.
func DetectLuma(l Luma, p Params) ([]Face, error) {
	c, err := classifier()
	if err != nil {
		return nil, err
	}
	faces := []Face{}
	long := max(l.W, l.H)
	minSize := max(16, int(p.MinSize*float64(long)))
	maxSize := max(minSize, int(p.MaxSize*float64(min(l.W, l.H))))
	if l.W < minSize || l.H < minSize {
		return faces, nil
	}
	cp := pigo.CascadeParams{
		MinSize: minSize, MaxSize: maxSize, ShiftFactor: p.Shift, ScaleFactor: p.Scale,
		ImageParams: pigo.ImageParams{Pixels: l.Pix, Rows: l.H, Cols: l.W, Dim: l.W},
	}
	angles := p.Angles
	if len(angles) == 0 {
		angles = []float64{0}
	}
	var dets []pigo.Detection
	for _, a := range angles {
		if a <= 0 {
			// The upright scan (pigo's for any angle not above 0),
			// pigo's own but faster (see model).
			dets = append(dets, upright.scan(cp)...)
			continue
		}
		dets = append(dets, c.RunCascade(cp, a)...)
	}
	for _, d := range c.ClusterDetections(dets, p.IoU) {
		if float64(d.Q) < p.MinScore {
			continue
		}
		x, y := d.Col-d.Scale/2, d.Row-d.Scale/2
		f := Face{X: x, Y: y, W: d.Scale, H: d.Scale, Score: float64(d.Q)}
		f.Confidence = Confidence(f.Score)
		faces = append(faces, clip(f, l.W, l.H))
	}
	faces = dropNested(faces)
	sort.SliceStable(faces, func(i, j int) bool { return faces[i].Score > faces[j].Score })
	return faces, nil
}

// dropNested removes a face whose box lies mostly (over half its area)
// inside a box of higher score: the cascade often also fires on a part of
// a face at a smaller scale.
func dropNested(fs []Face) []Face {
	out := fs[:0:0]
	for i, f := range fs {
		inside := false
		for j, g := range fs {
			if i == j || g.Score < f.Score || (g.Score == f.Score && j > i) {
				continue
			}
			if overlap(f, g) > 0.5*float64(f.W*f.H) {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, f)
		}
	}
	return out
}

func overlap(a, b Face) float64 {
	w := min(a.X+a.W, b.X+b.W) - max(a.X, b.X)
	h := min(a.Y+a.H, b.Y+b.H) - max(a.Y, b.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	return float64(w * h)
}

// clip keeps a box inside a w x h picture.
func clip(f Face, w, h int) Face {
	x0, y0 := max(0, f.X), max(0, f.Y)
	x1, y1 := min(w, f.X+f.W), min(h, f.Y+f.H)
	f.X, f.Y, f.W, f.H = x0, y0, max(0, x1-x0), max(0, y1-y0)
	return f
}

// Scale maps boxes found on a fromW x fromH picture to a toW x toH one
// (the same picture at another size), rounding outwards so a box never
// shrinks, clipped to the picture.
func Scale(fs []Face, fromW, fromH, toW, toH int) []Face {
	out := make([]Face, 0, len(fs))
	sx, sy := float64(toW)/float64(fromW), float64(toH)/float64(fromH)
	for _, f := range fs {
		x0, y0 := int(math.Floor(float64(f.X)*sx)), int(math.Floor(float64(f.Y)*sy))
		x1, y1 := int(math.Ceil(float64(f.X+f.W)*sx)), int(math.Ceil(float64(f.Y+f.H)*sy))
		g := f
		g.X, g.Y, g.W, g.H = x0, y0, x1-x0, y1-y0
		out = append(out, clip(g, toW, toH))
	}
	return out
}

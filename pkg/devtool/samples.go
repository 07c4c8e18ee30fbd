package devtool

import (
	"bytes"
	goimage "image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
)

// sample is a bundled sample: generated when the handler starts, so the
// binary carries no sample files.
type sample struct {
	name, mimeType string
	make           func() ([]byte, error)
}

// samples are the bundled samples, in the order the page lists them.
var samples = []sample{
	{"photo.jpg", "image/jpeg", func() ([]byte, error) { return encodeJPEG(samplePhoto(960, 640), 90) }},
	{"logo.png", "image/png", sampleLogo},
	{"notes.txt", "text/plain; charset=utf-8", func() ([]byte, error) { return []byte(sampleText), nil }},
	{"corrupt.jpg", "image/jpeg", sampleCorrupt},
}

// sampleText is the text sample.
const sampleText = `Asset Compute service - sample notes

Renditions are made from a source asset: pictures of several sizes and
formats, its metadata as XMP or JSON, and its text. Each rendition ends in
exactly one event, rendition_created or rendition_failed with a reason.
`

// writeSamples writes the samples under Dir and registers them as sources.
func (h *Handler) writeSamples() error {
	dir := filepath.Join(h.opts.Dir, "samples")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, s := range samples {
		b, err := s.make()
		if err != nil {
			return err
		}
		p := filepath.Join(dir, s.name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return err
		}
		h.srcs["sample-"+s.name] = &sourceFile{ID: "sample-" + s.name, Name: s.name, Size: int64(len(b)),
			MimeType: s.mimeType, Origin: "sample", path: p}
	}
	return nil
}

// samplePhoto draws a landscape-like picture: a sky gradient, a sun, hills
// and some texture, so lossy qualities differ visibly.
func samplePhoto(w, h int) *goimage.NRGBA {
	img := goimage.NewNRGBA(goimage.Rect(0, 0, w, h))
	fw, fh := float64(w), float64(h)
	for y := 0; y < h; y++ {
		fy := float64(y) / fh
		for x := 0; x < w; x++ {
			fx := float64(x) / fw
			hill1 := 0.62 + 0.08*math.Sin(fx*7.0+1.3)
			hill2 := 0.75 + 0.05*math.Sin(fx*13.0)
			var r, g, b float64
			switch {
			case fy > hill2:
				n := 0.5 + 0.5*math.Sin(float64(x*x%97+y*31%89))
				r, g, b = 60+40*n, 110+50*n, 40+20*n
			case fy > hill1:
				r, g, b = 70+60*fy, 120+40*math.Sin(fx*40), 60
			default:
				r, g, b = 90+100*fy, 150+80*fy, 250-30*fy
				dx, dy := fx-0.72, fy-0.25
				if d := math.Sqrt(dx*dx*2.25 + dy*dy); d < 0.09 {
					r, g, b = 255, 220, 120
				} else if d < 0.2 {
					t := (0.2 - d) / 0.11
					r, g, b = r+(255-r)*t*0.6, g+(230-g)*t*0.6, b+(170-b)*t*0.6
				}
			}
			img.SetNRGBA(x, y, color.NRGBA{clamp(r), clamp(g), clamp(b), 255})
		}
	}
	return img
}

// sampleLogo draws a transparent PNG: rings on a clear background.
func sampleLogo() ([]byte, error) {
	const s = 256
	img := goimage.NewNRGBA(goimage.Rect(0, 0, s, s))
	for y := 0; y < s; y++ {
		for x := 0; x < s; x++ {
			dx, dy := float64(x)-s/2, float64(y)-s/2
			d := math.Sqrt(dx*dx + dy*dy)
			if d < 120 && int(d)/20%2 == 0 {
				img.SetNRGBA(x, y, color.NRGBA{uint8(40 + x/2), 80, uint8(200 - y/2), 230})
			}
		}
	}
	var b bytes.Buffer
	err := png.Encode(&b, img)
	return b.Bytes(), err
}

// sampleCorrupt is a JPEG cut after its headers: it fails with
// SourceCorrupt.
func sampleCorrupt() ([]byte, error) {
	b, err := encodeJPEG(samplePhoto(320, 200), 85)
	if err != nil {
		return nil, err
	}
	return b[:len(b)/3], nil
}

// encodeJPEG encodes img as a JPEG of quality q.
func encodeJPEG(img goimage.Image, q int) ([]byte, error) {
	var b bytes.Buffer
	err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q})
	return b.Bytes(), err
}

// clamp rounds v into a byte.
func clamp(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, math.Round(v))))
}

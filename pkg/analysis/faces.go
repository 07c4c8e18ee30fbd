package analysis

import (
	"image"
	"math"

	"github.com/assetcompute/assetcompute/pkg/analysis/faces"
)

// FeatureFaces is the faces feature: the faces found, their boxes and
// confidence, and the tags face and people (see pkg/analysis/faces).
const FeatureFaces = "faces"

// FaceBox is one face of the analysis rendition: its box in pixels of the
// upright source (see Report.ScaleFaces) and the detector's confidence,
// 0–1 (faces.Confidence).
type FaceBox struct {
	X          int     `json:"x"`
	Y          int     `json:"y"`
	W          int     `json:"w"`
	H          int     `json:"h"`
	Confidence float64 `json:"confidence"`
}

// detectFaces runs the face detector over img, whose luma composited
// over white (luma) is y; boxes are in img's pixels. A picture that needs
// no shrinking for the detector is given y rounded to bytes, which is what
// faces.Detect would compute from img.
func detectFaces(img *image.NRGBA, y []float64) ([]FaceBox, error) {
	var fs []faces.Face
	var err error
	b := img.Bounds()
	if w, h := b.Dx(), b.Dy(); max(w, h) <= faces.DetectSide && w > 0 && h > 0 && len(y) == w*h {
		l := faces.Luma{Pix: make([]uint8, len(y)), W: w, H: h}
		for i, v := range y {
			l.Pix[i] = uint8(math.Round(v))
		}
		fs, err = faces.DetectLuma(l, faces.DefaultParams())
		fs = faces.Scale(fs, w, h, w, h)
	} else {
		fs, err = faces.Detect(img)
	}
	if err != nil {
		return nil, err
	}
	out := make([]FaceBox, 0, len(fs))
	for _, f := range fs {
		out = append(out, FaceBox{X: f.X, Y: f.Y, W: f.W, H: f.H, Confidence: round(f.Confidence, 3)})
	}
	return out, nil
}

// faceTags are the tags the faces give: face and people when there is at
// least one, none otherwise.
func faceTags(fs []FaceBox) []string {
	if len(fs) == 0 {
		return []string{}
	}
	return []string{"face", "people"}
}

// ScaleFaces records that the picture analysed is the upright source
// shrunk from srcW x srcH pixels, and maps the face boxes to source
// pixels, so that a client can cut them from the source (or give them as
// a crop). It does nothing when the faces were not computed or the size
// is not known.
func (r *Report) ScaleFaces(srcW, srcH int) {
	if !r.has(FeatureFaces) || srcW < 1 || srcH < 1 || r.Width < 1 || r.Height < 1 {
		return
	}
	fs := make([]faces.Face, len(r.Faces))
	for i, f := range r.Faces {
		fs[i] = faces.Face{X: f.X, Y: f.Y, W: f.W, H: f.H}
	}
	for i, f := range faces.Scale(fs, r.Width, r.Height, srcW, srcH) {
		r.Faces[i].X, r.Faces[i].Y, r.Faces[i].W, r.Faces[i].H = f.X, f.Y, f.W, f.H
	}
	r.SourceWidth, r.SourceHeight = srcW, srcH
}

// faceKeys adds the keys of the faces feature to m.
func (r *Report) faceKeys(m map[string]any) {
	if !r.has(FeatureFaces) {
		return
	}
	m["acs-ai:faces"] = r.Faces
	m["acs-ai:faceCount"] = len(r.Faces)
	m["acs-ai:faceTags"] = faceTags(r.Faces)
	w, h := r.SourceWidth, r.SourceHeight
	if w == 0 {
		w, h = r.Width, r.Height
	}
	m["acs-ai:sourceWidth"], m["acs-ai:sourceHeight"] = w, h
}

package analysis

import (
	"image"
	"strings"
	"unicode"
)

// FeatureText is the text detection feature: whether the picture is
// mostly text (a document, a screenshot), from the word boxes OCR finds
// on it. Unlike the other features it is computed only when the features
// instruction names it, as it runs OCR (package ocr) on a larger picture
// than MaxSide: Analyze does not compute it, the caller reads the words
// and adds them with Report.AddText (package builtin does).
const FeatureText = "text"

// OptInFeatures lists the features computed only when named.
func OptInFeatures() []string { return []string{FeatureText} }

// Text detection constants.
const (
	// TextMinConfidence is the least OCR confidence (0-100) of a word
	// that counts.
	TextMinConfidence = 50
	// TextMinWords is the least number of words of a picture that is
	// mostly text.
	TextMinWords = 10
	// TextMinCoverage is the least share of the picture's area that the
	// boxes of its lines of text cover in a picture that is mostly text: a
	// full page of body text covers about 0.3 to 0.5 (margins and line
	// spacing are not covered), a screenshot of an application or a web
	// page 0.05 to 0.3, a photo with a sign or a caption less than 0.02.
	TextMinCoverage = 0.04
	// ScreenshotMaxNoise is the noise score (Quality.Noise) under which
	// a picture is clean enough to be born digital.
	ScreenshotMaxNoise = 0.02
)

// Word is a word OCR found: its box in pixels of the picture OCR read,
// its text, its confidence (0-100) and the line it is on.
type Word struct {
	X, Y, W, H int
	Text       string
	Conf       float64
	// Line tells the words of one line of text from the others: the
	// words of a line have the same non-zero Line. 0 is a word alone.
	Line int
}

// Text is the text detection of a picture.
type Text struct {
	// Words is the number of words found with at least
	// TextMinConfidence.
	Words int
	// Coverage is the share of the picture's area covered by the boxes
	// of their lines (0-1): a line's box spans its words and the spaces
	// between them.
	Coverage float64
	// MostlyText is true when the picture has at least TextMinWords words
	// covering at least TextMinCoverage of it.
	MostlyText bool
	// Tags holds "document" or "screenshot" for a picture that is mostly
	// text (see textTags), else nothing.
	Tags []string
}

// AddText computes the text feature of the picture img (the analysed
// picture, at most MaxSide pixels) from the words OCR found on a copy of
// it of width x height pixels, and adds it to the report (Text, and
// FeatureText to Features). Words without a letter or digit, or under
// TextMinConfidence, do not count. A picture without words has a valid,
// empty text feature.
func (r *Report) AddText(img *image.NRGBA, words []Word, width, height int) {
	t := Text{Tags: []string{}}
	if width > 0 && height > 0 {
		cell := max(1, min(width, height)/512)
		gw, gh := (width+cell-1)/cell, (height+cell-1)/cell
		covered := make([]bool, gw*gh)
		n := 0
		type box struct{ x0, y0, x1, y1 int }
		var order []int
		lines := map[int]*box{}
		for i, w := range words {
			if w.Conf < TextMinConfidence || !strings.ContainsFunc(w.Text, func(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) }) {
				continue
			}
			t.Words++
			key := w.Line
			if key == 0 {
				key = -1 - i
			}
			b, ok := lines[key]
			if !ok {
				b = &box{w.X, w.Y, w.X + w.W, w.Y + w.H}
				lines[key] = b
				order = append(order, key)
			}
			b.x0, b.y0 = min(b.x0, w.X), min(b.y0, w.Y)
			b.x1, b.y1 = max(b.x1, w.X+w.W), max(b.y1, w.Y+w.H)
		}
		for _, k := range order {
			b := lines[k]
			x0, y0 := max(0, b.x0)/cell, max(0, b.y0)/cell
			x1, y1 := min(gw, (b.x1+cell-1)/cell), min(gh, (b.y1+cell-1)/cell)
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					if !covered[y*gw+x] {
						covered[y*gw+x] = true
						n++
					}
				}
			}
		}
		t.Coverage = round(float64(n)/float64(gw*gh), 4)
	}
	t.MostlyText = t.Words >= TextMinWords && t.Coverage >= TextMinCoverage
	if t.MostlyText {
		t.Tags = textTags(img)
	}
	r.Text = t
	if !r.has(FeatureText) {
		r.Features = append(r.Features, FeatureText)
	}
}

// textTags tells a screenshot from a document, for a picture that is
// mostly text: a screenshot is born digital (noise score under
// ScreenshotMaxNoise) and not shaped like a page (portrait, 1.2 to 1.6
// times as tall as wide: A4 is 1.41, US Letter 1.29); anything else (a
// page, a scan, a photo of a page or of a screen) is a document.
func textTags(img *image.NRGBA) []string {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return []string{"document"}
	}
	y := make([]float64, w*h)
	opaque := make([]bool, w*h)
	for j := 0; j < h; j++ {
		row := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+j):]
		for i := 0; i < w; i++ {
			p := row[4*i : 4*i+4]
			if p[3] >= 128 {
				y[j*w+i] = 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
				opaque[j*w+i] = true
			}
		}
	}
	aspect := float64(h) / float64(w)
	page := aspect >= 1.2 && aspect <= 1.6
	if !page && noiseScore(y, opaque, w, h) < ScreenshotMaxNoise {
		return []string{"screenshot"}
	}
	return []string{"document"}
}

// addTo adds the keys of the text feature to m.
func (t Text) addTo(m map[string]any) {
	m["acs-ai:textWords"] = t.Words
	m["acs-ai:textCoverage"] = t.Coverage
	m["acs-ai:mostlyText"] = t.MostlyText
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	m["acs-ai:textTags"] = tags
}

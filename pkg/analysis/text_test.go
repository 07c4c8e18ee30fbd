package analysis

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lines returns the word boxes of n lines of text of k words each, 40 px
// high every 60 px, words 120 px wide every 150 px, from (100, 100).
func lines(n, k int, conf float64) []Word {
	var ws []Word
	for l := 0; l < n; l++ {
		for i := 0; i < k; i++ {
			ws = append(ws, Word{X: 100 + 150*i, Y: 100 + 60*l, W: 120, H: 40, Text: "word", Conf: conf, Line: l + 1})
		}
	}
	return ws
}

// white returns a white w x h picture, noisy when sigma > 0.
func white(w, h int, sigma float64) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	fill(img, img.Bounds(), color.NRGBA{250, 250, 250, 255})
	if sigma > 0 {
		return noisy(img, sigma, 9)
	}
	return img
}

func TestTextDetection(t *testing.T) {
	report := func(img *image.NRGBA, words []Word, w, h int) Text {
		r, err := Analyze(img, []string{FeatureText})
		require.NoError(t, err)
		r.AddText(img, words, w, h)
		assert.Equal(t, []string{FeatureText}, r.Features)
		return r.Text
	}
	// A page: 40 lines of 14 words on 2480 x 3508 pixels.
	page := report(white(272, 384, 0), lines(40, 14, 95), 2480, 3508)
	t.Logf("page: %+v", page)
	assert.Equal(t, 560, page.Words)
	assert.InDelta(t, 40.0*(13*150+120)*40/(2480*3508), page.Coverage, 0.02, "lines span the spaces between words")
	assert.True(t, page.MostlyText)
	assert.Equal(t, []string{"document"}, page.Tags)

	// The same words on a clean landscape picture: a screenshot; on a
	// noisy one (a photo of a screen): a document.
	assert.Equal(t, []string{"screenshot"}, report(white(384, 216, 0), lines(25, 14, 95), 2200, 1600).Tags)
	assert.Equal(t, []string{"document"}, report(white(384, 216, 8), lines(25, 14, 95), 2200, 1600).Tags)
	// A tall phone screenshot is not page-shaped.
	assert.Equal(t, []string{"screenshot"}, report(white(177, 384, 0), lines(40, 6, 95), 1170, 2532).Tags)

	// A few words (a sign in a photo) are not mostly text.
	sign := report(white(384, 256, 4), lines(1, 3, 95), 3000, 2000)
	assert.Equal(t, 3, sign.Words)
	assert.False(t, sign.MostlyText)
	assert.Empty(t, sign.Tags)
	// Words under the confidence threshold, or without a letter, do not
	// count.
	low := report(white(272, 384, 0), lines(40, 14, 20), 2480, 3508)
	assert.Zero(t, low.Words)
	assert.Zero(t, low.Coverage)
	dots := lines(40, 14, 95)
	for i := range dots {
		dots[i].Text = "..."
	}
	assert.Zero(t, report(white(272, 384, 0), dots, 2480, 3508).Words)
	// Words alone (no line) count their own boxes.
	alone := lines(40, 14, 95)
	for i := range alone {
		alone[i].Line = 0
	}
	assert.InDelta(t, 40.0*14*120*40/(2480*3508), report(white(272, 384, 0), alone, 2480, 3508).Coverage, 0.02)
	// Overlapping boxes are counted once.
	double := append(lines(40, 14, 95), lines(40, 14, 95)...)
	assert.Equal(t, page.Coverage, report(white(272, 384, 0), double, 2480, 3508).Coverage)

	// No words: a valid, empty result.
	none := report(white(300, 300, 0), nil, 1200, 1200)
	assert.Equal(t, Text{Tags: []string{}}, none)
	r, err := Analyze(white(300, 300, 0), []string{FeatureText})
	require.NoError(t, err)
	r.AddText(white(300, 300, 0), nil, 0, 0)
	m := r.Map()
	assert.Equal(t, false, m["acs-ai:mostlyText"])
	assert.Equal(t, []string{}, m["acs-ai:textTags"])
	assert.Equal(t, 0, m["acs-ai:textWords"])
	assert.Equal(t, 0.0, m["acs-ai:textCoverage"])
	assert.NotContains(t, m, "acs-ai:noise", "only the features asked for")
}

// Without the features instruction, text is not computed: it runs OCR.
func TestTextIsOptIn(t *testing.T) {
	r, err := Analyze(white(64, 64, 0), nil)
	require.NoError(t, err)
	assert.NotContains(t, r.Features, FeatureText)
	assert.NotContains(t, r.Map(), "acs-ai:mostlyText")
}

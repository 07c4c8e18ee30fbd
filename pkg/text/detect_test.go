package text

import "testing"

func TestWithArticle(t *testing.T) {
	for title, want := range map[string]string{
		"AVI video":      "an AVI video",
		"MP4 video":      "an MP4 video",
		"SVG image":      "an SVG image",
		"HEIC image":     "an HEIC image",
		"Ogg audio":      "an Ogg audio",
		"JPEG image":     "a JPEG image",
		"Matroska video": "a Matroska video",
		"PNG image":      "a PNG image",
		"":               "a file",
	} {
		if got := withArticle(title); got != want {
			t.Errorf("withArticle(%q) = %q, want %q", title, got, want)
		}
	}
}

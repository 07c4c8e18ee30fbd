// Command example-tagger is an example custom worker: it sends a preview
// of the image to an external tagging API, crops the image to the focus
// box the API returns, and writes the crop as the rendition with the
// API's labels in the rendition's metadata.
//
// Action parameters (bound at deploy time; see manifest.yml):
//
//	taggerUrl  the API endpoint, which takes a POSTed JPEG
//	taggerKey  the API key, sent as "Authorization: Bearer <key>"; never logged
//
// Rendition instructions, besides name and target: fmt (png, jpg, webp...;
// default jpg), width and height (fit inside the crop), and two keys of
// its own: minScore (drop labels scored below it, default 0) and
// maxLabels (keep at most this many, default 10).
//
// The API answers
//
//	{"labels": [{"name": "waterfall", "score": 0.93}, ...],
//	 "focus": {"x": 120, "y": 40, "w": 300, "h": 300}}
//
// with focus in pixels of the preview it was sent (at most 1024 pixels on
// the long side, upright); the crop is taken from that preview, so the
// rendition is at most 1024 pixels too. Without a focus box the whole
// image is used. The rendition's metadata gets tagger:labels (names) and
// tagger:scores (their scores, in the same order).
//
// It links libvips (pkg/image), so it runs on the project's runtime image
// like thumbnail.
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	engine, err := image.New(image.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "example-tagger:", err)
		os.Exit(1)
	}
	t := &tagger{engine: engine, client: &http.Client{Timeout: 30 * time.Second}}
	worker.Main(t.render)
}

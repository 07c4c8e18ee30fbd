package api_test

import (
	"errors"
	"fmt"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// A caller decodes the request, fails the whole request when it is unusable
// (still reporting every rendition it names), and otherwise fails only the
// renditions whose instructions are invalid.
func ExampleDecodeRequest() {
	body := []byte(`{
		"requestId": "req-42",
		"source": "https://bucket.example.com/in/photo.jpg?X-Amz-Signature=secret",
		"renditions": [
			{"name": "thumb.png", "fmt": "png", "width": 319, "target": "s3://out/thumb.png"},
			{"fmt": "jpg", "quality": 101, "target": "s3://out/web.jpg"},
			{"fmt": "bmp", "target": "s3://out/odd.bmp"}
		]
	}`)

	req, err := api.DecodeRequest(body)
	var invalid *api.InvalidRequestError
	if errors.As(err, &invalid) {
		fmt.Println("request refused:", invalid.Message)
		for _, r := range invalid.Renditions {
			fmt.Println("rendition_failed", r.Name)
		}
		return
	}

	fmt.Println("request", req.RequestID, "from", api.RedactURL(req.Source.URL))
	for _, r := range req.Renditions {
		if r.Invalid != nil {
			fmt.Printf("%s: rendition_failed %s: %s\n", r.Name, api.ReasonOf(r.Invalid), api.MessageOf(r.Invalid))
			continue
		}
		fmt.Printf("%s: make %s, %d px wide\n", r.Name, r.Fmt, api.IntOr(r.Width, 0))
	}

	_, err = api.DecodeRequest([]byte(`{"renditions": [{"fmt": "png", "target": "s3://out/a.png"}]}`))
	if errors.As(err, &invalid) {
		fmt.Println("request refused:", invalid.Message)
		for _, r := range invalid.Renditions {
			fmt.Println("rendition_failed", r.Name)
		}
	}

	// Output:
	// request req-42 from https://bucket.example.com/in/photo.jpg
	// thumb.png: make png, 319 px wide
	// rendition-2.jpg: rendition_failed GenericError: quality: must be an integer from 1 to 100, got 101
	// rendition-3.bmp: rendition_failed RenditionFormatUnsupported: fmt: "bmp" is not supported; use one of png, jpg, webp, gif, tiff, avif, heic, jxl, xmp, machine-metadata-json, text, mp4, analysis, or set worker to route it to a custom action
	// request refused: source: is required (a URL string, or an object {url, name, size, mimetype, headers})
	// rendition_failed rendition-1.png
}

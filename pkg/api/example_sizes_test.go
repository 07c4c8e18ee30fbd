package api_test

import (
	"fmt"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// The size instructions of a rendition (Width, Height, MaxWidth,
// MaxHeight, Quality, Page, CompressionLevel) are pointers, nil when the
// request leaves them out, so that "absent" differs from 0. IntOr reads one
// with a default.
func ExampleIntOr() {
	r, err := api.ParseRendition([]byte(`{"name": "thumb.png", "fmt": "png", "width": 319, "target": "s3://bucket/thumb.png"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(api.IntOr(r.Width, 0), api.IntOr(r.Height, 0), r.Height == nil, api.IntOr(r.Quality, 85))
	// Output:
	// 319 0 true 85
}

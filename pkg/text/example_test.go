package text_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/text"
)

func ExampleExtract() {
	dir, _ := os.MkdirTemp("", "text-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "upload.bin")
	page := `<html><head><title>Tides</title><style>p{}</style></head>
<body><p>High water at <b>06:12</b>.</p><script>track()</script></body></html>`
	_ = os.WriteFile(path, []byte(page), 0o600)

	var out strings.Builder
	res, err := text.Extract(context.Background(), path, "note.html", &out, text.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(out.String())
	fmt.Println(res.Format, res.Encoding, res.Chars, res.Truncated)
	// Output:
	// Tides
	// High water at 06:12.
	// html utf-8 27 false
}

func ExampleOptions() {
	opts := text.Options{MaxChars: 10_000} // other limits keep their defaults
	fmt.Println(opts.Validate())
	fmt.Println(text.Options{MaxChars: -1}.Validate())
	// Output:
	// <nil>
	// text options: MaxChars must not be negative, got -1
}

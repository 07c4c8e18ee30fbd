// Command thumbnail is the OpenWhisk action that makes image renditions
// (png, jpg, webp, ...) with libvips. See package builtin and package image.
package main

import (
	"fmt"
	"os"

	"github.com/assetcompute/assetcompute/pkg/builtin"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	engine, err := image.New(image.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "thumbnail:", err)
		os.Exit(1)
	}
	worker.Main(builtin.Thumbnail(engine))
}

// Command thumbnail is the OpenWhisk action that makes image renditions
// (png, jpg, webp, ...) with libvips. See package builtin and package image.
package main

import (
	"fmt"
	"os"

	"github.com/assetcompute/assetcompute/pkg/builtin"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "thumbnail:", err)
		os.Exit(1)
	}
}

// run builds the engine and the worker and serves activations until stdin
// closes. The worker's transfer client also fetches watermark images.
func run() error {
	engine, err := image.New(image.Options{})
	if err != nil {
		return err
	}
	opts, err := worker.DefaultOptions()
	if err != nil {
		return err
	}
	// The source is opened for ranged reads: a video frame of a large
	// MP4 fetches the few ranges it needs, any other source is copied
	// whole when a rendition needs it (see package builtin).
	opts.RangedSource = true
	w, err := worker.New(builtin.Thumbnail(engine, opts.Transfer), opts)
	if err != nil {
		return err
	}
	owaction.Run(w.Handle)
	return nil
}

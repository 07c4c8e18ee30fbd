// Command office is the OpenWhisk action that makes the image renditions
// of Office, OpenDocument and iWork sources (DOCX, XLSX, PPTX, ODT, ODS,
// ODP, ODG, DOC, XLS, PPT, Pages, Numbers, Keynote): the thumbnail the
// document embeds when it is large enough, otherwise the page rendered by
// LibreOffice (caged) and then by libvips like a PDF. It runs on the
// office runtime image (docker/office), which adds LibreOffice to the
// runtime image of the thumbnail action. See package office and
// builtin.Office.
package main

import (
	"fmt"
	"os"

	"github.com/assetcompute/assetcompute/pkg/builtin"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/office"
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "office:", err)
		os.Exit(1)
	}
}

// run builds the engines and the worker and serves activations until
// stdin closes.
func run() error {
	engine, err := image.New(image.Options{})
	if err != nil {
		return err
	}
	opts, err := worker.DefaultOptions()
	if err != nil {
		return err
	}
	off, err := office.New(office.Options{})
	if err != nil {
		return err
	}
	w, err := worker.New(builtin.Office(engine, off, opts.Transfer), opts)
	if err != nil {
		return err
	}
	owaction.Run(w.Handle)
	return nil
}

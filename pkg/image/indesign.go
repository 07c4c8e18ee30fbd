package image

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	goimage "image"
	_ "image/jpeg" // InDesign thumbnails are JPEG
	_ "image/png"  // an IDML preview may be PNG
	"io"
	"os"
	"path"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/internal/indd"
)

// InDesign sources.
//
// An INDD or INDT document keeps page thumbnails in its XMP packet
// (xmpGImg:image, base64 JPEG, in xmp:PageInfo and xmp:Thumbnails). The
// largest is the image source of the rendition: it is found with bounded
// ranged reads (package indd), decoded in Go, and resized by libvips like
// any other source. A thumbnail smaller than the rendition asks for is
// used as it is: like every raster source it is not enlarged unless the
// rendition says upscale. An IDML package holds no preview as InDesign
// writes it; one that carries an image named preview or thumbnail gets it
// used, the others are SourceFormatUnsupported with a message that says
// so.

// The InDesign source types.
const (
	TypeINDD SourceType = "indd"
	TypeIDML SourceType = "idml"
)

func init() {
	sourceTypes[TypeINDD] = struct {
		mime      string
		decodable bool
	}{format.MustName("indd").MIME, true}
	sourceTypes[TypeIDML] = struct {
		mime      string
		decodable bool
	}{format.MustName("idml").MIME, true}
	goDecoders[TypeINDD] = &goDecoder{header: previewHeader(inddPreview), decode: previewDecode(inddPreview)}
	goDecoders[TypeIDML] = &goDecoder{header: previewHeader(idmlPreview), decode: previewDecode(idmlPreview)}
}

// inDesignType returns the source type of an InDesign format, or
// TypeUnknown.
func inDesignType(f format.Format) SourceType {
	switch f.Name {
	case "indd", "indt":
		return TypeINDD
	case "idml":
		return TypeIDML
	}
	return TypeUnknown
}

// maxPreviewPixels bounds an embedded preview: InDesign writes them at
// most 1024 pixels on a side.
const maxPreviewPixels = 64 << 20

// inddPreview returns the largest page thumbnail of an InDesign document.
func inddPreview(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	packet, err := indd.FindXMP(f, fi.Size())
	switch {
	case errors.Is(err, indd.ErrNoXMP):
		return nil, api.Wrap(api.ReasonSourceFormatUnsupported, err,
			"source is an InDesign document without an XMP packet, so without the page thumbnails a rendition is made from")
	case err != nil:
		return nil, api.Wrap(api.ReasonSourceCorrupt, err, "source is a corrupt InDesign document: its XMP packet cannot be read")
	}
	thumbs, err := indd.Thumbnails(packet)
	best, ok := indd.Largest(thumbs)
	if !ok {
		if err != nil {
			return nil, api.Wrap(api.ReasonSourceCorrupt, err, "source is an InDesign document whose XMP packet is malformed")
		}
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported,
			"source is an InDesign document without page thumbnails in its XMP (InDesign writes them when preview images are saved with the document)")
	}
	return best.Data, nil
}

// idmlPreview returns the preview image an IDML package carries, if any.
func idmlPreview(p string) ([]byte, error) {
	z, err := zip.OpenReader(p)
	if err != nil {
		return nil, api.Wrap(api.ReasonSourceCorrupt, err, "source is a corrupt IDML package: its zip directory cannot be read")
	}
	defer z.Close()
	for _, f := range z.File {
		base := strings.ToLower(path.Base(f.Name))
		ext := path.Ext(base)
		if (ext == ".jpg" || ext == ".jpeg" || ext == ".png") &&
			(strings.HasPrefix(base, "preview") || strings.HasPrefix(base, "thumbnail")) && f.UncompressedSize64 <= indd.MaxImage {
			rc, err := f.Open()
			if err != nil {
				return nil, api.Wrap(api.ReasonSourceCorrupt, err, "source IDML preview cannot be read")
			}
			data, err := io.ReadAll(io.LimitReader(rc, indd.MaxImage+1))
			rc.Close()
			if err != nil || len(data) > indd.MaxImage {
				return nil, api.Errorf(api.ReasonSourceCorrupt, "source IDML preview %s cannot be read", f.Name)
			}
			return data, nil
		}
	}
	return nil, api.Errorf(api.ReasonSourceFormatUnsupported,
		"source is an InDesign markup (IDML) package, which holds no preview image to make a rendition from (its text and metadata can be extracted)")
}

// previewHeader returns the header function of a source whose image is
// an embedded preview.
func previewHeader(preview func(string) ([]byte, error)) func(string) (header, error) {
	return func(p string) (header, error) {
		data, err := preview(p)
		if err != nil {
			return header{}, err
		}
		cfg, kind, err := goimage.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return header{}, api.Wrap(api.ReasonSourceCorrupt, err, "source preview image is corrupt: its header cannot be read")
		}
		if int64(cfg.Width)*int64(cfg.Height) > maxPreviewPixels {
			return header{}, api.Errorf(api.ReasonSourceTooLarge, "source preview image is %dx%d, larger than a preview can be", cfg.Width, cfg.Height)
		}
		return header{Width: cfg.Width, Height: cfg.Height, Bands: 3, Orientation: 1, Space: spaceSRGB, Pages: 1,
			Loader: "embedded " + kind + " preview (Go)"}, nil
	}
}

// previewDecode returns the decode function of a source whose image is an
// embedded preview.
func previewDecode(preview func(string) ([]byte, error)) func(context.Context, string) (*vipsImage, error) {
	return func(_ context.Context, p string) (*vipsImage, error) {
		data, err := preview(p)
		if err != nil {
			return nil, err
		}
		img, _, err := goimage.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, api.Wrap(api.ReasonSourceCorrupt, err, "source preview image is truncated or corrupt: its pixels cannot be decoded")
		}
		return imageFromGo(img)
	}
}

package builtin

import (
	"context"
	"os"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/builtin/fulltext"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/office"
	"github.com/assetcompute/assetcompute/pkg/text"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// OfficeAction is the action name of the office worker.
const OfficeAction = api.ActionOffice

// MetadataOfficeSource, in the event of an image rendition of an Office,
// OpenDocument or iWork source, says what the image shows: "thumbnail"
// (the thumbnail embedded in the document, large enough for the
// rendition) or "page" (the page rendered by LibreOffice).
const MetadataOfficeSource = "office:source"

// Office returns the rendition function of the office action: image
// renditions of the sources the registry marks OfficeRead (DOCX, XLSX,
// PPTX, ODT, ODS, ODP, ODG, DOC, XLS, PPT, Pages, Numbers, Keynote). The
// picture of the page asked (`page`, default 1) comes from off (package
// office): the embedded thumbnail when it fills the rendition's box, else
// the page converted to PDF by LibreOffice; it is then rendered by engine
// like any source, so every image instruction applies (size, crop,
// quality, background, watermark...). The renditions of one activation
// that ask for the same page share one conversion.
//
// It also makes the text renditions of the legacy binary formats (DOC,
// XLS, PPT), which package text does not read: the document converted to
// PDF by LibreOffice, then read as the fulltext action reads a PDF.
//
// A source of another format that the image engine reads (a PDF, an
// image) is rendered as the thumbnail action would, so a request routed
// here by its name still gets its renditions; other sources fail with
// SourceFormatUnsupported.
func Office(engine *image.Engine, off *office.Engine, transfer worker.Transfer) worker.RenditionFunc {
	thumb := ThumbnailWithMedia(engine, nil, transfer)
	textFn := fulltext.Func(text.Options{})
	return func(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
		family, _ := r.Family()
		if family == api.FamilyText {
			return officeText(ctx, off, textFn, src, r)
		}
		if family != api.FamilyImage {
			return api.Errorf(api.ReasonRenditionFormatUnsupported,
				"the office action makes image and text renditions; fmt %q is neither", r.Fmt)
		}
		sf := sniffSource(src)
		if !sf.Reads(format.OfficeRead) && (sf.Reads(format.ImageRead) || !format.IsOLE(sf) && !format.IsZip(sf)) {
			return thumb(ctx, src, r)
		}
		if field, v := mediaInstruction(r); field != "" {
			return api.Errorf(api.ReasonGeneric, "%s: %s applies to video sources, not to this source (%s)", field, v, sf.Title)
		}
		engine, err := engineFor(engine, src.Settings)
		if err != nil {
			return err
		}
		req := office.Request{
			Width:  api.IntOr(r.Width, api.IntOr(r.MaxWidth, 0)),
			Height: api.IntOr(r.Height, api.IntOr(r.MaxHeight, 0)),
			Page:   api.IntOr(r.Page, 1),
		}
		if r.Crop != nil {
			// A crop is in source pixels: of the page, not of a thumbnail.
			req.Width, req.Height = 0, 0
		}
		// The activation's rendition area (removed with the activation),
		// shared by its renditions so they share a conversion.
		dir := filepath.Dir(filepath.Dir(r.Path))
		pic, err := off.Preview(ctx, src.Path, src.Name, req, dir)
		if err != nil {
			return err
		}
		if pic.Kind == office.KindThumbnail {
			defer os.Remove(pic.Path)
		}
		rr := r.Rendition
		rr.Page = nil // the picture is of the page asked
		res, err := engine.Render(ctx, pic.Path, rr, r.Path, imageRenderOptions(transfer, src, r))
		if err != nil {
			return err
		}
		r.Timed("encode", res.Encode)
		r.Metadata[api.MetadataWidth] = res.Width
		r.Metadata[api.MetadataHeight] = res.Height
		r.Metadata[MetadataOfficeSource] = pic.Kind
		imageResultMetadata(r.Metadata, res, rr.BlurFaces)
		return nil
	}
}

// officeText makes the text rendition r of a legacy Word, Excel or
// PowerPoint source, or of a Pages, Numbers or Keynote document: the
// document converted to PDF by LibreOffice, whose
// text the fulltext action's function (textFn) reads; the text of any
// other source is read directly by textFn.
func officeText(ctx context.Context, off *office.Engine, textFn worker.RenditionFunc, src *worker.Source, r *worker.Rendition) error {
	if !office.NeedsTextConversion(sniffSource(src)) {
		return textFn(ctx, src, r)
	}
	pdf, err := off.TextPDF(ctx, src.Path, src.Name, filepath.Dir(filepath.Dir(r.Path)))
	if err != nil {
		return err
	}
	f, err := os.Open(pdf)
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot read the converted document")
	}
	defer f.Close()
	return textFn(ctx, &worker.Source{Reader: f, Path: pdf, Name: "document.pdf", Settings: src.Settings, Transfer: src.Transfer}, r)
}

// ImagesWithOffice returns a rendition function that makes the image
// renditions of Office sources with officeFn and of any other source
// with thumbFn: the thumbnail and office actions in one, for local runs
// (`acs batch`).
func ImagesWithOffice(thumbFn, officeFn worker.RenditionFunc) worker.RenditionFunc {
	return func(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
		if sf := sniffSource(src); sf.Reads(format.OfficeRead) || format.IsOLE(sf) {
			return officeFn(ctx, src, r)
		}
		return thumbFn(ctx, src, r)
	}
}

// imageRenderOptions are the render options of rendition r of src: a
// watermark image is fetched with the activation's transfer client, or
// with transfer when the source has none, into the rendition's directory.
func imageRenderOptions(transfer worker.Transfer, src *worker.Source, r *worker.Rendition) image.RenderOptions {
	var opts image.RenderOptions
	fetcher := transfer
	if src.Transfer != nil {
		fetcher = src.Transfer
	}
	if fetcher != nil {
		opts.Fetch = func(ctx context.Context, url string) (string, error) {
			f, err := fetcher.Fetch(ctx, api.Source{URL: url}, filepath.Join(filepath.Dir(r.Path), "watermark"))
			if err != nil {
				return "", err
			}
			return f.Path, nil
		}
	}
	return opts
}

// Package fulltext is the rendition function of the fulltext action, kept
// apart from the thumbnail action's engines (media frames, PostScript, raw
// files). It links the image engine (libvips) for OCR only: images and the
// pages of PDFs without a text layer are decoded by it for Tesseract, and
// libvips is started when the first such source comes.
package fulltext

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/media"
	"github.com/assetcompute/assetcompute/pkg/postscript"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/text"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// Func returns the rendition function of the fulltext action: text
// renditions extracted by the text engine. The event metadata carries
// repo:encoding (the rendition's encoding: always utf-8), acs:characters
// (the number of characters, Unicode code points, of the text),
// acs:sourceEncoding (the source's detected encoding, when it has one),
// xmpTPg:NPages (the pages, slides or sheets read, for paged formats), and
// acs:truncated plus acs:warnings when the text is not the whole text of the
// source (a limit was reached, or the source is damaged past some point).
// A rendition may lower the character limit with the key maxChars. The
// limits of opts are overridden by those the activation's deployment
// settings set (worker.Source.Settings: textMaxChars, textMaxPages, ...; see
// package settings).
//
// The text of a video is that of its subtitle or caption track: the first,
// or the first in the rendition's language instruction. Package text reads
// the tracks of MP4, QuickTime and Matroska/WebM files; those of the other
// video containers (AVI, MPEG-TS, MPEG-PS, ASF/WMV, FLV, MXF, DV, Ogg) are
// read with ffmpeg (media.Engine.Subtitles, caged; the deployment's media
// limits apply). A video without one (or without one in that language)
// gives an empty rendition whose acs:warnings say so; a video whose
// subtitles are pictures (DVD, DVB, Blu-ray) fails with
// SourceFormatUnsupported.
//
// The text of an image (a raster format the image engine reads:
// format.OCRRead), and of a PDF without a text layer (no page has text),
// is read by OCR: Tesseract, caged (package ocr), in the rendition's
// language instruction or the deployment's default (setting
// ocrLanguage), on the image decoded by the image engine (libvips, whose
// source checks come first) or on each page drawn at 300 dpi by its PDF
// path (package ocrsource). The event then carries acs:ocrLanguage,
// acs:ocrWords and acs:ocrConfidence. A language that is not installed is
// a GenericError naming those that are; a PDF of more pages than the
// setting ocrMaxPages is SourceTooLarge, before Tesseract runs. Without
// Tesseract an image fails with SourceFormatUnsupported, and a PDF
// without text gives an empty rendition whose acs:warnings say so.
//
// The text of PostScript, EPS, EPSI and legacy (PostScript) Illustrator
// files is read by Ghostscript's text device (postscript.Engine.Text),
// caged as the thumbnail action draws them: -dSAFER, no network, the
// rlimits, the deadline, at most the page limit (textMaxPages); a program
// that reaches for files or commands fails with SourceUnsupported. A
// PDF-compatible Illustrator file is read as a PDF. Without Ghostscript
// their text fails with SourceFormatUnsupported.
//
// A document that can be read but has no text (an SVG without text
// elements, an RTF holding only a picture, a scanned PDF or an image
// whose pictures hold no text) gives an empty rendition:
// rendition_created with acs:characters 0. A zero-byte source fails with
// SourceCorrupt; see package text for every failure reason.
func Func(opts text.Options) worker.RenditionFunc {
	// The media engine only looks its programs up; nil when missing.
	mediaEngine, _ := media.New(media.Options{})
	return FuncWithEngines(opts, mediaEngine, DefaultOCR())
}

// FuncWithMedia is Func with the media engine given (nil: the subtitles
// of the videos that need ffmpeg are refused with SourceFormatUnsupported).
func FuncWithMedia(opts text.Options, mediaEngine *media.Engine) worker.RenditionFunc {
	return FuncWithEngines(opts, mediaEngine, DefaultOCR())
}

// FuncWithEngines is Func with the media engine and the OCR given (an OCR
// without an Engine: images are refused with SourceFormatUnsupported).
func FuncWithEngines(opts text.Options, mediaEngine *media.Engine, ocrs OCR) worker.RenditionFunc {
	ps := &psEngines{}
	return func(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
		if family, _ := r.Family(); family != api.FamilyText {
			return api.Errorf(api.ReasonRenditionFormatUnsupported,
				"the fulltext action makes text renditions; fmt %q is not text", r.Fmt)
		}
		l := settings.TextLimits(opts)
		src.Settings.ApplyText(&l)
		o := text.Options(l)
		if raw, ok := r.Extra["maxChars"]; ok {
			var n int
			if err := json.Unmarshal(raw, &n); err != nil || n < 1 {
				return api.Errorf(api.ReasonGeneric, "maxChars: must be a positive integer, got %s", raw)
			}
			if limit := o.MaxChars; limit == 0 || n < limit {
				o.MaxChars = n
			}
		}
		sf := sniff(src)
		// A zero-byte source is refused by package text, saying so.
		byFFmpeg := src.Size > 0 && captionsByFFmpeg(sf)
		if byFFmpeg && mediaEngine == nil {
			return noFFmpeg(sf)
		}
		byOCR := src.Size > 0 && format.OCRRead(sf)
		if byOCR && ocrs.Engine == nil {
			return noTesseract(sf)
		}
		var psEngine *postscript.Engine
		byGhostscript := src.Size > 0 && textByGhostscript(src, sf)
		if byGhostscript {
			psEngine, _ = ps.get() // nil without Ghostscript: postscriptText says so
		}
		out, err := os.Create(r.Path)
		if err != nil {
			return api.Wrap(api.ReasonGeneric, err, "cannot create the rendition file")
		}
		defer out.Close()
		buf := bufio.NewWriterSize(out, 64<<10)
		var res *text.Result
		switch {
		case byOCR:
			res, err = ocrs.readImage(ctx, src, sf, r, buf, o.MaxChars)
		case byFFmpeg:
			res, err = mediaCaptions(ctx, mediaEngineFor(mediaEngine, src.Settings), src.Path, sf, r.Language, buf, o)
		case byGhostscript:
			res, err = postscriptText(ctx, psEngine, src.Path, sf, buf, o)
		default:
			ink := &inkWriter{w: buf}
			res, err = text.ExtractLanguage(ctx, src.Path, src.Name, r.Language, ink, o)
			if err == nil && res.Format == "pdf" && !ink.ink {
				res, err = scannedPDF(ctx, ocrs, src, r, out, buf, res, o.MaxChars)
			}
		}
		if err != nil {
			return err
		}
		if err := buf.Flush(); err != nil {
			return api.Wrap(api.ReasonGeneric, err, "cannot write the rendition file")
		}
		r.AllowEmpty = true // a document without text has an empty text
		r.Metadata[api.MetadataEncoding] = "utf-8"
		r.Metadata["acs:characters"] = res.Chars
		if res.Encoding != "" {
			r.Metadata["acs:sourceEncoding"] = res.Encoding
		}
		if res.Pages > 0 {
			r.Metadata["xmpTPg:NPages"] = res.Pages
		}
		if res.Truncated {
			r.Metadata["acs:truncated"] = true
		}
		if len(res.Warnings) > 0 {
			r.Metadata["acs:warnings"] = res.Warnings
		}
		return out.Close()
	}
}

// scannedPDF reads by OCR the text of a PDF whose text extraction (res)
// wrote nothing but white space: the rendition file is emptied and the
// pages' text written instead. Without Tesseract the extraction's empty
// result stands, with a warning.
func scannedPDF(ctx context.Context, ocrs OCR, src *worker.Source, r *worker.Rendition, out *os.File, buf *bufio.Writer, res *text.Result, maxChars int) (*text.Result, error) {
	if ocrs.Engine == nil {
		res.Warnings = append(res.Warnings, "the PDF has no text layer; its pages are not read by OCR, as Tesseract is not installed here")
		return res, nil
	}
	if err := buf.Flush(); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot write the rendition file")
	}
	if err := out.Truncate(0); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot write the rendition file")
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot write the rendition file")
	}
	return ocrs.readPDF(ctx, src, src.Path, r, buf, maxChars)
}

// Package builtin assembles the built-in worker actions from the engine
// packages, so that an action's main, `acs process` and the development
// server all run the same code. The metadata and fulltext rendition
// functions live in the subpackages metadata and fulltext, so the metadata
// action does not link libvips (the fulltext action links it for OCR
// only).
package builtin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/builtin/fulltext"
	"github.com/assetcompute/assetcompute/pkg/builtin/metadata"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/internal/pdfguard"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/media"
	"github.com/assetcompute/assetcompute/pkg/media/mp4index"
	"github.com/assetcompute/assetcompute/pkg/meta"
	"github.com/assetcompute/assetcompute/pkg/office"
	"github.com/assetcompute/assetcompute/pkg/postscript"
	"github.com/assetcompute/assetcompute/pkg/raw"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/text"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// Action names of the built-in workers (the names of package api).
const (
	ThumbnailAction = api.ActionThumbnail
	MetadataAction  = api.ActionMetadata
	FulltextAction  = api.ActionFulltext
)

// Event metadata of an image rendition of a video or audio source.
const (
	// MetadataMediaSource says what the image shows: "frame" (a video
	// frame), "cover" (an audio file's cover art), "waveform",
	// "storyboard" or "preview" (an animated preview).
	MetadataMediaSource = "media:source"
	// MetadataMediaTime is the time of the frame shown, or where a
	// preview clip starts, in seconds.
	MetadataMediaTime = "media:time"
	// MetadataMediaDuration is the length of a preview clip, in seconds.
	MetadataMediaDuration = "media:duration"
	// MetadataMediaAudio is true when a preview clip has a sound track.
	MetadataMediaAudio = "media:audio"
)

// MetadataPostScriptSource says what the image rendition of a PostScript
// family source (EPS, EPSI, PS, AI) was made from: "tiff-preview",
// "epsi-preview", "ghostscript" or "pdf" (a PDF-compatible Illustrator
// file); see package postscript.
const MetadataPostScriptSource = "postscript:source"

// KindClip is the media:source of a preview clip (fmt mp4).
const KindClip = "clip"

// Event metadata of an image rendition of a camera raw source.
const (
	// MetadataRawSource says what the rendition was made from: "preview"
	// (an embedded preview) or "develop" (the raw data, developed by
	// LibRaw).
	MetadataRawSource = "raw:source"
	// MetadataRawPreview describes the embedded preview used: where it
	// was found and its size ("JpgFromRaw 6000x4000 JPEG").
	MetadataRawPreview = "raw:preview"
	// MetadataRawSensorWidth and MetadataRawSensorHeight are the declared
	// size of the raw image (the default crop), when the file says.
	MetadataRawSensorWidth  = "raw:sensorWidth"
	MetadataRawSensorHeight = "raw:sensorHeight"
)

// Thumbnail returns the rendition function of the thumbnail action: image
// renditions made by engine. A watermark image is fetched with the
// activation's transfer client (worker.Source.Transfer, which carries the
// deployment's storage settings), or with transfer when the source has none,
// under the same rules and limits as a source, into the rendition's private
// directory; with neither, a rendition that asks for a watermark fails with
// GenericError.
//
// The engine's limits are overridden by those the activation's deployment
// settings set (worker.Source.Settings: maxSourceBytes, imageMaxSourcePixels,
// ...; see package settings).
//
// A video or audio source (a format the registry marks MediaRead) is
// first turned into an image by package media (ffmpeg, caged): the frame
// at the rendition's time, a representative frame, the cover art or the
// waveform; that image is then rendered like any image source, so every
// image instruction applies. Without ffmpeg on the machine such a source
// fails with SourceFormatUnsupported.
//
// A source of the PostScript family (a format the registry marks
// PostScriptRead: EPS, EPSI, PS, AI) is first turned into an image by
// package postscript: its embedded TIFF or EPSI preview when large enough,
// or the page drawn by Ghostscript (caged, without network) at the
// resolution the rendition needs; so is the page of a PDF-compatible
// Illustrator file (Ghostscript reads PDF), which goes through the image
// engine's PDF path (poppler) without Ghostscript, for a background
// colour, and when Ghostscript cannot draw it. Without Ghostscript such a
// source (but a PDF-compatible Illustrator file) fails with
// SourceFormatUnsupported.
//
// It also makes preview clips (fmt mp4, family video) of video sources, with
// media.Engine.Clip: see PreviewClip.
func Thumbnail(engine *image.Engine, transfer worker.Transfer) worker.RenditionFunc {
	// The media engine only looks its programs up; nil when missing.
	mediaEngine, _ := media.New(media.Options{})
	return ThumbnailWithMedia(engine, mediaEngine, transfer)
}

// ThumbnailWithMedia is Thumbnail with the media engine given (nil: video
// and audio sources are refused).
func ThumbnailWithMedia(engine *image.Engine, mediaEngine *media.Engine, transfer worker.Transfer) worker.RenditionFunc {
	psEngine, _ := postscript.New(postscript.Options{Limits: postscript.Limits{MaxPages: engine.Limits().MaxPages}})
	return ThumbnailWithEngines(engine, mediaEngine, psEngine, transfer)
}

// ThumbnailWithEngines is Thumbnail with the media and PostScript engines
// given (nil: their sources are refused).
func ThumbnailWithEngines(engine *image.Engine, mediaEngine *media.Engine, psEngine *postscript.Engine, transfer worker.Transfer) worker.RenditionFunc {
	var probes *probeCache
	if mediaEngine != nil {
		probes = newProbeCache(8, refuseEncrypted(mediaEngine.Probe))
	}
	// The raw engine only looks LibRaw's dcraw_emu up; without it raw
	// sources use their embedded previews only.
	rawEngine, _ := raw.New(raw.Options{})
	return func(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
		family, _ := r.Family()
		if r.MergesAnalysis() {
			family = api.FamilyAnalysis // metadata with an analysis merged in
		}
		if family == api.FamilyVideo {
			return previewClip(ctx, mediaEngine, probes, src, r)
		}
		if family != api.FamilyImage && family != api.FamilyAnalysis {
			return api.Errorf(api.ReasonRenditionFormatUnsupported,
				"the thumbnail action makes image renditions, mp4 preview clips and analyses; fmt %q is none of them", r.Fmt)
		}
		engine, err := engineFor(engine, src.Settings)
		if err != nil {
			return err
		}
		opts := image.RenderOptions{Threads: awaitedThreads(src, r)}
		fetcher := transfer
		if src.Transfer != nil {
			fetcher = src.Transfer
		}
		if fetcher != nil {
			opts.Fetch = watermarkFetch(src, fetcher, r)
		}
		var path string
		var pyr *image.Pyramid
		rendition := r.Rendition
		sf := sniffSource(src)
		if sf.Reads(format.PostScriptRead) {
			if field, v := mediaInstruction(r); field != "" {
				return api.Errorf(api.ReasonGeneric, "%s: %s applies to video sources, not to this source (%s)", field, v, sf.Title)
			}
			img, cleanup, err := postscriptImage(ctx, psEngine, engine.Limits(), src, sf, r)
			if err != nil {
				return err
			}
			defer cleanup()
			path = img.Path
			rendition = img.Rendition(r.Rendition)
			r.Metadata[MetadataPostScriptSource] = img.Kind
		} else if sf.Reads(format.MediaRead) {
			frame, cleanup, err := mediaFrame(ctx, mediaEngine, probes, src, sf, r)
			if err != nil {
				return err
			}
			defer cleanup()
			path = frame.Path
		} else if field, v := mediaInstruction(r); field != "" {
			return api.Errorf(api.ReasonGeneric, "%s: %s applies to video sources, not to this source (%s)", field, v, sf.Title)
		} else if r.Waveform != nil {
			return api.Errorf(api.ReasonGeneric, "waveform: {color: %s} applies to audio sources, not to this source (%s)", r.Waveform.Color, sf.Title)
		} else if sf.Family == format.FamilyRaw {
			pic, cleanup, err := rawPicture(ctx, rawEngine, engine, src, analysisBox(family, r))
			if err != nil {
				return err
			}
			defer cleanup()
			path = pic.Path
		} else if path, err = src.LocalPath(ctx); err != nil {
			return err
		} else {
			// The source's own pixels: the image renditions and analyses
			// share one decode where they can.
			pyr = pyramidFor(engine, src, path)
		}
		if family == api.FamilyAnalysis {
			return analyse(ctx, engine, pyr, src, path, rendition, r)
		}
		var res *image.Result
		if pyr != nil {
			res, err = pyr.Render(ctx, rendition, r.Path, opts)
		} else {
			res, err = engine.Render(ctx, path, rendition, r.Path, opts)
		}
		if err != nil {
			return err
		}
		r.Timed("encode", res.Encode)
		r.Metadata[api.MetadataWidth] = res.Width
		r.Metadata[api.MetadataHeight] = res.Height
		imageResultMetadata(r.Metadata, res, rendition.BlurFaces)
		return nil
	}
}

// watermarkKey names a watermark image fetched for the renditions of an
// activation.
type watermarkKey struct{ url string }

// watermarkFetch returns the image.FetchFunc of rendition r's watermark:
// each watermark image is fetched once per activation, into the
// activation's directory (worker.Source.Dir), for every rendition that
// draws it; without that directory, into the rendition's own.
func watermarkFetch(src *worker.Source, fetcher worker.Transfer, r *worker.Rendition) image.FetchFunc {
	fetch := func(ctx context.Context, url, dir string) (string, error) {
		f, err := fetcher.Fetch(ctx, api.Source{URL: url}, dir)
		if err != nil {
			return "", err
		}
		return f.Path, nil
	}
	if src.Dir() == "" {
		return func(ctx context.Context, url string) (string, error) {
			return fetch(ctx, url, filepath.Join(filepath.Dir(r.Path), "watermark"))
		}
	}
	return func(ctx context.Context, url string) (string, error) {
		v, err := src.Once(watermarkKey{url}, func() (any, error) {
			return fetch(ctx, url, filepath.Join(src.Dir(), "watermarks"))
		})
		if err != nil {
			return "", err
		}
		return v.(string), nil
	}
}

// sniffSource tells the format of a source from its first bytes and name.
func sniffSource(src *worker.Source) format.Format {
	head := make([]byte, format.SniffLen)
	n, err := src.Reader.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return format.Unknown
	}
	return format.Sniff(head[:n], src.Name)
}

// postscriptImage makes the image a rendition of a PostScript family
// source is made from, into a directory of the rendition's own; cleanup
// removes it. limits are the image engine's (the deployment may set
// them): its page limit applies to PostScript documents too, its PDF page
// limits to PDF-compatible Illustrator files.
func postscriptImage(ctx context.Context, e *postscript.Engine, limits image.Limits, src *worker.Source, sf format.Format, r *worker.Rendition) (*postscript.Image, func(), error) {
	dir, err := os.MkdirTemp(filepath.Dir(r.Path), "postscript-")
	if err != nil {
		return nil, nil, api.Wrap(api.ReasonGeneric, err, "rendition directory")
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	var img *postscript.Image
	path, err := src.LocalPath(ctx)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if e != nil {
		if l := e.Limits(); l.MaxPages != limits.MaxPages {
			l.MaxPages = limits.MaxPages
			e = e.WithLimits(l)
		}
		img, _, err = e.Image(ctx, path, r.Rendition, dir)
		if err == nil && img.Kind == postscript.KindPDF {
			img, err = drawIllustratorPDF(ctx, e, limits, src, path, r, dir, img)
		}
	} else if d, perr := postscript.Parse(src.Reader, src.Size); perr == nil && d.PDF {
		// Without Ghostscript a PDF-compatible Illustrator file still
		// goes through the PDF path.
		img, err = postscript.LinkPDF(path, dir)
	} else {
		err = api.Errorf(api.ReasonSourceFormatUnsupported,
			"the source (%s) needs Ghostscript, which is not installed here", sf.Title)
	}
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return img, cleanup, nil
}

// drawIllustratorPDF returns the page of the PDF-compatible Illustrator
// file at path drawn by Ghostscript when it can draw it, else pdf (the
// file handed to the image engine's PDF path): Ghostscript draws a page
// of many strokes in a third to a half of the CPU time of poppler and
// cairo (scripts/bench-eps.sh). The PDF path keeps what Ghostscript does
// not do: a background colour (Ghostscript draws on white), a document
// poppler cannot open or that needs a password (the PDF path reports
// it), and a page Ghostscript fails to draw (SourceCorrupt); the image
// engine's PDF checks then apply.
//
// The page is checked as the PDF path checks it (what it decompresses,
// the images it draws: the image engine's limits) while Ghostscript draws
// it, on another core: a page over a limit is SourceTooLarge, and
// Ghostscript is stopped at once, instead of working until its own
// limits stop it; a page within them costs no wall time for the check.
// Ghostscript's other failures (limits, deadline) are returned as they
// are.
func drawIllustratorPDF(ctx context.Context, e *postscript.Engine, limits image.Limits, src *worker.Source, path string, r *worker.Rendition, dir string, pdf *postscript.Image) (*postscript.Image, error) {
	if r.Background != "" {
		return pdf, nil
	}
	d, err := pdfguard.Open(path)
	if err != nil {
		return pdf, nil
	}
	page := api.IntOr(r.Page, 1)
	p := postscript.PDFPage{Pages: d.Pages()}
	if page >= 1 && page <= p.Pages {
		if p.Width, p.Height, err = d.PageSize(page - 1); err != nil {
			d.Close()
			return pdf, nil
		}
	}
	gsCtx, stop := context.WithCancel(ctx)
	defer stop()
	checked := make(chan error, 1)
	go func() {
		defer d.Close()
		var err error
		if page >= 1 && page <= p.Pages {
			err = d.CheckPage(page-1, pdfguard.PageLimits{StreamBytes: limits.MaxPDFPageBytes, ImagePixels: limits.MaxFullDecodePixels})
		}
		if le := (*pdfguard.LimitError)(nil); errors.As(err, &le) {
			stop()
		}
		checked <- err
	}()
	img, err := e.DrawPDF(gsCtx, path, p, r.Rendition, dir)
	if le := (*pdfguard.LimitError)(nil); errors.As(<-checked, &le) {
		return nil, api.Wrap(api.ReasonSourceTooLarge, le, "source PDF "+le.Error())
	}
	if api.ReasonOf(err) == api.ReasonSourceCorrupt && ctx.Err() == nil {
		src.Logger().WarnContext(ctx, "Ghostscript cannot draw the PDF-compatible Illustrator file; the PDF path draws it", "rendition", r.Name, "error", err)
		return pdf, nil
	}
	return img, err
}

// mediaInstruction returns the first instruction of r that only video
// sources honour, and its value; "" when none is set.
func mediaInstruction(r *worker.Rendition) (string, string) {
	switch {
	case r.Time != nil:
		return "time", r.Time.String()
	case r.Storyboard != nil:
		return "storyboard", fmt.Sprintf("{columns: %d, rows: %d}", r.Storyboard.Columns, r.Storyboard.Rows)
	case r.Frames != nil:
		return "frames", fmt.Sprint(*r.Frames)
	case r.FPS != nil:
		return "fps", fmt.Sprint(*r.FPS)
	}
	return "", ""
}

// mediaFrame extracts the image of a video or audio source that the
// rendition shows (a frame, cover art, a waveform, a storyboard, or an
// animated preview for animated: true), into a directory of the
// rendition's own; cleanup removes it. A waveform is drawn in the colour
// of the rendition's waveform instruction on a transparent background,
// which the image engine flattens onto the background instruction (or
// white, in a format without alpha); the instruction is ignored when the
// source shows a frame or cover art instead.
func mediaFrame(ctx context.Context, e *media.Engine, probes *probeCache, src *worker.Source, sf format.Format, r *worker.Rendition) (*media.Frame, func(), error) {
	if e == nil {
		return nil, nil, api.Errorf(api.ReasonSourceFormatUnsupported,
			"the source (%s) needs ffmpeg, which is not installed here", sf.Title)
	}
	e = mediaEngineFor(e, src.Settings)
	dir, err := os.MkdirTemp(filepath.Dir(r.Path), "media-")
	if err != nil {
		return nil, nil, api.Wrap(api.ReasonGeneric, err, "rendition directory")
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	// A frame of a large MP4 read in ranges comes from a partial copy;
	// anything else from the whole file.
	path, info, err := sparseInput(ctx, probes.probe, src, r, rangedMinBytes(src.Settings), imagePlan(r))
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	var frame *media.Frame
	if path != "" {
		frame, err = extractMedia(ctx, e, path, info, r, dir)
		if err != nil && api.ReasonOf(err) == api.ReasonSourceCorrupt && ctx.Err() == nil {
			// The partial copy lacked something the decoder read: the
			// whole file decides.
			src.Logger().WarnContext(ctx, "video frames from a partial copy failed; reading the source whole", "rendition", r.Name, "error", err)
			path = ""
		}
	}
	if path == "" {
		if path, err = src.LocalPath(ctx); err == nil {
			// The probe is shared by the renditions of a source.
			if info, err = probes.get(ctx, path); err == nil {
				frame, err = extractMedia(ctx, e, path, info, r, dir)
			}
		}
	}
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	r.Metadata[MetadataMediaSource] = frame.Kind
	if frame.Kind == media.KindFrame {
		r.Metadata[MetadataMediaTime] = frame.Time
	}
	return frame, cleanup, nil
}

// extractMedia makes the image the rendition shows of the media file at
// path, described by info, in dir.
func extractMedia(ctx context.Context, e *media.Engine, path string, info *media.Info, r *worker.Rendition, dir string) (*media.Frame, error) {
	// A waveform is drawn at the size asked (4:1 when one side is given),
	// so its lines keep their weight.
	w, h := api.IntOr(r.Width, api.IntOr(r.MaxWidth, 0)), api.IntOr(r.Height, api.IntOr(r.MaxHeight, 0))
	switch {
	case w > 0 && h == 0:
		h = max(1, w/4)
	case h > 0 && w == 0:
		w = h * 4
	}
	opts := media.FrameOptions{WaveformWidth: w, WaveformHeight: h}
	if r.Waveform != nil {
		opts.WaveformColor = r.Waveform.Color
	}
	opts.MinWidth, opts.MinHeight = frameNeed(r)
	if t := r.Time; t != nil {
		opts.Time = &media.Time{Seconds: t.Seconds, Percent: t.Percent, IsPercent: t.IsPercent}
	}
	switch {
	case r.Storyboard != nil:
		return e.Storyboard(ctx, path, info, r.Storyboard.Columns, r.Storyboard.Rows, dir)
	case r.Animated:
		popts := media.PreviewOptions{
			Frames:    api.IntOr(r.Frames, 0),
			MaxWidth:  api.IntOr(r.Width, api.IntOr(r.MaxWidth, 0)),
			MaxHeight: api.IntOr(r.Height, api.IntOr(r.MaxHeight, 0)),
		}
		if r.FPS != nil {
			popts.FPS = *r.FPS
		}
		return e.Preview(ctx, path, info, popts, dir)
	default:
		return e.Frame(ctx, path, info, opts, dir)
	}
}

// frameOversample is how much larger than the rendition a video frame is
// delivered by ffmpeg when it may be scaled down there: libvips then makes
// the final, exact resize from twice the pixels, as sharp as from the full
// frame.
const frameOversample = 2

// frameNeed returns the least size of a video frame that rendition r
// needs (see media.FrameOptions.MinWidth): frameOversample times its
// width (or maxWidth) and height (or maxHeight), the larger where both are
// set, zero on a side it does not bound. A rendition whose geometry is
// in source pixels (a crop rectangle, convertToDpi) or that keeps the
// source size (no size asked) needs the full frame: 0, 0.
func frameNeed(r *worker.Rendition) (int, int) {
	if (r.Crop != nil && !r.Crop.Smart) || r.ConvertToDPI != nil {
		return 0, 0
	}
	w := max(api.IntOr(r.Width, 0), api.IntOr(r.MaxWidth, 0))
	h := max(api.IntOr(r.Height, 0), api.IntOr(r.MaxHeight, 0))
	return w * frameOversample, h * frameOversample
}

// previewClip makes the preview clip (fmt mp4) of a video source at
// r.Path with media.Engine.Clip: H.264 and AAC, faststart, upright and
// square-pixelled, fitted inside width (or maxWidth) x height (or
// maxHeight), never upscaled unless upscale, starting at time (seconds or
// "N%"; default the start), at most maxDuration seconds long (default 30,
// at most api.MaxPreviewDuration), at the bit rate asked for or, without
// one, at the constant quality that quality maps to
// (media.CRFOfQuality; default CRF 23). The deployment's media limits
// apply as to frames. An image source, or one of no media format, fails
// with SourceFormatUnsupported ("a preview clip needs a video source"), as
// does an audio file (no video stream). The clip counts against the
// worker's MaxRenditionBytes like any rendition.
func previewClip(ctx context.Context, e *media.Engine, probes *probeCache, src *worker.Source, r *worker.Rendition) error {
	sf := sniffSource(src)
	if !sf.Reads(format.MediaRead) {
		return api.Errorf(api.ReasonSourceFormatUnsupported,
			"a preview clip (fmt mp4) needs a video source; this source is %s", article(sf.Title))
	}
	if e == nil {
		return api.Errorf(api.ReasonSourceFormatUnsupported,
			"the source (%s) needs ffmpeg, which is not installed here", sf.Title)
	}
	e = mediaEngineFor(e, src.Settings)
	dir, err := os.MkdirTemp(filepath.Dir(r.Path), "media-")
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "rendition directory")
	}
	defer os.RemoveAll(dir)
	opts := media.ClipOptions{
		MaxWidth:  api.IntOr(r.Width, api.IntOr(r.MaxWidth, 0)),
		MaxHeight: api.IntOr(r.Height, api.IntOr(r.MaxHeight, 0)),
		Upscale:   r.Upscale,
	}
	if r.MaxWidth != nil && r.Width != nil {
		opts.MaxWidth = min(*r.Width, *r.MaxWidth)
	}
	if r.MaxHeight != nil && r.Height != nil {
		opts.MaxHeight = min(*r.Height, *r.MaxHeight)
	}
	if r.MaxDuration != nil {
		opts.Duration = *r.MaxDuration
	}
	if r.Bitrate != nil {
		opts.Bitrate = *r.Bitrate
	}
	if r.Quality != nil {
		opts.CRF = media.CRFOfQuality(*r.Quality)
	}
	if t := r.Time; t != nil {
		opts.Start = &media.Time{Seconds: t.Seconds, Percent: t.Percent, IsPercent: t.IsPercent}
	}
	// A clip of a large MP4 read in ranges comes from a partial copy
	// holding its stretch; anything else from the whole file.
	path, info, err := sparseInput(ctx, probes.probe, src, r, rangedMinBytes(src.Settings),
		func(sp *sparseSource, in *media.Info) ([]mp4index.Range, bool) { return sp.clipRanges(in, opts) })
	if err != nil {
		return err
	}
	var clip *media.Clip
	if path != "" {
		clip, err = e.Clip(ctx, path, info, opts, dir)
		if err != nil && api.ReasonOf(err) == api.ReasonSourceCorrupt && ctx.Err() == nil {
			src.Logger().WarnContext(ctx, "preview clip from a partial copy failed; reading the source whole", "rendition", r.Name, "error", err)
			path = ""
		}
	}
	if path == "" {
		if path, err = src.LocalPath(ctx); err == nil {
			if info, err = probes.get(ctx, path); err == nil {
				clip, err = e.Clip(ctx, path, info, opts, dir)
			}
		}
	}
	if err != nil {
		return err
	}
	if err := os.Rename(clip.Path, r.Path); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "preview clip")
	}
	r.Metadata[api.MetadataWidth] = clip.Width
	r.Metadata[api.MetadataHeight] = clip.Height
	r.Metadata[MetadataMediaSource] = KindClip
	r.Metadata[MetadataMediaTime] = clip.Start
	r.Metadata[MetadataMediaDuration] = clip.Duration
	r.Metadata[MetadataMediaAudio] = clip.Audio
	return nil
}

// rawPicture makes the picture of a camera raw source that rendition r
// needs (package raw: an embedded preview read by ranged reads, or the raw
// data developed by LibRaw), in a directory of the rendition's own;
// cleanup removes it. LibRaw's sensor limit is the image engine's
// MaxFullDecodePixels: it decodes the whole sensor.
func rawPicture(ctx context.Context, e *raw.Engine, img *image.Engine, src *worker.Source, r *worker.Rendition) (*raw.Picture, func(), error) {
	l := e.Limits()
	l.MaxSensorPixels = img.Limits().MaxFullDecodePixels
	e = e.WithLimits(l)
	dir, err := os.MkdirTemp(filepath.Dir(r.Path), "raw-")
	if err != nil {
		return nil, nil, api.Wrap(api.ReasonGeneric, err, "rendition directory")
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	req := raw.Request{Mode: raw.Mode(r.Raw)}
	if r.Raw == api.RawAuto {
		req.Mode = raw.ModeAuto
	}
	box := func(a, b *int) int {
		switch {
		case a != nil && b != nil:
			return min(*a, *b)
		case a != nil:
			return *a
		case b != nil:
			return *b
		}
		return 0
	}
	req.Width, req.Height = box(r.Width, r.MaxWidth), box(r.Height, r.MaxHeight)
	switch {
	case r.Crop != nil && r.Crop.Smart:
		// The picture must cover the box, not fit inside it: a box twice
		// the long side covers every camera aspect up to 2:1.
		side := 2 * max(req.Width, req.Height)
		req.Width, req.Height = side, side
	case r.Crop != nil, r.Upscale:
		// A crop rectangle is in pixels of the full image; an enlarged
		// rendition wants every pixel there is.
		req.Width, req.Height = 0, 0
	}
	// A develop needs a local file: the worker's copy of a source read in
	// ranges, made once and shared by the renditions.
	rs := raw.Source{Reader: src.Reader, Size: src.Size, Path: src.Path, LocalPath: src.LocalPath}
	pic, err := e.Picture(ctx, rs, req, dir)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if pic.Developed {
		r.Metadata[MetadataRawSource] = "develop"
	} else {
		r.Metadata[MetadataRawSource] = "preview"
		r.Metadata[MetadataRawPreview] = pic.Preview.String()
	}
	if pic.Info.CropWidth > 0 {
		r.Metadata[MetadataRawSensorWidth] = pic.Info.CropWidth
		r.Metadata[MetadataRawSensorHeight] = pic.Info.CropHeight
	}
	return pic, cleanup, nil
}

// article puts "a" or "an" before a title: "a PNG image", "an unknown
// type".
func article(title string) string {
	if title == "" || strings.HasPrefix(title, "data ") {
		return title
	}
	if strings.ContainsRune("AEIOaeio", rune(title[0])) {
		return "an " + title
	}
	return "a " + title
}

// mediaEngineFor returns e with the media limits that s sets.
func mediaEngineFor(e *media.Engine, s settings.Settings) *media.Engine {
	var l settings.MediaLimits
	s.ApplyMedia(&l)
	if l == (settings.MediaLimits{}) {
		return e
	}
	m := e.Limits()
	if l.MaxDurationSeconds > 0 {
		m.MaxDuration = float64(l.MaxDurationSeconds)
	}
	if l.MaxPixels > 0 {
		m.MaxPixels = l.MaxPixels
	}
	if l.MaxFrames > 0 {
		m.MaxFrames = l.MaxFrames
	}
	if l.CPUSeconds > 0 {
		m.CPUSeconds = uint64(l.CPUSeconds)
	}
	if l.MemoryBytes > 0 {
		m.MemoryBytes = uint64(l.MemoryBytes)
	}
	return e.WithLimits(m)
}

// engineFor returns engine with the image limits that s sets.
func engineFor(engine *image.Engine, s settings.Settings) (*image.Engine, error) {
	base := settings.ImageLimits(engine.Limits())
	l := base
	s.ApplyImage(&l)
	if l == base {
		return engine, nil
	}
	e, err := engine.WithLimits(image.Limits(l))
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "invalid deployment settings")
	}
	return e, nil
}

// Handlers returns every built-in worker action as an in-process handler,
// keyed by action name, each running the worker lifecycle with opts.
func Handlers(opts worker.Options, imageOpts image.Options) (map[string]invoke.Handler, error) {
	engine, err := image.New(imageOpts)
	if err != nil {
		return nil, fmt.Errorf("image engine: %w", err)
	}
	topts := opts
	// Video frames of large MP4 sources need a few ranges, not the file;
	// other sources are copied whole on demand (Source.LocalPath), and
	// local files read in place.
	topts.RangedSource = true
	thumb, err := worker.New(Thumbnail(engine, opts.Transfer), topts)
	if err != nil {
		return nil, err
	}
	mopts := opts
	mopts.RangedSource = true // metadata needs a few byte ranges, not the file
	metaWorker, err := worker.New(metadata.Func(meta.Options{}), mopts)
	if err != nil {
		return nil, err
	}
	textWorker, err := worker.New(fulltext.Func(text.Options{}), opts)
	if err != nil {
		return nil, err
	}
	off, err := office.New(office.Options{})
	if err != nil {
		return nil, fmt.Errorf("office engine: %w", err)
	}
	officeWorker, err := worker.New(Office(engine, off, opts.Transfer), opts)
	if err != nil {
		return nil, err
	}
	return map[string]invoke.Handler{
		ThumbnailAction: thumb.Handle,
		MetadataAction:  metaWorker.Handle,
		FulltextAction:  textWorker.Handle,
		OfficeAction:    officeWorker.Handle,
	}, nil
}

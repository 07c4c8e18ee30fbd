package postscript

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/cage"
)

// Limits bound one Ghostscript run and what it may be asked to draw. A
// zero field takes its default.
type Limits struct {
	// MemoryBytes is Ghostscript's address-space limit. Default 1 GiB.
	MemoryBytes uint64
	// CPUSeconds is Ghostscript's CPU-time limit. Default 60.
	CPUSeconds uint64
	// MaxPages is the most pages a document may declare (%%Pages),
	// whichever page is drawn. Default 10,000.
	MaxPages int
	// MaxRenderPixels is the largest page Ghostscript is asked to draw,
	// in pixels, checked before it runs. Default 50 megapixels.
	MaxRenderPixels int64
}

// Default limits.
const (
	DefaultMemoryBytes     = 1 << 30
	DefaultCPUSeconds      = 60
	DefaultMaxPages        = 10_000
	DefaultMaxRenderPixels = 50_000_000
)

func (l Limits) withDefaults() Limits {
	if l.MemoryBytes == 0 {
		l.MemoryBytes = DefaultMemoryBytes
	}
	if l.CPUSeconds == 0 {
		l.CPUSeconds = DefaultCPUSeconds
	}
	if l.MaxPages <= 0 {
		l.MaxPages = DefaultMaxPages
	}
	if l.MaxRenderPixels <= 0 {
		l.MaxRenderPixels = DefaultMaxRenderPixels
	}
	return l
}

// Options configure an Engine.
type Options struct {
	// Ghostscript is the program; default "gs" from PATH or the system's
	// program directories.
	Ghostscript string
	// Limits bound each run.
	Limits Limits
	// TempDir is where Ghostscript's private directories are made;
	// default os.TempDir().
	TempDir string
	// Logger receives the warning of a kernel that refuses the network
	// namespace; default slog.Default().
	Logger *slog.Logger
	// AntiAliasText draws text anti-aliased (-dTextAlphaBits=4). It is
	// off by default: it costs about a fifth more CPU on a page with a few
	// hundred labels (scripts/bench-eps.sh), which the service's
	// performance goal (at most 1.2 times Ghostscript alone) does not
	// leave. Anti-aliased graphics (-dGraphicsAlphaBits) cost 4 to 5
	// times the drawing of a page of strokes and are not offered.
	AntiAliasText bool
}

// Engine makes images of PostScript files. It may be used concurrently.
type Engine struct {
	gs        string
	limits    Limits
	cage      *cage.Cage
	antiAlias bool
}

// New returns an engine, or an error when Ghostscript or the cage's
// prlimit cannot be found.
func New(opts Options) (*Engine, error) {
	name := opts.Ghostscript
	if name == "" {
		name = "gs"
	}
	gs, err := cage.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("postscript: Ghostscript: %w", err)
	}
	l := opts.Limits.withDefaults()
	c, err := cage.New(cage.Options{TempDir: opts.TempDir, NoNetwork: true, Logger: opts.Logger, Limits: cage.Limits{
		MemoryBytes: l.MemoryBytes,
		CPUSeconds:  l.CPUSeconds,
		StderrTail:  16 << 10,
	}})
	if err != nil {
		return nil, fmt.Errorf("postscript: %w", err)
	}
	return &Engine{gs: gs, limits: l, cage: c, antiAlias: opts.AntiAliasText}, nil
}

// Limits returns the engine's limits, defaults filled in.
func (e *Engine) Limits() Limits { return e.limits }

// WithLimits returns a copy of e with other limits (zero fields take the
// defaults).
func (e *Engine) WithLimits(l Limits) *Engine {
	c := *e
	c.limits = l.withDefaults()
	return &c
}

// NetworkIsolated reports whether Ghostscript runs in a network namespace
// of its own (see package internal/cage).
func (e *Engine) NetworkIsolated() bool { return e.cage.NetworkIsolated() }

// The kinds of Image.
const (
	// KindTIFFPreview: the TIFF preview of a DOS EPS file.
	KindTIFFPreview = "tiff-preview"
	// KindEPSIPreview: the EPSI preview.
	KindEPSIPreview = "epsi-preview"
	// KindGhostscript: the page drawn by Ghostscript.
	KindGhostscript = "ghostscript"
	// KindPDF: a PDF-compatible Illustrator file, to be rendered as a PDF
	// by the image engine's PDF path (poppler).
	KindPDF = "pdf"
	// KindGhostscriptPDF: the page of a PDF-compatible Illustrator file
	// drawn by Ghostscript (see Engine.DrawPDF).
	KindGhostscriptPDF = "ghostscript-pdf"
)

// Image is the picture of a PostScript file that a rendition is made
// from.
type Image struct {
	// Path is the image file: a PNG or TIFF file, or, for KindPDF, a
	// link named .pdf to the source.
	Path string
	// Kind says where it comes from.
	Kind string
	// Width and Height are its size in pixels (0 for KindPDF).
	Width, Height int
	// ScaleX and ScaleY are its pixels per point of the page: a
	// rendition's crop rectangle, given in pixels of the page at 72 dpi,
	// is multiplied by them.
	ScaleX, ScaleY float64
}

// Rendition returns r adapted to the image: a crop rectangle scaled from
// the page's points to the image's pixels, and upscale set, since a
// PostScript page, like a PDF page, is drawn at the size asked for (an
// image drawn a pixel short of it is enlarged, not left short). A
// KindPDF image takes r as it is.
func (im *Image) Rendition(r api.Rendition) api.Rendition {
	if im.Kind == KindPDF {
		return r
	}
	r.Upscale = true
	if c := r.Crop; c != nil && !c.Smart {
		x0, y0 := int(math.Floor(float64(c.X)*im.ScaleX)), int(math.Floor(float64(c.Y)*im.ScaleY))
		x1, y1 := int(math.Ceil(float64(c.X+c.W)*im.ScaleX)), int(math.Ceil(float64(c.Y+c.H)*im.ScaleY))
		x1, y1 = min(x1, im.Width), min(y1, im.Height)
		r.Crop = &api.Crop{X: min(x0, x1-1), Y: min(y0, y1-1), W: max(1, x1-x0), H: max(1, y1-y0)}
	}
	// The page is drawn once; the image has one page.
	r.Page = nil
	return r
}

// Scale returns the pixels per point of the page (a box of pageW x pageH
// points, that is pixels at 72 dpi) that rendition r needs: the page is
// drawn so that the rendition's box (width, height, maxWidth, maxHeight;
// of its crop, smart or rectangular; after convertToDpi) is filled
// without enlarging, as the image engine draws a PDF page.
func Scale(pageW, pageH float64, r api.Rendition) (sx, sy float64) {
	rw, rh := pageW, pageH
	if c := r.Crop; c != nil && !c.Smart && c.W > 0 && c.H > 0 {
		rw, rh = float64(c.W), float64(c.H)
	}
	fx, fy := 1.0, 1.0
	if d := r.ConvertToDPI; d != nil && d.X > 0 && d.Y > 0 {
		fx, fy = d.X/72, d.Y/72
	}
	bw, bh := rw*fx, rh*fy
	s := 1.0
	if c := r.Crop; c != nil && c.Smart && r.Width != nil && r.Height != nil {
		w, h := float64(*r.Width), float64(*r.Height)
		k := 1.0
		if r.MaxWidth != nil {
			k = math.Min(k, float64(*r.MaxWidth)/w)
		}
		if r.MaxHeight != nil {
			k = math.Min(k, float64(*r.MaxHeight)/h)
		}
		s = math.Max(w*k/bw, h*k/bh)
	} else {
		if r.Width != nil || r.Height != nil {
			s = math.Inf(1)
			if r.Width != nil {
				s = math.Min(s, float64(*r.Width)/bw)
			}
			if r.Height != nil {
				s = math.Min(s, float64(*r.Height)/bh)
			}
		}
		if r.MaxWidth != nil {
			s = math.Min(s, float64(*r.MaxWidth)/bw)
		}
		if r.MaxHeight != nil {
			s = math.Min(s, float64(*r.MaxHeight)/bh)
		}
	}
	if s <= 0 || math.IsInf(s, 0) || math.IsNaN(s) {
		s = 1
	}
	return s * fx, s * fy
}

// Image makes the picture of the PostScript file at path (named name,
// which may be empty) that rendition r is made from, in dir: the
// embedded TIFF or EPSI preview when it is at least as large as r needs
// (and r crops no rectangle and converts no resolution), otherwise the
// page r asks for (default 1) drawn by Ghostscript at the resolution r
// needs. A PDF-compatible Illustrator file is given back as KindPDF, for
// the image engine's PDF path or for Engine.DrawPDF.
//
// Failures are *api.Error values: SourceCorrupt for a file that is not
// PostScript or that Ghostscript fails to draw (a PostScript error), with
// Ghostscript's error; SourceUnsupported for a file that tries to read,
// write or delete files or to run commands (refused by -dSAFER);
// SourceTooLarge for a document with more pages than Limits.MaxPages, a
// page larger than Limits.MaxRenderPixels at the resolution needed, or a
// program that exceeds Ghostscript's memory or CPU-time limit (an endless
// loop, an unbounded allocation); Timeout when ctx's deadline passes
// while Ghostscript works (it is killed); GenericError for a page the
// document does not have.
func (e *Engine) Image(ctx context.Context, path string, r api.Rendition, dir string) (*Image, *Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	d, err := Parse(f, st.Size())
	if err != nil {
		return nil, nil, err
	}
	if d.PDF {
		im, err := LinkPDF(path, dir)
		return im, d, err
	}
	page := api.IntOr(r.Page, 1)
	switch {
	case d.Pages > e.limits.MaxPages:
		return nil, d, api.Errorf(api.ReasonSourceTooLarge, "the document declares %d pages, more than the limit of %d", d.Pages, e.limits.MaxPages)
	case page < 1:
		return nil, d, api.Errorf(api.ReasonGeneric, "page: %d is not a page number (pages count from 1)", page)
	case d.Encapsulated() && page > 1:
		return nil, d, api.Errorf(api.ReasonGeneric, "page: %d is not a page of this %s, which has one page", page, d)
	case d.Pages > 0 && page > d.Pages:
		return nil, d, api.Errorf(api.ReasonGeneric, "page: %d is not a page of the document, which has %d", page, d.Pages)
	}
	pg := d.Page()
	sx, sy := Scale(pg.Width(), pg.Height(), r)
	needW, needH := int(math.Ceil(pg.Width()*sx-1e-6)), int(math.Ceil(pg.Height()*sy-1e-6))
	needW, needH = max(needW, 1), max(needH, 1)
	plain := r.ConvertToDPI == nil && (r.Crop == nil || r.Crop.Smart) && page == 1
	if plain {
		if w, h, ok := TIFFPreviewSize(f, d); ok && w >= needW && h >= needH {
			out := filepath.Join(dir, "preview.tif")
			if err := ExtractTIFFPreview(f, d, out); err == nil {
				return &Image{Path: out, Kind: KindTIFFPreview, Width: w, Height: h,
					ScaleX: float64(w) / pg.Width(), ScaleY: float64(h) / pg.Height()}, d, nil
			}
		}
		if p := d.Preview; p != nil && p.Width >= needW && p.Height >= needH {
			if img, err := DecodeEPSIPreview(f, st.Size(), d); err == nil {
				out := filepath.Join(dir, "preview.png")
				if err := writePNG(img, out); err != nil {
					return nil, d, api.Wrap(api.ReasonGeneric, err, "the EPSI preview cannot be written")
				}
				return &Image{Path: out, Kind: KindEPSIPreview, Width: p.Width, Height: p.Height,
					ScaleX: float64(p.Width) / pg.Width(), ScaleY: float64(p.Height) / pg.Height()}, d, nil
			}
		}
	}
	if px := int64(needW) * int64(needH); px > e.limits.MaxRenderPixels {
		return nil, d, api.Errorf(api.ReasonSourceTooLarge,
			"the rendition needs the page drawn at %dx%d pixels, more than the limit of %d pixels", needW, needH, e.limits.MaxRenderPixels)
	}
	im, err := e.render(ctx, path, d, page, sx*72, sy*72, dir)
	if err != nil {
		return nil, d, err
	}
	return im, d, nil
}

// LinkPDF returns the KindPDF image of the PDF-compatible Illustrator
// file at path: a symbolic link to it named illustrator.pdf in dir, which
// the image engine reads as a PDF.
func LinkPDF(path, dir string) (*Image, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "source path")
	}
	link := filepath.Join(dir, "illustrator.pdf")
	if err := os.Symlink(abs, link); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "source link")
	}
	return &Image{Path: link, Kind: KindPDF}, nil
}

// PDFPage is what the caller read of a PDF-compatible Illustrator file
// (this package reads no PDF): its number of pages and the size of the
// page to draw as it is shown (its crop box, turned by its /Rotate), in
// points.
type PDFPage struct {
	Pages         int
	Width, Height float64
}

// DrawPDF draws the page r asks for (default 1) of the PDF-compatible
// Illustrator file at path, described by p, with Ghostscript in the cage,
// at the resolution r needs, as Image draws a PostScript page: -dSAFER,
// no network, the rlimits, the deadline, only that page
// (-dFirstPage/-dLastPage), its crop box (-dUseCropBox, the box poppler
// draws), not anti-aliased. Ghostscript reads the PDF itself (its
// transparency, blend modes and colour spaces included) and ignores
// Illustrator's private data (the /PieceInfo dictionary, which only
// Illustrator reads).
//
// On a page of many strokes it costs about half the CPU time of the image
// engine's PDF path (poppler and cairo, anti-aliased); see
// scripts/bench-eps.sh.
//
// The failures are those of Image; a PDF Ghostscript cannot draw
// (damaged, or using something it does not support) is SourceCorrupt,
// which the caller may hand to the PDF path instead.
func (e *Engine) DrawPDF(ctx context.Context, path string, p PDFPage, r api.Rendition, dir string) (*Image, error) {
	page := api.IntOr(r.Page, 1)
	switch {
	case p.Pages > e.limits.MaxPages:
		return nil, api.Errorf(api.ReasonSourceTooLarge, "the document has %d pages, more than the limit of %d", p.Pages, e.limits.MaxPages)
	case page < 1:
		return nil, api.Errorf(api.ReasonGeneric, "page: %d is not a page number (pages count from 1)", page)
	case page > p.Pages:
		return nil, api.Errorf(api.ReasonGeneric, "page: %d is not a page of the document, which has %d", page, p.Pages)
	case !(p.Width > 0 && p.Width <= maxPoints && p.Height > 0 && p.Height <= maxPoints):
		return nil, api.Errorf(api.ReasonSourceCorrupt, "page %d of the PDF has no usable size (%gx%g points)", page, p.Width, p.Height)
	}
	sx, sy := Scale(p.Width, p.Height, r)
	needW, needH := max(int(math.Ceil(p.Width*sx-1e-6)), 1), max(int(math.Ceil(p.Height*sy-1e-6)), 1)
	if px := int64(needW) * int64(needH); px > e.limits.MaxRenderPixels {
		return nil, api.Errorf(api.ReasonSourceTooLarge,
			"the rendition needs the page drawn at %dx%d pixels, more than the limit of %d pixels", needW, needH, e.limits.MaxRenderPixels)
	}
	return e.render(ctx, path, &Document{PDF: true}, page, sx*72, sy*72, dir)
}

// outputName is the file Ghostscript writes in its private directory.
const outputName = "page.tif"

// GhostscriptArgs returns the arguments with which the engine runs
// Ghostscript to draw page of the file at path (an absolute path) at
// xdpi x ydpi into outputName: -dSAFER (no file but its input and output
// is opened, no command is run), the page limits, -dEPSCrop for an
// encapsulated file (otherwise the document's media, or US Letter;
// -dUseCropBox for a PDF), the
// uncompressed TIFF device (writing a PNG costs more than drawing many
// pages: 1.6 s of CPU against 0.2 s for a photograph at 300 dpi),
// images smoothed when drawn at another size (-dDOINTERPOLATE, as poppler
// draws them: sampled, a picture drawn smaller turns to noise; it costs
// no measurable time on scripts/bench-eps.sh's photograph),
// anti-aliased text when antiAlias is set, and the program's own output
// (print, error dumps) sent to standard error.
func GhostscriptArgs(d *Document, path string, page int, xdpi, ydpi float64, antiAlias bool) []string {
	args := []string{
		"-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dNOPROMPT", "-dDOINTERPOLATE",
		"-sstdout=%stderr",
		"-sDEVICE=tiff24nc",
		"-r" + strconv.FormatFloat(xdpi, 'f', 4, 64) + "x" + strconv.FormatFloat(ydpi, 'f', 4, 64),
		"-dFirstPage=" + strconv.Itoa(page), "-dLastPage=" + strconv.Itoa(page),
	}
	if antiAlias {
		args = append(args, "-dTextAlphaBits=4")
	}
	var pre []string
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	switch {
	case d.PDF:
		// The crop box, as poppler draws it (Ghostscript's default is
		// the media box).
		args = append(args, "-dUseCropBox")
	case d.EPS && d.BoundingBox != nil:
		args = append(args, "-dEPSCrop")
	case d.Encapsulated():
		// A legacy Illustrator file without "EPSF" in its header, which
		// -dEPSCrop ignores: a page of the bounding box's size, its
		// lower left corner moved to the origin.
		bb := d.Page()
		args = append(args, "-dDEVICEWIDTHPOINTS="+num(bb.Width()), "-dDEVICEHEIGHTPOINTS="+num(bb.Height()), "-dFIXEDMEDIA")
		pre = []string{"-c", "<< /BeginPage { pop " + num(-bb.LLX) + " " + num(-bb.LLY) + " translate } >> setpagedevice"}
	case d.Media != nil:
		// The document's own page size; its setpagedevice may change it.
		args = append(args, "-dDEVICEWIDTHPOINTS="+num(d.Media.Width()), "-dDEVICEHEIGHTPOINTS="+num(d.Media.Height()))
	default:
		// Not the machine's default paper (libpaper): the page Page
		// assumes.
		args = append(args, "-sPAPERSIZE=letter")
	}
	args = append(args, "-sOutputFile="+outputName)
	return append(append(args, pre...), "-f", path)
}

// render draws page of the file at path with Ghostscript in the cage.
func (e *Engine) render(ctx context.Context, path string, d *Document, page int, xdpi, ydpi float64, dir string) (*Image, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "source path")
	}
	out := filepath.Join(dir, "ghostscript.tif")
	_, err = e.cage.Run(ctx, cage.Cmd{
		Path:    e.gs,
		Args:    GhostscriptArgs(d, abs, page, xdpi, ydpi, e.antiAlias),
		Outputs: map[string]string{outputName: out},
		Limits: cage.Limits{MemoryBytes: e.limits.MemoryBytes, CPUSeconds: e.limits.CPUSeconds,
			// The TIFF of a page of MaxRenderPixels, and some room: a
			// program that asks for a larger page (setpagedevice) is
			// stopped when its file grows past it.
			FileBytes: uint64(e.limits.MaxRenderPixels)*3 + 1<<20},
	})
	if err != nil {
		return nil, e.runError(err, d, page)
	}
	f, err := os.Open(out)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "the page drawn cannot be read")
	}
	w, h, ok := tiffSize(f)
	f.Close()
	if !ok {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "Ghostscript wrote no readable image of the page")
	}
	kind := KindGhostscript
	if d.PDF {
		kind = KindGhostscriptPDF
	}
	return &Image{Path: out, Kind: kind, Width: w, Height: h, ScaleX: xdpi / 72, ScaleY: ydpi / 72}, nil
}

// psErrorRE finds Ghostscript's report of a PostScript error.
var psErrorRE = regexp.MustCompile(`Error: /([A-Za-z]+) in (\S+)`)

// psError returns the last PostScript error Ghostscript reported, as
// "/name in operator", or "".
func psError(stderr string) string {
	m := psErrorRE.FindAllStringSubmatch(stderr, -1)
	if len(m) == 0 {
		return ""
	}
	last := m[len(m)-1]
	op := last[2]
	if len(op) > 64 {
		op = op[:64] + "..."
	}
	return "/" + last[1] + " in " + strings.ToValidUTF8(op, "?")
}

// runError turns a failed Ghostscript run into an *api.Error; see Image.
func (e *Engine) runError(err error, d *Document, page int) error {
	var ce *cage.Error
	errors.As(err, &ce)
	stderr := ""
	if ce != nil {
		stderr = ce.Stderr
	}
	pe := psError(stderr)
	name, _, _ := strings.Cut(strings.TrimPrefix(pe, "/"), " ")
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return api.Wrap(api.ReasonTimeout, err, "the deadline passed while Ghostscript was drawing the page; it was stopped")
	case errors.Is(err, context.Canceled):
		return api.Wrap(api.ReasonTimeout, err, "the work was cancelled while Ghostscript was drawing the page")
	case errors.Is(err, cage.ErrCPULimit):
		return api.Wrap(api.ReasonSourceTooLarge, err, fmt.Sprintf(
			"drawing the page needs more than the CPU-time limit of %d seconds (an endless or very long PostScript program); Ghostscript was stopped", e.limits.CPUSeconds))
	case ce != nil && ce.Signal == syscall.SIGXFSZ:
		return api.Wrap(api.ReasonSourceTooLarge, err, fmt.Sprintf(
			"the PostScript program draws a page larger than the limit of %d pixels; Ghostscript was stopped", e.limits.MaxRenderPixels))
	case errors.Is(err, cage.ErrMemoryLimit), name == "VMerror", name == "limitcheck",
		ce != nil && ce.Signal == 9 && pe == "":
		return api.Wrap(api.ReasonSourceTooLarge, err, fmt.Sprintf(
			"drawing the page needs more than the memory limit of %d MiB (%s); Ghostscript was stopped", e.limits.MemoryBytes>>20, orDefault(pe, "killed")))
	case name == "invalidfileaccess" || strings.Contains(pe, "deletefile") || strings.Contains(pe, "renamefile") ||
		name == "invalidaccess" && strings.Contains(stderr, "%pipe%"):
		return api.Wrap(api.ReasonSourceUnsupported, err, fmt.Sprintf(
			"the PostScript program tries to open, write or delete files, or to run a command, which is refused (%s)", pe))
	case ce != nil && ce.Err != nil && strings.Contains(ce.Err.Error(), "not written"):
		switch {
		case pe != "":
			return api.Wrap(api.ReasonSourceCorrupt, err, "Ghostscript cannot draw the page: PostScript error "+pe)
		case d.PDF:
			return api.Errorf(api.ReasonSourceCorrupt, "Ghostscript drew no page of the PDF")
		case page == 1:
			return api.Errorf(api.ReasonSourceCorrupt, "the PostScript program draws no page (it never calls showpage)")
		}
		return api.Errorf(api.ReasonGeneric, "page: the document has no page %d", page)
	case pe != "":
		return api.Wrap(api.ReasonSourceCorrupt, err, "Ghostscript cannot draw the page: PostScript error "+pe)
	case ce != nil && ce.Signal != 0:
		return api.Wrap(api.ReasonSourceCorrupt, err, fmt.Sprintf("Ghostscript was killed by %v while drawing the page", ce.Signal))
	case ce != nil && ce.Err == nil:
		msg := "Ghostscript cannot draw the page"
		if last := cage.LastLines(stderr, 2); last != "" {
			msg += " (" + last + ")"
		}
		return api.Wrap(api.ReasonSourceCorrupt, err, msg)
	}
	return api.Wrap(api.ReasonGeneric, err, "Ghostscript cannot be run")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

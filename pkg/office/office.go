package office

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/internal/cage"
)

// Options configure an Engine. Zero fields take the defaults.
type Options struct {
	// Soffice is the LibreOffice program; default "soffice", looked up in
	// PATH and the system's program directories. When it cannot be found
	// the engine still reads embedded thumbnails and refuses the rest
	// with SourceFormatUnsupported.
	Soffice string
	// Limits bound each LibreOffice run (see package cage). The defaults:
	// 2 GiB of address space (a small document converts in under 400 MiB;
	// see docs), 120 CPU seconds, 512 MiB per file written.
	Limits cage.Limits
	// MaxPages is the most pages (or slides) a document may declare in
	// its properties; one that declares more is refused with
	// SourceTooLarge before LibreOffice loads it. Default 2000.
	MaxPages int
	// Zip bounds the reading of zip-packaged documents.
	Zip ZipLimits
}

// Default limits of a LibreOffice run.
const (
	DefaultMemoryBytes = 2 << 30
	DefaultCPUSeconds  = 120
	DefaultFileBytes   = 512 << 20
	DefaultMaxPages    = 2000
)

// Engine makes the preview pictures of Office, OpenDocument and iWork
// documents. It is safe for concurrent use.
type Engine struct {
	opts    Options
	soffice string // "" when LibreOffice is not installed
	cage    *cage.Cage

	convMu sync.Mutex
	convs  []*conversion // the last few conversions, most recent last
}

// conversion is one page of one source file converted to PDF, shared by
// the renditions that need it.
type conversion struct {
	key  convKey
	once sync.Once
	pdf  string
	err  error
}

type convKey struct {
	path  string
	size  int64
	mtime time.Time
	page  int
	dir   string
}

// maxConversions is how many conversions are remembered.
const maxConversions = 8

// New returns an engine. It fails only when the cage cannot be built
// (prlimit missing) while LibreOffice is installed.
func New(opts Options) (*Engine, error) {
	if opts.Limits.MemoryBytes == 0 {
		opts.Limits.MemoryBytes = DefaultMemoryBytes
	}
	if opts.Limits.CPUSeconds == 0 {
		opts.Limits.CPUSeconds = DefaultCPUSeconds
	}
	if opts.Limits.FileBytes == 0 {
		opts.Limits.FileBytes = DefaultFileBytes
	}
	if opts.MaxPages <= 0 {
		opts.MaxPages = DefaultMaxPages
	}
	opts.Zip = opts.Zip.withDefaults()
	e := &Engine{opts: opts}
	name := opts.Soffice
	if name == "" {
		name = "soffice"
	}
	p, err := cage.LookPath(name)
	if err != nil {
		return e, nil
	}
	c, err := cage.New(cage.Options{Limits: opts.Limits, NoNetwork: true})
	if err != nil {
		return nil, fmt.Errorf("office: %w", err)
	}
	e.soffice, e.cage = p, c
	return e, nil
}

// CanRender reports whether LibreOffice is available to render pages.
func (e *Engine) CanRender() bool { return e.soffice != "" }

// Request says which picture of a document is wanted.
type Request struct {
	// Width and Height are the box the rendition is fitted into; 0 for a
	// side that is not bounded. An embedded thumbnail is used only when
	// it fills the box without being enlarged.
	Width, Height int
	// Page is the 1-based page (slide, sheet page) to show; 0 means 1.
	// Only the first page has embedded thumbnails.
	Page int
}

// The kinds of Preview.
const (
	// KindThumbnail: a raster thumbnail embedded in the document.
	KindThumbnail = "thumbnail"
	// KindPage: a one-page PDF of the page, made by LibreOffice.
	KindPage = "page"
)

// Preview is the picture that stands for a document page.
type Preview struct {
	// Path is the picture: a JPEG or PNG file (KindThumbnail) or a PDF
	// of one page (KindPage).
	Path string
	// Kind is KindThumbnail or KindPage.
	Kind string
	// Part is the package part of an embedded thumbnail.
	Part string
	// Width and Height are the thumbnail's dimensions (KindThumbnail).
	Width, Height int
	// Format is the source's format.
	Format format.Format
}

// Preview returns the picture of page req.Page of the document at path
// (name is its file name, for type detection), written under dir: the
// largest embedded raster thumbnail when it is large enough for req,
// otherwise the page converted to PDF by LibreOffice. Renditions that ask
// for the same page of the same file with the same dir share one
// conversion.
//
// Errors carry an api reason: SourceFormatUnsupported for a source of no
// format the engine previews (or when LibreOffice is needed and missing),
// SourceUnsupported for an encrypted document, SourceTooLarge for a
// document that declares more than MaxPages pages or a zip bomb,
// SourceCorrupt for one LibreOffice cannot load, Timeout when ctx ends.
func (e *Engine) Preview(ctx context.Context, path, name string, req Request, dir string) (*Preview, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot open the source")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot read the source")
	}
	size := st.Size()
	if size == 0 {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "the source is empty")
	}
	head := make([]byte, format.SniffLen)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot read the source")
	}
	sf := format.Sniff(head[:n], name)
	if format.IsOLE(sf) && oleEncrypted(f, size) {
		return nil, api.Errorf(api.ReasonSourceUnsupported, "the %s is encrypted (password protected); it cannot be previewed", oleTitle(sf, name))
	}
	if !sf.Reads(format.OfficeRead) {
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported, "the office engine previews Office, OpenDocument and iWork documents; the source is %s", article(sf.Title))
	}
	page := max(req.Page, 1)
	iworkFormat := ""
	if format.IsZip(sf) {
		ins, err := Inspect(ctx, f, size, sf, e.opts.Zip)
		if err != nil {
			return nil, err
		}
		if isIWork(sf) {
			if ins.IWork == "" && !hasThumbnail(ins) {
				return nil, api.Errorf(api.ReasonSourceCorrupt, "the %s holds neither the XML of iWork '09 (index.xml, index.apxl) nor the archives of later versions (Index/), and no preview picture", sf.Title)
			}
			iworkFormat = ins.IWork
		}
		if ins.Pages > e.opts.MaxPages {
			return nil, api.Errorf(api.ReasonSourceTooLarge, "the %s declares %d pages, more than the limit of %d", sf.Title, ins.Pages, e.opts.MaxPages)
		}
		if ins.Pages > 0 && page > ins.Pages {
			return nil, api.Errorf(api.ReasonGeneric, "page %d was asked, but the %s has %d pages", page, sf.Title, ins.Pages)
		}
		if page == 1 {
			for _, t := range ins.Thumbnails {
				if !LargeEnough(t.Width, t.Height, req.Width, req.Height) {
					continue
				}
				out, err := writeTemp(dir, "thumbnail-*."+t.Format, t.Data)
				if err != nil {
					return nil, api.Wrap(api.ReasonGeneric, err, "cannot write the thumbnail")
				}
				return &Preview{Path: out, Kind: KindThumbnail, Part: t.Part, Width: t.Width, Height: t.Height, Format: sf}, nil
			}
		}
	}
	pdf, err := e.sharedPDF(ctx, path, st, sf, page, dir)
	if err != nil && iworkFormat != "" && api.ReasonOf(err) == api.ReasonSourceCorrupt {
		// LibreOffice imports iWork through libetonyek, which reads part
		// of what Apple's applications write: a document it cannot load
		// is not known to be damaged.
		return nil, api.Errorf(api.ReasonSourceUnsupported,
			"LibreOffice could not import the %s (%s) and it has no embedded preview large enough (%s)",
			sf.Title, iworkFormat, api.MessageOf(err))
	}
	if err != nil {
		return nil, err
	}
	return &Preview{Path: pdf, Kind: KindPage, Format: sf}, nil
}

// isIWork reports whether f is a Pages, Numbers or Keynote document.
func isIWork(f format.Format) bool {
	return f.Name == "pages" || f.Name == "numbers" || f.Name == "keynote"
}

func hasThumbnail(ins *Inspection) bool { return len(ins.Thumbnails) > 0 }

// sharedPDF is ToPDF run once for the renditions that ask for the same
// page of the same file (path, size and modification time) with the same
// dir: they share the PDF, which lives as long as dir. A failed
// conversion is not remembered.
func (e *Engine) sharedPDF(ctx context.Context, path string, st os.FileInfo, f format.Format, page int, dir string) (string, error) {
	key := convKey{path, st.Size(), st.ModTime(), page, dir}
	e.convMu.Lock()
	var c *conversion
	for _, x := range e.convs {
		if x.key == key {
			c = x
			break
		}
	}
	if c == nil {
		c = &conversion{key: key}
		e.convs = append(e.convs, c)
		if len(e.convs) > maxConversions {
			e.convs = e.convs[1:]
		}
	}
	e.convMu.Unlock()
	c.once.Do(func() { c.pdf, c.err = e.ToPDF(ctx, path, f, page, dir) })
	if c.err == nil {
		if _, err := os.Stat(c.pdf); err == nil {
			return c.pdf, nil
		}
	}
	e.convMu.Lock()
	for i, x := range e.convs {
		if x == c {
			e.convs = append(e.convs[:i], e.convs[i+1:]...)
			break
		}
	}
	e.convMu.Unlock()
	if c.err != nil {
		return "", c.err
	}
	// The directory went away: convert again.
	return e.ToPDF(ctx, path, f, page, dir)
}

// writeTemp writes data to a new file of dir named after pattern.
func writeTemp(dir, pattern string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// TextPDF converts every page of the legacy Word, Excel or PowerPoint
// file, or the Pages, Numbers or Keynote document, at path (name is its
// file name) to a PDF with LibreOffice, for its text, and returns the
// PDF's path, under dir. It refuses an encrypted file
// (SourceUnsupported), a package that is a zip bomb or declares too many
// pages (SourceTooLarge), an iWork package LibreOffice cannot import
// (SourceUnsupported), and any other format
// (SourceFormatUnsupported): the text of the other formats is read
// directly (package text). Calls for the same file and dir share one
// conversion.
func (e *Engine) TextPDF(ctx context.Context, path, name, dir string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", api.Wrap(api.ReasonGeneric, err, "cannot open the source")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", api.Wrap(api.ReasonGeneric, err, "cannot read the source")
	}
	head := make([]byte, format.SniffLen)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return "", api.Wrap(api.ReasonGeneric, err, "cannot read the source")
	}
	sf := format.Sniff(head[:n], name)
	if format.IsOLE(sf) && oleEncrypted(f, st.Size()) {
		return "", api.Errorf(api.ReasonSourceUnsupported, "the %s is encrypted (password protected); its text cannot be read", oleTitle(sf, name))
	}
	if !NeedsTextConversion(sf) {
		return "", api.Errorf(api.ReasonSourceFormatUnsupported, "the office action reads the text of legacy Word, Excel and PowerPoint files and of iWork documents; the source is %s", article(sf.Title))
	}
	iworkFormat := ""
	if format.IsZip(sf) {
		ins, err := Inspect(ctx, f, st.Size(), sf, e.opts.Zip)
		if err != nil {
			return "", err
		}
		if ins.Pages > e.opts.MaxPages {
			return "", api.Errorf(api.ReasonSourceTooLarge, "the %s declares %d pages, more than the limit of %d", sf.Title, ins.Pages, e.opts.MaxPages)
		}
		if isIWork(sf) && ins.IWork == "" {
			return "", api.Errorf(api.ReasonSourceCorrupt, "the %s holds neither the XML of iWork '09 (index.xml, index.apxl) nor the archives of later versions (Index/)", sf.Title)
		}
		iworkFormat = ins.IWork
	}
	pdf, err := e.sharedPDF(ctx, path, st, sf, 0, dir)
	if err != nil && iworkFormat != "" && api.ReasonOf(err) == api.ReasonSourceCorrupt {
		return "", api.Errorf(api.ReasonSourceUnsupported, "LibreOffice could not import the %s (%s): %s", sf.Title, iworkFormat, api.MessageOf(err))
	}
	return pdf, err
}

// NeedsTextConversion reports whether the text of a source of format f is
// read through LibreOffice (TextPDF): the formats the office engine
// reads and package text does not (the legacy binary Office formats and
// iWork).
func NeedsTextConversion(f format.Format) bool {
	return f.Reads(format.OfficeRead) && !f.Reads(format.TextRead)
}

// LargeEnough reports whether a picture of w x h pixels fills the box
// boxW x boxH (0: that side is unbounded) when fitted inside it, without
// being enlarged. An unbounded box (a full-size rendition) takes none.
func LargeEnough(w, h, boxW, boxH int) bool {
	return (boxW > 0 && w >= boxW) || (boxH > 0 && h >= boxH)
}

func oleTitle(f format.Format, name string) string {
	if f.Name == "ole" {
		if g, ok := format.ByFileName(name); ok {
			return g.Title
		}
		return "Office document"
	}
	return f.Title
}

func article(title string) string {
	if title != "" && strings.ContainsRune("AEIOUaeiou", rune(title[0])) {
		return "an " + title
	}
	return "a " + title
}

// errNoSoffice is the error of a render without LibreOffice.
func (e *Engine) errNoSoffice(f format.Format) error {
	return api.Errorf(api.ReasonSourceFormatUnsupported,
		"the %s has no embedded thumbnail large enough, and rendering its pages needs LibreOffice, which is not installed here", f.Title)
}

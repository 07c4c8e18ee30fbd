package ocr

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/cage"
)

// Defaults of Options and Limits.
const (
	// DefaultLanguage is the language of a recognition that names none,
	// unless Options.Language (the deployment setting ocrLanguage) says
	// otherwise.
	DefaultLanguage = "eng"
	// DefaultMaxPixels bounds the picture handed to Tesseract: 40 MP is
	// an A4 page at 600 dpi (35 MP) with room to spare. Tesseract holds
	// several copies of the page (grey, binarised, its line images), about
	// 10 bytes a pixel.
	DefaultMaxPixels = 40_000_000
	// DefaultMaxPages bounds the pages of a PDF without text that are
	// read by OCR: a page takes one to a few seconds of a core.
	DefaultMaxPages = 20
	// DefaultCPUSeconds is the CPU time of one page.
	DefaultCPUSeconds = 120
	// DefaultMemoryBytes is the address space of the tesseract process.
	DefaultMemoryBytes = 2 << 30
	// DefaultThreads is the OpenMP threads of one recognition: the
	// worker runs renditions in parallel, and OpenMP threads over the
	// cores the others use cost more time than they save.
	DefaultThreads = 1
)

// ErrNotInstalled is returned by New when the tesseract program cannot be
// found.
var ErrNotInstalled = errors.New("ocr: tesseract is not installed")

// Limits bound the work of the engine. A zero field takes its default.
type Limits struct {
	// MaxPixels is the largest picture recognised, in pixels; a larger
	// one is SourceTooLarge, before Tesseract runs.
	MaxPixels int64
	// MaxPages is the most pages of one document read by OCR; callers
	// refuse a longer one (SourceTooLarge) before Tesseract runs.
	MaxPages int
	// CPUSeconds and MemoryBytes are the cage's limits of one run.
	CPUSeconds  uint64
	MemoryBytes uint64
}

// WithDefaults returns l with its zero fields set to their defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxPages <= 0 {
		l.MaxPages = DefaultMaxPages
	}
	if l.CPUSeconds == 0 {
		l.CPUSeconds = DefaultCPUSeconds
	}
	if l.MemoryBytes == 0 {
		l.MemoryBytes = DefaultMemoryBytes
	}
	return l
}

// Options configure an Engine.
type Options struct {
	// Program is the tesseract program; default "tesseract", looked up in
	// PATH and the system's program directories.
	Program string
	// Language is the default language (see Engine.Language); default
	// DefaultLanguage.
	Language string
	// Threads is the OMP_THREAD_LIMIT of a run; default DefaultThreads.
	Threads int
	// Limits bound each run.
	Limits Limits
	// TempDir is where the cage makes its private directories; default
	// os.TempDir().
	TempDir string
}

// Engine runs Tesseract. It may be used concurrently.
type Engine struct {
	program     string
	defaultLang string
	threads     int
	limits      Limits
	cage        *cage.Cage

	langsOnce *sync.Once
	langs     []string
	langsErr  error
}

// New returns an engine, or ErrNotInstalled when the tesseract program
// cannot be found.
func New(opts Options) (*Engine, error) {
	prog := opts.Program
	if prog == "" {
		prog = "tesseract"
	}
	p, err := cage.LookPath(prog)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	c, err := cage.New(cage.Options{NoNetwork: true, TempDir: opts.TempDir})
	if err != nil {
		return nil, err
	}
	e := &Engine{program: p, defaultLang: opts.Language, threads: opts.Threads,
		limits: opts.Limits.WithDefaults(), cage: c, langsOnce: new(sync.Once)}
	if e.defaultLang == "" {
		e.defaultLang = DefaultLanguage
	}
	if e.threads <= 0 {
		e.threads = DefaultThreads
	}
	return e, nil
}

// Limits returns the engine's limits.
func (e *Engine) Limits() Limits { return e.limits }

// WithLimits returns a copy of the engine with other limits (zero fields
// take their defaults); it shares the list of installed languages.
func (e *Engine) WithLimits(l Limits) *Engine {
	c := *e
	c.limits = l.WithDefaults()
	return &c
}

// WithLanguage returns a copy of the engine whose default language is
// lang ("" keeps it); it shares the list of installed languages.
func (e *Engine) WithLanguage(lang string) *Engine {
	if lang == "" {
		return e
	}
	c := *e
	c.defaultLang = lang
	return &c
}

// DefaultLanguage returns the language of a recognition that names none.
func (e *Engine) DefaultLanguage() string { return e.defaultLang }

// Image is a picture to read: 8-bit grey pixels in Pix (Width*Height
// bytes, row by row, 0 black), or a file at Path of a format Tesseract
// reads itself (PNG, JPEG, TIFF, PNM), of Width x Height pixels, which
// its maker (package ocrsource: the image engine) wrote and checked.
type Image struct {
	Pix []byte
	// Path is the picture file, when Pix is nil. It must be a local
	// path (Tesseract would fetch a URL).
	Path          string
	Width, Height int
	// DPI is the picture's resolution when known (a PDF page drawn at
	// 300 dpi), else 0: Tesseract then estimates it from the text.
	DPI int
}

// Options of one recognition.
type Request struct {
	// Language is the language argument (see Engine.Language); "" is the
	// engine's default.
	Language string
	// PageSegMode is Tesseract's page segmentation mode (--psm); default
	// 3, a page of any layout without orientation detection.
	PageSegMode int
}

// command returns the tesseract command with args and stdin, under the
// engine's limits.
func (e *Engine) command(args []string, stdin []byte) cage.Cmd {
	return cage.Cmd{
		Path:  e.program,
		Args:  args,
		Stdin: stdin,
		Env:   []string{"OMP_THREAD_LIMIT=" + strconv.Itoa(e.threads)},
		Limits: cage.Limits{
			CPUSeconds:  e.limits.CPUSeconds,
			MemoryBytes: e.limits.MemoryBytes,
			// Tesseract writes nothing but its output, on stdout.
			FileBytes: 1 << 20,
			MaxStdout: 64 << 20,
		},
	}
}

// Recognize reads the text of img. A picture over Limits.MaxPixels is
// SourceTooLarge and an empty one GenericError, before Tesseract runs; a
// language that is not installed is GenericError (see Language). The
// context's end kills Tesseract (Timeout), as does its CPU limit
// (SourceTooLarge). A picture without text gives a Page without words.
func (e *Engine) Recognize(ctx context.Context, img Image, req Request) (*Page, error) {
	if img.Width <= 0 || img.Height <= 0 || img.Path == "" && len(img.Pix) != img.Width*img.Height || img.Path != "" && !filepath.IsAbs(img.Path) {
		return nil, api.Errorf(api.ReasonGeneric, "ocr: a %dx%d picture of %d bytes (file %q) is not a picture to read", img.Width, img.Height, len(img.Pix), img.Path)
	}
	if px := int64(img.Width) * int64(img.Height); px > e.limits.MaxPixels {
		return nil, api.Errorf(api.ReasonSourceTooLarge,
			"the picture to read by OCR is %dx%d pixels (%d MP), over the limit of %d MP", img.Width, img.Height, px/1e6, e.limits.MaxPixels/1e6)
	}
	lang, err := e.Language(ctx, req.Language)
	if err != nil {
		return nil, err
	}
	psm := req.PageSegMode
	if psm == 0 {
		psm = 3
	}
	input, stdin := "stdin", []byte(nil)
	if img.Path != "" {
		input = img.Path
	} else {
		stdin = pgm(img)
	}
	args := []string{input, "stdout", "-l", lang, "--psm", strconv.Itoa(psm)}
	if img.DPI > 0 {
		args = append(args, "--dpi", strconv.Itoa(img.DPI))
	}
	args = append(args, "tsv")
	res, err := e.cage.Run(ctx, e.command(args, stdin))
	if err != nil {
		return nil, runError(err)
	}
	page, err := parseTSV(res.Stdout)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "ocr: tesseract's output cannot be read")
	}
	page.Width, page.Height, page.Language = img.Width, img.Height, lang
	return page, nil
}

// pgm encodes img as a binary PGM (P5).
func pgm(img Image) []byte {
	head := fmt.Sprintf("P5\n%d %d\n255\n", img.Width, img.Height)
	b := make([]byte, 0, len(head)+len(img.Pix))
	return append(append(b, head...), img.Pix...)
}

// runError turns a failed run into an *api.Error: Timeout when the
// context ended it, SourceTooLarge at the CPU and memory limits,
// GenericError otherwise (the picture was decoded before: a failure of
// Tesseract is not the source's), with its last words.
func runError(err error) error {
	var ce *cage.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return api.Wrap(api.ReasonTimeout, err, "ocr: the deadline passed while tesseract was reading the text")
	case errors.Is(err, context.Canceled):
		return api.Wrap(api.ReasonTimeout, err, "ocr: the work was cancelled")
	case errors.Is(err, cage.ErrCPULimit):
		return api.Wrap(api.ReasonSourceTooLarge, err, "ocr: reading the text needs more CPU time than the limit allows")
	case errors.Is(err, cage.ErrMemoryLimit):
		return api.Wrap(api.ReasonSourceTooLarge, err, "ocr: reading the text needs more memory than the limit allows")
	case errors.As(err, &ce) && ce.Err == nil:
		msg := "ocr: tesseract failed"
		if last := cage.LastLines(ce.Stderr, 2); last != "" {
			msg += " (" + last + ")"
		}
		return api.Wrap(api.ReasonGeneric, err, msg)
	}
	return api.Wrap(api.ReasonGeneric, err, "ocr: tesseract cannot be run")
}

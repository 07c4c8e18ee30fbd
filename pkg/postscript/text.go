package postscript

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/cage"
)

// TextOptions bound Engine.Text. A zero field takes its default.
type TextOptions struct {
	// MaxPages is how many pages are read, from the first; default
	// Limits.MaxPages.
	MaxPages int
	// MaxBytes is the most text Ghostscript may write, in bytes; more
	// fails with SourceTooLarge. Default 64 MiB.
	MaxBytes int
}

// DefaultTextMaxBytes is the default of TextOptions.MaxBytes.
const DefaultTextMaxBytes = 64 << 20

// Text is the text of a PostScript document.
type Text struct {
	// Text is the text of the pages read, UTF-8, a line per line of
	// text Ghostscript found, without its layout's indentation.
	Text string
	// Pages is the number of pages read.
	Pages int
	// Truncated is set when the document declares more pages than were
	// read (TextOptions.MaxPages).
	Truncated bool
}

// pageMark is what the EndPage procedure of TextArgs prints, on standard
// error, at the end of each page: the pages read are counted by it.
const pageMark = "%%acs-page-read"

// TextArgs returns the arguments with which Engine.Text runs Ghostscript
// on the file at path (an absolute path): -dSAFER, the text device
// (txtwrite, UTF-8) writing to standard output, pages 1 to lastPage, the
// program's own output sent to standard error, with a mark there at the
// end of each page.
func TextArgs(path string, lastPage int) []string {
	return []string{
		"-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dNOPROMPT",
		"-sstdout=%stderr",
		"-sDEVICE=txtwrite", "-sOutputFile=%stdout",
		"-dFirstPage=1", "-dLastPage=" + strconv.Itoa(lastPage),
		"-c", "<< /EndPage { exch pop 2 ne dup { (\\n" + pageMark + "\\n) print flush } if } >> setpagedevice",
		"-f", path,
	}
}

// Text reads the text of the PostScript file at path (PostScript, EPS,
// EPSI, DOS EPS, a legacy Illustrator file) with Ghostscript's text
// device, in the cage as Image draws a page: -dSAFER, no network, the
// memory and CPU-time rlimits, ctx's deadline, at most TextOptions.MaxPages
// pages. A PDF-compatible Illustrator file is refused with
// SourceFormatUnsupported: its text is read as a PDF's (package text).
//
// The failures are those of Image: SourceCorrupt for a file that is not
// PostScript or that stops on a PostScript error, SourceUnsupported for a
// program that tries to open, write or delete files or run a command,
// SourceTooLarge for a document declaring more pages than Limits.MaxPages
// or a program over the memory or CPU-time limit, Timeout at the deadline.
func (e *Engine) Text(ctx context.Context, path string, o TextOptions) (*Text, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	d, err := Parse(f, st.Size())
	f.Close()
	if err != nil {
		return nil, err
	}
	if d.PDF {
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported, "the text of a PDF-compatible Illustrator file is read as a PDF's")
	}
	if d.Pages > e.limits.MaxPages {
		return nil, api.Errorf(api.ReasonSourceTooLarge, "the document declares %d pages, more than the limit of %d", d.Pages, e.limits.MaxPages)
	}
	last := o.MaxPages
	if last <= 0 || last > e.limits.MaxPages {
		last = e.limits.MaxPages
	}
	maxBytes := o.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultTextMaxBytes
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "source path")
	}
	res, err := e.cage.Run(ctx, cage.Cmd{
		Path: e.gs,
		Args: TextArgs(abs, last),
		Limits: cage.Limits{MemoryBytes: e.limits.MemoryBytes, CPUSeconds: e.limits.CPUSeconds,
			MaxStdout: maxBytes, FileBytes: 1 << 20, StderrTail: 64 << 10},
	})
	if errors.Is(err, cage.ErrOutputTooLarge) {
		return nil, api.Wrap(api.ReasonSourceTooLarge, err, fmt.Sprintf("the document's text is larger than the limit of %d MiB", maxBytes>>20))
	}
	if err != nil {
		return nil, e.runError(err, d, 1)
	}
	// Pages past -dLastPage are run (not written): their marks count too.
	// The declared count, when there is one, is not cut short by the
	// length of the standard error kept.
	t := &Text{Text: cleanText(res.Stdout), Pages: min(strings.Count(res.Stderr, pageMark), last)}
	switch {
	case d.Encapsulated():
		t.Pages = 1
	case d.Pages > 0:
		t.Pages = min(d.Pages, last)
	}
	t.Truncated = d.Pages > last
	return t, nil
}

// cleanText turns the text device's output into plain UTF-8 text: lines
// without the spaces that place them on the page, runs of blank lines
// made one, each line ended by a newline.
func cleanText(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	var out strings.Builder
	blank := true // no blank line at the start
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			if !blank {
				out.WriteByte('\n')
			}
			blank = true
			continue
		}
		out.WriteString(line)
		out.WriteByte('\n')
		blank = false
	}
	if t := strings.TrimRight(out.String(), "\n"); t != "" {
		return t + "\n"
	}
	return ""
}

// CutText returns s cut to at most maxChars characters (Unicode code
// points) and whether it was cut; maxChars <= 0 keeps all of it.
func CutText(s string, maxChars int) (string, bool) {
	if maxChars <= 0 || utf8.RuneCountInString(s) <= maxChars {
		return s, false
	}
	n := 0
	for i := range s {
		if n == maxChars {
			return s[:i], true
		}
		n++
	}
	return s, false
}

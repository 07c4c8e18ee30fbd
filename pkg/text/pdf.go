package text

import (
	"context"
	"fmt"
	"os"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// pdfPage is one page's text, or the error that ended reading.
type pdfPage struct {
	text string
	err  error
}

// extractPDF writes the text of every page in reading order, pages
// separated by form feeds, up to MaxPages pages. Poppler runs on its own
// goroutine, which owns the document, so that a deadline ends extraction
// at once even while poppler is busy on a page: poppler is asked to abort,
// and the goroutine releases the document when it returns.
func extractPDF(s *sink, f *os.File, _ int64) error {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	total := make(chan int, 1)
	pages := make(chan pdfPage)
	go func() {
		defer close(pages)
		doc, err := openPDF(f.Name())
		if err != nil {
			total <- 0
			select {
			case pages <- pdfPage{err: err}:
			case <-ctx.Done():
			}
			return
		}
		defer doc.close()
		// A deadline also stops poppler inside a page.
		defer context.AfterFunc(ctx, doc.abort)()
		n := doc.pages()
		total <- n
		for i := 0; i < min(n, s.opts.MaxPages); i++ {
			if ctx.Err() != nil {
				return
			}
			text, err := doc.pageText(i)
			select {
			case pages <- pdfPage{text: text, err: err}:
			case <-ctx.Done():
				return
			}
		}
	}()

	var n int
	select {
	case n = <-total:
	case <-s.ctx.Done():
		return ctxErr(s.ctx)
	}
	for i := 0; ; i++ {
		var p pdfPage
		var ok bool
		select {
		case p, ok = <-pages:
		case <-s.ctx.Done():
			return ctxErr(s.ctx)
		}
		if !ok {
			break
		}
		if p.err != nil {
			if isAPIError(p.err) {
				return p.err
			}
			s.warn(p.err.Error())
		}
		if i > 0 {
			s.PageBreak()
		}
		s.pages++
		if err := s.Text(cleanPDFText(p.text)); err != nil {
			return err
		}
	}
	if n > s.opts.MaxPages {
		s.truncate(fmt.Sprintf("only the first %d of %d pages were read (MaxPages)", s.opts.MaxPages, n))
	}
	return nil
}

// pdfLigatures expands the Latin ligatures of the Alphabetic Presentation
// Forms block, which PDF fonts often map their ligature glyphs to.
var pdfLigatures = strings.NewReplacer(
	"\ufb00", "ff", "\ufb01", "fi", "\ufb02", "fl", "\ufb03", "ffi", "\ufb04", "ffl",
	"\ufb05", "st", "\ufb06", "st",
)

// cleanPDFText drops bidirectional embedding marks, expands ligatures and maps Arabic presentation forms (the shaped glyph codes some
// PDFs carry) back to letters.
func cleanPDFText(t string) string {
	hasLig, hasArabicForms, hasBidi := false, false, false
	for _, r := range t {
		switch {
		case r >= 0xfb00 && r <= 0xfb06:
			hasLig = true
		case (r >= 0xfb50 && r <= 0xfdff) || (r >= 0xfe70 && r <= 0xfefe):
			hasArabicForms = true
		case r >= 0x202a && r <= 0x202e:
			hasBidi = true
		}
	}
	if hasBidi {
		// Poppler wraps right-to-left runs, already in reading order, in
		// embedding marks: formatting for display, not text.
		t = strings.Map(func(r rune) rune {
			if r >= 0x202a && r <= 0x202e {
				return -1
			}
			return r
		}, t)
	}
	if hasLig {
		t = pdfLigatures.Replace(t)
	}
	if hasArabicForms {
		var b strings.Builder
		for _, r := range t {
			if (r >= 0xfb50 && r <= 0xfdff) || (r >= 0xfe70 && r <= 0xfefe) {
				b.WriteString(norm.NFKC.String(string(r)))
			} else {
				b.WriteRune(r)
			}
		}
		t = b.String()
	}
	return t
}

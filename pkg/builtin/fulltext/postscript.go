package fulltext

import (
	"context"
	"io"
	"sync"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/postscript"
	"github.com/assetcompute/assetcompute/pkg/text"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// textByGhostscript reports whether the text of src (of format f) is read
// with Ghostscript's text device: PostScript, EPS, EPSI and the legacy
// (PostScript) Illustrator files. A PDF-compatible Illustrator file is
// read as a PDF by package text, as before.
func textByGhostscript(src *worker.Source, f format.Format) bool {
	switch f.Name {
	case "ps", "eps", "epsi":
		return true
	case "ai":
		d, err := postscript.Parse(src.Reader, src.Size)
		return err == nil && !d.PDF
	}
	return false
}

// psEngines makes the PostScript engine on first use: an action that
// never reads PostScript does not look Ghostscript up or probe the cage.
type psEngines struct {
	once sync.Once
	e    *postscript.Engine
	err  error
}

func (p *psEngines) get() (*postscript.Engine, error) {
	p.once.Do(func() { p.e, p.err = postscript.New(postscript.Options{}) })
	return p.e, p.err
}

// postscriptText writes to w the text of the PostScript file at path (of
// format f) that Ghostscript's text device finds, caged as the thumbnail
// action's drawing is (postscript.Engine.Text), at most o.MaxPages pages
// and o.MaxChars characters.
func postscriptText(ctx context.Context, e *postscript.Engine, path string, f format.Format, w io.Writer, o text.Options) (*text.Result, error) {
	if e == nil {
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported,
			"the text of this source (%s) is read with Ghostscript, which is not installed here", f.Title)
	}
	maxPages, maxChars := o.MaxPages, o.MaxChars
	if maxPages == 0 {
		maxPages = text.DefaultMaxPages
	}
	if maxChars == 0 {
		maxChars = text.DefaultMaxChars
	}
	t, err := e.Text(ctx, path, postscript.TextOptions{MaxPages: maxPages})
	if err != nil {
		return nil, err
	}
	s, cut := postscript.CutText(t.Text, maxChars)
	if _, err := io.WriteString(w, s); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot write the rendition file")
	}
	res := &text.Result{Format: f.Name, Chars: len([]rune(s)), Pages: t.Pages}
	if cut {
		res.Truncated = true
		res.Warnings = append(res.Warnings, "the text was cut at the limit of characters")
	}
	if t.Truncated {
		res.Truncated = true
		res.Warnings = append(res.Warnings, "only the first pages were read (the page limit)")
	}
	return res, nil
}

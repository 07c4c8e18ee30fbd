package poppler

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/pdftest"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
)

// The text engine and libvips' PDF loader (poppler-glib) share poppler in
// one process, as in `acs process` and the thumbnail action: a png and a
// text rendition of one PDF. These tests run both in this process; before
// poppler's global parameters were pinned (see package pdfsafe), the text
// engine crashed with SIGSEGV once libvips had closed its last PDF.

// writePDF writes a generated document of n text pages.
func writePDF(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	require.NoError(t, os.WriteFile(path, pdftest.Text(n), 0o644))
	return path
}

// checkText extracts every page of path and compares it with the
// generated text, in UTF-8.
func checkText(t *testing.T, path string, pages int) error {
	d, err := Open(path)
	if err != nil {
		return err
	}
	defer d.Close()
	if d.Pages() != pages {
		t.Errorf("%d pages, want %d", d.Pages(), pages)
	}
	for i := 0; i < d.Pages(); i++ {
		text, err := d.PageText(i)
		if err != nil {
			return err
		}
		if got, want := strings.TrimSpace(text), pdftest.PageText(i+1); got != want {
			t.Errorf("page %d: text %q, want %q", i+1, got, want)
		}
	}
	return nil
}

// renderPNG renders a 200-pixel png of path with libvips.
func renderPNG(e *image.Engine, path, out string) error {
	w := 200
	res, err := e.Render(context.Background(), path, api.Rendition{Fmt: "png", Width: &w}, out, image.RenderOptions{})
	if err == nil && res.Width != w {
		err = os.ErrInvalid
	}
	return err
}

// Text, then a libvips render that opens and closes its own document,
// then text again: the order that crashed every time.
func TestTextAfterLibvipsRender(t *testing.T) {
	e, err := image.New(image.Options{})
	require.NoError(t, err)
	path := writePDF(t, 3)
	out := filepath.Join(t.TempDir(), "thumb.png")
	for round := 0; round < 3; round++ {
		require.NoError(t, checkText(t, path, 3))
		require.NoError(t, renderPNG(e, path, out))
	}
	require.NoError(t, checkText(t, path, 3))
}

// Text extractions of a multi-page document while libvips renders it
// again and again, each render opening and closing its own document.
func TestTextConcurrentWithLibvips(t *testing.T) {
	e, err := image.New(image.Options{})
	require.NoError(t, err)
	const pages, renders = 60, 16
	path := writePDF(t, pages)
	dir := t.TempDir()
	var texts, images sync.WaitGroup
	rendering := make(chan struct{})
	errs := make(chan error, 1000)
	for g := 0; g < 2; g++ {
		texts.Add(1)
		go func() {
			defer texts.Done()
			// At least once, and for as long as libvips renders.
			for done := false; !done; {
				select {
				case <-rendering:
					done = true
				default:
				}
				if err := checkText(t, path, pages); err != nil {
					errs <- err
					return
				}
			}
		}()
		images.Add(1)
		go func() {
			defer images.Done()
			out := filepath.Join(dir, fmt.Sprintf("thumb%d.png", g))
			for i := 0; i < renders; i++ {
				if err := renderPNG(e, path, out); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	images.Wait()
	close(rendering)
	texts.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

package image

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/pdftest"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// writeBomb writes a generated PDF.
func writeBomb(t *testing.T, s pdftest.Spec) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, pdftest.Write(&b, s))
	p := filepath.Join(t.TempDir(), "doc.pdf")
	require.NoError(t, os.WriteFile(p, b.Bytes(), 0o600))
	return p
}

// headerOf runs the pipeline of a png rendition of src up to the header
// libvips reads, and returns the job, closed at the end of the test.
func headerOf(t *testing.T, e *Engine, src string) *job {
	t.Helper()
	w := 200
	j := &job{limits: e.limits, src: src, r: api.Rendition{Fmt: "png", Width: &w}, fmt: "png"}
	t.Cleanup(j.close)
	for _, s := range pipeline {
		require.NoError(t, s.run(context.Background(), j), s.name)
		if s.name == "reading the source header" {
			return j
		}
	}
	t.Fatal("no header step")
	return nil
}

// pdfMetadata returns the XMP packet libvips reads from a PDF.
func pdfMetadata(t *testing.T, path string) string {
	t.Helper()
	im, err := openImage(path, "")
	require.NoError(t, err)
	defer im.close()
	return im.stringField("pdf-metadata")
}

// A PDF whose XMP metadata inflates to 64 MiB from a 64 kB file: libvips
// reads a PDF's metadata stream whole, several times per render, so it is
// given a copy without it, and renders the page as usual. A packet of
// ordinary size is left for libvips to read.
func TestPDFMetadataBomb(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	e := testEngine(t)

	smallSrc := writeBomb(t, pdftest.Spec{Pages: 2, Bomb: pdftest.MetadataBomb, BombBytes: 1000})
	small := headerOf(t, e, smallSrc)
	require.Equal(t, smallSrc, small.src, "libvips reads the source itself")
	require.Contains(t, pdfMetadata(t, small.src), pdftest.Copyright)

	src := writeBomb(t, pdftest.Spec{Pages: 2, Bomb: pdftest.MetadataBomb, BombBytes: 64 << 20})
	fi, err := os.Stat(src)
	require.NoError(t, err)
	require.Less(t, fi.Size(), int64(200_000))
	j := headerOf(t, e, src)
	require.Empty(t, pdfMetadata(t, j.src), "libvips never reads the bomb")
	require.NotEqual(t, src, j.src, "libvips reads a copy")
	require.Equal(t, 2, j.pages)
	require.Equal(t, 612, j.header.Width)

	res, out := render(t, e, src, api.Rendition{Fmt: "png", Width: intp(200)})
	require.Equal(t, 200, res.Width)
	img := decodeFile(t, out)
	require.Equal(t, 200, img.Bounds().Dx())
	j.close()
	left, err := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "*"))
	require.NoError(t, err)
	require.Empty(t, left, "the copy is removed")
}

// A page whose content stream inflates to 16 MiB is refused before libvips
// draws it; another page of the document renders.
func TestPDFContentBomb(t *testing.T) {
	e, err := New(Options{Limits: Limits{MaxPDFPageBytes: 1 << 20}})
	require.NoError(t, err)
	src := writeBomb(t, pdftest.Spec{Pages: 2, Bomb: pdftest.ContentBomb, BombBytes: 16 << 20})
	out := filepath.Join(t.TempDir(), "out.png")
	_, err = e.Render(context.Background(), src, api.Rendition{Fmt: "png", Width: intp(200)}, out, RenderOptions{})
	require.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err))
	require.Contains(t, err.Error(), "source PDF page 1: its content, fonts and forms decompress to more than the limit of 1048576 bytes")
	require.NoFileExists(t, out)
	res, _ := render(t, e, src, api.Rendition{Fmt: "png", Width: intp(200), Page: intp(2)})
	require.Equal(t, 200, res.Width)
}

// An image that declares 16384x1024 pixels, as an XObject or inline in the
// content stream, is refused from its dictionary: poppler would decode it
// whole to draw it.
func TestPDFImageBomb(t *testing.T) {
	e, err := New(Options{Limits: Limits{MaxFullDecodePixels: 10_000_000}})
	require.NoError(t, err)
	for _, bomb := range []pdftest.Bomb{pdftest.ImageBomb, pdftest.InlineImageBomb} {
		src := writeBomb(t, pdftest.Spec{Pages: 2, Bomb: bomb, BombBytes: 48 << 20})
		out := filepath.Join(t.TempDir(), "out.png")
		_, err = e.Render(context.Background(), src, api.Rendition{Fmt: "png", Width: intp(200)}, out, RenderOptions{})
		require.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err))
		require.Contains(t, err.Error(), "source PDF page 1 draws an image of 16384x1024 pixels (16.8 MP), more than the limit of 10.0 MP")
		require.NoFileExists(t, out)
	}
}

// A page whose forms invoke each other a million times, from a file of
// 15 kB, is refused before libvips draws it.
func TestPDFFormBomb(t *testing.T) {
	e := testEngine(t)
	src := writeBomb(t, pdftest.Spec{Pages: 1, Bomb: pdftest.FormBomb, Fanout: 1000})
	out := filepath.Join(t.TempDir(), "out.png")
	_, err := e.Render(context.Background(), src, api.Rendition{Fmt: "png", Width: intp(200)}, out, RenderOptions{})
	require.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err))
	require.Contains(t, err.Error(), "source PDF page 1: drawing it invokes its forms so often that it parses more than 134217728 bytes")
	require.NoFileExists(t, out)
}

// A PDF that needs a password is SourceUnsupported, as for text and
// metadata.
func TestPDFEncrypted(t *testing.T) {
	e := testEngine(t)
	out := filepath.Join(t.TempDir(), "out.png")
	_, err := e.Render(context.Background(), "../text/testdata/encrypted.pdf", api.Rendition{Fmt: "png"}, out, RenderOptions{})
	require.Equal(t, api.ReasonSourceUnsupported, api.ReasonOf(err))
	require.Contains(t, err.Error(), "source PDF is encrypted (password protected)")
	require.NoFileExists(t, out)
}

// A watermark image that is a PDF is checked like a source (a watermark's
// failures are GenericError, naming the watermark).
func TestPDFWatermarkBomb(t *testing.T) {
	e, err := New(Options{Limits: Limits{MaxPDFPageBytes: 1 << 20}})
	require.NoError(t, err)
	bomb := writeBomb(t, pdftest.Spec{Pages: 1, Bomb: pdftest.ContentBomb, BombBytes: 16 << 20})
	fetch := func(context.Context, string) (string, error) { return bomb, nil }
	out := filepath.Join(t.TempDir(), "out.png")
	_, err = e.Render(context.Background(), pngFile(t, gradient(40, 30)),
		api.Rendition{Fmt: "png", Watermark: &api.Watermark{Image: "https://example.com/logo.pdf", Scale: 0.5}},
		out, RenderOptions{Fetch: fetch})
	require.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
	require.Contains(t, err.Error(), "watermark: the image PDF page 1: its content, fonts and forms decompress to more than the limit of 1048576 bytes")
	require.NoFileExists(t, out)
}

func TestPDFPageBytesLimitValidated(t *testing.T) {
	_, err := New(Options{Limits: Limits{MaxPDFPageBytes: -1}})
	require.ErrorContains(t, err, "Limits.MaxPDFPageBytes must be 0 (the default) or positive, got -1")
}

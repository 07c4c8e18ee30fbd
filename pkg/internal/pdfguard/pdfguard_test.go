package pdfguard

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/pdftest"
)

func write(t *testing.T, s pdftest.Spec) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, pdftest.Write(&b, s))
	path := filepath.Join(t.TempDir(), "doc.pdf")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	return path
}

func open(t *testing.T, path string) *Doc {
	t.Helper()
	d, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(d.Close)
	return d
}

var limits = PageLimits{StreamBytes: 1 << 20, ImagePixels: 10_000_000}

func TestCheckPagePlain(t *testing.T) {
	d := open(t, write(t, pdftest.Spec{Pages: 300}))
	require.Equal(t, 300, d.Pages())
	for i := 0; i < d.Pages(); i++ {
		require.NoError(t, d.CheckPage(i, limits))
	}
	require.Error(t, d.CheckPage(300, limits))
	require.Zero(t, d.MetadataBytes(1<<20))
}

// A page content stream that inflates to 64 MiB, from 64 kB, is found by
// reading just over the limit.
func TestCheckPageContentBomb(t *testing.T) {
	d := open(t, write(t, pdftest.Spec{Pages: 2, Bomb: pdftest.ContentBomb, BombBytes: 64 << 20}))
	err := d.CheckPage(0, limits)
	var le *LimitError
	require.ErrorAs(t, err, &le)
	require.Equal(t, StreamBytes, le.Kind)
	require.Equal(t, 1, le.Page)
	require.Equal(t, int64(1<<20), le.Limit)
	require.Equal(t, le.Limit+1, le.Value, "reads one byte more than the limit")
	require.Contains(t, err.Error(), "page 1: its content, fonts and forms decompress to more than 1048576 bytes")
	require.NoError(t, d.CheckPage(1, limits), "the other page is small")
	// With room for it, the page passes.
	require.NoError(t, d.CheckPage(0, PageLimits{StreamBytes: 65 << 20, ImagePixels: 1}))
}

// An image is checked by its declared size, without decompressing it.
func TestCheckPageImageBomb(t *testing.T) {
	d := open(t, write(t, pdftest.Spec{Pages: 1, Bomb: pdftest.ImageBomb, BombBytes: 48 << 20}))
	err := d.CheckPage(0, limits)
	var le *LimitError
	require.ErrorAs(t, err, &le)
	require.Equal(t, ImagePixels, le.Kind)
	require.Equal(t, int64(16384), le.Width)
	require.Equal(t, int64(1024), le.Height)
	require.Equal(t, int64(16384*1024), le.Value)
	require.Contains(t, err.Error(), "page 1: it draws an image of 16384x1024 pixels, more than 10000000")
	require.NoError(t, d.CheckPage(0, PageLimits{StreamBytes: 1 << 20, ImagePixels: 16384 * 1024}),
		"the image's stream is not counted as page bytes")
}

// An inline image is checked by the size its dictionary declares, found in
// the content stream as it is read.
func TestCheckPageInlineImageBomb(t *testing.T) {
	d := open(t, write(t, pdftest.Spec{Pages: 1, Bomb: pdftest.InlineImageBomb, BombBytes: 48 << 20}))
	err := d.CheckPage(0, limits)
	var le *LimitError
	require.ErrorAs(t, err, &le)
	require.Equal(t, ImagePixels, le.Kind)
	require.Equal(t, [2]int64{16384, 1024}, [2]int64{le.Width, le.Height})

	small := open(t, write(t, pdftest.Spec{Pages: 1, Bomb: pdftest.InlineImageBomb, BombBytes: 3 * 16384 * 10}))
	require.NoError(t, small.CheckPage(0, limits), "16384x10 is within the limit")
}

// A form invoked 1000 times by a form invoked 1000 times: 15 kB of file,
// a million forms for poppler to set up (26 s). Each invocation counts.
func TestCheckPageFormBomb(t *testing.T) {
	d := open(t, write(t, pdftest.Spec{Pages: 2, Bomb: pdftest.FormBomb, Fanout: 1000}))
	err := d.CheckPage(0, PageLimits{StreamBytes: 128 << 20, ImagePixels: 1})
	var le *LimitError
	require.ErrorAs(t, err, &le)
	require.Equal(t, DrawnBytes, le.Kind)
	require.Greater(t, le.Value, le.Limit)
	require.Contains(t, err.Error(), "page 1: drawing it invokes its forms so often that it parses more than 134217728 bytes")
	require.NoError(t, d.CheckPage(1, limits))

	// 100 x 100 forms: 10000 invocations, about 20 MB.
	few := open(t, write(t, pdftest.Spec{Pages: 1, Bomb: pdftest.FormBomb, Fanout: 100}))
	require.NoError(t, few.CheckPage(0, PageLimits{StreamBytes: 128 << 20, ImagePixels: 1}))
	err = few.CheckPage(0, PageLimits{StreamBytes: 10 << 20, ImagePixels: 1})
	require.ErrorAs(t, err, &le)
	require.Equal(t, DrawnBytes, le.Kind)
}

// What looks like an inline image inside a string or a comment does not
// hide the operators after it.
func TestCheckPageStringsAndComments(t *testing.T) {
	content := "BT (BI /W 1 /H 1 ID \\) \\( \\\\) Tj ET % BI /W 1 /H 1 ID\n"
	d := open(t, write(t, pdftest.Spec{Pages: 1, Bomb: pdftest.FormBomb, Fanout: 1000, Content: content}))
	var le *LimitError
	require.ErrorAs(t, d.CheckPage(0, limits), &le)
	require.Equal(t, DrawnBytes, le.Kind)

	// A real inline image before the invocation.
	content = "q BI /W 1 /H 1 /CS /G /BPC 8 ID \x00EI Q\n"
	d = open(t, write(t, pdftest.Spec{Pages: 1, Bomb: pdftest.FormBomb, Fanout: 1000, Content: content}))
	require.ErrorAs(t, d.CheckPage(0, limits), &le)
	require.Equal(t, DrawnBytes, le.Kind)
}

func TestMetadata(t *testing.T) {
	small := open(t, write(t, pdftest.Spec{Pages: 1, Bomb: pdftest.MetadataBomb, BombBytes: 1000}))
	n := small.MetadataBytes(1 << 20)
	require.Greater(t, n, int64(1000))
	require.Less(t, n, int64(2000))

	path := write(t, pdftest.Spec{Pages: 3, Bomb: pdftest.MetadataBomb, BombBytes: 64 << 20})
	d := open(t, path)
	require.Equal(t, int64(1<<20+1), d.MetadataBytes(1<<20), "reads one byte more than the cap")

	stripped := filepath.Join(t.TempDir(), "stripped.pdf")
	require.NoError(t, d.WithoutMetadata(stripped))
	c := open(t, stripped)
	require.Zero(t, c.MetadataBytes(1<<30))
	require.Equal(t, 3, c.Pages())
	for i := 0; i < 3; i++ {
		require.NoError(t, c.CheckPage(i, limits))
	}
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	copied, err := os.ReadFile(stripped)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(copied, orig), "an incremental update of the original")
	require.Less(t, len(copied)-len(orig), 4096)
}

func TestOpenErrors(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "missing.pdf"))
	require.ErrorIs(t, err, ErrOpenFile)
	bad := filepath.Join(t.TempDir(), "bad.pdf")
	require.NoError(t, os.WriteFile(bad, []byte("%PDF-1.4\nnothing here\n"), 0o644))
	_, err = Open(bad)
	require.True(t, errors.Is(err, ErrDamaged), "%v", err)
	encrypted, err := filepath.Abs("../../text/testdata/encrypted.pdf")
	require.NoError(t, err)
	_, err = Open(encrypted)
	require.ErrorIs(t, err, ErrEncrypted)
}

func TestPageSize(t *testing.T) {
	d := open(t, write(t, pdftest.Spec{Pages: 2}))
	w, h, err := d.PageSize(1)
	require.NoError(t, err)
	require.Equal(t, [2]float64{612, 792}, [2]float64{w, h})
	_, _, err = d.PageSize(2)
	require.Error(t, err)
}

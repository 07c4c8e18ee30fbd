package poppler

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/pdftest"
)

func testdata(name string) string {
	p, _ := filepath.Abs(filepath.Join("..", "..", "testdata", name))
	return p
}

func TestPageText(t *testing.T) {
	d, err := Open(testdata("multilingual.pdf"))
	require.NoError(t, err)
	defer d.Close()
	require.Equal(t, 1, d.Pages())
	text, err := d.PageText(0)
	require.NoError(t, err)
	require.Contains(t, text, "Записная книжка смотрителя маяка\n")
	require.Contains(t, text, "灯台守の手帳")
	require.Contains(t, text, "המחברת של שומר המגדלור", "right-to-left text in reading order")
	_, err = d.PageText(1)
	require.Error(t, err)
}

// A right-to-left ligature glyph mapped to several characters (lam-alef,
// U+0644 U+0627) keeps them in logical order; pdftotext reverses them.
func TestPageTextRTLLigature(t *testing.T) {
	d, err := Open(testdata("lamalef.pdf"))
	require.NoError(t, err)
	defer d.Close()
	text, err := d.PageText(0)
	require.NoError(t, err)
	require.Contains(t, text, "لا سلام عليكم")
	require.Contains(t, text, "السلام ثلاثة الآلية الأطفال")
	require.NotContains(t, text, "سالم")
}

func TestOpenErrors(t *testing.T) {
	_, err := Open(testdata("encrypted.pdf"))
	require.ErrorIs(t, err, ErrEncrypted)
	_, err = Open(testdata("sample.docx"))
	require.ErrorIs(t, err, ErrDamaged)
	_, err = Open(testdata("does-not-exist.pdf"))
	require.ErrorIs(t, err, ErrOpenFile)
}

func TestAbort(t *testing.T) {
	d, err := Open(testdata("sample.pdf"))
	require.NoError(t, err)
	defer d.Close()
	d.Abort()
	_, err = d.PageText(0)
	require.ErrorIs(t, err, ErrAborted)
	d.Close()
	d.Abort() // after Close: a no-op
}

// A page whose content stream inflates to more than MaxPageBytes (from a
// file of 160 kB) is not read; the other pages are.
func TestPageTooLarge(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, pdftest.Write(&b, pdftest.Spec{Pages: 2, Bomb: pdftest.ContentBomb, BombBytes: MaxPageBytes + 32<<20}))
	require.Less(t, b.Len(), 1<<20)
	path := filepath.Join(t.TempDir(), "bomb.pdf")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	d, err := Open(path)
	require.NoError(t, err)
	defer d.Close()
	_, err = d.PageText(0)
	require.ErrorIs(t, err, ErrPageTooLarge)
	require.ErrorContains(t, err, "page 1: its content, fonts and forms decompress to more than 134217728 bytes")
	text, err := d.PageText(1)
	require.NoError(t, err)
	require.Equal(t, pdftest.PageText(2), strings.TrimSpace(text))
}

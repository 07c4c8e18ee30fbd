package ocr

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/ocrtest"
	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// engine returns an engine over the installed tesseract.
func engine(t *testing.T) *Engine {
	t.Helper()
	testutil.NeedTool(t, "tesseract")
	e, err := New(Options{})
	require.NoError(t, err)
	return e
}

// page draws blocks at dpi with Ghostscript.
func page(t *testing.T, blocks []ocrtest.Block, angle float64, dpi int) Image {
	t.Helper()
	gs := testutil.NeedTool(t, "gs")
	g, err := ocrtest.Render(context.Background(), gs, ocrtest.PostScript(blocks, angle), dpi)
	require.NoError(t, err)
	return Image{Pix: g.Pix, Width: g.Width, Height: g.Height, DPI: dpi}
}

// TestWordF1 reads an A4 page at 300 dpi set in several fonts and sizes,
// in English, German and French, and scores the words against the text
// that was set: F1 at least 0.95.
func TestWordF1(t *testing.T) {
	e := engine(t)
	img := page(t, ocrtest.Sample, 0, 300)
	require.InDelta(t, 2480, img.Width, 1, "A4 at 300 dpi")
	p, err := e.Recognize(context.Background(), img, Request{Language: "eng+deu+fra"})
	require.NoError(t, err)
	assert.Equal(t, "eng+deu+fra", p.Language)
	f1 := ocrtest.F1(ocrtest.Words(ocrtest.Sample), strings.Fields(p.Text()))
	t.Logf("word F1 %.4f over %d words", f1, len(p.Words))
	assert.GreaterOrEqual(t, f1, 0.95, "text read:\n%s", p.Text())
	assert.Contains(t, p.Text(), "Leuchtturmwärter", "German umlauts are read")
	assert.Contains(t, p.Text(), "écrivait", "French accents are read")
	for _, w := range p.Words {
		require.True(t, w.X >= 0 && w.Y >= 0 && w.X+w.W <= img.Width && w.Y+w.H <= img.Height, "box of %q inside the page", w.Text)
	}
	// Paragraphs are separated by an empty line.
	assert.Contains(t, p.Text(), "windows.\n\nQuarterly")
}

// Each language alone, by its BCP 47 tag, on its own paragraphs.
func TestWordF1PerLanguage(t *testing.T) {
	e := engine(t)
	for lang, blocks := range map[string][]ocrtest.Block{
		"en-GB": ocrtest.Sample[:4],
		"de":    ocrtest.Sample[4:5],
		"fr-FR": ocrtest.Sample[5:6],
	} {
		p, err := e.Recognize(context.Background(), page(t, blocks, 0, 300), Request{Language: lang})
		require.NoError(t, err, lang)
		f1 := ocrtest.F1(ocrtest.Words(blocks), strings.Fields(p.Text()))
		assert.GreaterOrEqual(t, f1, 0.95, "%s: F1 %.3f; text read:\n%s", lang, f1, p.Text())
	}
}

// A page scanned a little askew (2 degrees) still reads.
func TestSkewedPage(t *testing.T) {
	e := engine(t)
	p, err := e.Recognize(context.Background(), page(t, ocrtest.Sample[:4], 2, 300), Request{})
	require.NoError(t, err)
	f1 := ocrtest.F1(ocrtest.Words(ocrtest.Sample[:4]), strings.Fields(p.Text()))
	assert.GreaterOrEqual(t, f1, 0.9, "F1 %.3f; text read:\n%s", f1, p.Text())
}

// A blank page has no words, and no error.
func TestBlankPage(t *testing.T) {
	e := engine(t)
	img := Image{Pix: make([]byte, 600*800), Width: 600, Height: 800}
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	p, err := e.Recognize(context.Background(), img, Request{})
	require.NoError(t, err)
	assert.Empty(t, p.Words)
	assert.Empty(t, p.Text())
}

func TestLanguage(t *testing.T) {
	e := engine(t)
	ctx := context.Background()
	langs, err := e.Languages(ctx)
	require.NoError(t, err)
	require.Contains(t, langs, "eng")
	assert.NotContains(t, langs, "osd", "the orientation model reads no text")
	for in, want := range map[string]string{
		"": "eng", "eng": "eng", "en": "eng", "en-US": "eng", "EN": "eng",
		"deu+eng": "deu+eng", "de+en": "deu+eng", "ger": "deu", "fre": "fra", "fr-CA": "fra",
		"eng+en": "eng",
	} {
		if strings.Contains(want, "deu") && !contains(langs, "deu") || strings.Contains(want, "fra") && !contains(langs, "fra") {
			continue
		}
		got, err := e.Language(ctx, in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
		}
	}
	for _, bad := range []string{"xx", "klingon", "eng+tlh", "zh-Hant"} {
		_, err := e.Language(ctx, bad)
		require.Error(t, err, bad)
		assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
		assert.Contains(t, err.Error(), "is not installed for OCR; the installed languages are "+strings.Join(langs, ", "))
	}
	_, err = e.Language(ctx, "zh-Hant")
	assert.Contains(t, err.Error(), `"zh-Hant" (Tesseract model "chi_tra")`)
	// The default language is the deployment's.
	if contains(langs, "deu") {
		got, err := e.WithLanguage("de").Language(ctx, "")
		require.NoError(t, err)
		assert.Equal(t, "deu", got)
	}
	// Recognize refuses an unknown language before reading.
	_, err = e.Recognize(ctx, Image{Pix: []byte{255}, Width: 1, Height: 1}, Request{Language: "xx"})
	assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// fakeTesseract writes a program that records each run in a file and
// lists the English model; it returns the program and the record.
func fakeTesseract(t *testing.T) (string, string) {
	dir := t.TempDir()
	record := filepath.Join(dir, "runs")
	prog := filepath.Join(dir, "tesseract")
	require.NoError(t, os.WriteFile(prog, []byte("#!/bin/sh\necho \"$@\" >> "+record+"\necho 'List of available languages (1):'\necho eng\n"), 0o755))
	return prog, record
}

// A picture over the pixel limit is refused before tesseract runs.
func TestMaxPixelsBeforeTesseract(t *testing.T) {
	prog, record := fakeTesseract(t)
	e, err := New(Options{Program: prog, Limits: Limits{MaxPixels: 1000}})
	require.NoError(t, err)
	_, err = e.Recognize(context.Background(), Image{Pix: make([]byte, 40*40), Width: 40, Height: 40}, Request{})
	require.Error(t, err)
	assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err))
	assert.Contains(t, err.Error(), "40x40 pixels")
	assert.NoFileExists(t, record, "tesseract did not run")
	_, err = e.Recognize(context.Background(), Image{Pix: make([]byte, 10), Width: 40, Height: 40}, Request{})
	assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err), "pixels that do not match the size")
}

// Garbage on tesseract's standard output is a GenericError, not a crash.
func TestGarbageOutput(t *testing.T) {
	prog, _ := fakeTesseract(t)
	e, err := New(Options{Program: prog})
	require.NoError(t, err)
	_, err = e.Recognize(context.Background(), Image{Pix: []byte{255}, Width: 1, Height: 1}, Request{})
	require.Error(t, err)
	assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
	assert.Contains(t, err.Error(), "output cannot be read")
}

// deadlineCtx is a context whose deadline passes when expire is closed.
type deadlineCtx struct {
	context.Context
	expire chan struct{}
}

func (c deadlineCtx) Done() <-chan struct{} { return c.expire }
func (c deadlineCtx) Err() error {
	select {
	case <-c.expire:
		return context.DeadlineExceeded
	default:
		return nil
	}
}
func (c deadlineCtx) Deadline() (time.Time, bool) { return time.Time{}, false }

// Tesseract working when the deadline passes is killed, with its process
// group, and the recognition fails with Timeout.
func TestDeadlineKillsTesseract(t *testing.T) {
	real := testutil.NeedTool(t, "tesseract")
	marker := "tesseract-deadline-" + strings.ReplaceAll(t.Name(), "/", "-")
	prog := filepath.Join(t.TempDir(), marker)
	require.NoError(t, os.Symlink(real, prog))
	e, err := New(Options{Program: prog})
	require.NoError(t, err)
	_, err = e.Languages(context.Background())
	require.NoError(t, err)
	img := page(t, append(append([]ocrtest.Block{}, ocrtest.Sample...), ocrtest.Sample...), 0, 400)
	ctx := deadlineCtx{Context: context.Background(), expire: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := e.Recognize(ctx, img, Request{})
		done <- err
	}()
	testutil.WaitForProcesses(t, marker, 1, done)
	close(ctx.expire)
	err = <-done
	require.Error(t, err)
	assert.Equal(t, api.ReasonTimeout, api.ReasonOf(err))
	assert.Contains(t, err.Error(), "deadline passed while tesseract")
	assert.Empty(t, testutil.Processes(t, marker), "no tesseract left running")
}

func TestParseTSV(t *testing.T) {
	out := "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n" +
		"1\t1\t0\t0\t0\t0\t0\t0\t100\t50\t-1\t\n" +
		"5\t1\t1\t1\t1\t1\t1\t2\t30\t10\t96.5\tHello\n" +
		"5\t1\t1\t1\t1\t2\t40\t2\t30\t10\t90\tworld\n" +
		"5\t1\t1\t1\t2\t1\t1\t20\t30\t10\t91\tnext\n" +
		"5\t1\t1\t1\t2\t2\t40\t20\t30\t10\t95\t \n" +
		"5\t1\t2\t1\t1\t1\t1\t40\t30\t10\t80\tblock\n"
	p, err := parseTSV([]byte(out))
	require.NoError(t, err)
	require.Len(t, p.Words, 4)
	assert.Equal(t, Word{Text: "Hello", X: 1, Y: 2, W: 30, H: 10, Conf: 96.5, Block: 1, Par: 1, Line: 1}, p.Words[0])
	assert.Equal(t, "Hello world\nnext\n\nblock", p.Text())
	for _, bad := range []string{"", "garbage", "level\tx\n5\t1\t1\n", "level\tx\n5\t1\t1\t1\t1\t1\tx\t2\t30\t10\t96\tw\n"} {
		_, err := parseTSV([]byte(bad))
		assert.Error(t, err, bad)
	}
}

package fulltext_test

import (
	"bytes"
	"context"
	"encoding/binary"
	goimage "image"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/tiff"

	"github.com/assetcompute/assetcompute/internal/ocrtest"
	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/builtin/fulltext"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/ocr"
	"github.com/assetcompute/assetcompute/pkg/text"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// drawn draws blocks with Ghostscript at dpi.
func drawn(t *testing.T, blocks []ocrtest.Block, dpi int) *ocrtest.Gray {
	t.Helper()
	gs := testutil.NeedTool(t, "gs")
	g, err := ocrtest.Render(context.Background(), gs, ocrtest.PostScript(blocks, 0), dpi)
	require.NoError(t, err)
	return g
}

func goGray(g *ocrtest.Gray) *goimage.Gray {
	return &goimage.Gray{Pix: g.Pix, Stride: g.Width, Rect: goimage.Rect(0, 0, g.Width, g.Height)}
}

// ocrWorker returns a fulltext worker whose OCR runs prog (the installed
// tesseract when ""), under limits.
func ocrWorker(t *testing.T, prog string, limits ocr.Limits) (*worker.Worker, string) {
	t.Helper()
	o := fulltext.OCR{Images: sync.OnceValues(func() (*image.Engine, error) { return image.New(image.Options{}) })}
	if prog == "" {
		prog = testutil.NeedTool(t, "tesseract")
	}
	e, err := ocr.New(ocr.Options{Program: prog, Limits: limits})
	require.NoError(t, err)
	o.Engine = e
	client, err := transfer.New(transfer.Options{AllowLocal: true, Attempts: 1})
	require.NoError(t, err)
	tmp := t.TempDir()
	w, err := worker.New(fulltext.FuncWithEngines(text.Options{}, nil, o), worker.Options{
		Transfer: client, TempDir: tmp, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	return w, tmp
}

// run makes the text rendition r of the source data named name; it returns
// the outcome and the rendition's text.
func run(t *testing.T, w *worker.Worker, name string, data []byte, r api.Rendition) (api.RenditionResult, string) {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(src, data, 0o600))
	target := filepath.Join(dir, "out.txt")
	r.Name, r.Fmt, r.Target = "text.txt", "text", api.Target{URL: target}
	res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: src}, Renditions: []api.Rendition{r}})
	require.Len(t, res.Renditions, 1, "one outcome per rendition")
	got := res.Renditions[0]
	if got.Status != api.StatusCreated {
		assert.NoFileExists(t, target, "a failed rendition leaves nothing behind")
		return got, ""
	}
	b, err := os.ReadFile(target)
	require.NoError(t, err)
	return got, string(b)
}

// noLeftovers checks that the worker left no activation directory.
func noLeftovers(t *testing.T, tmp string) {
	t.Helper()
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, entries, "no activation directory is left behind")
}

// The text of images of several formats, read by OCR: word F1 against the
// text that was drawn, at 300 dpi.
func TestImageText(t *testing.T) {
	w, tmp := ocrWorker(t, "", ocr.Limits{})
	blocks := ocrtest.Sample[:4]
	g := drawn(t, blocks, 300)
	var pngData, jpgData, tifData bytes.Buffer
	require.NoError(t, png.Encode(&pngData, goGray(g)))
	require.NoError(t, jpeg.Encode(&jpgData, goGray(g), &jpeg.Options{Quality: 90}))
	require.NoError(t, tiff.Encode(&tifData, goGray(g), &tiff.Options{Compression: tiff.Deflate}))
	sources := map[string][]byte{"page.png": pngData.Bytes(), "page.jpg": jpgData.Bytes(), "page.tif": tifData.Bytes()}
	// WebP and HEIC, written by the image engine where libvips can.
	e, err := image.New(image.Options{})
	require.NoError(t, err)
	formats, err := image.OutputFormats()
	require.NoError(t, err)
	pngPath := filepath.Join(t.TempDir(), "page.png")
	require.NoError(t, os.WriteFile(pngPath, pngData.Bytes(), 0o600))
	for _, f := range []string{"webp", "heic"} {
		if !contains(formats, f) {
			continue
		}
		q := 90
		out := filepath.Join(t.TempDir(), "page."+f)
		_, err := e.Render(context.Background(), pngPath, api.Rendition{Fmt: f, Quality: &q}, out, image.RenderOptions{})
		require.NoError(t, err, f)
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		sources["page."+f] = b
	}
	for name, data := range sources {
		t.Run(name, func(t *testing.T) {
			got, txt := run(t, w, name, data, api.Rendition{Language: "en"})
			require.Equal(t, api.StatusCreated, got.Status, got.Message)
			f1 := ocrtest.F1(ocrtest.Words(blocks), strings.Fields(txt))
			assert.GreaterOrEqual(t, f1, 0.95, "F1 %.3f; text:\n%s", f1, txt)
			assert.Equal(t, "eng", got.Metadata[fulltext.MetadataOCRLanguage])
			assert.Greater(t, got.Metadata[fulltext.MetadataOCRWords], 100)
			assert.Greater(t, got.Metadata[fulltext.MetadataOCRConfidence], 80.0)
			assert.Equal(t, len([]rune(txt)), got.Metadata["acs:characters"])
		})
	}
	noLeftovers(t, tmp)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// A PDF of scanned pages (no text layer): each page drawn at 300 dpi and
// read by OCR, pages separated by form feeds.
func TestScannedPDF(t *testing.T) {
	w, tmp := ocrWorker(t, "", ocr.Limits{})
	p1, p2 := drawn(t, ocrtest.Sample[:1], 200), drawn(t, ocrtest.Sample[4:5], 200)
	got, txt := run(t, w, "scan.pdf", ocrtest.ScannedPDF([]*ocrtest.Gray{p1, p2}, 200), api.Rendition{Language: "deu+eng"})
	require.Equal(t, api.StatusCreated, got.Status, got.Message)
	pages := strings.Split(txt, "\f")
	require.Len(t, pages, 2, txt)
	assert.GreaterOrEqual(t, ocrtest.F1(ocrtest.Words(ocrtest.Sample[:1]), strings.Fields(pages[0])), 0.95, pages[0])
	assert.GreaterOrEqual(t, ocrtest.F1(ocrtest.Words(ocrtest.Sample[4:5]), strings.Fields(pages[1])), 0.95, pages[1])
	assert.Equal(t, 2, got.Metadata["xmpTPg:NPages"])
	assert.Equal(t, "deu+eng", got.Metadata[fulltext.MetadataOCRLanguage])
	noLeftovers(t, tmp)
}

// recordingTesseract is a tesseract that records its runs; it lists the
// English model and reads nothing.
func recordingTesseract(t *testing.T) (string, string) {
	dir := t.TempDir()
	record := filepath.Join(dir, "runs")
	prog := filepath.Join(dir, "tesseract")
	script := "#!/bin/sh\necho \"$@\" >> " + record + "\nif [ \"$1\" = --list-langs ]; then echo 'List of available languages (1):'; echo eng; exit 0; fi\n" +
		"printf 'level\\tpage_num\\tblock_num\\tpar_num\\tline_num\\tword_num\\tleft\\ttop\\twidth\\theight\\tconf\\ttext\\n'\n"
	require.NoError(t, os.WriteFile(prog, []byte(script), 0o755))
	return prog, record
}

// recognitions counts the runs that read a picture (not the language list).
func recognitions(t *testing.T, record string) int {
	b, err := os.ReadFile(record)
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	return strings.Count(string(b), " stdout -l ")
}

// pngHeader is a PNG signature and IHDR chunk declaring w x h 8-bit grey,
// followed by junk: a source whose size is told without decoding it.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 8
	_ = binary.Write(&b, binary.BigEndian, uint32(13))
	b.WriteString("IHDR")
	b.Write(ihdr)
	b.Write([]byte{0, 0, 0, 0}) // CRC, not checked for the size
	b.Write(bytes.Repeat([]byte{0x55}, 64))
	return b.Bytes()
}

// Hostile sources fail with their reason before Tesseract reads anything.
func TestOCRLimitsBeforeTesseract(t *testing.T) {
	prog, record := recordingTesseract(t)
	w, tmp := ocrWorker(t, prog, ocr.Limits{MaxPages: 3, MaxPixels: 20_000_000})
	page := drawn(t, ocrtest.Sample[3:4], 100)
	var small bytes.Buffer
	require.NoError(t, png.Encode(&small, goGray(page)))
	cases := []struct {
		name   string
		data   []byte
		r      api.Rendition
		reason api.Reason
		msg    string
	}{
		{"huge.png", pngHeader(100_000, 100_000), api.Rendition{}, api.ReasonSourceTooLarge, ""},
		{"over-ocr-limit.png", pngHeader(6000, 6000), api.Rendition{}, api.ReasonSourceTooLarge, ""},
		{"cut.png", small.Bytes()[:small.Len()/2], api.Rendition{}, api.ReasonSourceCorrupt, ""},
		{"garbage.jpg", append([]byte("\xff\xd8\xff\xe0"), bytes.Repeat([]byte{0x13}, 500)...), api.Rendition{}, api.ReasonSourceCorrupt, ""},
		{"many-pages.pdf", ocrtest.ScannedPDF([]*ocrtest.Gray{page, page, page, page, page}, 100), api.Rendition{}, api.ReasonSourceTooLarge,
			"the PDF has no text layer and 5 pages; OCR reads at most 3 pages (setting ocrMaxPages)"},
		{"klingon.png", small.Bytes(), api.Rendition{Language: "tlh"}, api.ReasonGeneric,
			`language: "tlh" is not installed for OCR; the installed languages are eng`},
		{"klingon.pdf", ocrtest.ScannedPDF([]*ocrtest.Gray{page}, 100), api.Rendition{Language: "tlh"}, api.ReasonGeneric, "the installed languages are eng"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := run(t, w, c.name, c.data, c.r)
			require.Equal(t, api.StatusFailed, got.Status)
			assert.Equal(t, c.reason, got.Reason, got.Message)
			assert.Contains(t, got.Message, c.msg)
			assert.Zero(t, recognitions(t, record), "tesseract read nothing")
		})
	}
	// Within the limits, the same worker reads.
	got, _ := run(t, w, "small.png", small.Bytes(), api.Rendition{})
	require.Equal(t, api.StatusCreated, got.Status, got.Message)
	assert.Equal(t, 1, recognitions(t, record))
	noLeftovers(t, tmp)
}

// A 10,000-page scanned PDF is refused before Tesseract runs (the default
// page limit).
func TestTenThousandPageScan(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 10,000-page PDF")
	}
	prog, record := recordingTesseract(t)
	w, tmp := ocrWorker(t, prog, ocr.Limits{})
	page := &ocrtest.Gray{Pix: bytes.Repeat([]byte{0xff}, 16*16), Width: 16, Height: 16}
	pages := make([]*ocrtest.Gray, 10_000)
	for i := range pages {
		pages[i] = page
	}
	got, _ := run(t, w, "book.pdf", ocrtest.ScannedPDF(pages, 10), api.Rendition{})
	require.Equal(t, api.StatusFailed, got.Status)
	assert.Equal(t, api.ReasonSourceTooLarge, got.Reason)
	assert.Contains(t, got.Message, "10000 pages; OCR reads at most 20 pages")
	assert.Zero(t, recognitions(t, record))
	noLeftovers(t, tmp)
}

// An image without text gives an empty rendition, not an error.
func TestImageWithoutText(t *testing.T) {
	w, _ := ocrWorker(t, "", ocr.Limits{})
	img := goimage.NewGray(goimage.Rect(0, 0, 400, 300))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	got, txt := run(t, w, "grey.png", b.Bytes(), api.Rendition{})
	require.Equal(t, api.StatusCreated, got.Status, got.Message)
	assert.Empty(t, txt)
	assert.Equal(t, 0, got.Metadata["acs:characters"])
	assert.Equal(t, 0, got.Metadata[fulltext.MetadataOCRWords])
}

// Without Tesseract an image is SourceFormatUnsupported, saying why, and a
// scanned PDF an empty text with a warning.
func TestWithoutTesseract(t *testing.T) {
	client, err := transfer.New(transfer.Options{AllowLocal: true, Attempts: 1})
	require.NoError(t, err)
	w, err := worker.New(fulltext.FuncWithEngines(text.Options{}, nil, fulltext.OCR{}), worker.Options{
		Transfer: client, TempDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	page := &ocrtest.Gray{Pix: bytes.Repeat([]byte{0xff}, 16*16), Width: 16, Height: 16}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, goGray(page)))
	got, _ := run(t, w, "page.png", b.Bytes(), api.Rendition{})
	assert.Equal(t, api.ReasonSourceFormatUnsupported, got.Reason)
	assert.Contains(t, got.Message, "the text of this source (PNG image) is read by OCR with Tesseract, which is not installed here")
	got, txt := run(t, w, "scan.pdf", ocrtest.ScannedPDF([]*ocrtest.Gray{page}, 72), api.Rendition{})
	require.Equal(t, api.StatusCreated, got.Status, got.Message)
	assert.Empty(t, txt)
	assert.Contains(t, got.Metadata["acs:warnings"], "the PDF has no text layer; its pages are not read by OCR, as Tesseract is not installed here")
}

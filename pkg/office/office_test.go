package office

import (
	"bytes"
	"context"
	"encoding/binary"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/officetest"
	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
)

var (
	red   = color.RGBA{255, 0, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	green = color.RGBA{0, 160, 0, 255}
)

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

// noSoffice is an engine without LibreOffice: whatever needs a render
// fails, so a test passing with it proves no render happened.
func noSoffice(t *testing.T) *Engine {
	t.Helper()
	e, err := New(Options{Soffice: "/nonexistent/soffice"})
	require.NoError(t, err)
	require.False(t, e.CanRender())
	return e
}

func TestInspectFindsTheLargestRasterThumbnail(t *testing.T) {
	ctx := context.Background()
	t.Run("OOXML thumbnail named by the package relationships, EMF ignored", func(t *testing.T) {
		doc := officetest.DOCX("hello", 1, "docProps/pic.jpeg",
			officetest.Part{Name: "docProps/pic.jpeg", Data: officetest.Picture("jpeg", 300, 424, red)},
			officetest.Part{Name: "docProps/thumbnail.emf", Data: []byte("\x01\x00\x00\x00 not a raster")},
		)
		ins, err := Inspect(ctx, bytes.NewReader(doc), int64(len(doc)), format.MustName("docx"), ZipLimits{})
		require.NoError(t, err)
		require.Len(t, ins.Thumbnails, 1)
		th := ins.Thumbnails[0]
		assert.Equal(t, "docProps/pic.jpeg", th.Part)
		assert.Equal(t, "jpeg", th.Format)
		assert.Equal(t, [2]int{300, 424}, [2]int{th.Width, th.Height})
		assert.Equal(t, 1, ins.Pages)
	})
	t.Run("ODF Thumbnails/thumbnail.png and the page count of meta.xml", func(t *testing.T) {
		doc := officetest.ODF(officetest.MimeODT, officetest.TextPages("a"), officetest.MetaPages(7), false,
			officetest.Part{Name: "Thumbnails/thumbnail.png", Data: officetest.Picture("png", 181, 256, blue)})
		ins, err := Inspect(ctx, bytes.NewReader(doc), int64(len(doc)), format.MustName("odt"), ZipLimits{})
		require.NoError(t, err)
		require.Len(t, ins.Thumbnails, 1)
		assert.Equal(t, "png", ins.Thumbnails[0].Format)
		assert.Equal(t, 7, ins.Pages)
	})
	t.Run("iWork previews, largest first", func(t *testing.T) {
		doc := officetest.Zip(
			officetest.Part{Name: "Index/Document.iwa", Data: []byte("x")},
			officetest.Part{Name: "preview-micro.jpg", Data: officetest.Picture("jpeg", 32, 24, green)},
			officetest.Part{Name: "preview-web.jpg", Data: officetest.Picture("jpeg", 800, 600, green)},
			officetest.Part{Name: "preview.jpg", Data: officetest.Picture("jpeg", 1600, 1200, green)},
		)
		ins, err := Inspect(ctx, bytes.NewReader(doc), int64(len(doc)), format.MustName("keynote"), ZipLimits{})
		require.NoError(t, err)
		var got []string
		for _, th := range ins.Thumbnails {
			got = append(got, th.Part)
		}
		assert.Equal(t, []string{"preview.jpg", "preview-web.jpg", "preview-micro.jpg"}, got)
	})
}

func TestPreviewUsesAnEmbeddedThumbnailLargeEnough(t *testing.T) {
	ctx := context.Background()
	e := noSoffice(t)
	key := write(t, "talk.key", officetest.Zip(
		officetest.Part{Name: "Index/Document.iwa", Data: []byte("x")},
		officetest.Part{Name: "preview.jpg", Data: officetest.Picture("jpeg", 1024, 768, green)},
	))
	p, err := e.Preview(ctx, key, "talk.key", Request{Width: 319, Height: 319}, t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, KindThumbnail, p.Kind)
	assert.Equal(t, "preview.jpg", p.Part)
	assert.Equal(t, "keynote", p.Format.Name)
	b, err := os.ReadFile(p.Path)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(b, []byte("\xFF\xD8\xFF")))

	// Too small for the box, a full-size rendition, or another page:
	// the page must be rendered, which this engine cannot do.
	for _, req := range []Request{{Width: 2000}, {}, {Width: 100, Page: 2}} {
		_, err = e.Preview(ctx, key, "talk.key", req, t.TempDir())
		assert.Equal(t, api.ReasonSourceFormatUnsupported, api.ReasonOf(err), "%+v", req)
		assert.Contains(t, api.MessageOf(err), "LibreOffice")
	}
}

func TestLargeEnough(t *testing.T) {
	assert.True(t, LargeEnough(256, 362, 256, 256))  // fills the height... and the width
	assert.True(t, LargeEnough(256, 362, 319, 319))  // fitted: 225x319, no enlargement
	assert.False(t, LargeEnough(256, 181, 319, 319)) // would be enlarged
	assert.True(t, LargeEnough(256, 181, 200, 0))
	assert.False(t, LargeEnough(256, 181, 0, 0)) // full size: render
}

func TestPreviewRefusals(t *testing.T) {
	ctx := context.Background()
	e := noSoffice(t)
	cases := []struct {
		name, file string
		data       []byte
		reason     api.Reason
		message    string
	}{
		{"encrypted OOXML (an OLE2 package)", "secret.docx", officetest.EncryptedOOXML(), api.ReasonSourceUnsupported, "encrypted"},
		{"encrypted legacy PowerPoint", "old.ppt", append(officetest.LegacyGarbage(), []byte("E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00S\x00u\x00m\x00m\x00a\x00r\x00y\x00")...), api.ReasonSourceUnsupported, "encrypted"},
		{"encrypted ODF", "secret.odt", officetest.ODF(officetest.MimeODT, "x", "", true), api.ReasonSourceUnsupported, "encrypted"},
		{"zip-encrypted entries", "locked.docx", zipEncrypted(officetest.DOCX("x", 0, "")), api.ReasonSourceUnsupported, "encrypted"},
		{"10,000 declared pages", "huge.docx", officetest.DOCX("x", 10000, ""), api.ReasonSourceTooLarge, "10000 pages"},
		{"10,000 declared pages (ODF)", "huge.odt", officetest.ODF(officetest.MimeODT, "x", officetest.MetaPages(10000), false), api.ReasonSourceTooLarge, "limit of 2000"},
		{"a damaged zip", "broken.docx", officetest.DOCX("x", 0, "")[:300], api.ReasonSourceCorrupt, ""},
		{"a zip that declares 60000 entries", "many.docx", declareEntries(officetest.DOCX("x", 0, ""), 60000), api.ReasonSourceTooLarge, "60000"},
		{"a thumbnail that is a zip bomb", "bomb.docx", officetest.DOCX("x", 0, "", officetest.Part{Name: "docProps/thumbnail.png", Data: make([]byte, 8<<20)}), api.ReasonSourceTooLarge, "zip bomb"},
		{"a PNG image", "a.png", officetest.Picture("png", 4, 4, red), api.ReasonSourceFormatUnsupported, "PNG image"},
		{"an empty file", "empty.docx", nil, api.ReasonSourceCorrupt, "empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := write(t, c.file, c.data)
			_, err := e.Preview(ctx, p, c.file, Request{Width: 100}, t.TempDir())
			require.Error(t, err)
			assert.Equal(t, c.reason, api.ReasonOf(err), api.MessageOf(err))
			assert.Contains(t, api.MessageOf(err), c.message)
		})
	}
}

// zipEncrypted sets the encryption flag of every entry of the zip z.
func zipEncrypted(z []byte) []byte {
	out := append([]byte(nil), z...)
	for i := 0; i+8 < len(out); i++ {
		switch string(out[i : i+4]) {
		case "PK\x03\x04":
			out[i+6] |= 1
		case "PK\x01\x02":
			out[i+8] |= 1
		}
	}
	return out
}

// declareEntries makes the end record of the zip z declare n entries.
func declareEntries(z []byte, n uint16) []byte {
	out := append([]byte(nil), z...)
	i := bytes.LastIndex(out, []byte("PK\x05\x06"))
	binary.LittleEndian.PutUint16(out[i+8:], n)
	binary.LittleEndian.PutUint16(out[i+10:], n)
	return out
}

// fixtures are documents made once per test binary: OpenDocument files
// written here, and their conversions by LibreOffice.
type fixtures struct {
	dir                  string
	odt, odp, docx, pptx string
	soffice              string
	err                  error
	once                 sync.Once
}

var shared fixtures

func docs(t *testing.T) *fixtures {
	t.Helper()
	soffice := testutil.NeedTool(t, "soffice")
	shared.once.Do(func() {
		shared.soffice = soffice
		dir, err := os.MkdirTemp("", "office-fixtures-")
		if err != nil {
			shared.err = err
			return
		}
		shared.dir = dir
		shared.odt = filepath.Join(dir, "pages.odt")
		shared.odp = filepath.Join(dir, "slides.odp")
		_ = os.WriteFile(shared.odt, officetest.ODF(officetest.MimeODT, officetest.TextPages("First page", "#ff0000 Second page", "Third page"), "", false), 0o600)
		_ = os.WriteFile(shared.odp, officetest.ODF(officetest.MimeODP, officetest.Slides("#0000ff", "#00a000"), "", false), 0o600)
		shared.docx = officetest.Convert(t, soffice, shared.odt, "docx", dir)
		shared.pptx = officetest.Convert(t, soffice, shared.odp, "pptx", dir)
	})
	require.NoError(t, shared.err)
	return &shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// pdfPages counts the pages of a PDF file by its page objects.
func pdfPages(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(b, -1))
}

func TestLibreOfficeRendersTheAskedPage(t *testing.T) {
	d := docs(t)
	ctx := context.Background()
	e, err := New(Options{})
	require.NoError(t, err)
	base := t.TempDir() // every conversion's directory is under it
	dir := func() string {
		d, err := os.MkdirTemp(base, "case-")
		require.NoError(t, err)
		return d
	}
	for _, c := range []struct {
		path string
		page int
	}{{d.docx, 1}, {d.pptx, 2}, {d.odt, 3}} {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			p, err := e.Preview(ctx, c.path, filepath.Base(c.path), Request{Width: 4000, Page: c.page}, dir())
			require.NoError(t, err)
			assert.Equal(t, KindPage, p.Kind)
			assert.Equal(t, 1, pdfPages(t, p.Path), "only the asked page is exported")
		})
	}
	t.Run("a page past the end", func(t *testing.T) {
		_, err := e.Preview(ctx, d.odt, "pages.odt", Request{Page: 9}, dir())
		assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
		assert.Contains(t, api.MessageOf(err), "page 9")
	})
	t.Run("a legacy file LibreOffice cannot load", func(t *testing.T) {
		p := write(t, "broken.doc", officetest.LegacyGarbage())
		_, err := e.Preview(ctx, p, "broken.doc", Request{}, dir())
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), api.MessageOf(err))
	})
	assert.Empty(t, testutil.Processes(t, base), "no LibreOffice process is left")
}

func TestLibreOfficeStopsAtTheDeadline(t *testing.T) {
	d := docs(t)
	e, err := New(Options{})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	done := make(chan error, 1)
	go func() {
		_, err := e.Preview(ctx, d.odp, "slides.odp", Request{}, dir)
		done <- err
	}()
	testutil.WaitForProcesses(t, dir, 1, done)
	cancel()
	err = <-done
	assert.Equal(t, api.ReasonTimeout, api.ReasonOf(err), api.MessageOf(err))
	assert.Empty(t, testutil.Processes(t, dir), "the LibreOffice process group is killed")
	assert.False(t, strings.Contains(api.MessageOf(err), dir), "no local path in the message")
}

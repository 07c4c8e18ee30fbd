package builtin

import (
	"context"
	"encoding/json"
	stdimage "image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/officetest"
	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// TestOfficeAction runs the office action, as Handlers builds it, on
// documents written here and converted by LibreOffice: the page asked is
// rendered (checked by its pixels), an embedded thumbnail large enough is
// used without LibreOffice, and bad sources fail with the right reason.
func TestOfficeAction(t *testing.T) {
	dir := t.TempDir()
	handlers := testHandlers(t, worker.Options{TempDir: dir})

	src := t.TempDir()
	file := func(name string, data []byte) string {
		p := filepath.Join(src, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	run := func(source string, renditions ...map[string]any) ([]api.RenditionResult, []string) {
		t.Helper()
		var outs []string
		var rs []any
		for i, r := range renditions {
			out := filepath.Join(t.TempDir(), "out."+r["fmt"].(string))
			r["name"], r["target"] = filepath.Base(out)+string(rune('a'+i)), out
			outs = append(outs, out)
			rs = append(rs, r)
		}
		raw, err := json.Marshal(map[string]any{"requestId": "r", "source": source, "renditions": rs})
		require.NoError(t, err)
		res, err := handlers[OfficeAction](context.Background(), raw)
		require.NoError(t, err)
		rr := res.(*api.WorkerResult).Renditions
		require.Len(t, rr, len(renditions))
		return rr, outs
	}
	decode := func(path string) stdimage.Image {
		t.Helper()
		f, err := os.Open(path)
		require.NoError(t, err)
		defer f.Close()
		img, _, err := stdimage.Decode(f)
		require.NoError(t, err)
		return img
	}
	// share counts the pixels of img close to c, as a fraction.
	share := func(img stdimage.Image, c color.RGBA) float64 {
		b := img.Bounds()
		n := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				if near(r>>8, c.R) && near(g>>8, c.G) && near(bl>>8, c.B) {
					n++
				}
			}
		}
		return float64(n) / float64(b.Dx()*b.Dy())
	}
	white := color.RGBA{255, 255, 255, 255}

	t.Run("embedded thumbnail large enough: no LibreOffice", func(t *testing.T) {
		doc := file("thumb.docx", officetest.DOCX("hello", 1, "docProps/thumbnail.jpeg",
			officetest.Part{Name: "docProps/thumbnail.jpeg", Data: officetest.Picture("jpeg", 400, 300, color.RGBA{255, 0, 0, 255})}))
		rr, outs := run(doc, map[string]any{"fmt": "png", "width": 200, "height": 200})
		require.Equal(t, api.StatusCreated, rr[0].Status, rr[0].Message)
		img := decode(outs[0])
		assert.Equal(t, stdimage.Pt(200, 150), img.Bounds().Size())
		assert.Greater(t, share(img, color.RGBA{255, 0, 0, 255}), 0.95)
		assert.Equal(t, "thumbnail", rr[0].Metadata[MetadataOfficeSource])
	})
	t.Run("encrypted", func(t *testing.T) {
		rr, _ := run(file("secret.docx", officetest.EncryptedOOXML()), map[string]any{"fmt": "png", "width": 100})
		assert.Equal(t, api.ReasonSourceUnsupported, rr[0].Reason, rr[0].Message)
	})
	t.Run("not an image or text fmt", func(t *testing.T) {
		rr, _ := run(file("a.docx", officetest.DOCX("x", 1, "")), map[string]any{"fmt": "xmp"})
		assert.Equal(t, api.ReasonRenditionFormatUnsupported, rr[0].Reason, rr[0].Message)
	})
	t.Run("text of a DOCX is read directly", func(t *testing.T) {
		rr, outs := run(file("b.docx", officetest.DOCX("plain words", 1, "")), map[string]any{"fmt": "text"})
		require.Equal(t, api.StatusCreated, rr[0].Status, rr[0].Message)
		b, err := os.ReadFile(outs[0])
		require.NoError(t, err)
		assert.Contains(t, string(b), "plain words")
	})

	soffice := testutil.NeedTool(t, "soffice")
	t.Run("presentation: the slide asked, in its colours", func(t *testing.T) {
		odp := file("slides.odp", officetest.ODF(officetest.MimeODP, officetest.Slides("#0000ff", "#00a000"), "", false))
		pptx := officetest.Convert(t, soffice, odp, "pptx", t.TempDir())
		for _, c := range []struct {
			path string
			page int
			want color.RGBA
		}{{odp, 1, color.RGBA{0, 0, 255, 255}}, {pptx, 2, color.RGBA{0, 160, 0, 255}}} {
			rr, outs := run(c.path, map[string]any{"fmt": "png", "width": 280, "page": c.page})
			require.Equal(t, api.StatusCreated, rr[0].Status, rr[0].Message)
			img := decode(outs[0])
			assert.Equal(t, 280, img.Bounds().Dx())
			assert.InDelta(t, 157, img.Bounds().Dy(), 2, "a 16:9 slide")
			assert.Equal(t, "page", rr[0].Metadata[MetadataOfficeSource])
			h := img.Bounds().Dy()
			r, g, b, _ := img.At(70, h/2).RGBA()
			assert.Equal(t, [3]uint8{c.want.R, c.want.G, c.want.B}, [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}, "left half filled")
			r, g, b, _ = img.At(210, h/2).RGBA()
			assert.Equal(t, [3]uint8{255, 255, 255}, [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}, "right half white")
		}
	})
	t.Run("text document: a text page is mostly white, page 2 holds the red shape", func(t *testing.T) {
		odt := file("pages.odt", officetest.ODF(officetest.MimeODT, officetest.TextPages("First page", "#ff0000 Second page"), "", false))
		rr, outs := run(odt,
			map[string]any{"fmt": "jpg", "width": 300},
			map[string]any{"fmt": "png", "width": 300, "page": 2},
			map[string]any{"fmt": "png", "width": 150, "page": 2})
		for _, r := range rr {
			require.Equal(t, api.StatusCreated, r.Status, r.Message)
		}
		p1, p2, small := decode(outs[0]), decode(outs[1]), decode(outs[2])
		assert.Equal(t, 300, p1.Bounds().Dx())
		assert.Greater(t, p1.Bounds().Dy(), 300, "a portrait page")
		assert.Greater(t, share(p1, white), 0.97, "page 1 is text on white")
		assert.Greater(t, share(p2, color.RGBA{255, 0, 0, 255}), 0.08, "page 2 shows the 12x8 cm red rectangle")
		assert.Equal(t, 150, small.Bounds().Dx())
	})
	t.Run("a PDF sent to the office action is rendered as the thumbnail action would", func(t *testing.T) {
		odt := file("one.odt", officetest.ODF(officetest.MimeODT, officetest.TextPages("One"), "", false))
		pdf := officetest.Convert(t, soffice, odt, "pdf", t.TempDir())
		rr, outs := run(pdf, map[string]any{"fmt": "png", "width": 100})
		require.Equal(t, api.StatusCreated, rr[0].Status, rr[0].Message)
		assert.Equal(t, 100, decode(outs[0]).Bounds().Dx())
		assert.Nil(t, rr[0].Metadata[MetadataOfficeSource])
	})
	t.Run("text of a legacy Word file, through LibreOffice", func(t *testing.T) {
		odt := file("words.odt", officetest.ODF(officetest.MimeODT, officetest.TextPages("Alpha bravo charlie", "Delta echo"), "", false))
		doc := officetest.Convert(t, soffice, odt, "doc", t.TempDir())
		rr, outs := run(doc, map[string]any{"fmt": "text"})
		require.Equal(t, api.StatusCreated, rr[0].Status, rr[0].Message)
		b, err := os.ReadFile(outs[0])
		require.NoError(t, err)
		assert.Contains(t, string(b), "Alpha bravo charlie")
		assert.Contains(t, string(b), "Delta echo")
		assert.EqualValues(t, 2, rr[0].Metadata["xmpTPg:NPages"])
	})
	t.Run("text of a Pages '09 document, through LibreOffice", func(t *testing.T) {
		pages := file("letter.pages", officetest.IWork09("pages", "Zebra marmalade quantum"))
		rr, outs := run(pages, map[string]any{"fmt": "text"})
		require.Equal(t, api.StatusCreated, rr[0].Status, rr[0].Message)
		b, err := os.ReadFile(outs[0])
		require.NoError(t, err)
		assert.Contains(t, string(b), "Zebra marmalade quantum")
	})
	t.Run("text of an encrypted legacy PowerPoint file", func(t *testing.T) {
		ppt := file("secret.ppt", append(officetest.LegacyGarbage(), []byte("E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00S\x00u\x00m\x00m\x00a\x00r\x00y\x00")...))
		rr, _ := run(ppt, map[string]any{"fmt": "text"})
		assert.Equal(t, api.ReasonSourceUnsupported, rr[0].Reason, rr[0].Message)
	})
	assert.Empty(t, testutil.Processes(t, dir), "no LibreOffice process is left")
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, ents, "no activation files are left")
}

func near(v uint32, want uint8) bool {
	d := int(v) - int(want)
	return d > -40 && d < 40
}

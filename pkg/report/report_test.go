package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	stdimage "image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/webp"
	"golang.org/x/net/html"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
)

// noisy returns a w x h image of noise, which compresses badly.
func noisy(w, h int) *stdimage.NRGBA {
	img := stdimage.NewNRGBA(stdimage.Rect(0, 0, w, h))
	seed := uint32(1)
	for i := range img.Pix {
		seed = seed*1664525 + 1013904223
		img.Pix[i] = byte(seed >> 24)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	return img
}

func writeJPEG(t *testing.T, path string, w, h int) int64 {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, noisy(w, h), &jpeg.Options{Quality: 90}))
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	return int64(b.Len())
}

func writeSmallPNG(t *testing.T, path string, w, h int) int64 {
	t.Helper()
	img := stdimage.NewNRGBA(stdimage.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	img.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	return int64(b.Len())
}

func created(name, path, mimeType string, size int64, w, h int) Rendition {
	md := map[string]any{api.MetadataFormat: mimeType, api.MetadataSize: size}
	if w > 0 {
		md[api.MetadataWidth], md[api.MetadataHeight] = w, h
	}
	return Rendition{Path: path, Result: api.RenditionResult{Name: name, Status: api.StatusCreated, Metadata: md,
		Timings: map[string]float64{"total": 9.5, "fetch": 0.25, "render": 6, "encode": 2, "upload": 1}}}
}

func failed(name string, reason api.Reason, message string) Rendition {
	return Rendition{Result: api.RenditionResult{Name: name, Status: api.StatusFailed, Reason: reason, Message: message,
		Timings: map[string]float64{"fetch": 0.5, "render": 1, "total": 2}}}
}

func previews(t *testing.T) PreviewFunc {
	t.Helper()
	engine, err := image.New(image.Options{})
	require.NoError(t, err)
	return ImagePreviews(engine, t.TempDir())
}

// hostile is a source name that is HTML.
const hostile = `<script>alert("x")</script>.jpg`

// fixture writes a batch's files: a large photo with a large and a small
// rendition, a corrupt source, a source with a hostile name, and a text
// and a JSON rendition.
func fixture(t *testing.T) (dir string, sources []Source, sizes map[string]int64) {
	dir = t.TempDir()
	out := filepath.Join(dir, "out")
	require.NoError(t, os.MkdirAll(filepath.Join(out, "photo.jpg"), 0o755))
	sizes = map[string]int64{}
	photo := filepath.Join(dir, "photo.jpg")
	writeJPEG(t, photo, 1200, 800)
	big := filepath.Join(out, "photo.jpg", "web.jpg")
	sizes["web.jpg"] = writeJPEG(t, big, 900, 600)
	small := filepath.Join(out, "photo.jpg", "icon.png")
	sizes["icon.png"] = writeSmallPNG(t, small, 24, 16)
	text := filepath.Join(out, "photo.jpg", "text.txt")
	require.NoError(t, os.WriteFile(text, []byte("Hello <b>world</b> & friends\n"+strings.Repeat("more text ", 200)), 0o644))
	meta := filepath.Join(out, "photo.jpg", "meta.json")
	require.NoError(t, os.WriteFile(meta, []byte(`{"dc:title":"</pre><script>x()</script>"}`), 0o644))
	corrupt := filepath.Join(dir, "corrupt.jpg")
	require.NoError(t, os.WriteFile(corrupt, []byte("\xff\xd8\xff\xe0 not really a JPEG"), 0o644))

	sources = []Source{
		{Name: "photo.jpg", Path: photo, Renditions: []Rendition{
			created("web.jpg", big, "image/jpeg", sizes["web.jpg"], 900, 600),
			created("icon.png", small, "image/png", sizes["icon.png"], 24, 16),
			created("text.txt", text, "text/plain", 2029, 0, 0),
			created("meta.json", meta, "application/json", 40, 0, 0),
		}},
		{Name: "corrupt.jpg", Path: corrupt, Renditions: []Rendition{
			failed("web.jpg", api.ReasonSourceCorrupt, "source is a corrupt image/jpeg file: its header cannot be read"),
			failed("icon.png", api.ReasonSourceCorrupt, "source rendition 'web.jpg' failed"),
		}},
		{Name: hostile, Path: filepath.Join(dir, "missing.jpg"), Renditions: []Rendition{
			failed(`"><img src=x onerror=alert(1)>.png`, api.ReasonGeneric, `source not found: <img src=x onerror=alert(2)>`),
		}},
	}
	return dir, sources, sizes
}

func render(t *testing.T, sources []Source, opts Options) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, Write(context.Background(), &b, sources, opts))
	return b.String()
}

// parse returns the page's document.
func parse(t *testing.T, page string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	require.NoError(t, err)
	return doc
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

func TestEveryInputAndRenditionIsListed(t *testing.T) {
	dir, sources, _ := fixture(t)
	page := render(t, sources, Options{Preview: previews(t), LinkBase: dir, Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }})
	doc := parse(t, page)

	var listed []string
	renditions := map[string][]string{}
	status := map[string]string{}
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if s, ok := attr(n, "data-source"); ok {
			listed = append(listed, s)
			walk(n, func(c *html.Node) {
				if r, ok := attr(c, "data-rendition"); ok {
					renditions[s] = append(renditions[s], r)
					status[s+"/"+r], _ = attr(c, "data-status")
				}
			})
		}
	})
	assert.Equal(t, []string{"photo.jpg", "corrupt.jpg", hostile}, listed)
	assert.Equal(t, []string{"web.jpg", "icon.png", "text.txt", "meta.json"}, renditions["photo.jpg"])
	assert.Equal(t, []string{"web.jpg", "icon.png"}, renditions["corrupt.jpg"])
	assert.Equal(t, "created", status["photo.jpg/web.jpg"])
	assert.Equal(t, "failed", status["corrupt.jpg/web.jpg"])
	assert.Contains(t, page, "3 sources, 4 renditions created")
	assert.Contains(t, page, "3 failed")
	assert.Contains(t, page, "2026-01-02 03:04:05 UTC")
}

func TestFailuresShowTheirReasonAndMessage(t *testing.T) {
	dir, sources, _ := fixture(t)
	doc := parse(t, render(t, sources, Options{Preview: previews(t), LinkBase: dir}))
	var cards []string
	walk(doc, func(n *html.Node) {
		if st, ok := attr(n, "data-status"); ok && st == "failed" {
			cards = append(cards, text(n))
		}
	})
	require.Len(t, cards, 3)
	assert.Contains(t, cards[0], "SourceCorrupt")
	assert.Contains(t, cards[0], "its header cannot be read")
	assert.Contains(t, cards[0], "fetch 0.5 · render 1.0 · total 2.0 ms")
	assert.Contains(t, cards[2], "GenericError")
	assert.Contains(t, cards[2], "source not found: <img src=x onerror=alert(2)>", "the message is shown as text")
}

func TestSizesDimensionsAndTimings(t *testing.T) {
	dir, sources, sizes := fixture(t)
	doc := parse(t, render(t, sources, Options{Preview: previews(t), LinkBase: dir}))
	var web string
	walk(doc, func(n *html.Node) {
		if r, ok := attr(n, "data-rendition"); ok && r == "web.jpg" && web == "" {
			web = text(n)
		}
	})
	assert.Contains(t, web, "image/jpeg")
	assert.Contains(t, web, "900 × 600")
	assert.Contains(t, web, humanBytes(sizes["web.jpg"]))
	assert.Contains(t, web, "fetch 0.2 · render 6.0 · encode 2.0 · upload 1.0 · total 9.5 ms", "the steps in order")
}

func TestPreviewsAreInlineAndSmall(t *testing.T) {
	dir, sources, sizes := fixture(t)
	page := render(t, sources, Options{Preview: previews(t), LinkBase: dir, PreviewSide: 200})
	doc := parse(t, page)
	imgs := map[string]string{} // the card's name: the img src
	walk(doc, func(n *html.Node) {
		name, ok := attr(n, "data-rendition")
		if !ok {
			name, ok = attr(n, "data-source")
		}
		if !ok {
			return
		}
		walk(n, func(c *html.Node) {
			if c.Type == html.ElementNode && c.Data == "img" {
				if _, seen := imgs[name]; !seen {
					imgs[name], _ = attr(c, "src")
				}
			}
		})
	})
	// The small PNG is inlined as it is.
	icon, err := os.ReadFile(sources[0].Renditions[1].Path)
	require.NoError(t, err)
	assert.Equal(t, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(icon), imgs["icon.png"])
	// The large JPEG and the source are downscaled WebP previews.
	for _, name := range []string{"web.jpg", "photo.jpg"} {
		src := imgs[name]
		require.True(t, strings.HasPrefix(src, "data:image/webp;base64,"), "%s: %.40s", name, src)
		data, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/webp;base64,"))
		require.NoError(t, err)
		cfg, err := webp.DecodeConfig(bytes.NewReader(data))
		require.NoError(t, err, name)
		assert.Equal(t, 200, max(cfg.Width, cfg.Height), "%s: the longest side is PreviewSide", name)
		assert.Less(t, int64(len(data)), sizes["web.jpg"]/4, name)
	}
	// A corrupt or missing source has no preview, and says why.
	_, ok := imgs["corrupt.jpg"]
	assert.False(t, ok)
	assert.Contains(t, page, "no preview: ")
	// The page is far smaller than the renditions it shows.
	assert.Less(t, len(page), int(sizes["web.jpg"]))
}

func TestTextAndJSONRenditionsShowAnExcerpt(t *testing.T) {
	dir, sources, _ := fixture(t)
	doc := parse(t, render(t, sources, Options{Preview: previews(t), LinkBase: dir, ExcerptBytes: 100}))
	pre := map[string]string{}
	links := map[string]string{}
	walk(doc, func(n *html.Node) {
		r, ok := attr(n, "data-rendition")
		if !ok {
			return
		}
		walk(n, func(c *html.Node) {
			if c.Type == html.ElementNode && c.Data == "pre" {
				pre[r] = text(c)
			}
			if c.Type == html.ElementNode && c.Data == "a" {
				links[r], _ = attr(c, "href")
			}
		})
	})
	assert.True(t, strings.HasPrefix(pre["text.txt"], "Hello <b>world</b> & friends"), pre["text.txt"])
	assert.Len(t, pre["text.txt"], 100, "cut at ExcerptBytes")
	assert.Equal(t, `{"dc:title":"</pre><script>x()</script>"}`, pre["meta.json"])
	assert.Equal(t, "out/photo.jpg/text.txt", links["text.txt"], "linked relative to the page")
	assert.Equal(t, "out/photo.jpg/web.jpg", links["web.jpg"])
}

func TestExcerptOfABinaryFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.bin")
	require.NoError(t, os.WriteFile(p, []byte{0x00, 0xff, 0xfe, 'a'}, 0o644))
	got, note := excerpt(p, 100)
	assert.Empty(t, got)
	assert.Equal(t, "binary file", note)
	// A cut inside a character is moved back to its start.
	require.NoError(t, os.WriteFile(p, []byte("aé"), 0o644))
	got, note = excerpt(p, 2)
	assert.Equal(t, "a", got)
	assert.Equal(t, "first 1 bytes", note)
}

func TestHostileNamesAreEscaped(t *testing.T) {
	dir, sources, _ := fixture(t)
	// A rendition file whose directory reads as a URL scheme.
	odd := filepath.Join(dir, "javascript:alert(1)", "x.txt")
	require.NoError(t, os.MkdirAll(filepath.Dir(odd), 0o755))
	require.NoError(t, os.WriteFile(odd, []byte("x"), 0o644))
	sources[2].Renditions = append(sources[2].Renditions, created("x.txt", odd, "text/plain", 1, 0, 0))
	page := render(t, sources, Options{Preview: previews(t), LinkBase: dir, Title: "<i>batch</i>"})
	doc := parse(t, page)

	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		assert.NotContains(t, []string{"script", "iframe", "object", "embed", "link", "base", "form"}, n.Data, "no %s element", n.Data)
		if n.Data == "img" {
			src, _ := attr(n, "src")
			assert.True(t, strings.HasPrefix(src, "data:image/"), "img src %.40s", src)
		}
		for _, a := range n.Attr {
			assert.False(t, strings.HasPrefix(a.Key, "on"), "no event handler attribute: %s=%q", a.Key, a.Val)
		}
		if href, ok := attr(n, "href"); ok {
			assert.NotRegexp(t, `^[a-zA-Z][a-zA-Z0-9+.-]*:`, href, "a link has no scheme")
		}
	})
	assert.Contains(t, text(doc), hostile, "the hostile name is shown as text")
	assert.Contains(t, page, "&lt;script&gt;")
	assert.Contains(t, page, `href="./javascript:alert%281%29/x.txt"`)
	assert.Contains(t, page, "<title>&lt;i&gt;batch&lt;/i&gt;</title>")
}

// urlAttr matches a URL in an attribute.
var urlAttr = regexp.MustCompile(`(?i)\b(src|href|action|poster|data|srcset|xlink:href)\s*=\s*"([^"]*)"`)

func TestNoExternalReferences(t *testing.T) {
	dir, sources, _ := fixture(t)
	page := render(t, sources, Options{Preview: previews(t), LinkBase: dir})
	for _, m := range urlAttr.FindAllStringSubmatch(page, -1) {
		v := m[2]
		switch m[1] {
		case "src":
			assert.True(t, strings.HasPrefix(v, "data:image/"), "src %.60s", v)
		case "href":
			assert.False(t, strings.HasPrefix(v, "//") || strings.Contains(v, "://"), "href %s", v)
		default:
			t.Errorf("unexpected URL attribute %s=%q", m[1], v)
		}
	}
	assert.NotContains(t, page, "http://")
	assert.NotContains(t, page, "https://")
	assert.NotContains(t, page, "url(", "the style sheet loads nothing")
	assert.NotContains(t, page, "@import")

	// The policy allows data: images and the page's own style sheet only,
	// named by its hash.
	doc := parse(t, page)
	var policy, style string
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "meta" {
			if v, _ := attr(n, "http-equiv"); v == "Content-Security-Policy" {
				policy, _ = attr(n, "content")
			}
		}
		if n.Type == html.ElementNode && n.Data == "style" {
			style = text(n)
		}
	})
	require.NotEmpty(t, policy)
	assert.Contains(t, policy, "default-src 'none'")
	assert.Contains(t, policy, "img-src data:")
	sum := sha256.Sum256([]byte(style))
	assert.Contains(t, policy, "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	assert.NotContains(t, page, " style=", "no inline style attribute, which the policy would block")
}

func TestWithoutAPreviewFunction(t *testing.T) {
	dir, sources, _ := fixture(t)
	page := render(t, sources, Options{LinkBase: dir})
	assert.Contains(t, page, "data:image/png;base64,", "a small PNG is inlined all the same")
	assert.NotContains(t, page, "data:image/webp")
	assert.Contains(t, page, "no preview")
}

func TestPreviewErrorsAreShown(t *testing.T) {
	_, sources, _ := fixture(t)
	page := render(t, sources[:1], Options{Preview: func(context.Context, string, int) ([]byte, string, error) {
		return nil, "", api.Errorf(api.ReasonSourceCorrupt, "cannot decode <this>")
	}})
	assert.Contains(t, page, "no preview: cannot decode &lt;this&gt;")
	page = render(t, sources[:1], Options{Preview: func(context.Context, string, int) ([]byte, string, error) {
		return []byte("<svg/>"), "image/svg+xml", nil
	}})
	assert.NotContains(t, page, "data:image/svg", "only the image types of browserImages are inlined")
}

func TestWriteFileReplacesWholePages(t *testing.T) {
	dir, sources, _ := fixture(t)
	path := filepath.Join(dir, "report.html")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := WriteFile(ctx, path, sources, Options{Preview: previews(t)})
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
	old, _ := os.ReadFile(path)
	assert.Equal(t, "old", string(old), "a failed write leaves the old page")

	require.NoError(t, WriteFile(context.Background(), path, sources, Options{Preview: previews(t)}))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(data), "<!DOCTYPE html>"))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.Contains(e.Name(), ".partial-"), "no temporary file is left: %s", e.Name())
	}
}

package image

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// illustratorSVG returns an SVG as Adobe Illustrator writes it: an XML
// declaration, a generator comment and a document type declaration whose
// internal subset declares the namespaces and styles as entities, used in
// attributes. extra more style entities push the svg element further
// from the start of the file. The left half is red, the right half empty.
func illustratorSVG(extra int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<!-- Generator: Adobe Illustrator 16.0.0, SVG Export Plug-In . SVG Version: 6.00 Build 0)  -->
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [
	<!ENTITY ns_extend "http://ns.adobe.com/Extensibility/1.0/">
	<!ENTITY ns_ai "http://ns.adobe.com/AdobeIllustrator/10.0/">
	<!ENTITY ns_graphs "http://ns.adobe.com/Graphs/1.0/">
	<!ENTITY ns_vars "http://ns.adobe.com/Variables/1.0/">
	<!ENTITY ns_imrep "http://ns.adobe.com/ImageReplacement/1.0/">
	<!ENTITY ns_sfw "http://ns.adobe.com/SaveForWeb/1.0/">
	<!ENTITY ns_custom "http://ns.adobe.com/GenericCustomNamespace/1.0/">
	<!ENTITY ns_adobe_xpath "http://ns.adobe.com/XPath/1.0/">
	<!ENTITY ns_svg "http://www.w3.org/2000/svg">
	<!ENTITY ns_xlink "http://www.w3.org/1999/xlink">
	<!ENTITY st0 "fill:#FF0000;stroke:none;">
`)
	for i := 1; i <= extra; i++ {
		fmt.Fprintf(&b, "\t<!ENTITY st%d \"fill:#%06X;stroke:#000000;stroke-miterlimit:10;\">\n", i, i)
	}
	b.WriteString(`]>
<svg version="1.1" id="Layer_1" xmlns:x="&ns_extend;" xmlns:i="&ns_ai;" xmlns:graph="&ns_graphs;"
	 xmlns="&ns_svg;" xmlns:xlink="&ns_xlink;" x="0px" y="0px" width="200px" height="100px"
	 viewBox="0 0 200 100" enable-background="new 0 0 200 100" xml:space="preserve">
<rect x="0" y="0" style="&st0;" width="100" height="100"/>
</svg>
`)
	return b.String()
}

// billionLaughs returns the classic entity bomb: ten levels of entities
// each referring ten times to the one below, the last used once.
func billionLaughs(levels int) string {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n <!ENTITY lol0 \"lol\">\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, " <!ENTITY lol%d \"%s\">\n", i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
	}
	fmt.Fprintf(&b, "]>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\"><text x=\"0\" y=\"50\">&lol%d;</text></svg>\n", levels)
	return b.String()
}

// svgWithSubset returns a small SVG with the given internal subset and
// body inside its svg element.
func svgWithSubset(subset, body string) string {
	return "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [" + subset + "]>\n" +
		`<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><rect width="50" height="50" fill="red"/>` + body + "</svg>\n"
}

// SVGs whose svg element starts far into the file, after a document type
// declaration with entities as Adobe Illustrator writes, or after a byte
// order mark and non-ASCII text: libvips' own detection looks for "<svg"
// in the first 1000 bytes of plain ASCII and misses them.
func TestRenderSVGWithADocumentTypeDeclaration(t *testing.T) {
	e := testEngine(t)
	tests := []struct {
		name string
		svg  string
	}{
		{"Illustrator, svg element within 1000 bytes", illustratorSVG(0)},
		{"Illustrator, svg element after 1000 bytes", illustratorSVG(4)},
		{"Illustrator, svg element after the first 4 KiB", illustratorSVG(80)},
		{"byte order mark and a non-ASCII comment", "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- Créé avec Inkscape -->\n" +
			`<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="100" height="100" fill="#f00"/></svg>`},
		{"a '>' and a ']' inside the internal subset", "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!-- a ]> in a comment -->\n" +
			"<!ENTITY red 'fill: #f00; /* ]> */'>\n<?pi ]> ?>\n]>\n" +
			`<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="100" height="100" style="&red;"/></svg>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := writeTemp(t, "drawing.svg", []byte(tc.svg))
			typ, err := Sniff(src)
			require.NoError(t, err)
			require.Equal(t, TypeSVG, typ)
			res, out, err := renderErr(t, e, src, api.Rendition{Fmt: "png", Width: intp(200)})
			require.NoError(t, err)
			assert.Equal(t, [2]int{200, 100}, [2]int{res.Width, res.Height})
			img := decodeFile(t, out)
			assertRGB(t, img, 50, 50, [3]float64{255, 0, 0}, 1, "the left half, styled through an entity")
			_, _, _, a := img.At(150, 50).RGBA()
			assert.Zero(t, a, "the right half is empty")
		})
	}
	t.Run("as a watermark", func(t *testing.T) {
		wm := writeTemp(t, "logo.svg", []byte(illustratorSVG(80)))
		fetch := func(context.Context, string) (string, error) { return wm, nil }
		_, out := renderWith(t, e, pngFile(t, gradient(200, 100)), api.Rendition{Fmt: "png",
			Watermark: &api.Watermark{Image: "https://example.com/logo.svg", Scale: 1}}, RenderOptions{Fetch: fetch})
		assertRGB(t, decodeFile(t, out), 50, 50, [3]float64{255, 0, 0}, 1, "the watermark's red half")
	})
}

func TestSVGEntityBombs(t *testing.T) {
	e := testEngine(t)
	tests := []struct {
		name string
		svg  string
		want api.Reason // empty: renders
		msg  string
	}{
		{"billion laughs", billionLaughs(9), api.ReasonSourceTooLarge, "entity expansion bomb"},
		{"billion laughs in an attribute", strings.Replace(billionLaughs(9), `<text x="0" y="50">&lol9;</text>`, `<rect class="&lol9;"/>`, 1),
			api.ReasonSourceTooLarge, "entity expansion bomb"},
		{"quadratic blow-up", svgWithSubset(`<!ENTITY a "`+strings.Repeat("x", 4096)+`">`, "<desc>"+strings.Repeat("&a;", 4096)+"</desc>"),
			api.ReasonSourceTooLarge, "more than 8 MiB of text"},
		{"entity loop", svgWithSubset(`<!ENTITY a "x&b;"><!ENTITY b "y&a;">`, "<desc>&a;</desc>"),
			api.ReasonSourceCorrupt, "entity a refers to itself"},
		{"external entity", svgWithSubset(`<!ENTITY x SYSTEM "file:///etc/passwd">`, "<text y='20'>&x;</text>"),
			api.ReasonSourceFormatUnsupported, `external entity x ("file:///etc/passwd")`},
		{"external entity through an internal one", svgWithSubset(`<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY y "&x;">`, "<text y='20'>&y;</text>"),
			api.ReasonSourceFormatUnsupported, "external entity x"},
		{"parameter entity", svgWithSubset(`<!ENTITY % p "<!ENTITY x 'y'>"> %p;`, "<desc>&x;</desc>"),
			api.ReasonSourceFormatUnsupported, "parameter entity %p;"},
		{"a prolog over 64 KiB", svgWithSubset("<!-- "+strings.Repeat("x", 70<<10)+" -->", ""),
			api.ReasonSourceTooLarge, "prolog"},
		{"cut inside its document type declaration", illustratorSVG(2)[:600], api.ReasonSourceCorrupt, "ends before its svg element"},
		{"an unused external entity", svgWithSubset(`<!ENTITY x SYSTEM "file:///etc/passwd">`, ""), "", ""},
		{"entities within the budget", svgWithSubset(`<!ENTITY a "`+strings.Repeat("x", 100)+`">`, "<desc>"+strings.Repeat("&a;", 1000)+"</desc>"), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, _, err := renderErr(t, e, writeTemp(t, "src.svg", []byte(tc.svg)), api.Rendition{Width: intp(32)})
			if tc.want == "" {
				require.NoError(t, err)
				assert.Equal(t, 32, res.Width)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.want, api.ReasonOf(err), "error: %v", err)
			assert.Contains(t, api.MessageOf(err), tc.msg)
		})
	}
}

// svgEmbedding returns an SVG drawing each data: URI as an image.
func svgEmbedding(uris ...string) string {
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="50">`)
	b.WriteString(`<rect width="50" height="50" fill="red"/><desc>data: is also a word</desc>`)
	for _, u := range uris {
		fmt.Fprintf(&b, `<image x="50" width="50" height="50" xlink:href="%s"/>`, u)
	}
	b.WriteString("</svg>")
	return b.String()
}

func dataURI(mediaType string, data []byte) string {
	return "data:" + mediaType + ";base64," + base64.StdEncoding.EncodeToString(data)
}

// Images embedded in an SVG are decoded whole at their own size by
// librsvg: their sizes are read from their headers and bounded like the
// sources decoded whole.
func TestSVGEmbeddedImages(t *testing.T) {
	e := testEngine(t)
	var small bytes.Buffer
	require.NoError(t, png.Encode(&small, gradient(40, 40)))
	giant := zeroPNG(t, 20000, 20000) // 400 MP of one colour in 50 KB
	wrapped := base64.StdEncoding.EncodeToString(small.Bytes())
	for i := 76; i < len(wrapped); i += 77 { // base64 broken into lines
		wrapped = wrapped[:i] + "&#10;\n" + wrapped[i:]
	}
	tests := []struct {
		name string
		svg  string
		want api.Reason // empty: renders
		msg  string
	}{
		{"a small PNG", svgEmbedding(dataURI("image/png", small.Bytes())), "", ""},
		{"a small PNG in wrapped base64", svgEmbedding("data:image/png;base64," + wrapped), "", ""},
		{"a 20000x20000 PNG", svgEmbedding(dataURI("image/png", giant)), api.ReasonSourceTooLarge, "embeds a 20000x20000 image (400.0 MP)"},
		{"the same PNG under another media type", svgEmbedding(dataURI("image/jpeg", giant)), api.ReasonSourceTooLarge, "20000x20000"},
		{"many PNGs adding up", svgEmbedding(slices.Repeat([]string{dataURI("image/png", zeroPNG(t, 5000, 5000))}, 5)...),
			api.ReasonSourceTooLarge, "embeds images of 125.0 MP in all"},
		{"an image whose size cannot be read", svgEmbedding(dataURI("image/x-icon", []byte("not an icon at all"))),
			api.ReasonSourceFormatUnsupported, "embeds an image (image/x-icon) whose size cannot be read"},
		{"an embedded SVG", svgEmbedding(dataURI("image/svg+xml", []byte(illustratorSVG(0)))), "", ""},
		{"an embedded SVG entity bomb", svgEmbedding(dataURI("image/svg+xml", []byte(billionLaughs(9)))),
			api.ReasonSourceTooLarge, "embeds an SVG image that is refused: source SVG is an entity expansion bomb"},
		{"an embedded SVG embedding a giant PNG", svgEmbedding(dataURI("image/svg+xml", []byte(svgEmbedding(dataURI("image/png", giant))))),
			api.ReasonSourceTooLarge, "20000x20000"},
		{"SVG in SVG in SVG", svgEmbedding(dataURI("image/svg+xml", []byte(svgEmbedding(dataURI("image/svg+xml", []byte(illustratorSVG(0))))))),
			api.ReasonSourceFormatUnsupported, "one level of embedding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, _, err := renderErr(t, e, writeTemp(t, "src.svg", []byte(tc.svg)), api.Rendition{Width: intp(100)})
			if tc.want == "" {
				require.NoError(t, err)
				assert.Equal(t, 100, res.Width)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.want, api.ReasonOf(err), "error: %v", err)
			assert.Contains(t, api.MessageOf(err), tc.msg)
		})
	}
}

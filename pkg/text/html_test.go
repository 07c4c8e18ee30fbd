package text

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
)

func TestHTML(t *testing.T) {
	cases := []struct {
		name, html, want string
	}{
		{"title first, scripts and styles dropped",
			`<!DOCTYPE html><html><head><title>Tide &amp; Time</title><style>p{color:red}</style>
			<script>var x = "<p>not text</p>";</script></head>
			<body><h1>Heading</h1><p>One  two
			three</p><noscript>enable js</noscript></body></html>`,
			"Tide & Time\nHeading\nOne two three\n"},
		{"entities decoded", `<p>caf&eacute; &lt;tag&gt; &#x263A; &#8364;&nbsp;5</p>`, "café <tag> ☺ €\u00a05\n"},
		{"block elements and br to lines", `<div>a<br>b</div><ul><li>c</li><li>d</li></ul>e`, "a\nb\nc\nd\ne\n"},
		{"inline elements join words", `<p>pre<b>fix</b> <i>word</i></p>`, "prefix word\n"},
		{"tables row by row", `<table><tr><th>h1</th><th>h2</th></tr><tr><td>a</td><td>b</td></tr></table>`, "h1\th2\na\tb\n"},
		{"pre keeps whitespace", "<pre>  x = 1\n  y = 2</pre><p>after</p>", "  x = 1\n  y = 2\nafter\n"},
		{"comments dropped", `<p>a<!-- hidden -->b</p>`, "ab\n"},
		{"unclosed tags", `<p>one<p>two<div>three`, "one\ntwo\nthree\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, res, err := extractBytes(t, "page.html", []byte(c.html), Options{})
			require.NoError(t, err)
			require.Equal(t, c.want, out)
			require.Equal(t, "html", res.Format)
		})
	}
}

func TestHTMLCharsetFromMeta(t *testing.T) {
	body := `<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><title>Маяк</title></head><body><p>Смотритель маяка</p></body></html>`
	enc, err := charmap.Windows1251.NewEncoder().String(body)
	require.NoError(t, err)
	out, res, err := extractBytes(t, "page.htm", []byte(enc), Options{})
	require.NoError(t, err)
	require.Equal(t, "Маяк\nСмотритель маяка\n", out)
	require.Equal(t, "windows-1251", res.Encoding)

	meta5 := `<!doctype html><meta charset="ISO-8859-7"><p>` + string([]byte{0xe8, 0xdc, 0xeb, 0xe1, 0xf3, 0xf3, 0xe1}) + `</p>`
	out, res, err = extractBytes(t, "x.html", []byte(meta5), Options{})
	require.NoError(t, err)
	require.Equal(t, "θάλασσα\n", out)
	require.Equal(t, "iso-8859-7", res.Encoding)
}

func TestHTMLDetectedByContent(t *testing.T) {
	out, res, err := extractBytes(t, "noext", []byte("<!DOCTYPE html><p>hello</p>"), Options{})
	require.NoError(t, err)
	require.Equal(t, "html", res.Format)
	require.Equal(t, "hello\n", out)

	out, res, err = extractBytes(t, "page.xhtml", []byte(`<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>X</title></head><body><p>y</p></body></html>`), Options{})
	require.NoError(t, err)
	require.Equal(t, "html", res.Format)
	require.Equal(t, "X\ny\n", out)
}

func TestHTMLDeepNesting(t *testing.T) {
	const depth = 200_000
	doc := strings.Repeat("<div><span>", depth) + "deep" + strings.Repeat("</span></div>", depth)
	out, _, err := extractBytes(t, "deep.html", []byte(doc), Options{})
	require.NoError(t, err)
	require.Equal(t, "deep\n", out)
}

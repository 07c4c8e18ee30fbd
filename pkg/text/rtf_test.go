package text

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func rtfString(t *testing.T, doc string, opts Options) (string, *sink) {
	t.Helper()
	return sinkText(t, opts, func(s *sink) error { return rtfText(s, strings.NewReader(doc)) })
}

func TestRTF(t *testing.T) {
	cases := []struct {
		name, rtf, want string
	}{
		{"plain paragraphs", `{\rtf1\ansi Hello\par World}`, "Hello\nWorld\n"},
		{"unicode escapes skip their fallback", `{\rtf1\ansi\uc1 caf\u233?\par \uc2\u-3937??x}`, "café\n\uf09fx\n"},
		{"surrogate pairs", `{\rtf1\ansi\uc0 \u-10179\u-8704 !}`, "😀!\n"},
		{"hex escapes in the document code page", `{\rtf1\ansi\ansicpg1251 \'cc\'e0\'ff\'ea}`, "Маяк\n"},
		{"hex escapes in the font's charset", `{\rtf1\ansi\deff0{\fonttbl{\f0\fswiss Arial;}{\f1\fcharset161 Arial Greek;}}\f0 sea \f1\'e8\'dc\'eb\'e1\'f3\'f3\'e1\f0  end}`, "sea θάλασσα end\n"},
		{"double-byte code page", `{\rtf1\ansi\ansicpg932 \'93\'fa\'96\'7b}`, "日本\n"},
		{"skipped destinations", `{\rtf1\ansi{\fonttbl{\f0 Times;}}{\colortbl;\red0\green0\blue0;}{\stylesheet{\s0 Normal;}}{\info{\title T}{\author A}}{\*\generator Gen;}{\pict\pngblip 89504e47}text}`, "text\n"},
		{"ignorable unknown destination", `{\rtf1{\*\unknowndest hidden}shown}`, "shown\n"},
		{"fields keep their result", `{\rtf1{\field{\*\fldinst HYPERLINK "http://x"}{\fldrslt link text}}}`, "link text\n"},
		{"tables", `{\rtf1 \trowd a\cell b\cell\row c\cell d\cell\row}`, "a\tb\nc\td\n"},
		{"symbols", `{\rtf1 a\emdash b\~c\-d\_e \{x\}\\ \ldblquote q\rdblquote}`, "a—b\u00a0cd-e {x}\\ “q”\n"},
		{"binary data skipped", "{\\rtf1 a\\bin4 \x00\x01}{ b}", "a b\n"},
		{"footnotes after the body", `{\rtf1 Body{\super\chftn}{\*\footnote \chftn\pard\plain note text} continues.\par End.}`, "Body continues.\nEnd.\nnote text\n"},
		{"leading tab is indentation", `{\rtf1 \tab indented\tab tab\par}`, "indented\ttab\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _ := rtfString(t, c.rtf, Options{})
			require.Equal(t, c.want, out)
			requireClean(t, out, true)
		})
	}
}

func TestRTFDeepNesting(t *testing.T) {
	doc := `{\rtf1 top ` + strings.Repeat("{", 100_000) + "deep" + strings.Repeat("}", 100_000) + ` tail}`
	out, s := rtfString(t, doc, Options{})
	require.Equal(t, "top  tail\n", out)
	require.True(t, s.truncated, "skipped nested content is reported")
	require.Contains(t, strings.Join(s.warnings, "\n"), "MaxDepth")
}

func TestRTFEncodingReported(t *testing.T) {
	var buf bytes.Buffer
	s := newSink(context.Background(), &buf, Options{}.withDefaults())
	require.NoError(t, rtfText(s, strings.NewReader(`{\rtf1\ansi\ansicpg1253 x}`)))
	require.Equal(t, "windows-1253", s.encoding)
}

func TestRTFNotRTF(t *testing.T) {
	_, _, err := extractBytes(t, "x.rtf", []byte(`   not rtf at all`), Options{})
	require.NoError(t, err, "a .rtf name on plain text reads as plain text")
}

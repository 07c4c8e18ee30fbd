package text

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
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
		{"text box of an old drawing object", `{\rtf1\ansi{\*\do\dobxcolumn\dptxbx{\*\dptxbx{\dptxbxtext\pard boxed text\par}}}\pard after}`, "boxed text\nafter\n"},
		{"shape text once, not again from its result", `{\rtf1\ansi{\shp{\*\shpinst{\sp{\sn shapeType}{\sv 202}}{\shptxt \pard Text in a shape\par}}` +
			`{\shprslt{\*\do\dobxcolumn{\*\dptxbx{\dptxbxtext\pard Text in a shape\par}}}}}\pard body}`, "Text in a shape\nbody\n"},
		{"Unicode text of upr, not its ANSI copy", `{\rtf1\ansi{\upr{\fs20 caf\'e9 ?}{\*\ud{\fs20 caf\u233? \u8364?}}}}`, "café €\n"},
		{"headers and footers on lines of their own", `{\rtf1\ansi{\header\pard Harbour almanac\par}{\footer\pard Page notice}\pard Body text\par}`, "Harbour almanac\nPage notice\nBody text\n"},
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

// RTF documents that hold no text give an empty text, not an error.
func TestRTFWithoutText(t *testing.T) {
	for name, doc := range map[string]string{
		"picture only":              `{\rtf1\ansi{\fonttbl{\f0 Arial;}}{\*\shppict{\pict\pngblip\picw10\pich10 89504e470d0a1a0a}}{\nonshppict{\pict\wmetafile8 0100090000}}}`,
		"embedded object only":      `{\rtf1\ansi{\object\objemb{\*\objclass Paint.Picture}{\*\objdata 01050000020000000b000000}{\result{\pict\wmetafile8 0100}}}}`,
		"font and color tables":     `{\rtf1\ansi\deff0{\fonttbl{\f0\fnil\fcharset0 Calibri;}{\f1\fswiss Arial{\*\falt Helvetica};}}{\colortbl ;\red255\green0\blue0;}{\stylesheet{\s0 Normal;}}}`,
		"ignorable destinations":    `{\rtf1\ansi{\*\generator Riched20 10.0;}{\*\themedata 504b0304}{\*\datastore 0105}{\*\latentstyles\lsdstimax376{\lsdlockedexcept Normal;}}}`,
		"field instruction only":    `{\rtf1\ansi{\field{\*\fldinst PAGE \\* MERGEFORMAT}}}`,
		"paragraph marks only":      `{\rtf1\ansi\pard\par\par\sect\page}`,
		"binary data only":          "{\\rtf1\\ansi{\\pict\\bin6 \x00\x01{}\xff\x02}}",
		"info block only (no body)": `{\rtf1\ansi{\info{\title Report}{\author A. Keeper}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			out, res, err := extractBytes(t, "doc.rtf", []byte(doc), Options{})
			require.NoError(t, err)
			require.Equal(t, "", out)
			require.Equal(t, "rtf", res.Format)
			require.False(t, res.Truncated, "%v", res.Warnings)
		})
	}
}

func TestRTFTruncated(t *testing.T) {
	out, res, err := extractBytes(t, "cut.rtf", []byte(`{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 Hello {\b world`), Options{})
	require.NoError(t, err)
	require.Equal(t, "Hello world\n", out)
	require.True(t, res.Truncated)
	require.Contains(t, strings.Join(res.Warnings, "\n"), "RTF ends inside 2 open groups")

	_, _, err = extractBytes(t, "cut.rtf", []byte(`{\rtf1\ansi{\fonttbl{\f0 Arial;}`), Options{})
	requireReason(t, err, api.ReasonSourceCorrupt)
}

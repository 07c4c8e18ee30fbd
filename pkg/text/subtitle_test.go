package text

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/assetcompute/assetcompute/pkg/api"
)

const sampleSRT = "1\r\n00:00:01,000 --> 00:00:03,000\r\n<i>The tide</i> turns at <b>noon</b>.\r\n\r\n" +
	"2\r\n00:00:03,500 --> 00:00:05,000 X1:10 X2:20\r\n{\\an8}Keep clear of the pier\r\nwhen the <font color=\"#ff0000\">bell</font> rings.\r\n\r\n" +
	"3\r\n00:00:05,000 --> 00:00:06,000\r\nwhen the bell rings.\r\nBoats &amp; ropes < 10 m\r\n\r\n" +
	"4\r\n00:00:06,000 --> 00:00:07,000\r\n2024\r\n"

const sampleVTT = "WEBVTT - harbour captions\nKind: captions\n\n" +
	"STYLE\n::cue { color: yellow }\n\n" +
	"NOTE this note is not caption text\nand neither is this line\n\n" +
	"REGION\nid:fred width:40%\n\n" +
	"intro\n00:01.000 --> 00:03.000 align:start position:10%\n<v Harbour Master>The tide turns at <c.yellow>noon</c>.\n\n" +
	"00:03.000 --> 00:05.000\nThe tide turns at noon.\n<00:03.500>Keep <i>clear</i> &lt;here&gt;\n\n" +
	"a block without a timing line\nis not a cue\n\n" +
	"3\n00:05.000 --> 00:06.000\nKeep <b>clear</b> &lt;here&gt;\n<unknown>Last &amp; final line\n"

const sampleASS = "[Script Info]\nTitle: Not caption text\nScriptType: v4.00+\n\n" +
	"[V4+ Styles]\nFormat: Name, Fontname, Fontsize\nStyle: Default,Arial,20\n\n" +
	"[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n" +
	"Dialogue: 0,0:00:01.00,0:00:03.00,Default,Nils,0,0,0,,{\\an8\\i1}The tide{\\i0} turns,\\Nat noon, really.\n" +
	"Comment: 0,0:00:02.00,0:00:03.00,Default,,0,0,0,,A comment line\n" +
	"Dialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100{\\p0}Keep\\hclear\n" +
	"Dialogue: 0,0:00:04.00,0:00:05.00,Default,,0,0,0,,Keep clear\n" +
	"Dialogue: broken\n\n" +
	"[Fonts]\nfontname: a.ttf\nM3\"]!\n"

func TestSubtitleFiles(t *testing.T) {
	cases := []struct {
		name, file, data, format, want string
	}{
		{"srt", "clip.srt", sampleSRT, "srt",
			"The tide turns at noon.\nKeep clear of the pier\nwhen the bell rings.\nBoats & ropes < 10 m\n2024\n"},
		{"vtt", "clip.vtt", sampleVTT, "webvtt",
			"The tide turns at noon.\nKeep clear <here>\nLast & final line\n"},
		{"ass", "clip.ass", sampleASS, "ass",
			"The tide turns,\nat noon, really.\nKeep clear\n"},
		// Told by content, whatever the name.
		{"vtt named txt", "captions.txt", sampleVTT, "webvtt", "The tide turns at noon.\nKeep clear <here>\nLast & final line\n"},
		{"srt without a name", "upload", sampleSRT, "srt", ""},
		{"ass named ssa", "old.ssa", sampleASS, "ass", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, res, err := extractBytes(t, c.file, []byte(c.data), Options{})
			require.NoError(t, err)
			require.Equal(t, c.format, res.Format)
			require.False(t, res.Truncated)
			if c.want != "" {
				require.Equal(t, c.want, out)
			}
			for _, absent := range []string{"-->", "00:0", "<i>", "{\\", "NOTE", "color", "Title", "comment", "Harbour Master", "fontname"} {
				require.NotContains(t, out, absent)
			}
		})
	}
}

// A SubRip file whose blank lines are missing or doubled, and one cut in
// the middle of a cue, still give their text.
func TestSubtitleGarbled(t *testing.T) {
	srt := "1\n00:00:01,000 --> 00:00:02,000\nFirst line\n2\n00:00:02,000 --> 00:00:03,000\nSecond line\n\n\n\n3\n00:00:03,000 --> 00:00:04,000\nThird\n\nline after a stray blank\n\n4\n00:00:04,000 --> 00:0"
	out, res, err := extractBytes(t, "g.srt", []byte(srt), Options{})
	require.NoError(t, err)
	require.Equal(t, "First line\nSecond line\nThird\nline after a stray blank\n", out)
	require.Equal(t, "srt", res.Format)

	// Old Mac line ends.
	out, _, err = extractBytes(t, "cr.srt", []byte(strings.ReplaceAll(sampleSRT, "\r\n", "\r")), Options{})
	require.NoError(t, err)
	require.Contains(t, out, "Keep clear of the pier\nwhen the bell rings.\n")

	// A WebVTT file with a header and no cues has no text.
	out, res, err = extractBytes(t, "empty.vtt", []byte("WEBVTT\n\nNOTE nothing yet\n"), Options{})
	require.NoError(t, err)
	require.Empty(t, out)
	require.Zero(t, res.Chars)
}

// Subtitle files are decoded like other text sources.
func TestSubtitleEncodings(t *testing.T) {
	const text = "1\n00:00:01,000 --> 00:00:02,000\nCafé crème à la plage, déjà vu près du phare\n"
	utf16le, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
	require.NoError(t, err)
	utf16be, err := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(text))
	require.NoError(t, err)
	latin1, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	require.NoError(t, err)
	for name, c := range map[string]struct {
		data []byte
		enc  string
	}{
		"bom.srt":     {append([]byte("\xef\xbb\xbf"), text...), "utf-8"},
		"utf16.srt":   {utf16le, "utf-16le"},
		"utf16be.srt": {utf16be, "utf-16be"},
		"latin1.srt":  {latin1, "windows-1252"},
	} {
		t.Run(name, func(t *testing.T) {
			out, res, err := extractBytes(t, name, c.data, Options{})
			require.NoError(t, err)
			require.Equal(t, "Café crème à la plage, déjà vu près du phare\n", out)
			require.Equal(t, "srt", res.Format)
			require.Equal(t, c.enc, res.Encoding)
		})
	}
}

// A line longer than MaxTokenBytes is cut there and the text is marked
// truncated; MaxChars caps the text; a deadline ends extraction with
// Timeout.
func TestSubtitleLimits(t *testing.T) {
	long := "1\n00:00:01,000 --> 00:00:02,000\n" + strings.Repeat("a", 10_000) + "\n\n2\n00:00:02,000 --> 00:00:03,000\nafter\n"
	out, res, err := extractBytes(t, "long.srt", []byte(long), Options{MaxTokenBytes: 1000})
	require.NoError(t, err)
	require.True(t, res.Truncated)
	require.Contains(t, strings.Join(res.Warnings, " "), "MaxTokenBytes")
	require.Equal(t, strings.Repeat("a", 1000)+"\nafter\n", out)

	var many strings.Builder
	for i := range 5000 {
		many.WriteString("00:00:01.000 --> 00:00:02.000\nline " + strings.Repeat("x", i%7) + "\n\n")
	}
	_, res, err = extractBytes(t, "many.vtt", []byte("WEBVTT\n\n"+many.String()), Options{MaxChars: 100})
	require.NoError(t, err)
	require.True(t, res.Truncated)
	require.Equal(t, 100, res.Chars)

	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = Captions(ctx, strings.NewReader(many.String()), &bytes.Buffer{}, Options{})
	requireReason(t, err, api.ReasonTimeout)
}

// Captions reads the WebVTT ffmpeg writes for a video's subtitle stream,
// and SubRip and ASS streams.
func TestCaptionsStream(t *testing.T) {
	for _, c := range []struct{ in, format, want string }{
		{"\xef\xbb\xbf" + sampleVTT, "webvtt", "The tide turns at noon.\nKeep clear <here>\nLast & final line\n"},
		{sampleSRT, "srt", "The tide turns at noon.\nKeep clear of the pier\nwhen the bell rings.\nBoats & ropes < 10 m\n2024\n"},
		{sampleASS, "ass", "The tide turns,\nat noon, really.\nKeep clear\n"},
		{"", "srt", ""},
	} {
		var buf bytes.Buffer
		res, err := Captions(context.Background(), strings.NewReader(c.in), &buf, Options{})
		require.NoError(t, err)
		require.Equal(t, c.format, res.Format)
		require.Equal(t, c.want, buf.String())
		require.Equal(t, len([]rune(c.want)), res.Chars)
		requireClean(t, buf.String(), true)
	}
}

func TestAssLines(t *testing.T) {
	require.Equal(t, []string{"a b", "c"}, assLines(`{\b1}a\hb\Nc`))
	require.Equal(t, []string{"{unclosed"}, assLines(`{unclosed`))
	require.Equal(t, []string{"ok"}, assLines(`{\p2}m 0 0 l 1 1{\p0}ok{\p1}m 1 1`))
}

func FuzzSubtitles(f *testing.F) {
	for _, s := range []string{sampleSRT, sampleVTT, sampleASS, "1\n00:00:01,000 --> \n{\\", "WEBVTT\n\n<v"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, flavor := range []subFlavor{subSRT, subVTT, subASS} {
			runFuzz(t, func(s *sink) error { return subtitleText(s, bytes.NewReader(data), flavor) })
		}
	})
}

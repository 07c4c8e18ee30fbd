package text

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// box builds an ISO media box.
func box(typ string, payload ...[]byte) []byte {
	body := bytes.Join(payload, nil)
	out := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(out, typ...), body...)
}

func u32s(vs ...uint32) []byte {
	var out []byte
	for _, v := range vs {
		out = binary.BigEndian.AppendUint32(out, v)
	}
	return out
}

// textTrak builds a timed text track whose samples (each the payload of
// one sample) lie at off in one chunk, with language lang (ISO 639-2).
func textTrak(entry, lang string, off uint32, samples [][]byte) []byte {
	l := lang
	if l == "" {
		l = "und"
	}
	packed := uint16(l[0]-0x60)<<10 | uint16(l[1]-0x60)<<5 | uint16(l[2]-0x60)
	mdhd := box("mdhd", u32s(0, 0, 0, 1000, 3000), binary.BigEndian.AppendUint16(nil, packed), []byte{0, 0})
	hdlr := box("hdlr", u32s(0, 0), []byte("sbtl"), u32s(0, 0, 0), []byte("\x00"))
	stsd := box("stsd", u32s(0, 1), box(entry, make([]byte, 8)))
	sizes := []uint32{0, 0, uint32(len(samples))}
	for _, s := range samples {
		sizes = append(sizes, uint32(len(s)))
	}
	stsz := box("stsz", u32s(sizes...))
	stco := box("stco", u32s(0, 1, off))
	stsc := box("stsc", u32s(0, 1, 1, uint32(len(samples)), 1))
	return box("trak", box("tkhd", make([]byte, 84)), box("mdia", mdhd, hdlr, box("minf", box("stbl", stsd, stsz, stco, stsc))))
}

// tx3g is a timed text sample.
func tx3g(text string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(text))), text...)
}

// buildMP4 builds an MP4 file: ftyp, mdat holding the samples of each
// track in turn, then moov with one text track per sample list.
func buildMP4(langs []string, tracks ...[][]byte) []byte {
	ftyp := box("ftyp", []byte("isom"), u32s(512), []byte("isomiso2mp41"))
	var mdatBody []byte
	var offs []uint32
	for _, samples := range tracks {
		offs = append(offs, uint32(len(ftyp)+8+len(mdatBody)))
		mdatBody = append(mdatBody, bytes.Join(samples, nil)...)
	}
	var traks [][]byte
	for i, samples := range tracks {
		traks = append(traks, textTrak("tx3g", langs[i], offs[i], samples))
	}
	moov := box("moov", append([][]byte{box("mvhd", make([]byte, 100))}, traks...)...)
	return bytes.Join([][]byte{ftyp, box("mdat", mdatBody), moov}, nil)
}

func TestMP4TimedText(t *testing.T) {
	utf16 := append([]byte{0, 0}, "\xfe\xff\x00W\x00i\x00d\x00e"...)
	binary.BigEndian.PutUint16(utf16, uint16(len(utf16)-2))
	en := [][]byte{tx3g("Hello harbour"), tx3g(""), append(tx3g("Second line\nof the cue"), box("styl", make([]byte, 14))...), tx3g("of the cue"), utf16}
	fr := [][]byte{tx3g("Bonjour le port")}
	data := buildMP4([]string{"eng", "fra"}, en, fr)

	out, res, err := extractBytes(t, "clip.mp4", data, Options{})
	require.NoError(t, err)
	require.Equal(t, "Hello harbour\nSecond line\nof the cue\nWide\n", out)
	require.Equal(t, "mp4", res.Format)
	require.Equal(t, "eng", res.Language)
	require.Empty(t, res.Warnings)

	for _, lang := range []string{"fr", "fr-CA", "fra", "FRE"} {
		out, res := extractLang(t, "clip.mp4", data, lang)
		require.Equal(t, "Bonjour le port\n", out, lang)
		require.Equal(t, "fra", res.Language)
	}
	// Old QuickTime text in Mac OS Roman.
	mac := buildMP4([]string{"eng"}, [][]byte{tx3g("Caf\x8e cr\x8fme")})
	i := bytes.Index(mac, []byte("tx3g\x00\x00"))
	copy(mac[i:], "text")
	out, _, err = extractBytes(t, "old.mov", mac, Options{})
	require.NoError(t, err)
	require.Equal(t, "Café crème\n", out)

	out, res = extractLang(t, "clip.mp4", data, "de")
	require.Empty(t, out)
	require.Zero(t, res.Chars)
	require.Equal(t, []string{`the media file has no subtitle or caption stream in language "de"; its streams are in: eng, fra`}, res.Warnings)

	// Hostile tables fail as corrupt; samples past the end of the file
	// end the text there.
	hostile := buildMP4([]string{"eng"}, en)
	i = bytes.Index(hostile, []byte("stsz")) + 12
	binary.BigEndian.PutUint32(hostile[i:], 1<<30)
	_, _, err = extractBytes(t, "hostile.mp4", hostile, Options{})
	requireReason(t, err, api.ReasonSourceCorrupt)
	require.Contains(t, err.Error(), "more than its box holds")

	past := buildMP4([]string{"eng"}, en)
	i = bytes.Index(past, []byte("stsz")) + 16 + 4*4 // the fifth sample's size
	binary.BigEndian.PutUint32(past[i:], 1<<20)
	out, res, err = extractBytes(t, "past.mp4", past, Options{})
	require.NoError(t, err)
	require.Equal(t, "Hello harbour\nSecond line\nof the cue\n", out)
	require.True(t, res.Truncated)
	require.Contains(t, res.Warnings[0], "past the end of the file")

	first := buildMP4([]string{"eng"}, [][]byte{tx3g("x"), tx3g("y")})
	i = bytes.Index(first, []byte("stco")) + 12
	binary.BigEndian.PutUint32(first[i:], 1<<30)
	_, _, err = extractBytes(t, "first.mp4", first, Options{})
	requireReason(t, err, api.ReasonSourceCorrupt)

	out, res, err = extractBytes(t, "long.mp4", buildMP4([]string{"eng"}, [][]byte{tx3g(strings.Repeat("a", 5000))}), Options{MaxTokenBytes: 100})
	require.NoError(t, err)
	require.Equal(t, strings.Repeat("a", 100)+"\n", out)
	require.True(t, res.Truncated)

	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	path := filepath.Join(t.TempDir(), "clip.mp4")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	_, err = Extract(ctx, path, "clip.mp4", &bytes.Buffer{}, Options{})
	requireReason(t, err, api.ReasonTimeout)

	// Cut before the movie box: corrupt.
	_, _, err = extractBytes(t, "cut.mp4", data[:len(data)-40], Options{})
	requireReason(t, err, api.ReasonSourceCorrupt)
	require.Contains(t, err.Error(), "moov")
}

func extractLang(t *testing.T, name string, data []byte, lang string) (string, *Result) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	var buf bytes.Buffer
	res, err := ExtractLanguage(context.Background(), path, name, lang, &buf, Options{})
	require.NoError(t, err)
	requireClean(t, buf.String(), true)
	return buf.String(), res
}

// VobSub in MP4 (handler subp, sample entry mp4s) is pictures: refused
// saying so when it is all there is, or the track of the language asked
// for.
func TestMP4ImageSubtitles(t *testing.T) {
	ftyp := box("ftyp", []byte("isom"), u32s(512), []byte("isomiso2mp41"))
	sample := tx3g("Ahoy")
	mdat := box("mdat", sample)
	off := uint32(len(ftyp) + 8)
	vobsub := bytes.Replace(textTrak("mp4s", "deu", off, [][]byte{sample}), []byte("sbtl"), []byte("subp"), 1)
	build := func(traks ...[]byte) []byte {
		moov := box("moov", append([][]byte{box("mvhd", make([]byte, 100))}, traks...)...)
		return bytes.Join([][]byte{ftyp, mdat, moov}, nil)
	}
	_, _, err := extractBytes(t, "rip.mp4", build(vobsub), Options{})
	requireReason(t, err, api.ReasonSourceFormatUnsupported)
	require.Contains(t, api.MessageOf(err), "the subtitles of this media file are images (VobSub)")

	mixed := build(vobsub, textTrak("tx3g", "eng", off, [][]byte{sample}))
	out, res := extractLang(t, "mixed.mp4", mixed, "")
	require.Equal(t, "Ahoy\n", out)
	require.Equal(t, "eng", res.Language)
	path := filepath.Join(t.TempDir(), "mixed.mp4")
	require.NoError(t, os.WriteFile(path, mixed, 0o600))
	_, err = ExtractLanguage(context.Background(), path, "mixed.mp4", "de", &bytes.Buffer{}, Options{})
	requireReason(t, err, api.ReasonSourceFormatUnsupported)
}

func TestPickTrack(t *testing.T) {
	tracks := []mp4Track{{lang: ""}, {lang: "eng"}, {lang: "en-GB"}, {lang: "pt-BR"}, {lang: "por"}}
	for want, i := range map[string]int{"": 0, "en": 1, "en-GB": 2, "en-US": 1, "pt": 4, "pt-BR": 3, "pt-PT": 3, "por": 4, "und": -1, "xx": -1, "not a tag": -1} {
		require.Equal(t, i, pickTrack(tracks, want), want)
	}
}

func TestPickLanguage(t *testing.T) {
	langs := []string{"", "eng", "fra", "fr-CA"}
	for want, i := range map[string]int{"": 0, "en": 1, "fr": 2, "fr-CA": 3, "fra": 2, "de": -1} {
		require.Equal(t, i, PickLanguage(langs, want), want)
	}
	require.Equal(t, -1, PickLanguage(nil, ""), "no track")
}

// requireFFmpeg skips the test without ffmpeg, unless CI is set.
func requireFFmpeg(t *testing.T) {
	t.Helper()
	testutil.NeedTool(t, "ffmpeg")
}

// ffmpeg runs ffmpeg in dir.
func ffmpeg(t *testing.T, dir string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ffmpeg", append([]string{"-nostdin", "-v", "error", "-y"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "ffmpeg %s: %s", strings.Join(args, " "), out)
}

// Videos made by ffmpeg with mov_text subtitles: MP4 and QuickTime, with
// two languages, one, and none.
func TestVideoCaptions(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "en.srt"), []byte(sampleSRT), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fr.srt"), []byte("1\n00:00:00,500 --> 00:00:02,000\nLa marée monte à <i>midi</i>.\n"), 0o600))
	clip := []string{"-f", "lavfi", "-i", "testsrc2=d=3:s=64x48:r=5"}
	enc := []string{"-c:v", "libx264", "-preset", "ultrafast", "-c:s", "mov_text"}
	for _, ext := range []string{"mp4", "mov"} {
		ffmpeg(t, dir, append(append(append(clip, "-i", "en.srt", "-i", "fr.srt", "-map", "0", "-map", "1", "-map", "2"), enc...),
			"-metadata:s:s:0", "language=eng", "-metadata:s:s:1", "language=fra", "two."+ext)...)
	}
	ffmpeg(t, dir, append(append(clip, "-i", "fr.srt", "-map", "0", "-map", "1"), append(enc, "one.mp4")...)...)
	ffmpeg(t, dir, append(clip, "-c:v", "libx264", "-preset", "ultrafast", "none.mp4")...)

	// ffmpeg's SubRip decoder keeps "&amp;" as text in the track; it is
	// decoded, as in a SubRip file.
	english := "The tide turns at noon.\nKeep clear of the pier\nwhen the bell rings.\nBoats & ropes < 10 m\n2024\n"
	for _, ext := range []string{"mp4", "mov"} {
		out, res, err := extractFile(t, filepath.Join(dir, "two."+ext), Options{})
		require.NoError(t, err)
		require.Equal(t, english, out, ext)
		require.Equal(t, ext, res.Format)
		require.Equal(t, "eng", res.Language)

		data, err := os.ReadFile(filepath.Join(dir, "two."+ext))
		require.NoError(t, err)
		out, res = extractLang(t, "two."+ext, data, "fr")
		require.Equal(t, "La marée monte à midi.\n", out, ext)
		require.Equal(t, "fra", res.Language)
	}

	// The WebVTT ffmpeg extracts from each stream gives through Captions
	// the text read here from the file itself.
	for i, lang := range []string{"eng", "fra"} {
		path := filepath.Join(dir, "two.mp4")
		var want bytes.Buffer
		_, err := ExtractLanguage(context.Background(), path, "two.mp4", lang, &want, Options{})
		require.NoError(t, err)
		cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", fmt.Sprintf("0:s:%d", i), "-f", "webvtt", "-")
		vtt, err := cmd.Output()
		require.NoError(t, err)
		var got bytes.Buffer
		res, err := Captions(context.Background(), bytes.NewReader(vtt), &got, Options{})
		require.NoError(t, err)
		require.Equal(t, "webvtt", res.Format)
		require.Equal(t, want.String(), got.String(), lang)
	}

	out, res, err := extractFile(t, filepath.Join(dir, "one.mp4"), Options{})
	require.NoError(t, err)
	require.Equal(t, "La marée monte à midi.\n", out)
	require.Empty(t, res.Language, "no language metadata")

	// No subtitle stream: an empty text, as for a document without text,
	// with a warning saying why.
	out, res, err = extractFile(t, filepath.Join(dir, "none.mp4"), Options{})
	require.NoError(t, err)
	require.Empty(t, out)
	require.Zero(t, res.Chars)
	require.Equal(t, []string{"the video has no subtitle or caption stream that can be read as text"}, res.Warnings)

	// Truncated: the text before the cut, or SourceCorrupt.
	data, err := os.ReadFile(filepath.Join(dir, "two.mp4"))
	require.NoError(t, err)
	for _, n := range []int{len(data) / 4, len(data) / 2, len(data) - 100} {
		_, _, err := extractBytes(t, "cut.mp4", data[:n], Options{})
		requireReason(t, err, api.ReasonSourceCorrupt)
	}
}

func FuzzMP4(f *testing.F) {
	f.Add(buildMP4([]string{"eng", "fra"}, [][]byte{tx3g("a"), tx3g("b")}, [][]byte{tx3g("c")}))
	f.Add(buildMP4([]string{"eng"}, [][]byte{tx3g("a\nb"), {0xff, 0xff, 'x'}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.mp4")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		runFuzz(t, func(s *sink) error {
			s.format = "mp4"
			return extractMP4(s, fh, int64(len(data)))
		})
	})
}

// Videos whose subtitles are not read say so, and say which are.
func TestOtherVideoContainers(t *testing.T) {
	_, _, err := extractBytes(t, "clip.avi", []byte("RIFF\x24\x00\x00\x00AVI LIST\x10\x00\x00\x00hdrlavih"), Options{})
	requireReason(t, err, api.ReasonSourceFormatUnsupported)
	require.Contains(t, err.Error(), "AVI video; the text of a video is read from the subtitle tracks of MP4, QuickTime, Matroska and WebM files only")
}

// A 3GP file (the registry's "isobmff") is read like an MP4.
func TestThreeGPTimedText(t *testing.T) {
	data := buildMP4([]string{"eng"}, [][]byte{tx3g("Timed text began in 3GPP")})
	copy(data[8:12], "3gp5")
	out, res, err := extractBytes(t, "clip.3gp", data, Options{})
	require.NoError(t, err)
	require.Equal(t, "Timed text began in 3GPP\n", out)
	require.Equal(t, "isobmff", res.Format)
}

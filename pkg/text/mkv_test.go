package text

import (
	"bytes"
	"compress/zlib"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// ebml builds an EBML element with an 8-byte size.
func ebml(id uint32, payload ...[]byte) []byte {
	var out []byte
	for shift := 24; shift >= 0; shift -= 8 {
		if b := byte(id >> shift); b != 0 || len(out) > 0 {
			out = append(out, b)
		}
	}
	body := bytes.Join(payload, nil)
	n := uint64(len(body)) | 1<<56
	for shift := 56; shift >= 0; shift -= 8 {
		out = append(out, byte(n>>shift))
	}
	return append(out, body...)
}

// simpleBlock is a SimpleBlock of track 1..127 holding data.
func simpleBlock(track byte, data []byte) []byte {
	return ebml(mkvSimpleBlock, []byte{0x80 | track, 0, 0, 0x80}, data)
}

func zlibBytes(s string) []byte {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return b.Bytes()
}

// buildMKV builds a Matroska file with a video track (1) and the given
// subtitle track entries (numbered from 2), then one cluster of blocks.
func buildMKV(entries [][]byte, blocks ...[]byte) []byte {
	tracks := [][]byte{ebml(mkvTrackEntry, ebml(mkvTrackNumber, []byte{1}), ebml(0x83, []byte{1}), ebml(mkvCodecID, []byte("V_MPEG4/ISO/AVC")))}
	tracks = append(tracks, entries...)
	cluster := ebml(mkvCluster, append([][]byte{ebml(0xE7, []byte{0})}, blocks...)...)
	return append(ebml(ebmlHeader, ebml(0x4282, []byte("matroska"))), ebml(mkvSegment, ebml(mkvTracks, tracks...), cluster)...)
}

func subTrack(n byte, codec, lang string, extra ...[]byte) []byte {
	return ebml(mkvTrackEntry, append([][]byte{ebml(mkvTrackNumber, []byte{n}), ebml(0x83, []byte{0x11}), ebml(mkvCodecID, []byte(codec)), ebml(mkvLanguage, []byte(lang))}, extra...)...)
}

func TestMatroskaBlocks(t *testing.T) {
	zlibEnc := ebml(mkvEncodings, ebml(mkvEncoding, ebml(mkvCompression, ebml(mkvCompAlgo, []byte{0}))))
	stripEnc := ebml(mkvEncodings, ebml(mkvEncoding, ebml(mkvCompression, ebml(mkvCompAlgo, []byte{3}), ebml(mkvCompSettings, []byte("0,0,Default,,0,0,0,,")))))
	data := buildMKV([][]byte{subTrack(2, "S_TEXT/UTF8", "eng", zlibEnc), subTrack(3, "S_TEXT/ASS", "ger", stripEnc)},
		simpleBlock(1, []byte("video frame")),
		simpleBlock(2, zlibBytes("<i>Compressed</i> caption\nsecond line")),
		simpleBlock(3, []byte(`{\an8}Ahoy\Nmatey`)),
		ebml(mkvBlockGroup, ebml(mkvBlock, []byte{0x82, 0, 0, 0}, zlibBytes("second line\nin a group"))))
	out, res, err := extractBytes(t, "clip.mkv", data, Options{})
	require.NoError(t, err)
	require.Equal(t, "Compressed caption\nsecond line\nin a group\n", out)
	require.Equal(t, "matroska", res.Format)
	require.Equal(t, "eng", res.Language)

	out, res = extractLang(t, "clip.mkv", data, "de")
	require.Equal(t, "Ahoy\nmatey\n", out)
	require.Equal(t, "ger", res.Language)

	// A block that expands past MaxTokenBytes is cut there.
	bomb := buildMKV([][]byte{subTrack(2, "S_TEXT/UTF8", "eng", zlibEnc)}, simpleBlock(2, zlibBytes(strings.Repeat("a", 1<<20))))
	out, res, err = extractBytes(t, "bomb.mkv", bomb, Options{MaxTokenBytes: 1000})
	require.NoError(t, err)
	require.Equal(t, strings.Repeat("a", 1000)+"\n", out)
	require.True(t, res.Truncated)

	encrypted := buildMKV([][]byte{subTrack(2, "S_TEXT/UTF8", "eng", ebml(mkvEncodings, ebml(mkvEncoding, ebml(mkvEncryption, ebml(0x47E1, []byte{5})))))}, simpleBlock(2, []byte("x")))
	_, _, err = extractBytes(t, "enc.mkv", encrypted, Options{})
	requireReason(t, err, api.ReasonSourceUnsupported)

	// Cut inside the cluster: the text before the cut, marked truncated.
	two := buildMKV([][]byte{subTrack(2, "S_TEXT/UTF8", "eng")}, simpleBlock(2, []byte("first")), simpleBlock(1, bytes.Repeat([]byte("v"), 200)), simpleBlock(2, []byte("second")))
	out, res, err = extractBytes(t, "cut.mkv", two[:len(two)-100], Options{})
	require.NoError(t, err)
	require.Equal(t, "first\n", out)
	require.True(t, res.Truncated)
	// Cut before the tracks: corrupt.
	_, _, err = extractBytes(t, "cut.mkv", two[:60], Options{})
	requireReason(t, err, api.ReasonSourceCorrupt)
}

// Subtitles of pictures (a DVD or Blu-ray rip) are not text: a file
// whose only subtitles, or whose subtitles in the language asked for, are
// pictures fails saying so; the text track is read when there is one.
func TestMatroskaImageSubtitles(t *testing.T) {
	pgs := subTrack(3, "S_HDMV/PGS", "ger")
	only := buildMKV([][]byte{subTrack(2, "S_VOBSUB", "eng"), pgs}, simpleBlock(2, []byte{0, 1, 2}))
	_, _, err := extractBytes(t, "rip.mkv", only, Options{})
	requireReason(t, err, api.ReasonSourceFormatUnsupported)
	require.Contains(t, api.MessageOf(err), "the subtitles of this video are images (S_VOBSUB)")

	mixed := buildMKV([][]byte{pgs, subTrack(2, "S_TEXT/UTF8", "eng")}, simpleBlock(3, []byte{0, 1, 2}), simpleBlock(2, []byte("Ahoy")))
	out, res := extractLang(t, "mixed.mkv", mixed, "")
	require.Equal(t, "Ahoy\n", out)
	require.Equal(t, "eng", res.Language)
	path := filepath.Join(t.TempDir(), "mixed.mkv")
	require.NoError(t, os.WriteFile(path, mixed, 0o600))
	_, err = ExtractLanguage(context.Background(), path, "mixed.mkv", "de", &bytes.Buffer{}, Options{})
	requireReason(t, err, api.ReasonSourceFormatUnsupported)
	require.Contains(t, api.MessageOf(err), "are images (S_HDMV/PGS)")
	// A language no track has: an empty text, as for a text track.
	out, res = extractLang(t, "mixed.mkv", mixed, "fr")
	require.Empty(t, out)
	require.Equal(t, []string{`the video has no subtitle or caption stream in language "fr"; its streams are in: eng`}, res.Warnings)
}

// Matroska and WebM videos made by ffmpeg with text subtitles.
func TestMatroskaVideoCaptions(t *testing.T) {
	requireFFmpeg(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "en.srt"), []byte(sampleSRT), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "subs.ass"), []byte(sampleASS), 0o600))
	// ffmpeg 5.1 reads no cue after a STYLE block: a plain file.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "w.vtt"), []byte("WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann>Hello <b>web</b> &amp; all\n\n00:02.000 --> 00:03.000\nHello web & all\nBye\n"), 0o600))
	clip := []string{"-f", "lavfi", "-i", "testsrc2=d=3:s=64x48:r=5"}
	ffmpeg(t, dir, append(clip, "-i", "en.srt", "-i", "subs.ass", "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-preset", "ultrafast",
		"-c:s:0", "srt", "-c:s:1", "ass", "-metadata:s:s:0", "language=eng", "-metadata:s:s:1", "language=fra", "two.mkv")...)
	ffmpeg(t, dir, append(clip, "-i", "w.vtt", "-map", "0", "-map", "1", "-c:v", "libvpx", "-b:v", "50k", "-c:s", "webvtt", "clip.webm")...)
	ffmpeg(t, dir, append(clip, "-c:v", "libx264", "-preset", "ultrafast", "none.mkv")...)

	out, res, err := extractFile(t, filepath.Join(dir, "two.mkv"), Options{})
	require.NoError(t, err)
	require.Equal(t, "The tide turns at noon.\nKeep clear of the pier\nwhen the bell rings.\nBoats & ropes < 10 m\n2024\n", out)
	require.Equal(t, "eng", res.Language)
	data, err := os.ReadFile(filepath.Join(dir, "two.mkv"))
	require.NoError(t, err)
	out, res = extractLang(t, "two.mkv", data, "fr")
	require.Equal(t, "The tide turns,\nat noon, really.\nKeep clear\n", out)
	require.Equal(t, "fra", res.Language)

	out, _, err = extractFile(t, filepath.Join(dir, "clip.webm"), Options{})
	require.NoError(t, err)
	require.Equal(t, "Hello web & all\nBye\n", out)

	out, res, err = extractFile(t, filepath.Join(dir, "none.mkv"), Options{})
	require.NoError(t, err)
	require.Empty(t, out)
	require.Equal(t, []string{"the video has no subtitle or caption stream that can be read as text"}, res.Warnings)
}

func FuzzMKV(f *testing.F) {
	f.Add(buildMKV([][]byte{subTrack(2, "S_TEXT/UTF8", "eng")}, simpleBlock(2, []byte("a")), simpleBlock(1, []byte("v"))))
	f.Add(buildMKV([][]byte{subTrack(2, "S_TEXT/ASS", "eng")}, simpleBlock(2, []byte("0,0,Default,,0,0,0,,x"))))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.mkv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		runFuzz(t, func(s *sink) error {
			s.format = "matroska"
			return extractMKV(s, fh, int64(len(data)))
		})
	})
}

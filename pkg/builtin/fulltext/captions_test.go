package fulltext

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/media"
	"github.com/assetcompute/assetcompute/pkg/text"
)

// The ffmpeg path picks the stream as package text does: the first text
// stream, or the first in the language asked for; a stream of pictures
// in that language fails saying so. The file is a Matroska one (the
// containers that take this path cannot hold several text streams with
// their languages when ffmpeg writes them), read the way an AVI or
// MPEG-TS file is.
func TestMediaCaptionsLanguage(t *testing.T) {
	for _, tool := range []string{"ffmpeg", "ffprobe", "prlimit"} {
		testutil.NeedTool(t, tool)
	}
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600))
	}
	write("en.srt", "1\n00:00:00,200 --> 00:00:00,900\nThe tide turns.\n")
	write("fr.srt", "1\n00:00:00,200 --> 00:00:00,900\nLa marée monte.\n")
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("ffmpeg", append([]string{"-nostdin", "-v", "error"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	// DVD subtitles (pictures, as the MPEG-PS muxer stores any subtitle
	// stream) in German first, then SubRip in English and ASS in French.
	run("-f", "lavfi", "-i", "testsrc2=d=2:s=64x48:r=25", "-i", "en.srt", "-map", "0", "-map", "1",
		"-c:v", "mpeg2video", "-c:s", "srt", "-f", "mpeg", "pictures.mpg")
	run("-fflags", "+genpts", "-i", "pictures.mpg", "-i", "en.srt", "-i", "fr.srt",
		"-map", "0:v", "-map", "0:s", "-map", "1", "-map", "2", "-c:v", "copy", "-c:s:0", "copy", "-c:s:1", "srt", "-c:s:2", "ass",
		"-metadata:s:s:0", "language=deu", "-metadata:s:s:1", "language=eng", "-metadata:s:s:2", "language=fra", "mixed.mkv")

	e, err := media.New(media.Options{TempDir: t.TempDir()})
	require.NoError(t, err)
	mkv, ok := format.ByName("matroska")
	require.True(t, ok)
	for _, c := range []struct {
		lang, text, language, warning string
		reason                        api.Reason
	}{
		{lang: "", text: "The tide turns.\n", language: "eng"},
		{lang: "fr", text: "La marée monte.\n", language: "fra"},
		{lang: "en-GB", text: "The tide turns.\n", language: "eng"},
		{lang: "de", reason: api.ReasonSourceFormatUnsupported},
		{lang: "es", warning: `the video has no subtitle or caption stream in language "es"; its streams are in: deu, eng, fra`},
	} {
		var buf bytes.Buffer
		res, err := mediaCaptions(context.Background(), e, filepath.Join(dir, "mixed.mkv"), mkv, c.lang, &buf, text.Options{})
		if c.reason != "" {
			require.Error(t, err, c.lang)
			assert.Equal(t, c.reason, api.ReasonOf(err))
			assert.Contains(t, api.MessageOf(err), "the subtitles of this video are images (dvd_subtitle)")
			continue
		}
		require.NoError(t, err, c.lang)
		assert.Equal(t, c.text, buf.String(), c.lang)
		assert.Equal(t, c.language, res.Language, c.lang)
		assert.Equal(t, len([]rune(c.text)), res.Chars)
		if c.warning != "" {
			assert.Equal(t, []string{c.warning}, res.Warnings)
		} else {
			assert.Empty(t, res.Warnings, c.lang)
		}
	}

	// The character limit stops the text, and the script ffmpeg writes.
	var buf bytes.Buffer
	res, err := mediaCaptions(context.Background(), e, filepath.Join(dir, "mixed.mkv"), mkv, "", &buf, text.Options{MaxChars: 8})
	require.NoError(t, err)
	assert.Equal(t, "The tide", buf.String())
	assert.True(t, res.Truncated)
}

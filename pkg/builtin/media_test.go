package builtin

import (
	"encoding/json"
	stdimage "image"
	"image/gif"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "golang.org/x/image/webp"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// ffmpegFile makes a test file with ffmpeg in dir; args end with its name.
func ffmpegFile(t *testing.T, dir string, args ...string) string {
	t.Helper()
	testutil.NeedTool(t, "ffmpeg")
	out := filepath.Join(dir, args[len(args)-1])
	args = append(append([]string{"-v", "error", "-nostdin", "-y"}, args[:len(args)-1]...), out)
	b, err := exec.Command("ffmpeg", args...).CombinedOutput()
	require.NoError(t, err, "ffmpeg %v: %s", args, b)
	return out
}

// TestThumbnailOfVideoAndAudio runs the thumbnail action, as Handlers
// builds it, on video and audio sources made by ffmpeg: every image
// instruction applies to the frame, and bad sources fail with the right
// reason.
func TestThumbnailOfVideoAndAudio(t *testing.T) {
	dir := t.TempDir()
	handlers := testHandlers(t, worker.Options{TempDir: dir})

	src := t.TempDir()
	// A portrait picture, white on top, stored turned and marked with a
	// display matrix that turns it back.
	sideways := ffmpegFile(t, src, "-f", "lavfi", "-i", "color=black:s=180x320:d=2,drawbox=x=0:y=0:w=180:h=160:color=white:t=fill",
		"-vf", "transpose=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "sideways.mp4")
	rotated := ffmpegFile(t, src, "-i", sideways, "-c", "copy", "-metadata:s:v:0", "rotate=90", "rotated.mov")
	bw := ffmpegFile(t, src, "-f", "lavfi", "-i", "color=black:s=64x64:r=25:d=2", "-f", "lavfi", "-i", "color=white:s=64x64:r=25:d=2",
		"-filter_complex", "[0][1]concat=n=2:v=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "bw.mkv")
	clip := ffmpegFile(t, src, "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=3", "-f", "lavfi", "-i", "sine=duration=3",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "clip.mp4")
	cover := ffmpegFile(t, src, "-f", "lavfi", "-i", "color=red:s=120x100", "-frames:v", "1", "cover.png")
	song := ffmpegFile(t, src, "-f", "lavfi", "-i", "sine=duration=2", "-i", cover, "-map", "0", "-map", "1",
		"-c:a", "libmp3lame", "-c:v", "mjpeg", "-disposition:v", "attached_pic", "song.mp3")
	tone := ffmpegFile(t, src, "-f", "lavfi", "-i", "sine=duration=2", "tone.wav")
	srt := filepath.Join(src, "s.srt")
	require.NoError(t, os.WriteFile(srt, []byte("1\n00:00:00,000 --> 00:00:01,000\nhello\n"), 0o600))
	subs := ffmpegFile(t, src, "-i", srt, "subs.mkv")
	whole, err := os.ReadFile(clip)
	require.NoError(t, err)
	truncated := filepath.Join(src, "truncated.mp4")
	require.NoError(t, os.WriteFile(truncated, whole[:len(whole)/2], 0o600))
	// Common encryption (CENC, AES-CTR), as DRM packagers write it.
	drm := ffmpegFile(t, src, "-i", clip, "-c", "copy", "-encryption_scheme", "cenc-aes-ctr",
		"-encryption_key", "76a6c65c5ea762046bd749a2e632ccbb", "-encryption_kid", "a7e61c373e219033c21091fa607bf3b8", "drm.mp4")

	var params map[string]any // deployment settings of the next activations
	run := func(source string, rendition map[string]any) (api.RenditionResult, string) {
		t.Helper()
		return runRendition(t, handlers[ThumbnailAction], source, rendition, params)
	}
	decode := func(path string) stdimage.Image { return decodeFile(t, path) }
	luma := func(img stdimage.Image, x, y int) float64 {
		r, g, b, _ := img.At(x, y).RGBA()
		return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
	}

	t.Run("rotated video, upright jpg", func(t *testing.T) {
		r, out := run(rotated, map[string]any{"fmt": "jpg", "width": 90, "quality": 80})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		img := decode(out)
		assert.Equal(t, stdimage.Pt(90, 160), img.Bounds().Size())
		assert.Greater(t, luma(img, 45, 20), 200.0, "top is white")
		assert.Less(t, luma(img, 45, 140), 50.0, "bottom is black")
		assert.Equal(t, "frame", r.Metadata[MetadataMediaSource])
	})
	t.Run("time", func(t *testing.T) {
		for time, white := range map[any]bool{"75%": true, 0.5: false, "10%": false, 3: true} {
			r, out := run(bw, map[string]any{"fmt": "png", "time": time})
			require.Equal(t, api.StatusCreated, r.Status, r.Message)
			assert.Equal(t, white, luma(decode(out), 32, 32) > 128, "time %v", time)
		}
	})
	t.Run("smart crop to webp", func(t *testing.T) {
		r, out := run(clip, map[string]any{"fmt": "webp", "width": 100, "height": 100, "crop": "smart", "quality": 70})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Equal(t, stdimage.Pt(100, 100), decode(out).Bounds().Size())
	})
	t.Run("small frame, scaled by ffmpeg first", func(t *testing.T) {
		// The upright 180x320 frame asked 27 wide: ffmpeg delivers 54x96
		// (9x16 times 6), upright; libvips makes the 27x48 of the full
		// frame. 320x180 asked 50 wide: 112x63 (16x9 times 7), then the
		// 50x28 of the full frame.
		r, out := run(rotated, map[string]any{"fmt": "png", "width": 27})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		img := decode(out)
		assert.Equal(t, stdimage.Pt(27, 48), img.Bounds().Size())
		assert.Greater(t, luma(img, 13, 6), 200.0, "top is white")
		assert.Less(t, luma(img, 13, 42), 50.0, "bottom is black")
		r, out = run(clip, map[string]any{"fmt": "jpg", "width": 50})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Equal(t, stdimage.Pt(50, 28), decode(out).Bounds().Size())
	})
	t.Run("crop rectangle in frame pixels", func(t *testing.T) {
		// The white top half of the upright 180x320 frame: the crop is in
		// pixels of the full frame, so ffmpeg must not scale it down.
		r, out := run(rotated, map[string]any{"fmt": "png", "width": 45, "crop": map[string]int{"x": 0, "y": 0, "w": 180, "h": 150}})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		img := decode(out)
		assert.Equal(t, stdimage.Pt(45, 38), img.Bounds().Size())
		assert.Greater(t, luma(img, 22, 30), 200.0, "all white")
	})
	t.Run("cover art", func(t *testing.T) {
		r, out := run(song, map[string]any{"fmt": "png", "width": 60})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		img := decode(out)
		assert.Equal(t, stdimage.Pt(60, 50), img.Bounds().Size())
		red, green, _, _ := img.At(30, 25).RGBA()
		assert.True(t, red > 0xc000 && green < 0x4000, "cover is red")
		assert.Equal(t, "cover", r.Metadata[MetadataMediaSource])
	})
	t.Run("waveform", func(t *testing.T) {
		r, out := run(tone, map[string]any{"fmt": "png", "width": 400, "height": 100})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Equal(t, stdimage.Pt(400, 100), decode(out).Bounds().Size())
		assert.Equal(t, "waveform", r.Metadata[MetadataMediaSource])
	})
	t.Run("waveform, width only", func(t *testing.T) {
		r, out := run(tone, map[string]any{"fmt": "jpg", "width": 200})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Equal(t, stdimage.Pt(200, 50), decode(out).Bounds().Size())
	})
	t.Run("waveform colour and background", func(t *testing.T) {
		rgba := func(img stdimage.Image, x, y int) [4]uint32 {
			r, g, b, a := img.At(x, y).RGBA()
			return [4]uint32{r >> 8, g >> 8, b >> 8, a >> 8}
		}
		for _, c := range []struct {
			rendition map[string]any
			wave, bg  [4]uint32
		}{
			// Transparent around the wave in a format with alpha.
			{map[string]any{"fmt": "png", "waveform": map[string]string{"color": "#FF8800"}}, [4]uint32{255, 136, 0, 255}, [4]uint32{0, 0, 0, 0}},
			{map[string]any{"fmt": "png", "waveform": map[string]string{"color": "#0c0"}, "background": "#102030"}, [4]uint32{0, 204, 0, 255}, [4]uint32{16, 32, 48, 255}},
			// (Lossy webp is decoded here in video range: mid grey
			// stays near itself, white would read as 235.)
			{map[string]any{"fmt": "webp", "waveform": map[string]string{"color": "#808080"}}, [4]uint32{128, 128, 128, 255}, [4]uint32{0, 0, 0, 0}},
			// jpg has no alpha: white unless a background is set.
			{map[string]any{"fmt": "jpg", "waveform": map[string]string{"color": "#000000"}, "quality": 100}, [4]uint32{0, 0, 0, 255}, [4]uint32{255, 255, 255, 255}},
		} {
			c.rendition["width"], c.rendition["height"] = 400, 100
			r, out := run(tone, c.rendition)
			require.Equal(t, api.StatusCreated, r.Status, r.Message)
			assert.Equal(t, "waveform", r.Metadata[MetadataMediaSource])
			img := decode(out)
			lossy := c.rendition["fmt"] != "png"
			for _, p := range []struct {
				x, y int
				want [4]uint32
			}{{200, 50, c.wave}, {3, 3, c.bg}, {396, 96, c.bg}} {
				got := rgba(img, p.x, p.y)
				for i := range got {
					d := int(got[i]) - int(p.want[i])
					if lossy && d*d <= 36 {
						d = 0
					}
					assert.Zero(t, d, "%v at %d,%d: %v, want %v", c.rendition, p.x, p.y, got, p.want)
				}
			}
		}
		// The colour of a cover art or a frame is its own.
		r, out := run(song, map[string]any{"fmt": "png", "width": 60, "waveform": map[string]string{"color": "#00ff00"}})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Equal(t, "cover", r.Metadata[MetadataMediaSource])
		red, green, _, _ := decode(out).At(30, 25).RGBA()
		assert.True(t, red > 0xc000 && green < 0x4000, "cover is red")
		// An image source has no waveform to colour.
		r, _ = run(cover, map[string]any{"fmt": "png", "waveform": map[string]string{"color": "#00ff00"}})
		assert.Equal(t, api.ReasonGeneric, r.Reason, r.Message)
		assert.Contains(t, r.Message, "waveform: {color: #00ff00} applies to audio sources")
	})
	t.Run("storyboard", func(t *testing.T) {
		r, out := run(clip, map[string]any{"fmt": "jpg", "storyboard": map[string]int{"columns": 4, "rows": 2}, "width": 640})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		// Eight 320x180 tiles, 4x2: 1280x360, fitted to 640 wide.
		assert.Equal(t, stdimage.Pt(640, 180), decode(out).Bounds().Size())
		assert.Equal(t, "storyboard", r.Metadata[MetadataMediaSource])
	})
	t.Run("animated gif preview", func(t *testing.T) {
		r, out := run(clip, map[string]any{"fmt": "gif", "animated": true, "frames": 6, "fps": 4, "width": 80})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		f, err := os.Open(out)
		require.NoError(t, err)
		defer f.Close()
		g, err := gif.DecodeAll(f)
		require.NoError(t, err)
		assert.Len(t, g.Image, 6)
		for _, d := range g.Delay {
			assert.Equal(t, 25, d, "1/4 s a frame")
		}
		assert.Equal(t, 80, g.Config.Width)
		assert.Equal(t, 45, g.Config.Height)
		assert.Equal(t, "preview", r.Metadata[MetadataMediaSource])
	})
	t.Run("animated webp preview", func(t *testing.T) {
		r, out := run(clip, map[string]any{"fmt": "webp", "animated": true, "width": 160})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Equal(t, 10, strings.Count(string(b), "ANMF"), "ten frames by default")
	})
	t.Run("storyboard of audio", func(t *testing.T) {
		r, _ := run(tone, map[string]any{"fmt": "png", "storyboard": map[string]int{"columns": 2, "rows": 2}})
		assert.Equal(t, api.ReasonSourceFormatUnsupported, r.Reason, r.Message)
		assert.Contains(t, r.Message, "no video stream to make a storyboard")
	})
	t.Run("storyboard of an image", func(t *testing.T) {
		r, _ := run(cover, map[string]any{"fmt": "png", "storyboard": map[string]int{"columns": 2, "rows": 2}})
		assert.Equal(t, api.ReasonGeneric, r.Reason, r.Message)
		assert.Contains(t, r.Message, "storyboard: {columns: 2, rows: 2} applies to video sources")
	})
	t.Run("truncated", func(t *testing.T) {
		r, _ := run(truncated, map[string]any{"fmt": "png"})
		assert.Equal(t, api.StatusFailed, r.Status)
		assert.Equal(t, api.ReasonSourceCorrupt, r.Reason, r.Message)
	})
	t.Run("encrypted", func(t *testing.T) {
		for _, fmt := range []string{"png", "mp4"} {
			r, _ := run(drm, map[string]any{"fmt": fmt})
			assert.Equal(t, api.ReasonSourceUnsupported, r.Reason, "%s: %s", fmt, r.Message)
			assert.Contains(t, r.Message, "encrypted (DRM-protected)", fmt)
		}
	})
	t.Run("no video stream", func(t *testing.T) {
		r, _ := run(subs, map[string]any{"fmt": "png"})
		assert.Equal(t, api.ReasonSourceFormatUnsupported, r.Reason, r.Message)
		assert.Contains(t, r.Message, "no video stream")
	})
	t.Run("time on an image", func(t *testing.T) {
		r, _ := run(cover, map[string]any{"fmt": "png", "time": 2})
		assert.Equal(t, api.ReasonGeneric, r.Reason, r.Message)
		assert.True(t, strings.HasPrefix(r.Message, "time: 2 applies to video sources"), r.Message)
	})
	t.Run("deployment settings", func(t *testing.T) {
		defer func() { params = nil }()
		for setting, want := range map[string]string{
			"mediaMaxDuration": "more than the limit of 2 s",
			"mediaMaxPixels":   "more than the limit of 2 pixels",
			"mediaMaxFrames":   "more than the limit of 2",
		} {
			params = map[string]any{setting: 2}
			r, _ := run(clip, map[string]any{"fmt": "png"})
			assert.Equal(t, api.ReasonSourceTooLarge, r.Reason, "%s: %s", setting, r.Message)
			assert.Contains(t, r.Message, want, setting)
		}
		params = nil
		r, _ := run(clip, map[string]any{"fmt": "png"})
		assert.Equal(t, api.StatusCreated, r.Status, "without the settings: %s", r.Message)
	})
	// Nothing of the frames is left in the worker's directory.
	var left []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != dir {
			left = append(left, p)
		}
		return nil
	})
	assert.Empty(t, left)
}

// TestPreviewClip runs the thumbnail action, as Handlers builds it, for
// mp4 preview clips of videos made by ffmpeg, and checks the clips with
// ffprobe.
func TestPreviewClip(t *testing.T) {
	dir := t.TempDir()
	handlers := testHandlers(t, worker.Options{TempDir: dir, MaxRenditionBytes: 200_000})

	src := t.TempDir()
	clip := ffmpegFile(t, src, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=4", "-f", "lavfi", "-i", "sine=duration=4",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "clip.mp4")
	sideways := ffmpegFile(t, src, "-f", "lavfi", "-i", "color=black:s=180x320:d=2,drawbox=x=0:y=0:w=180:h=160:color=white:t=fill",
		"-vf", "transpose=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "sideways.mp4")
	rotated := ffmpegFile(t, src, "-i", sideways, "-c", "copy", "-metadata:s:v:0", "rotate=90", "rotated.mov")
	still := ffmpegFile(t, src, "-f", "lavfi", "-i", "color=red:s=120x100", "-frames:v", "1", "still.png")
	tone := ffmpegFile(t, src, "-f", "lavfi", "-i", "sine=duration=2", "tone.wav")
	noise := ffmpegFile(t, src, "-f", "lavfi", "-i", "nullsrc=s=320x240:r=25:d=2,geq=random(1)*255:128:128", "-c:v", "libx264", "-crf", "0", "-pix_fmt", "yuv420p", "noise.mkv")

	run := func(source string, rendition map[string]any) (api.RenditionResult, string) {
		t.Helper()
		rendition["fmt"] = "mp4"
		return runRendition(t, handlers[ThumbnailAction], source, rendition, nil)
	}
	type probed struct {
		Streams []struct {
			CodecType string `json:"codec_type"`
			CodecName string `json:"codec_name"`
			Width     int    `json:"width"`
			Height    int    `json:"height"`
			Channels  int    `json:"channels"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	probe := func(path string) probed {
		t.Helper()
		b, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", path).Output()
		require.NoError(t, err)
		var p probed
		require.NoError(t, json.Unmarshal(b, &p))
		return p
	}

	t.Run("clip of a video", func(t *testing.T) {
		r, out := run(clip, map[string]any{"width": 320, "maxDuration": 2, "time": "25%", "bitrate": "300k"})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Equal(t, "video/mp4", r.Metadata[api.MetadataFormat])
		p := probe(out)
		require.Len(t, p.Streams, 2)
		assert.Equal(t, "h264", p.Streams[0].CodecName)
		assert.Equal(t, 320, p.Streams[0].Width)
		assert.Equal(t, 180, p.Streams[0].Height)
		assert.Equal(t, "aac", p.Streams[1].CodecName)
		assert.Equal(t, 2, p.Streams[1].Channels)
		d, err := strconv.ParseFloat(p.Format.Duration, 64)
		require.NoError(t, err)
		assert.InDelta(t, 2, d, 0.1)
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Less(t, strings.Index(string(b), "moov"), strings.Index(string(b), "mdat"), "faststart")
		assert.EqualValues(t, 320, r.Metadata[api.MetadataWidth])
		assert.EqualValues(t, 180, r.Metadata[api.MetadataHeight])
		assert.Equal(t, KindClip, r.Metadata[MetadataMediaSource])
		assert.EqualValues(t, 1, r.Metadata[MetadataMediaTime])
		assert.Equal(t, true, r.Metadata[MetadataMediaAudio])
	})
	t.Run("rotated, quality", func(t *testing.T) {
		r, out := run(rotated, map[string]any{"height": 160, "quality": 60})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		p := probe(out)
		require.Len(t, p.Streams, 1, "no audio in, no audio out")
		assert.Equal(t, 90, p.Streams[0].Width)
		assert.Equal(t, 160, p.Streams[0].Height)
		assert.Equal(t, false, r.Metadata[MetadataMediaAudio])
	})
	t.Run("image source", func(t *testing.T) {
		r, _ := run(still, map[string]any{"width": 100})
		assert.Equal(t, api.ReasonSourceFormatUnsupported, r.Reason, r.Message)
		assert.Equal(t, "a preview clip (fmt mp4) needs a video source; this source is a PNG image", r.Message)
	})
	t.Run("audio source", func(t *testing.T) {
		r, _ := run(tone, map[string]any{})
		assert.Equal(t, api.ReasonSourceFormatUnsupported, r.Reason, r.Message)
		assert.Contains(t, r.Message, "no video stream to make a preview clip")
	})
	t.Run("larger than the rendition limit", func(t *testing.T) {
		r, _ := run(noise, map[string]any{"bitrate": "20M"})
		assert.Equal(t, api.ReasonRenditionTooLarge, r.Reason, r.Message)
	})
	var left []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != dir {
			left = append(left, p)
		}
		return nil
	})
	assert.Empty(t, left)
}

package media

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// probedClip is what ffprobe, run directly, says of an output file.
type probedClip struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
		PixFmt    string `json:"pix_fmt"`
		Channels  int    `json:"channels"`
		SAR       string `json:"sample_aspect_ratio"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

func ffprobeClip(t *testing.T, path string) probedClip {
	t.Helper()
	b, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probedClip
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// topBoxes lists the top-level box types of an MP4 file in order.
func topBoxes(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for off := uint64(0); off+8 <= uint64(len(b)); {
		size := uint64(binary.BigEndian.Uint32(b[off:]))
		types = append(types, string(b[off+4:off+8]))
		switch size {
		case 0:
			size = uint64(len(b)) - off
		case 1:
			if off+16 > uint64(len(b)) {
				t.Fatalf("box %q: truncated 64-bit size", b[off+4:off+8])
			}
			size = binary.BigEndian.Uint64(b[off+8:])
		}
		if size < 8 {
			t.Fatalf("box %q of size %d", b[off+4:off+8], size)
		}
		off += size
	}
	return types
}

// checkClip asserts that the MP4 at path is a playable faststart H.264
// clip of w x h (AAC stereo when audio), at most maxDur seconds long.
func checkClip(t *testing.T, path string, w, h int, audio bool, maxDur float64) probedClip {
	t.Helper()
	p := ffprobeClip(t, path)
	var video, sound int
	for _, s := range p.Streams {
		switch s.CodecType {
		case "video":
			video++
			if s.CodecName != "h264" || s.PixFmt != "yuv420p" {
				t.Errorf("video %s %s, want h264 yuv420p", s.CodecName, s.PixFmt)
			}
			if s.Width != w || s.Height != h {
				t.Errorf("clip %dx%d, want %dx%d", s.Width, s.Height, w, h)
			}
			if s.SAR != "" && s.SAR != "1:1" && s.SAR != "N/A" && s.SAR != "0:1" {
				t.Errorf("sample aspect ratio %s, want square pixels", s.SAR)
			}
		case "audio":
			sound++
			if s.CodecName != "aac" || s.Channels != 2 {
				t.Errorf("audio %s with %d channels, want aac stereo", s.CodecName, s.Channels)
			}
		}
	}
	if video != 1 || (sound == 1) != audio || sound > 1 {
		t.Errorf("%d video and %d audio streams, want 1 video and audio %v", video, sound, audio)
	}
	d, err := strconv.ParseFloat(p.Format.Duration, 64)
	if err != nil || d <= 0 || d > maxDur+0.1 {
		t.Errorf("duration %q, want at most %g s (±0.1)", p.Format.Duration, maxDur)
	}
	boxes := strings.Join(topBoxes(t, path), " ")
	moov, mdat := strings.Index(boxes, "moov"), strings.Index(boxes, "mdat")
	if moov < 0 || mdat < 0 || moov > mdat {
		t.Errorf("boxes %s: want moov before mdat (faststart)", boxes)
	}
	// Playable: every frame decodes.
	if b, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-xerror", "-i", path, "-f", "null", "-").CombinedOutput(); err != nil {
		t.Errorf("the clip does not decode: %v\n%s", err, b)
	}
	return p
}

func TestClip(t *testing.T) {
	private := t.TempDir()
	needEngineTools(t)
	e, err := New(Options{TempDir: private})
	if err != nil {
		t.Fatalf("media engine: %v", err)
	}
	ctx := context.Background()
	src := ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=6",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-ac", "1",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "src.mp4")
	in, err := e.Probe(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		opts     ClipOptions
		w, h     int
		duration float64
		start    float64
	}{
		{"defaults", ClipOptions{}, 320, 240, 6, 0},
		{"fit width, 2 s from 1 s", ClipOptions{MaxWidth: 160, Duration: 2, Start: &Time{Seconds: 1}}, 160, 120, 2, 1},
		{"fit box, odd sides made even", ClipOptions{MaxWidth: 101, MaxHeight: 101, Duration: 1.5}, 100, 74, 1.5, 0},
		{"no upscale", ClipOptions{MaxWidth: 640, Duration: 1}, 320, 240, 1, 0},
		{"upscale", ClipOptions{MaxWidth: 640, Upscale: true, Duration: 1, Bitrate: 300_000}, 640, 480, 1, 0},
		{"start at 50%", ClipOptions{Start: &Time{Percent: 50, IsPercent: true}, CRF: CRFOfQuality(40)}, 320, 240, 3, 3},
		{"start past the end", ClipOptions{Start: &Time{Seconds: 100}, Duration: 2}, 320, 240, 2, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			got, err := e.Clip(ctx, src, in, c.opts, dir)
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != c.w || got.Height != c.h || !got.Audio || math.Abs(got.Start-c.start) > 0.01 {
				t.Errorf("clip %+v, want %dx%d with audio from %g s", got, c.w, c.h, c.start)
			}
			checkClip(t, got.Path, c.w, c.h, true, c.duration)
			if math.Abs(got.Duration-c.duration) > 0.1 {
				t.Errorf("duration %g, want %g", got.Duration, c.duration)
			}
			// Only the clip is left in the directory.
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 {
				t.Errorf("%d files left in the rendition directory, want the clip only", len(ents))
			}
		})
	}
	// The cage's private directories are gone, and so are the engines.
	if ents, _ := os.ReadDir(private); len(ents) != 0 {
		t.Errorf("%d private directories left", len(ents))
	}
	if left := testutil.Processes(t, src); len(left) != 0 {
		t.Errorf("engine processes left: %v", left)
	}
}

func TestClipStartsWhereAsked(t *testing.T) {
	e := newEngine(t, Limits{})
	ctx := context.Background()
	src := blackThenWhite(t)
	in, err := e.Probe(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Clip(ctx, src, in, ClipOptions{Start: &Time{Seconds: 2.5}, Duration: 1}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cin, err := e.Probe(ctx, got.Path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.Frame(ctx, got.Path, cin, FrameOptions{Time: &Time{}}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if l := lumaOf(decodePNG(t, f.Path)); l.mean < 200 {
		t.Errorf("first frame of a clip from 2.5 s has mean luma %.0f: it is not the white part", l.mean)
	}
}

func TestClipRotatedAndAnamorphic(t *testing.T) {
	e := newEngine(t, Limits{})
	ctx := context.Background()
	// Upright 180x320, white top half, stored sideways with a rotation.
	sideways := ffmpeg(t, "-f", "lavfi", "-i", "color=black:s=180x320:d=2,drawbox=x=0:y=0:w=180:h=160:color=white:t=fill",
		"-vf", "transpose=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "s.mp4")
	rotated := ffmpeg(t, "-i", sideways, "-c", "copy", "-metadata:s:v:0", "rotate=90", "r.mp4")
	// 4:3 anamorphic: 240x360 coded with 2:1 pixels shows as 480x360, the
	// left half white; no audio.
	anamorphic := ffmpeg(t, "-f", "lavfi", "-i", "color=black:s=240x360:d=2,drawbox=x=0:y=0:w=120:h=360:color=white:t=fill",
		"-vf", "setsar=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "a.mkv")
	for _, c := range []struct {
		path  string
		w, h  int
		check func(lumaAt func(x, y int) float64) bool
	}{
		{rotated, 100, 180, func(l func(x, y int) float64) bool { return l(50, 20) > 200 && l(50, 160) < 50 }},
		{anamorphic, 240, 180, func(l func(x, y int) float64) bool { return l(100, 90) > 200 && l(140, 90) < 50 }},
	} {
		in, err := e.Probe(ctx, c.path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Clip(ctx, c.path, in, ClipOptions{MaxWidth: 240, MaxHeight: 180}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if got.Audio {
			t.Errorf("%s: a clip of a silent video has audio", c.path)
		}
		checkClip(t, got.Path, c.w, c.h, false, 2)
		cin, err := e.Probe(ctx, got.Path)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := cin.VideoStream(); v.Rotation != 0 {
			t.Errorf("%s: the clip still has rotation %d", c.path, v.Rotation)
		}
		f, err := e.Frame(ctx, got.Path, cin, FrameOptions{Time: &Time{Seconds: 0.5}}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		img := decodePNG(t, f.Path)
		if !c.check(func(x, y int) float64 { return lumaAt(img, x, y) }) {
			t.Errorf("%s: the clip's frame is not upright and undistorted", c.path)
		}
	}
}

func TestClipBadSources(t *testing.T) {
	e := newEngine(t, Limits{MaxDuration: 60})
	ctx := context.Background()

	// Audio only, with and without cover art: no video to show.
	audio := ffmpeg(t, "-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac", "a.m4a")
	in, err := e.Probe(ctx, audio)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Clip(ctx, audio, in, ClipOptions{}, t.TempDir())
	reasonOf(t, err, api.ReasonSourceFormatUnsupported)
	if !strings.Contains(api.MessageOf(err), "no video stream to make a preview clip") {
		t.Errorf("message %q", api.MessageOf(err))
	}

	// Zero duration.
	zero := &Info{Format: "mov", DurationKnown: true, Streams: []Stream{{Type: Video, Codec: "h264", Width: 10, Height: 10}}}
	_, err = e.Clip(ctx, audio, zero, ClipOptions{}, t.TempDir())
	reasonOf(t, err, api.ReasonSourceFormatUnsupported)
	if !strings.Contains(api.MessageOf(err), "no duration") {
		t.Errorf("message %q", api.MessageOf(err))
	}

	// Truncated: a faststart MP4 cut just after its index, so the probe
	// succeeds and no frame decodes.
	whole := ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=3",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "w.mp4")
	b, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), "mdat")
	if i < 0 {
		t.Fatal("no mdat")
	}
	cut := filepath.Join(t.TempDir(), "cut.mp4")
	if err := os.WriteFile(cut, b[:i+4+64], 0o644); err != nil {
		t.Fatal(err)
	}
	in, err = e.Probe(ctx, cut)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err = e.Clip(ctx, cut, in, ClipOptions{}, dir)
	reasonOf(t, err, api.ReasonSourceCorrupt)
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("%d files left after a failure", len(ents))
	}

	// Limits: the source's duration, before decoding; the clip's length.
	long := &Info{Format: "mov", Duration: 3600, DurationKnown: true, Streams: []Stream{{Type: Video, Codec: "h264", Width: 10, Height: 10}}}
	_, err = e.Clip(ctx, whole, long, ClipOptions{}, t.TempDir())
	reasonOf(t, err, api.ReasonSourceTooLarge)
	_, err = e.Clip(ctx, whole, long, ClipOptions{Duration: MaxClipDuration + 1}, t.TempDir())
	reasonOf(t, err, api.ReasonGeneric)
}

func TestClipFrameRateCapped(t *testing.T) {
	e := newEngine(t, Limits{})
	ctx := context.Background()
	src := ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=240:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "fast.mp4")
	in, err := e.Probe(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Clip(ctx, src, in, ClipOptions{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Probe(ctx, got.Path)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := out.VideoStream()
	if r := v.FrameRate.Float(); r > MaxClipFrameRate+0.5 || r < MaxClipFrameRate-0.5 {
		t.Errorf("frame rate %v, want %d", v.FrameRate, MaxClipFrameRate)
	}
	if v.Frames > MaxClipFrameRate+1 {
		t.Errorf("%d frames in 1 s, want at most %d", v.Frames, MaxClipFrameRate+1)
	}
}

func TestClipSize(t *testing.T) {
	huge := Stream{Width: 7680, Height: 4320}
	if w, h := clipSize(huge, 0, 0, false); w*h > MaxClipPixels || w != 1920 || h != 1080 {
		t.Errorf("8K source: %dx%d, want 1920x1080 (the pixel limit)", w, h)
	}
	if w, h := clipSize(Stream{Width: 1, Height: 1}, 0, 0, false); w != 2 || h != 2 {
		t.Errorf("1x1 source: %dx%d, want 2x2", w, h)
	}
	if w, h := clipSize(Stream{Width: 1920, Height: 1080, Rotation: 90}, 320, 0, false); w != 320 || h != 568 {
		t.Errorf("rotated 1080p at 320 wide: %dx%d, want 320x568", w, h)
	}
}

func TestCRFOfQuality(t *testing.T) {
	for q, want := range map[int]int{100: 18, 85: 23, 50: 34, 1: 51} {
		if got := CRFOfQuality(q); got != want {
			t.Errorf("quality %d: CRF %d, want %d", q, got, want)
		}
	}
}

// TestClipDeadlineKillsEngine: a clip whose context ends while ffmpeg
// works (here blocked reading a FIFO) fails with Timeout, and no ffmpeg is
// left.
func TestClipDeadlineKillsEngine(t *testing.T) {
	e := newEngine(t, Limits{})
	fifo := filepath.Join(t.TempDir(), "never-clip-"+strconv.Itoa(os.Getpid())+".mp4")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	in := &Info{Format: "mov", Duration: 10, DurationKnown: true, Streams: []Stream{{Type: Video, Codec: "h264", Width: 64, Height: 48}}}
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	errc := make(chan error, 1)
	go func() {
		_, err := e.Clip(ctx, fifo, in, ClipOptions{}, dir)
		errc <- err
	}()
	testutil.WaitForProcesses(t, fifo, 1, errc)
	cancel()
	reasonOf(t, <-errc, api.ReasonTimeout)
	if left := testutil.Processes(t, fifo); len(left) != 0 {
		t.Fatalf("engine processes left: %v", left)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("%d files left after a timeout", len(ents))
	}
}

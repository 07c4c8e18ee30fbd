package media

import (
	"context"
	"errors"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// needEngineTools skips the test (fails it under CI) without the programs
// the engine runs: ffmpeg, ffprobe and prlimit.
func needEngineTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe", "prlimit"} {
		testutil.NeedTool(t, tool)
	}
}

func newEngine(t *testing.T, l Limits) *Engine {
	t.Helper()
	needEngineTools(t)
	e, err := New(Options{Limits: l, TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("media engine: %v", err)
	}
	return e
}

// ffmpeg makes a test file with ffmpeg; args end with the output name,
// made in a temporary directory.
func ffmpeg(t *testing.T, args ...string) string {
	t.Helper()
	testutil.NeedTool(t, "ffmpeg")
	out := filepath.Join(t.TempDir(), args[len(args)-1])
	args = append(append([]string{"-v", "error", "-nostdin", "-y"}, args[:len(args)-1]...), out)
	if b, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, b)
	}
	return out
}

// clip is a 3 s 320x180 25 fps H.264 video with a sine tone in AAC.
func clip(t *testing.T, name string) string {
	return ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=3",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=3",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", name)
}

func reasonOf(t *testing.T, err error, want api.Reason) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	if got := api.ReasonOf(err); got != want {
		t.Fatalf("reason %s (%v), want %s", got, err, want)
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func lumaAt(img image.Image, x, y int) float64 {
	r, g, b, _ := img.At(x, y).RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
}

func TestProbe(t *testing.T) {
	e := newEngine(t, Limits{})
	in, err := e.Probe(context.Background(), clip(t, "a.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if in.Duration < 2.9 || in.Duration > 3.1 {
		t.Errorf("duration %v", in.Duration)
	}
	v, ok := in.VideoStream()
	if !ok || v.Codec != "h264" || v.Width != 320 || v.Height != 180 || v.FrameRate != (Ratio{25, 1}) || v.Rotation != 0 || v.SampleAspect != (Ratio{}) {
		t.Errorf("video stream %+v", v)
	}
	a, ok := in.AudioStream()
	if !ok || a.Codec != "aac" || a.SampleRate != 44100 || a.Channels != 1 {
		t.Errorf("audio stream %+v", a)
	}
	if !strings.Contains(in.Format, "mp4") {
		t.Errorf("format %q", in.Format)
	}
}

// TestFrameRotated: a portrait picture (white top half) stored sideways
// with a display matrix comes out upright. (ffmpeg 5.1 turns the rotate
// tag of a copy into a matrix that turns the picture a quarter turn
// counter-clockwise for display, so the picture is stored turned
// clockwise.)
func TestFrameRotated(t *testing.T) {
	e := newEngine(t, Limits{})
	sideways := ffmpeg(t, "-f", "lavfi", "-i", "color=black:s=180x320:d=2,drawbox=x=0:y=0:w=180:h=160:color=white:t=fill",
		"-vf", "transpose=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "s.mp4")
	rotated := ffmpeg(t, "-i", sideways, "-c", "copy", "-metadata:s:v:0", "rotate=90", "r.mp4")
	in, err := e.Probe(context.Background(), rotated)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := in.VideoStream()
	if v.Rotation != 90 && v.Rotation != 270 {
		t.Fatalf("rotation %d, want a quarter turn", v.Rotation)
	}
	if w, h := v.DisplaySize(); w != 180 || h != 320 {
		t.Errorf("display size %dx%d, want 180x320", w, h)
	}
	// Full size, and scaled down by ffmpeg to at least 50 wide: 9x16
	// times 6.
	for _, c := range []struct{ minW, w, h int }{{0, 180, 320}, {50, 54, 96}} {
		for _, tm := range []*Time{nil, {Seconds: 1}} {
			f, err := e.Frame(context.Background(), rotated, in, FrameOptions{Time: tm, MinWidth: c.minW}, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if f.Width != c.w || f.Height != c.h {
				t.Fatalf("min width %d: frame %dx%d, want %dx%d", c.minW, f.Width, f.Height, c.w, c.h)
			}
			img := decodePNG(t, f.Path)
			if b := img.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
				t.Fatalf("min width %d: PNG %v, want %dx%d", c.minW, b, c.w, c.h)
			}
			if top, bottom := lumaAt(img, c.w/2, c.h/8), lumaAt(img, c.w/2, c.h*7/8); top < 200 || bottom > 50 {
				t.Errorf("min width %d, time %v: top luma %.0f, bottom %.0f: frame not upright", c.minW, tm, top, bottom)
			}
		}
	}
}

// TestFrameNonSquarePixels: 160x180 coded with 2:1 pixels shows as 320x180.
func TestFrameNonSquarePixels(t *testing.T) {
	e := newEngine(t, Limits{})
	p := ffmpeg(t, "-f", "lavfi", "-i", "color=black:s=160x180:d=2,drawbox=x=0:y=0:w=80:h=180:color=white:t=fill",
		"-vf", "setsar=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "a.mkv")
	in, err := e.Probe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := in.VideoStream()
	if v.SampleAspect != (Ratio{2, 1}) {
		t.Fatalf("sample aspect %v", v.SampleAspect)
	}
	// Full size, and scaled down by ffmpeg in the same step to at least
	// 30 high: 16x9 times 4.
	for _, c := range []struct{ minH, w, h int }{{0, 320, 180}, {30, 64, 36}} {
		f, err := e.Frame(context.Background(), p, in, FrameOptions{Time: &Time{Seconds: 0.5}, MinHeight: c.minH}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if f.Width != c.w || f.Height != c.h {
			t.Fatalf("min height %d: frame %dx%d, want %dx%d", c.minH, f.Width, f.Height, c.w, c.h)
		}
		img := decodePNG(t, f.Path)
		if l, r := lumaAt(img, c.w*15/32, c.h/2), lumaAt(img, c.w*17/32, c.h/2); l < 200 || r > 50 {
			t.Errorf("min height %d: luma left of the middle %.0f, right %.0f: the white half is not stretched", c.minH, l, r)
		}
	}
}

func TestScaledSize(t *testing.T) {
	for _, c := range []struct {
		w, h, minW, minH int
		sw, sh           int
		ok               bool
	}{
		{1920, 1080, 638, 0, 640, 360, true},    // 16x9 times 40
		{1920, 1080, 638, 600, 1072, 603, true}, // the height decides
		{1920, 1080, 0, 0, 0, 0, false},         // nothing asked
		{1920, 1080, 1920, 0, 0, 0, false},      // the full size
		{1920, 1080, 5000, 0, 0, 0, false},      // never larger
		{1919, 1080, 100, 0, 0, 0, false},       // no smaller exact ratio
		{1080, 1920, 200, 0, 207, 368, true},    // portrait
		{1024, 576, 1, 1, 16, 9, true},
	} {
		sw, sh, ok := scaledSize(c.w, c.h, c.minW, c.minH)
		if sw != c.sw || sh != c.sh || ok != c.ok {
			t.Errorf("scaledSize(%d, %d, %d, %d) = %d, %d, %v; want %d, %d, %v", c.w, c.h, c.minW, c.minH, sw, sh, ok, c.sw, c.sh, c.ok)
		}
		if ok && (sw*c.h != sh*c.w || sw < c.minW || sh < c.minH) {
			t.Errorf("scaledSize(%d, %d, %d, %d) = %dx%d: not the ratio, or too small", c.w, c.h, c.minW, c.minH, sw, sh)
		}
	}
}

// blackThenWhite is 2 s of black then 2 s of white.
func blackThenWhite(t *testing.T) string {
	return ffmpeg(t, "-f", "lavfi", "-i", "color=black:s=64x64:r=25:d=2", "-f", "lavfi", "-i", "color=white:s=64x64:r=25:d=2",
		"-filter_complex", "[0][1]concat=n=2:v=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "bw.mp4")
}

func TestFrameAtTime(t *testing.T) {
	e := newEngine(t, Limits{})
	p := blackThenWhite(t)
	in, err := e.Probe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		time  string
		white bool
	}{{"0.5", false}, {"3", true}, {"25%", false}, {"75%", true}, {"100%", true}, {"3600", true}} {
		tm, err := ParseTime(c.time)
		if err != nil {
			t.Fatal(err)
		}
		f, err := e.Frame(context.Background(), p, in, FrameOptions{Time: &tm}, t.TempDir())
		if err != nil {
			t.Fatalf("time %s: %v", c.time, err)
		}
		if l := lumaAt(decodePNG(t, f.Path), 32, 32); (l > 128) != c.white {
			t.Errorf("time %s: luma %.0f, want white %v", c.time, l, c.white)
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, bad := range []string{"", "-1", "abc", "101%", "-5%", "NaN", "Inf", "%"} {
		if _, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
	if tm, err := ParseTime("10%"); err != nil || tm.At(50) != 5 {
		t.Errorf("10%% of 50 s = %v, %v", tm.At(50), err)
	}
}

// TestRepresentativeFrameSkipsBlackLeader: a video that opens on black and
// fades in gets a frame with picture content, not the black one.
func TestRepresentativeFrameSkipsBlackLeader(t *testing.T) {
	e := newEngine(t, Limits{})
	p := ffmpeg(t, "-f", "lavfi", "-i", "color=black:s=160x90:r=25:d=2", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=6",
		"-filter_complex", "[1]fade=in:st=0:d=1[b];[0][b]concat=n=2:v=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "lead.mp4")
	in, err := e.Probe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.Frame(context.Background(), p, in, FrameOptions{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st := lumaOf(decodePNG(t, f.Path))
	if !st.representative() || f.Time < 2 {
		t.Errorf("frame at %.2f s with luma mean %.0f, deviation %.0f: black or faded", f.Time, st.mean, st.dev)
	}
	// The first frame, for contrast, is black.
	first, err := e.Frame(context.Background(), p, in, FrameOptions{Time: &Time{}}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if st := lumaOf(decodePNG(t, first.Path)); st.representative() {
		t.Fatalf("the test video does not open on black: %+v", st)
	}
}

// TestRepresentativeKeyframe: with a keyframe every 0.8 s, the
// representative frame is chosen among the keyframes, in one ffmpeg run:
// one past the black leader, at a keyframe's time, and nothing but the
// frame is left in the directory.
func TestRepresentativeKeyframe(t *testing.T) {
	e := newEngine(t, Limits{})
	p := ffmpeg(t, "-f", "lavfi", "-i", "color=black:s=160x90:r=25:d=2", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=6",
		"-filter_complex", "[0][1]concat=n=2:v=1", "-c:v", "libx264", "-g", "20", "-sc_threshold", "0", "-pix_fmt", "yuv420p", "lead.mp4")
	in, err := e.Probe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f, err := e.Frame(context.Background(), p, in, FrameOptions{MinWidth: 64}, dir)
	if err != nil {
		t.Fatal(err)
	}
	st := lumaOf(decodePNG(t, f.Path))
	if !st.representative() || f.Time < 2 {
		t.Errorf("frame at %.3f s with luma mean %.0f, deviation %.0f: black", f.Time, st.mean, st.dev)
	}
	if k := f.Time / 0.8; math.Abs(k-math.Round(k)) > 0.01 {
		t.Errorf("frame at %.3f s: not a keyframe (every 0.8 s)", f.Time)
	}
	if f.Width != 64 || f.Height != 36 {
		t.Errorf("frame %dx%d, want 64x36", f.Width, f.Height)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != filepath.Base(f.Path) {
		t.Errorf("left in the directory: %v", ents)
	}
}

func TestAudioCoverArt(t *testing.T) {
	e := newEngine(t, Limits{})
	cover := ffmpeg(t, "-f", "lavfi", "-i", "color=red:s=120x100", "-frames:v", "1", "cover.png")
	for _, p := range []string{
		// ID3 APIC, FLAC picture block, MP4 covr.
		ffmpeg(t, "-f", "lavfi", "-i", "sine=duration=2", "-i", cover, "-map", "0", "-map", "1",
			"-c:a", "libmp3lame", "-c:v", "mjpeg", "-disposition:v", "attached_pic", "-id3v2_version", "3", "song.mp3"),
		ffmpeg(t, "-f", "lavfi", "-i", "sine=duration=2", "-i", cover, "-map", "0", "-map", "1",
			"-c:v", "png", "-disposition:v", "attached_pic", "song.flac"),
		ffmpeg(t, "-f", "lavfi", "-i", "sine=duration=2", "-i", cover, "-map", "0", "-map", "1",
			"-c:v", "png", "-disposition:v", "attached_pic", "song.m4a"),
	} {
		testCoverArt(t, e, p)
	}
}

func testCoverArt(t *testing.T, e *Engine, p string) {
	t.Helper()
	in, err := e.Probe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := in.CoverArt(); !ok {
		t.Fatalf("no cover art in %+v", in.Streams)
	}
	f, err := e.Frame(context.Background(), p, in, FrameOptions{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if f.Kind != KindCover || f.Width != 120 || f.Height != 100 {
		t.Fatalf("frame %+v, want the 120x100 cover", f)
	}
	if r, g, _, _ := decodePNG(t, f.Path).At(60, 50).RGBA(); r < 0xc000 || g > 0x4000 {
		t.Errorf("%s: cover pixel r=%x g=%x, want red", p, r, g)
	}
}

func TestAudioWaveform(t *testing.T) {
	e := newEngine(t, Limits{})
	for _, name := range []string{"tone.wav", "tone.flac", "tone.m4a"} {
		p := ffmpeg(t, "-f", "lavfi", "-i", "sine=duration=2", name)
		in, err := e.Probe(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := e.Frame(context.Background(), p, in, FrameOptions{WaveformWidth: 640, WaveformHeight: 160}, t.TempDir())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.Kind != KindWaveform || f.Width != 640 || f.Height != 160 {
			t.Fatalf("%s: frame %+v, want a 640x160 waveform", name, f)
		}
		// Something is drawn across the middle line.
		img := decodePNG(t, f.Path)
		if _, _, _, a := img.At(320, 80).RGBA(); a == 0 {
			t.Errorf("%s: nothing drawn at the middle of the waveform", name)
		}
	}
}

func TestBadSources(t *testing.T) {
	e := newEngine(t, Limits{})
	ctx := context.Background()

	// Truncated: an MP4 whose index (moov, at the end) is cut off.
	whole, err := os.ReadFile(clip(t, "whole.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.mp4")
	if err := os.WriteFile(cut, whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = e.Probe(ctx, cut)
	reasonOf(t, err, api.ReasonSourceCorrupt)
	if !strings.Contains(api.MessageOf(err), "truncated or corrupt") {
		t.Errorf("message %q", api.MessageOf(err))
	}

	// Zero bytes and garbage.
	for _, content := range []string{"", strings.Repeat("\x00garbage", 1000)} {
		p := filepath.Join(t.TempDir(), "bad.mp4")
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := e.Probe(ctx, p)
		reasonOf(t, err, api.ReasonSourceCorrupt)
	}

	// Subtitles only: no video stream and no sound.
	srt := filepath.Join(t.TempDir(), "s.srt")
	if err := os.WriteFile(srt, []byte("1\n00:00:00,000 --> 00:00:01,000\nhello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	subs := ffmpeg(t, "-i", srt, "subs.mkv")
	in, err := e.Probe(ctx, subs)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Frame(ctx, subs, in, FrameOptions{}, t.TempDir())
	reasonOf(t, err, api.ReasonSourceFormatUnsupported)
	if !strings.Contains(api.MessageOf(err), "no video stream") || !strings.Contains(api.MessageOf(err), "subtitle") {
		t.Errorf("message %q", api.MessageOf(err))
	}

	// An MP4 of no frames: a container with no stream.
	empty := ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=64x48", "-frames:v", "0", "-c:v", "libx264", "empty.mp4")
	in, err = e.Probe(ctx, empty)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Frame(ctx, empty, in, FrameOptions{}, t.TempDir())
	reasonOf(t, err, api.ReasonSourceFormatUnsupported)
	if !strings.Contains(api.MessageOf(err), "empty") {
		t.Errorf("message %q", api.MessageOf(err))
	}

	// Zero duration.
	in = &Info{Format: "mov", DurationKnown: true, Streams: []Stream{{Type: Video, Codec: "h264", Width: 10, Height: 10}}}
	_, err = e.Frame(ctx, subs, in, FrameOptions{}, t.TempDir())
	reasonOf(t, err, api.ReasonSourceFormatUnsupported)
	if !strings.Contains(api.MessageOf(err), "no duration") {
		t.Errorf("message %q", api.MessageOf(err))
	}
}

// TestFrameLimitWithoutDeclaredFrames: Matroska does not declare frame
// counts; the limit applies to the duration times the frame rate.
func TestFrameLimitWithoutDeclaredFrames(t *testing.T) {
	e := newEngine(t, Limits{MaxFrames: 50})
	p := ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=3", "-c:v", "libx264", "a.mkv")
	in, err := e.Probe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := in.VideoStream(); v.Frames != 0 {
		t.Skipf("this ffmpeg declares %d frames in Matroska", v.Frames)
	}
	_, err = e.Frame(context.Background(), p, in, FrameOptions{}, t.TempDir())
	reasonOf(t, err, api.ReasonSourceTooLarge)
	if !strings.Contains(api.MessageOf(err), "has 75 frames, more than the limit of 50") {
		t.Errorf("message %q", api.MessageOf(err))
	}
}

func TestLimitsCheckedBeforeDecoding(t *testing.T) {
	p := clip(t, "a.mp4")
	base := newEngine(t, Limits{})
	in, err := base.Probe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		l    Limits
		want string
	}{
		{Limits{MaxDuration: 1}, "long"},
		{Limits{MaxPixels: 320*180 - 1}, "pixels"},
		{Limits{MaxStreams: 1}, "streams"},
		{Limits{MaxFrames: 10}, "frames"},
		{Limits{MaxFrameRate: 24}, "frames per second"},
	} {
		dir := t.TempDir()
		_, err := base.WithLimits(c.l).Frame(context.Background(), p, in, FrameOptions{}, dir)
		reasonOf(t, err, api.ReasonSourceTooLarge)
		if !strings.Contains(api.MessageOf(err), c.want) {
			t.Errorf("limits %+v: message %q lacks %q", c.l, api.MessageOf(err), c.want)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("limits %+v: decoded anyway (%d files)", c.l, len(ents))
		}
	}
}

// TestDeadlineKillsEngine: ffprobe blocked on a source that never ends is
// killed when the context ends, with Timeout, and leaves no process.
func TestDeadlineKillsEngine(t *testing.T) {
	e := newEngine(t, Limits{})
	fifo := filepath.Join(t.TempDir(), "never-"+strconv.Itoa(os.Getpid())+".mp4")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	errc := make(chan error, 1)
	go func() {
		_, err := e.Probe(ctx, fifo)
		errc <- err
	}()
	testutil.WaitForProcesses(t, fifo, 1, errc)
	cancel()
	err := <-errc
	reasonOf(t, err, api.ReasonTimeout)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v does not carry the context's", err)
	}
	if left := testutil.Processes(t, fifo); len(left) != 0 {
		t.Fatalf("engine processes left: %v", left)
	}

	// A deadline already passed: Timeout, nothing started.
	past, cancel2 := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel2()
	_, err = e.Probe(past, clip(t, "a.mp4"))
	reasonOf(t, err, api.ReasonTimeout)
}

// lumaOf computes the luma statistics of an image, sampled on a grid of
// about 100x100 points.
func lumaOf(img image.Image) luma {
	b := img.Bounds()
	sx, sy := max(1, b.Dx()/100), max(1, b.Dy()/100)
	var px []byte
	for y := b.Min.Y; y < b.Max.Y; y += sy {
		for x := b.Min.X; x < b.Max.X; x += sx {
			px = append(px, byte(lumaAt(img, x, y)+0.5))
		}
	}
	return lumaOfGray(px)
}

// TestContainers probes every container the format registry routes to the
// engine and takes an image from it: the demuxer whitelist lets them all
// through.
func TestContainers(t *testing.T) {
	e := newEngine(t, Limits{})
	video := []string{"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1", "-f", "lavfi", "-i", "sine=duration=1"}
	audio := []string{"-f", "lavfi", "-i", "sine=duration=1"}
	for _, c := range []struct {
		name  string
		input []string
		args  []string
		kind  string
	}{
		{"a.mp4", video, nil, KindFrame},
		{"a.mov", video, nil, KindFrame},
		{"a.3gp", video, []string{"-c:v", "mpeg4", "-c:a", "aac", "-ar", "8000", "-ac", "1"}, KindFrame},
		{"a.mkv", video, nil, KindFrame},
		{"a.webm", video, []string{"-c:v", "libvpx", "-c:a", "libvorbis"}, KindFrame},
		{"a.avi", video, nil, KindFrame},
		{"a.ts", video, nil, KindFrame},
		{"a.mpg", video, []string{"-c:v", "mpeg2video", "-c:a", "mp2"}, KindFrame},
		{"a.m2v", video[:4], []string{"-c:v", "mpeg2video", "-f", "mpeg2video"}, KindFrame},
		{"a.wmv", video, []string{"-c:v", "wmv2", "-c:a", "wmav2"}, KindFrame},
		{"a.flv", video, []string{"-c:v", "flv1", "-c:a", "mp3", "-ar", "44100"}, KindFrame},
		{"a.mxf", video, []string{"-c:v", "mpeg2video", "-c:a", "pcm_s16le", "-ar", "48000"}, KindFrame},
		{"a.dv", []string{"-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25:duration=0.4"}, []string{"-c:v", "dvvideo", "-pix_fmt", "yuv420p"}, KindFrame},
		{"a.mp3", audio, nil, KindWaveform},
		{"a.aac", audio, []string{"-f", "adts"}, KindWaveform},
		{"a.m4a", audio, nil, KindWaveform},
		{"a.wav", audio, nil, KindWaveform},
		{"a.aiff", audio, nil, KindWaveform},
		{"a.flac", audio, nil, KindWaveform},
		{"a.ogg", audio, nil, KindWaveform},
		{"a.opus", audio, nil, KindWaveform},
		{"a.wma", audio, nil, KindWaveform},
		{"a.ac3", audio, nil, KindWaveform},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := ffmpeg(t, append(append(append([]string{}, c.input...), c.args...), "-t", "1", c.name)...)
			in, err := e.Probe(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			f, err := e.Frame(context.Background(), p, in, FrameOptions{Time: &Time{Seconds: 0.2}}, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if f.Kind != c.kind || f.Width == 0 {
				t.Fatalf("frame %+v, want a %s", f, c.kind)
			}
		})
	}
}

// TestPlaylistsAndScriptsRefused: a source that is an HLS playlist or an
// ffconcat script naming a local file is refused, never read through.
func TestPlaylistsAndScriptsRefused(t *testing.T) {
	e := newEngine(t, Limits{})
	target := clip(t, "secret.mp4")
	dir := t.TempDir()
	for name, content := range map[string]string{
		"hls.mp4":    "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:3,\n" + target + "\n#EXT-X-ENDLIST\n",
		"concat.mp4": "ffconcat version 1.0\nfile " + target + "\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := e.Probe(context.Background(), p)
		if err == nil {
			t.Fatalf("%s: probed through to %s", name, target)
		}
		if r := api.ReasonOf(err); r != api.ReasonSourceFormatUnsupported && r != api.ReasonSourceCorrupt {
			t.Errorf("%s: reason %s (%v)", name, r, err)
		}
	}
}

// TestVariableFrameRate: a video whose frame rate changes (30, then 5,
// then 1 per second) gives the first frame at or after each time: at 2.7 s
// the white frame of 2.8 s, at 2.9 s the grey one of 3 s.
func TestVariableFrameRate(t *testing.T) {
	e := newEngine(t, Limits{})
	p := ffmpeg(t, "-f", "lavfi", "-i", "color=black:s=64x48:r=30:d=1", "-f", "lavfi", "-i", "color=white:s=64x48:r=5:d=2",
		"-f", "lavfi", "-i", "color=0x808080:s=64x48:r=1:d=2",
		"-filter_complex", "[0][1][2]concat=n=3:v=1", "-fps_mode", "vfr", "-c:v", "libx264", "-pix_fmt", "yuv420p", "vfr.mkv")
	in, err := e.Probe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		time string
		lo   float64
		hi   float64
	}{{"0.5", 0, 40}, {"1.5", 215, 255}, {"2.7", 215, 255}, {"2.9", 100, 156}, {"3.5", 100, 156}, {"90%", 100, 156}, {"10%", 0, 40}} {
		tm, err := ParseTime(c.time)
		if err != nil {
			t.Fatal(err)
		}
		f, err := e.Frame(context.Background(), p, in, FrameOptions{Time: &tm}, t.TempDir())
		if err != nil {
			t.Fatalf("time %s: %v", c.time, err)
		}
		if l := lumaAt(decodePNG(t, f.Path), 32, 24); l < c.lo || l > c.hi {
			t.Errorf("time %s: luma %.0f, want %.0f..%.0f", c.time, l, c.lo, c.hi)
		}
	}
}

// TestFramePNGSize: frames are written uncompressed while the frames of a
// run stay within uncompressedBytes, deflated past it (six 4K candidates
// would be 150 MB).
func TestFramePNGSize(t *testing.T) {
	for _, c := range []struct {
		w, h, n int
		level   string
	}{{1920, 1080, 1, "0"}, {1920, 1080, candidateFrames, "0"}, {3840, 2160, 1, "0"}, {3840, 2160, candidateFrames, "1"}, {7680, 4320, 1, "1"}} {
		fo := videoFrameOut(Stream{Width: c.w, Height: c.h}, FrameOptions{})
		args := strings.Join(fo.pngArgs(c.n), " ")
		if !strings.Contains(args, "-compression_level "+c.level) {
			t.Errorf("%d frames of %dx%d: %s, want level %s", c.n, c.w, c.h, args, c.level)
		}
	}
	// Scaled down for a small rendition: uncompressed.
	fo := videoFrameOut(Stream{Width: 7680, Height: 4320}, FrameOptions{MinWidth: 640})
	if args := strings.Join(fo.pngArgs(candidateFrames), " "); !strings.Contains(args, "-compression_level 0") {
		t.Errorf("640 wide: %s", args)
	}
}

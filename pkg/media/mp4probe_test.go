package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"testing"
)

// sameInfo reports how quick, the quick probe's description, differs
// from ffprobe's, on everything the engine uses (not the tags).
func sameInfo(t *testing.T, name string, quick, want *Info) {
	t.Helper()
	if quick.Format != want.Format || quick.DurationKnown != want.DurationKnown || math.Abs(quick.Duration-want.Duration) > 0.05 {
		t.Errorf("%s: format %q, duration %v (known %v); ffprobe: %q, %v (%v)", name, quick.Format, quick.Duration, quick.DurationKnown, want.Format, want.Duration, want.DurationKnown)
	}
	if len(quick.Streams) != len(want.Streams) {
		t.Fatalf("%s: %d streams, ffprobe %d: %+v, %+v", name, len(quick.Streams), len(want.Streams), quick.Streams, want.Streams)
	}
	for i, q := range quick.Streams {
		w := want.Streams[i]
		q.Tags, w.Tags = nil, nil
		if math.Abs(q.Duration-w.Duration) > 0.1 {
			t.Errorf("%s: stream %d duration %v, ffprobe %v", name, i, q.Duration, w.Duration)
		}
		if r, wr := q.FrameRate.Float(), w.FrameRate.Float(); math.Abs(r-wr) > wr/1000 {
			t.Errorf("%s: stream %d frame rate %v, ffprobe %v", name, i, q.FrameRate, w.FrameRate)
		}
		q.Duration, w.Duration, q.FrameRate, w.FrameRate = 0, 0, Ratio{}, Ratio{}
		if q.SampleAspect.Float() == w.SampleAspect.Float() {
			q.SampleAspect = w.SampleAspect
		}
		if q.Index != w.Index || q.Type != w.Type || q.Codec != w.Codec || q.Width != w.Width || q.Height != w.Height ||
			q.SampleAspect != w.SampleAspect || q.Rotation != w.Rotation || q.AttachedPicture != w.AttachedPicture ||
			q.Frames != w.Frames || q.SampleRate != w.SampleRate || q.Channels != w.Channels {
			t.Errorf("%s: stream %d\n quick   %+v\n ffprobe %+v", name, i, q, w)
		}
	}
}

// TestQuickProbeAgreesWithFFprobe: the MP4 and QuickTime files the quick
// probe describes, it describes as ffprobe does; the others it leaves to
// ffprobe, and Probe then gives ffprobe's answer.
func TestQuickProbeAgreesWithFFprobe(t *testing.T) {
	e := newEngine(t, Limits{})
	ctx := context.Background()
	base := clip(t, "a.mp4")
	sideways := ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=180x320:r=30:d=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "s.mp4")
	srt := t.TempDir() + "/s.srt"
	if err := os.WriteFile(srt, []byte("1\n00:00:00,000 --> 00:00:01,000\nhello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cover := ffmpeg(t, "-f", "lavfi", "-i", "color=red:s=64x64", "-frames:v", "1", "c.png")
	quick := map[string]string{
		"h264 and aac":   base,
		"quarter turn":   ffmpeg(t, "-i", sideways, "-c", "copy", "-metadata:s:v:0", "rotate=90", "r90.mp4"),
		"half turn":      ffmpeg(t, "-i", sideways, "-c", "copy", "-metadata:s:v:0", "rotate=180", "r180.mov"),
		"three quarters": ffmpeg(t, "-i", sideways, "-c", "copy", "-metadata:s:v:0", "rotate=270", "r270.mov"),
		"pasp":           ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=160x180:d=1", "-vf", "setsar=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "pasp.mp4"),
		"odd size, 4:4:4, scaling lists": ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=318x178:r=24000/1001:d=1", "-c:v", "libx264",
			"-pix_fmt", "yuv444p", "-x264-params", "cqm=jvt", "odd.mp4"),
		"variable frame rate": ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=64x48:r=25:d=2", "-vf", "setpts='if(lt(N,25),N*2,N+25)/TB/25'",
			"-fps_mode", "vfr", "-c:v", "libx264", "-pix_fmt", "yuv420p", "vfr.mp4"),
		"stereo 48 kHz, no video": ffmpeg(t, "-f", "lavfi", "-i", "sine=d=1:r=48000", "-ac", "2", "-c:a", "aac", "a.m4a"),
		"faststart":               ffmpeg(t, "-i", base, "-c", "copy", "-movflags", "+faststart", "fast.mp4"),
		// The pixel shape of the pasp box wins over the stream's.
		"pasp and vui": ffmpeg(t, "-i", base, "-c", "copy", "-bsf:v", "h264_metadata=sample_aspect_ratio=4/3", "-aspect", "32:9", "pv.mp4"),
	}
	// Without a pasp box, the pixel shape is the stream's (the VUI of the
	// sequence parameter set): a copy of the pasp file with that box
	// renamed.
	b, err := os.ReadFile(quick["pasp"])
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(b, []byte("pasp")) != 1 {
		t.Fatalf("%d pasp boxes", bytes.Count(b, []byte("pasp")))
	}
	quick["vui only"] = t.TempDir() + "/vui.mp4"
	if err := os.WriteFile(quick["vui only"], bytes.Replace(b, []byte("pasp"), []byte("zzzz"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	ffprobeOnly := map[string]string{
		"subtitles":     ffmpeg(t, "-i", base, "-i", srt, "-map", "0", "-map", "1", "-c", "copy", "-c:s", "mov_text", "subs.mp4"),
		"cover art":     ffmpeg(t, "-f", "lavfi", "-i", "sine=d=1", "-i", cover, "-map", "0", "-map", "1", "-c:a", "aac", "-c:v", "png", "-disposition:v", "attached_pic", "cover.m4a"),
		"fragmented":    ffmpeg(t, "-i", base, "-c", "copy", "-movflags", "frag_keyframe+empty_moov", "frag.mp4"),
		"matroska":      ffmpeg(t, "-i", base, "-c", "copy", "a.mkv"),
		"mp3 in mp4":    ffmpeg(t, "-f", "lavfi", "-i", "sine=d=1", "-c:a", "libmp3lame", "mp3.mp4"),
		"interlaced":    ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=64x48:d=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-flags", "+ildct+ilme", "-x264-params", "interlaced=1", "i.mp4"),
		"mpeg-4 part 2": ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=64x48:d=1", "-c:v", "mpeg4", "m4v.mp4"),
	}
	if b, err := exec.Command("ffmpeg", "-hide_banner", "-encoders").Output(); err == nil && bytes.Contains(b, []byte("libx265")) {
		ffprobeOnly["hevc"] = ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=64x48:d=1", "-c:v", "libx265", "-x265-params", "log-level=none", "h.mp4")
	}
	for name, p := range quick {
		want, err := e.ffprobeInfo(ctx, p)
		if err != nil {
			t.Fatalf("%s: ffprobe: %v", name, err)
		}
		got, err := quickProbe(p)
		if err != nil {
			t.Errorf("%s: the quick probe leaves it to ffprobe: %v", name, err)
			continue
		}
		sameInfo(t, name, got, want)
		// The files made to test a pixel shape have it.
		if sar, ok := map[string]float64{"pasp": 2, "vui only": 2, "pasp and vui": 2, "h264 and aac": 0}[name]; ok && got.Streams[0].SampleAspect.Float() != sar {
			t.Errorf("%s: sample aspect %v, want %v", name, got.Streams[0].SampleAspect, sar)
		}
		if rot, ok := map[string]int{"quarter turn": 90, "half turn": 180, "three quarters": 270}[name]; ok && got.Streams[0].Rotation != rot {
			t.Errorf("%s: rotation %d, want %d", name, got.Streams[0].Rotation, rot)
		}
	}
	for name, p := range ffprobeOnly {
		if _, err := quickProbe(p); !errors.Is(err, errNotQuick) {
			t.Errorf("%s: quick probe %v, want it left to ffprobe", name, err)
		}
		want, err := e.ffprobeInfo(ctx, p)
		if err != nil {
			t.Fatalf("%s: ffprobe: %v", name, err)
		}
		got, err := e.Probe(ctx, p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sameInfo(t, name, got, want)
	}
}

// TestQuickProbeDamagedFiles: cut or damaged MP4 files never crash the
// quick probe; a file cut anywhere is left to ffprobe (which tells a
// truncated file), and Probe of a cut index is SourceCorrupt.
func TestQuickProbeDamagedFiles(t *testing.T) {
	whole, err := os.ReadFile(ffmpeg(t, "-i", clip(t, "a.mp4"), "-c", "copy", "-movflags", "+faststart", "f.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := probeMP4(bytes.NewReader(whole), int64(len(whole))); err != nil {
		t.Fatalf("whole file: %v", err)
	}
	for _, n := range []int{0, 7, 8, 100, 1000, len(whole) / 2, len(whole) - 1} {
		if _, err := probeMP4(bytes.NewReader(whole[:n]), int64(n)); !errors.Is(err, errNotQuick) {
			t.Errorf("cut at %d: %v, want it left to ffprobe", n, err)
		}
	}
	// Bytes of the index (moov, at the start) changed at random.
	moov := bytes.Index(whole, []byte("moov"))
	if moov < 0 {
		t.Fatal("no moov")
	}
	end := moov - 4 + int(binary.BigEndian.Uint32(whole[moov-4:]))
	rng := rand.New(rand.NewSource(1))
	described := 0
	for i := 0; i < 3000; i++ {
		b := bytes.Clone(whole)
		for j := 0; j < 1+rng.Intn(4); j++ {
			b[moov+rng.Intn(end-moov)] = byte(rng.Intn(256))
		}
		in, err := probeMP4(bytes.NewReader(b), int64(len(b)))
		if err == nil {
			described++
			if len(in.Streams) == 0 || in.Duration <= 0 {
				t.Fatalf("mutation %d: an empty description %+v", i, in)
			}
		}
	}
	if described == 0 || described == 3000 {
		t.Errorf("%d of 3000 damaged indexes described: the mutations did not reach the probe", described)
	}
}

func FuzzProbeMP4(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x08ftyp\x00\x00\x00\x08moov"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = probeMP4(bytes.NewReader(b), int64(len(b)))
	})
}

package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// writeSubs writes a subtitle file in a temporary directory.
func writeSubs(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	enSRT = "1\n00:00:00,200 --> 00:00:00,900\nThe <i>tide</i> turns.\n\n2\n00:00:01,000 --> 00:00:01,800\nBoats come home.\n"
	frASS = "[Script Info]\nScriptType: v4.00+\n\n[V4+ Styles]\n" +
		"Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n" +
		"Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0\n\n[Events]\n" +
		"Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n" +
		"Dialogue: 0,0:00:00.20,0:00:00.90,Default,,0,0,0,,{\\an8}La marée, haute\\Net basse\n"
)

func TestSubtitlesTextStreams(t *testing.T) {
	e := newEngine(t, Limits{})
	ctx := context.Background()
	en, fr := writeSubs(t, "en.srt", enSRT), writeSubs(t, "fr.ass", frASS)

	// Matroska: two text streams in two languages, and their codecs.
	mkv := ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5:duration=2", "-i", en, "-i", fr,
		"-map", "0", "-map", "1", "-map", "2", "-c:v", "mpeg4", "-c:s:0", "srt", "-c:s:1", "ass",
		"-metadata:s:s:0", "language=eng", "-metadata:s:s:1", "language=fra", "two.mkv")
	in, err := e.Probe(ctx, mkv)
	if err != nil {
		t.Fatal(err)
	}
	subs := in.SubtitleStreams()
	if len(subs) != 2 || subs[0].Language() != "eng" || subs[1].Language() != "fra" {
		t.Fatalf("subtitle streams %+v, want eng and fra", subs)
	}
	for i, want := range []string{"The {\\i1}tide{\\i0} turns.", "{\\an8}La marée, haute\\Net basse"} {
		if !subs[i].TextSubtitle() || subs[i].ImageSubtitle() {
			t.Fatalf("stream %+v: want a text subtitle", subs[i])
		}
		sc, err := e.Subtitles(ctx, mkv, in, subs[i], SubtitleOptions{})
		if err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
		if sc.Truncated || !strings.HasPrefix(string(sc.ASS), "[Script Info]") || !strings.Contains(strings.ReplaceAll(string(sc.ASS), "\r\n", "\n"), ",,"+want+"\n") {
			t.Errorf("stream %d: script (truncated %v)\n%s\nwant a Dialogue line of %q", i, sc.Truncated, sc.ASS, want)
		}
	}

	// FLV holds one stream of raw text (its muxer's only subtitle codec).
	flv := ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5:duration=2", "-i", en,
		"-map", "0", "-map", "1", "-c:v", "flv1", "-c:s", "text", "-f", "flv", "clip.flv")
	in, err = e.Probe(ctx, flv)
	if err != nil {
		t.Fatal(err)
	}
	subs = in.SubtitleStreams()
	if len(subs) != 1 || subs[0].Codec != "text" || subs[0].Language() != "" {
		t.Fatalf("FLV subtitle streams %+v, want one of raw text", subs)
	}
	sc, err := e.Subtitles(ctx, flv, in, subs[0], SubtitleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"The tide turns.", "Boats come home."} {
		if !strings.Contains(string(sc.ASS), want) {
			t.Errorf("FLV script lacks %q:\n%s", want, sc.ASS)
		}
	}
}

// A long stream is cut at MaxBytes, at the end of a line, and says so.
func TestSubtitlesMaxBytes(t *testing.T) {
	e := newEngine(t, Limits{})
	var b strings.Builder
	for i := range 3000 {
		ms := i * 100
		fmt.Fprintf(&b, "%d\n00:%02d:%02d,%03d --> 00:%02d:%02d,%03d\nCaption %d of the long film\n\n",
			i+1, ms/60000, ms/1000%60, ms%1000, (ms+80)/60000, (ms+80)/1000%60, (ms+80)%1000, i)
	}
	flv := ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=32x32:rate=1:duration=300", "-i", writeSubs(t, "long.srt", b.String()),
		"-map", "0", "-map", "1", "-c:v", "flv1", "-c:s", "text", "-f", "flv", "long.flv")
	in, err := e.Probe(context.Background(), flv)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := e.Subtitles(context.Background(), flv, in, in.SubtitleStreams()[0], SubtitleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if whole.Truncated || !strings.Contains(string(whole.ASS), "Caption 2999 of") {
		t.Fatalf("the whole script (%d bytes, truncated %v) lacks the last caption", len(whole.ASS), whole.Truncated)
	}
	cut, err := e.Subtitles(context.Background(), flv, in, in.SubtitleStreams()[0], SubtitleOptions{MaxBytes: 20_000})
	if err != nil {
		t.Fatal(err)
	}
	if !cut.Truncated || len(cut.ASS) > 20_000+subtitleSlack || len(cut.ASS) < 10_000 ||
		!strings.HasSuffix(string(cut.ASS), "\n") || strings.Contains(string(cut.ASS), "Caption 2999 of") {
		t.Fatalf("cut script: %d bytes, truncated %v, ends %q", len(cut.ASS), cut.Truncated, cut.ASS[max(0, len(cut.ASS)-40):])
	}
}

// An event larger than ffmpeg's subtitle buffer (1 MiB) fails as too
// large, not as a corrupt file.
func TestSubtitlesHugeEvent(t *testing.T) {
	e := newEngine(t, Limits{})
	huge := "1\n00:00:00,200 --> 00:00:01,000\n" + strings.Repeat("wave ", 300_000) + "\n"
	// Copied, not converted: ffmpeg's SubRip encoder takes minutes over
	// an event this long.
	mkv := ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=32x32:rate=5:duration=2", "-i", writeSubs(t, "huge.srt", huge),
		"-map", "0", "-map", "1", "-c:v", "mpeg4", "-c:s", "copy", "huge.mkv")
	in, err := e.Probe(context.Background(), mkv)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Subtitles(context.Background(), mkv, in, in.SubtitleStreams()[0], SubtitleOptions{})
	reasonOf(t, err, api.ReasonSourceTooLarge)
	if msg := api.MessageOf(err); !strings.Contains(msg, "subtitle event") {
		t.Errorf("message %q does not say an event is too large", msg)
	}
}

func TestSubtitlesRefused(t *testing.T) {
	e := newEngine(t, Limits{})
	ctx := context.Background()
	en := writeSubs(t, "en.srt", enSRT)

	// The MPEG program stream muxer stores a subtitle stream as DVD
	// subtitles (pictures), which its demuxer reports.
	mpg := ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=2", "-i", en,
		"-map", "0", "-map", "1", "-c:v", "mpeg2video", "-c:s", "srt", "-f", "mpeg", "pictures.mpg")
	in, err := e.Probe(ctx, mpg)
	if err != nil {
		t.Fatal(err)
	}
	subs := in.SubtitleStreams()
	if len(subs) != 1 || !subs[0].ImageSubtitle() || subs[0].TextSubtitle() {
		t.Fatalf("MPEG-PS subtitle streams %+v, want one of pictures", subs)
	}
	_, err = e.Subtitles(ctx, mpg, in, subs[0], SubtitleOptions{})
	reasonOf(t, err, api.ReasonSourceFormatUnsupported)
	if msg := api.MessageOf(err); !strings.Contains(msg, "the subtitles of this video are images") {
		t.Errorf("message %q does not say the subtitles are images", msg)
	}

	flv := ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5:duration=4", "-i", en,
		"-map", "0", "-map", "1", "-c:v", "flv1", "-c:s", "text", "-f", "flv", "clip.flv")
	in, err = e.Probe(ctx, flv)
	if err != nil {
		t.Fatal(err)
	}
	s := in.SubtitleStreams()[0]

	// Limits from the probe, before ffmpeg runs.
	_, err = newEngine(t, Limits{MaxDuration: 1}).Subtitles(ctx, flv, in, s, SubtitleOptions{})
	reasonOf(t, err, api.ReasonSourceTooLarge)

	// The deadline ends the work.
	past, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	_, err = e.Subtitles(past, flv, in, s, SubtitleOptions{})
	reasonOf(t, err, api.ReasonTimeout)

	// A file cut short gives what was before the cut, or fails as corrupt.
	whole, err := os.ReadFile(flv)
	if err != nil {
		t.Fatal(err)
	}
	cutPath := filepath.Join(t.TempDir(), "cut.flv")
	if err := os.WriteFile(cutPath, whole[:len(whole)*2/3], 0o600); err != nil {
		t.Fatal(err)
	}
	sc, err := e.Subtitles(ctx, cutPath, in, s, SubtitleOptions{})
	if err != nil {
		reasonOf(t, err, api.ReasonSourceCorrupt)
	} else if !strings.Contains(string(sc.ASS), "The tide turns.") {
		t.Errorf("a file cut at two thirds lost its first caption:\n%s", sc.ASS)
	}
}

// gab2AVI returns an AVI file of 30 frames of 8x8 raw video at 10 fps with
// a subtitle stream holding the SubRip file srt, embedded as AVI muxers of
// the DivX era did (a "txts" stream whose one chunk is a GAB2 block: a
// UTF-16 stream name, then the file).
func gab2AVI(name, srt string) []byte {
	le32 := func(v int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
	le16 := func(v int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	chunk := func(fcc string, data []byte) []byte {
		out := cat([]byte(fcc), le32(len(data)), data)
		if len(data)%2 == 1 {
			out = append(out, 0)
		}
		return out
	}
	list := func(kind string, data []byte) []byte {
		return cat([]byte("LIST"), le32(len(data)+4), []byte(kind), data)
	}
	const w, h, frames = 8, 8, 30
	var title []byte
	for _, r := range name + "\x00" {
		title = append(title, le16(int(r))...)
	}
	gab := cat([]byte("GAB2\x00"), le16(2), le32(len(title)), title, le16(4), le32(len(srt)), []byte(srt))
	ints := func(vs ...int) []byte {
		var out []byte
		for _, v := range vs {
			out = append(out, le32(v)...)
		}
		return out
	}
	avih := ints(100000, 0, 0, 0x10, frames, 0, 2, 0, w, h, 0, 0, 0, 0)
	// fccType, fccHandler, flags, priority+language, initial frames,
	// scale, rate, start, length, buffer size, quality, sample size,
	// frame rectangle.
	strhVideo := cat([]byte("vidsDIB "), ints(0, 0, 0, 1, 10, 0, frames, 0, -1, 0), le16(0), le16(0), le16(w), le16(h))
	strfVideo := cat(ints(40, w, h), le16(1), le16(24), ints(0, w*h*3, 0, 0, 0, 0))
	strhText := cat([]byte("txts\x00\x00\x00\x00"), ints(0, 0, 0, 1, 10, 0, 1, 0, -1, 0), make([]byte, 8))
	hdrl := list("hdrl", cat(chunk("avih", avih),
		list("strl", cat(chunk("strh", strhVideo), chunk("strf", strfVideo))),
		list("strl", cat(chunk("strh", strhText), chunk("strf", nil)))))
	var movi, idx []byte
	add := func(fcc string, data []byte) {
		idx = append(idx, cat([]byte(fcc), ints(0x10, 4+len(movi), len(data)))...)
		movi = append(movi, chunk(fcc, data)...)
	}
	add("01tx", gab)
	for i := range frames {
		add("00db", bytes.Repeat([]byte{byte(i * 8)}, w*h*3))
	}
	body := cat([]byte("AVI "), hdrl, list("movi", movi), chunk("idx1", idx))
	return cat([]byte("RIFF"), le32(len(body)), body)
}

// The SubRip file inside an AVI is read through the srt demuxer, which
// the format whitelist lets ffmpeg open for it.
func TestSubtitlesOfAVI(t *testing.T) {
	e := newEngine(t, Limits{})
	p := filepath.Join(t.TempDir(), "film.avi")
	if err := os.WriteFile(p, gab2AVI("English", strings.ReplaceAll(enSRT, "\n", "\r\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := e.Probe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	subs := in.SubtitleStreams()
	if len(subs) != 1 || subs[0].Codec != "subrip" || !subs[0].TextSubtitle() || subs[0].Tags["title"] != "English" {
		t.Fatalf("AVI subtitle streams %+v, want one of SubRip named English", subs)
	}
	sc, err := e.Subtitles(context.Background(), p, in, subs[0], SubtitleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{",,The {\\i1}tide{\\i0} turns.\r\n", ",,Boats come home.\r\n"} {
		if !strings.Contains(string(sc.ASS), want) {
			t.Errorf("AVI script lacks %q:\n%s", want, sc.ASS)
		}
	}
}

// ffmpeg blocked on a source that never ends is killed when the context
// ends, with Timeout, and leaves no process.
func TestSubtitlesDeadlineKillsEngine(t *testing.T) {
	e := newEngine(t, Limits{})
	fifo := filepath.Join(t.TempDir(), "never-subs-"+strconv.Itoa(os.Getpid())+".mkv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	in := &Info{Format: "matroska,webm", Duration: 2, Streams: []Stream{{Index: 0, Type: Subtitle, Codec: "subrip"}}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := e.Subtitles(ctx, fifo, in, in.Streams[0], SubtitleOptions{})
		errc <- err
	}()
	testutil.WaitForProcesses(t, fifo, 1, errc)
	cancel()
	reasonOf(t, <-errc, api.ReasonTimeout)
	if left := testutil.Processes(t, fifo); len(left) != 0 {
		t.Fatalf("engine processes left: %v", left)
	}
}

package media

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

package fulltext

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/media"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/text"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// sniff tells the format of a source from its first bytes and name.
func sniff(src *worker.Source) format.Format {
	head := make([]byte, format.SniffLen)
	n, err := src.Reader.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return format.Unknown
	}
	return format.Sniff(head[:n], src.Name)
}

// captionsByFFmpeg reports whether the subtitles of a source of format f
// are read with ffmpeg: a video container (or an Ogg file, which may
// hold video) that package text does not read itself (AVI, MPEG-TS,
// MPEG-PS, ASF/WMV, FLV, MXF, DV, Ogg). Package text reads the subtitle
// tracks of MP4, QuickTime and Matroska/WebM files in Go.
func captionsByFFmpeg(f format.Format) bool {
	return f.Reads(format.MediaRead) && !f.Reads(format.TextRead) &&
		(f.Family == format.FamilyVideo || f.Name == "ogg")
}

// noFFmpeg is the failure of a video whose subtitles need ffmpeg on a
// machine without it.
func noFFmpeg(f format.Format) error {
	return api.Errorf(api.ReasonSourceFormatUnsupported,
		"the subtitles of this source (%s) are read with ffmpeg, which is not installed here", f.Title)
}

// mediaCaptions writes to w the text of the subtitle stream of the media
// file at path (of format f) that lang picks, as text.ExtractLanguage
// does for the containers it reads: the first text stream, or the first
// in lang (text.PickLanguage), converted by ffmpeg (media.Subtitles) and
// read by text.Captions. A video without a subtitle stream, or without
// one in lang, has an empty text with a warning saying so; an audio file
// without one has no text (SourceFormatUnsupported, as before ffmpeg read
// subtitles). A stream of pictures (DVD, DVB, Blu-ray subtitles) fails
// with SourceFormatUnsupported, as the text of images cannot be read.
func mediaCaptions(ctx context.Context, e *media.Engine, path string, f format.Format, lang string, w io.Writer, o text.Options) (*text.Result, error) {
	info, err := e.Probe(ctx, path)
	if err != nil {
		return nil, err
	}
	_, hasVideo := info.VideoStream()
	what := "video"
	if !hasVideo {
		what = "media file"
	}
	subs := info.SubtitleStreams()
	if len(subs) == 0 && !hasVideo {
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported,
			"source is %s with no video and no subtitle or caption stream, which has no text to extract", article(f.Title))
	}
	empty := func(warning string) *text.Result {
		return &text.Result{Format: f.Name, Warnings: []string{warning}}
	}
	if len(subs) == 0 {
		return empty(fmt.Sprintf("the %s has no subtitle or caption stream that can be read as text", what)), nil
	}
	// A stream of text first; a stream of pictures only when it is the
	// one lang names, or the only kind there is, to say why it is not read.
	var texts []media.Stream
	for _, s := range subs {
		if s.TextSubtitle() {
			texts = append(texts, s)
		}
	}
	var chosen *media.Stream
	if i := text.PickLanguage(languages(texts), lang); i >= 0 {
		chosen = &texts[i]
	} else if i := text.PickLanguage(languages(subs), lang); i >= 0 {
		chosen = &subs[i]
	} else {
		var langs []string
		for _, l := range languages(subs) {
			langs = append(langs, cmpOr(l, "undetermined"))
		}
		return empty(fmt.Sprintf("the %s has no subtitle or caption stream in language %q; its streams are in: %s",
			what, lang, strings.Join(langs, ", "))), nil
	}
	// The script is several times the text it holds (timings, styles,
	// UTF-8); the character limit bounds the text read from it.
	maxBytes := min(media.DefaultMaxSubtitleBytes, 8*o.MaxChars+64<<10)
	if o.MaxChars <= 0 {
		maxBytes = media.DefaultMaxSubtitleBytes
	}
	sc, err := e.Subtitles(ctx, path, info, *chosen, media.SubtitleOptions{MaxBytes: maxBytes})
	if err != nil {
		return nil, err
	}
	res, err := text.Captions(ctx, bytes.NewReader(sc.ASS), w, o)
	if err != nil {
		return nil, err
	}
	res.Format = f.Name
	res.Encoding = "" // the script is ffmpeg's UTF-8, not the source's encoding
	res.Language = chosen.Language()
	if sc.Truncated && !res.Truncated {
		res.Truncated = true
		res.Warnings = append(res.Warnings, fmt.Sprintf("the subtitle stream was read up to %d bytes of script; the captions after that are left out", maxBytes))
	}
	return res, nil
}

// languages returns the languages of the streams, "" when unknown.
func languages(streams []media.Stream) []string {
	out := make([]string, len(streams))
	for i, s := range streams {
		out[i] = s.Language()
	}
	return out
}

func cmpOr(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

// article puts "a" or "an" before a title: "an Ogg media file".
func article(title string) string {
	if title != "" && strings.ContainsRune("AEIOaeio", rune(title[0])) {
		return "an " + title
	}
	return "a " + title
}

// mediaEngineFor returns e with the media limits that s sets that apply
// to reading subtitles: the duration, CPU time and memory.
func mediaEngineFor(e *media.Engine, s settings.Settings) *media.Engine {
	var l settings.MediaLimits
	s.ApplyMedia(&l)
	if l == (settings.MediaLimits{}) {
		return e
	}
	m := e.Limits()
	if l.MaxDurationSeconds > 0 {
		m.MaxDuration = float64(l.MaxDurationSeconds)
	}
	if l.CPUSeconds > 0 {
		m.CPUSeconds = uint64(l.CPUSeconds)
	}
	if l.MemoryBytes > 0 {
		m.MemoryBytes = uint64(l.MemoryBytes)
	}
	return e.WithLimits(m)
}

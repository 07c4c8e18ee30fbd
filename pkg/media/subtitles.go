package media

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/cage"
)

// textSubtitleCodecs are the subtitle codecs of text that ffmpeg decodes
// (Debian's 5.1 build), by ffprobe's codec name.
var textSubtitleCodecs = map[string]bool{
	"ass": true, "ssa": true, "subrip": true, "srt": true, "mov_text": true,
	"webvtt": true, "text": true, "subviewer": true, "subviewer1": true,
	"microdvd": true, "mpl2": true, "jacosub": true, "pjs": true,
	"realtext": true, "sami": true, "stl": true, "vplayer": true,
	"eia_608": true,
}

// imageSubtitleCodecs are the subtitle codecs of pictures: DVD, DVB and
// Blu-ray (PGS) subtitles, DivX XSUB.
var imageSubtitleCodecs = map[string]bool{
	"dvd_subtitle": true, "dvb_subtitle": true, "hdmv_pgs_subtitle": true, "xsub": true,
}

// SubtitleStreams returns the subtitle streams of the file, in file order.
func (in *Info) SubtitleStreams() []Stream {
	var out []Stream
	for _, s := range in.Streams {
		if s.Type == Subtitle {
			out = append(out, s)
		}
	}
	return out
}

// TextSubtitle reports whether s is a subtitle stream of text that
// Subtitles converts: SubRip, ASS/SSA, MP4 timed text (mov_text),
// WebVTT, the raw text of FLV and the other text formats ffmpeg decodes.
func (s Stream) TextSubtitle() bool { return s.Type == Subtitle && textSubtitleCodecs[s.Codec] }

// ImageSubtitle reports whether s is a subtitle stream of pictures (DVD,
// DVB and Blu-ray PGS subtitles, XSUB), whose text cannot be read.
func (s Stream) ImageSubtitle() bool { return s.Type == Subtitle && imageSubtitleCodecs[s.Codec] }

// Language returns the language the stream's tags give (an ISO 639-2
// code such as "eng", or what the container holds), "" when none or
// undetermined ("und").
func (s Stream) Language() string {
	l := strings.TrimSpace(s.Tags["language"])
	if strings.EqualFold(l, "und") {
		return ""
	}
	return l
}

// DefaultMaxSubtitleBytes is the default cap on the script Subtitles
// returns.
const DefaultMaxSubtitleBytes = 16 << 20

// SubtitleOptions configure Subtitles.
type SubtitleOptions struct {
	// MaxBytes caps the script returned: ffmpeg stops writing past it
	// and the script is cut there (Script.Truncated). Default
	// DefaultMaxSubtitleBytes.
	MaxBytes int
}

// Script is a subtitle stream converted by Subtitles.
type Script struct {
	// ASS is the stream as an Advanced SubStation Alpha script in UTF-8:
	// a script header, styles and one Dialogue line per event, in the
	// stream's order.
	ASS []byte
	// Truncated reports that the script was cut at MaxBytes (at the end
	// of a line): the events past that are left out.
	Truncated bool
}

// Subtitles converts the text subtitle stream s (one of in.Streams, a
// TextSubtitle) of the media file at path into an ASS script: ffmpeg, in
// the engine's cage and under its limits, demuxes the file and decodes
// that stream only (-map 0:N -c:s ass -f ass), writing to its standard
// output, which is bounded by opts.MaxBytes (-fs). ASS keeps each event's
// text with its line breaks and its markup marked as such (override
// blocks, drawings), so a reader can leave the markup out; the other
// text formats are converted into it by ffmpeg's decoders.
//
// The file's duration and stream count are checked against the limits
// first (SourceTooLarge); the frame limits do not apply, as no picture is
// decoded. A stream of pictures (ImageSubtitle) fails with
// SourceFormatUnsupported, saying the subtitles are images; another
// stream that is not text fails likewise. An event of more than 1 MiB
// (ffmpeg's buffer for one event) fails with SourceTooLarge. A file
// ffmpeg cannot read fails with SourceCorrupt, the context's deadline
// with Timeout.
func (e *Engine) Subtitles(ctx context.Context, path string, in *Info, s Stream, opts SubtitleOptions) (*Script, error) {
	l := e.limits
	if in.Duration > l.MaxDuration {
		return nil, api.Errorf(api.ReasonSourceTooLarge, "the media is %s long, more than the limit of %s", seconds(in.Duration), seconds(l.MaxDuration))
	}
	if len(in.Streams) > l.MaxStreams {
		return nil, api.Errorf(api.ReasonSourceTooLarge, "the media file has %d streams, more than the limit of %d", len(in.Streams), l.MaxStreams)
	}
	switch {
	case s.Type != Subtitle:
		return nil, api.Errorf(api.ReasonGeneric, "stream %d is not a subtitle stream but %s", s.Index, s.Type)
	case s.ImageSubtitle():
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported, "the subtitles of this video are images (%s), which cannot be read as text", s.Codec)
	case s.Codec == "dvb_teletext":
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported, "the subtitles of this video are DVB teletext, which is not read as text")
	case !s.TextSubtitle():
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported, "the subtitles of this video are in a format (%s) that cannot be read as text", cmpOrUnknown(s.Codec))
	}
	max := opts.MaxBytes
	if max <= 0 {
		max = DefaultMaxSubtitleBytes
	}
	input, err := fileInput(path)
	if err != nil {
		return nil, err
	}
	args := append(e.ffmpegArgs(), e.inputArgs(input)...)
	args = append(args,
		"-map", "0:"+strconv.Itoa(s.Index),
		"-c:s", "ass",
		"-fs", strconv.Itoa(max),
		"-f", "ass", "pipe:1",
	)
	res, err := e.cage.Run(ctx, cage.Cmd{Path: e.ffmpeg, Args: args, Limits: cage.Limits{
		MemoryBytes: l.MemoryBytes,
		CPUSeconds:  l.CPUSeconds,
		// ffmpeg stops once past -fs, after the packet that crossed it.
		MaxStdout: max + subtitleSlack,
	}})
	var ce *cage.Error
	switch {
	case errors.Is(err, cage.ErrOutputTooLarge):
		return nil, api.Wrap(api.ReasonSourceTooLarge, err, "the subtitle stream has an event larger than the limit of the subtitle text")
	case errors.As(err, &ce) && ce.Err == nil && strings.Contains(ce.Stderr, "Buffer too small for ASS event"):
		// ffmpeg converts one event in a buffer of 1 MiB.
		return nil, api.Wrap(api.ReasonSourceTooLarge, err, "the subtitle stream has a subtitle event of more than 1 MiB of text, more than ffmpeg converts")
	}
	if err != nil {
		return nil, engineError(err, "the subtitles cannot be read")
	}
	sc := &Script{ASS: res.Stdout}
	if len(sc.ASS) >= max {
		sc.Truncated = true
		if i := bytes.LastIndexByte(sc.ASS, '\n'); i >= 0 {
			sc.ASS = sc.ASS[:i+1]
		}
	}
	return sc, nil
}

// subtitleSlack is how much more than MaxBytes ffmpeg may write: the
// packet that crosses the limit is written whole.
const subtitleSlack = 4 << 20

func cmpOrUnknown(s string) string {
	if s == "" || s == "none" {
		return "unknown"
	}
	return s
}

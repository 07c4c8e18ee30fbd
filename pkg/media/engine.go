// Package media reads video and audio sources with ffmpeg and ffprobe
// (Debian's 5.1), run as caged child processes (package internal/cage):
// their own process group killed when the context ends, a private
// temporary directory, a minimal environment, address-space and CPU-time
// limits, a thread cap, the file protocol only (-protocol_whitelist
// file,pipe, and inputs named "file:/path"), so ffmpeg never opens a URL,
// and a network namespace of their own with no usable interface (the
// cage's NoNetwork), so not even a decoder bug can reach the network,
// and the container demuxers only (-format_whitelist, see Demuxers), so a
// playlist or script inside a source cannot make it open other files.
// Sources are local files fetched by package transfer.
//
// Probe describes a file (duration, streams, codecs, rotation, sample
// aspect ratio, frame rate); CheckLimits refuses, with SourceTooLarge, a
// file whose probe exceeds the limits before anything is decoded; Frame
// extracts one upright, undistorted image of a file as PNG: a video frame
// at a time, a representative frame, the cover art of an audio file, or
// the waveform of one without; Storyboard and Preview sample frames over
// the duration; Clip encodes a preview clip (H.264 and AAC in a faststart
// MP4, upright, square-pixelled, fitted, cut to a bounded length).
//
// Failures are *api.Error values: SourceCorrupt for a file ffmpeg cannot
// read (truncated, corrupt), SourceFormatUnsupported for a file without
// the stream asked for or without duration, SourceTooLarge for limits,
// Timeout when the context's deadline ends the work.
package media

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/cage"
)

// Limits bound the media the engine processes; they are checked from the
// probe, before decoding. A zero field takes the default.
type Limits struct {
	// MaxDuration is the longest source, in seconds. Default 6 hours.
	MaxDuration float64
	// MaxPixels is the largest frame, width times height. Default
	// 40 megapixels (8K UHD is 33).
	MaxPixels int64
	// MaxStreams is the most streams a file may have. Default 64.
	MaxStreams int
	// MaxFrames is the most frames a video stream may have: as its
	// container declares, or its duration times its frame rate. Default
	// 3,000,000 (6 hours, the duration limit, at 120 frames per second is
	// 2,592,000).
	MaxFrames int64
	// MaxFrameRate is the highest frame rate. Default 1000 per second.
	MaxFrameRate float64
	// MemoryBytes is the address-space limit of ffmpeg. Default 2 GiB.
	MemoryBytes uint64
	// CPUSeconds is the CPU-time limit of one ffmpeg run. Default 120.
	CPUSeconds uint64
	// Threads is ffmpeg's thread count. Default 2.
	Threads int
}

// Default limits.
const (
	DefaultMaxDuration  = 6 * 3600
	DefaultMaxPixels    = 40_000_000
	DefaultMaxStreams   = 64
	DefaultMaxFrames    = 3_000_000
	DefaultMaxFrameRate = 1000
	DefaultMemoryBytes  = 2 << 30
	DefaultCPUSeconds   = 120
	DefaultThreads      = 2
)

func (l Limits) withDefaults() Limits {
	if l.MaxDuration <= 0 {
		l.MaxDuration = DefaultMaxDuration
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxStreams <= 0 {
		l.MaxStreams = DefaultMaxStreams
	}
	if l.MaxFrames <= 0 {
		l.MaxFrames = DefaultMaxFrames
	}
	if l.MaxFrameRate <= 0 {
		l.MaxFrameRate = DefaultMaxFrameRate
	}
	if l.MemoryBytes == 0 {
		l.MemoryBytes = DefaultMemoryBytes
	}
	if l.CPUSeconds == 0 {
		l.CPUSeconds = DefaultCPUSeconds
	}
	if l.Threads <= 0 {
		l.Threads = DefaultThreads
	}
	return l
}

// Options configure an Engine.
type Options struct {
	// FFmpeg and FFprobe are the programs; default "ffmpeg" and "ffprobe"
	// from PATH, or from /usr/bin and /usr/local/bin when PATH lacks them
	// (an OpenWhisk action runs without PATH).
	FFmpeg, FFprobe string
	// Limits bound the media processed.
	Limits Limits
	// TempDir is where the engines' private directories are made; default
	// os.TempDir().
	TempDir string
}

// Engine runs ffmpeg and ffprobe. It may be used concurrently.
type Engine struct {
	ffmpeg, ffprobe string
	limits          Limits
	cage            *cage.Cage
}

// New returns an engine, or an error when ffmpeg, ffprobe or the cage's
// prlimit cannot be found.
func New(opts Options) (*Engine, error) {
	e := &Engine{limits: opts.Limits.withDefaults()}
	for _, p := range []struct {
		dst  *string
		name string
	}{{&e.ffmpeg, opts.FFmpeg}, {&e.ffprobe, opts.FFprobe}} {
		name := p.name
		if name == "" {
			name = map[*string]string{&e.ffmpeg: "ffmpeg", &e.ffprobe: "ffprobe"}[p.dst]
		}
		path, err := cage.LookPath(name)
		if err != nil {
			return nil, fmt.Errorf("media: %w", err)
		}
		*p.dst = path
	}
	c, err := cage.New(cage.Options{TempDir: opts.TempDir, NoNetwork: true, Limits: cage.Limits{
		MemoryBytes: e.limits.MemoryBytes,
		CPUSeconds:  e.limits.CPUSeconds,
	}})
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	e.cage = c
	return e, nil
}

// Limits returns the engine's limits, defaults filled in.
func (e *Engine) Limits() Limits { return e.limits }

// WithLimits returns a copy of e with other limits (zero fields take the
// defaults).
func (e *Engine) WithLimits(l Limits) *Engine {
	c := *e
	c.limits = l.withDefaults()
	return &c
}

// run runs an engine program in the cage and returns its output.
func (e *Engine) run(ctx context.Context, prog string, args []string) ([]byte, error) {
	res, err := e.cage.Run(ctx, cage.Cmd{Path: prog, Args: args, Limits: cage.Limits{
		MemoryBytes: e.limits.MemoryBytes,
		CPUSeconds:  e.limits.CPUSeconds,
	}})
	if err != nil {
		return nil, err
	}
	return res.Stdout, nil
}

// Demuxers are the only ffmpeg demuxers (input formats) the engine lets
// ffmpeg and ffprobe use (-format_whitelist): the containers of the format
// registry's video and audio formats, raw streams found in them, and the
// SubRip and ASS subtitle files that AVI files embed (GAB2 chunks, read
// by a demuxer of their own, which ffmpeg holds to this list too). It
// shuts out the demuxers that open other files or URLs named inside the
// input (HLS and DASH playlists, ffconcat scripts, image sequences, SDP,
// ...), which would let a crafted source read files of the machine into
// a rendition.
const Demuxers = "mov,matroska,avi,mpegts,mpeg,mpegvideo,m4v,h264,hevc,asf,flv,mxf,dv," +
	"mp3,aac,ac3,eac3,wav,w64,aiff,flac,ogg,amr,caf,srt,ass"

// fileInput names a local file for ffmpeg with the file protocol, so that
// no name (such as "http:x" or "concat:a|b") is read as another protocol.
func fileInput(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", api.Wrap(api.ReasonGeneric, err, "source path")
	}
	return "file:" + abs, nil
}

// engineError turns a failed engine run into an *api.Error: Timeout when
// the context's deadline ended it, SourceTooLarge for the CPU and memory
// limits, SourceCorrupt otherwise, with the engine's last words.
func engineError(err error, what string) error {
	var ce *cage.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return api.Wrap(api.ReasonTimeout, err, what+": the deadline passed while ffmpeg was working")
	case errors.Is(err, context.Canceled):
		return api.Wrap(api.ReasonTimeout, err, what+": the work was cancelled")
	case errors.Is(err, cage.ErrCPULimit):
		return api.Wrap(api.ReasonSourceTooLarge, err, what+": decoding needs more CPU time than the limit allows")
	case errors.Is(err, cage.ErrMemoryLimit):
		return api.Wrap(api.ReasonSourceTooLarge, err, what+": decoding needs more memory than the limit allows")
	case errors.As(err, &ce) && ce.Err == nil && strings.Contains(ce.Stderr, "not on whitelist"):
		return api.Wrap(api.ReasonSourceFormatUnsupported, err, what+": its format is not a video or audio container the service reads (playlists and scripts that name other files are refused)")
	case errors.As(err, &ce) && ce.Err == nil:
		msg := what + ": the file is truncated or corrupt"
		if last := cage.LastLines(ce.Stderr, 2); last != "" {
			msg += " (" + last + ")"
		}
		return api.Wrap(api.ReasonSourceCorrupt, err, msg)
	}
	return api.Wrap(api.ReasonGeneric, err, what)
}

// CheckLimits refuses, with SourceTooLarge, a file whose probe exceeds the
// engine's limits: its duration, streams, frame size, declared frames or
// frame rate. It is cheap and runs before anything is decoded.
func (e *Engine) CheckLimits(in *Info) error {
	l := e.limits
	if in.Duration > l.MaxDuration {
		return api.Errorf(api.ReasonSourceTooLarge, "the media is %s long, more than the limit of %s", seconds(in.Duration), seconds(l.MaxDuration))
	}
	if len(in.Streams) > l.MaxStreams {
		return api.Errorf(api.ReasonSourceTooLarge, "the media file has %d streams, more than the limit of %d", len(in.Streams), l.MaxStreams)
	}
	for _, s := range in.Streams {
		if s.Type != Video {
			continue
		}
		if px := int64(s.Width) * int64(s.Height); px > l.MaxPixels {
			return api.Errorf(api.ReasonSourceTooLarge, "video stream %d has %dx%d frames (%d pixels), more than the limit of %d pixels", s.Index, s.Width, s.Height, px, l.MaxPixels)
		}
		if n := s.frameCount(in.Duration); n > l.MaxFrames {
			return api.Errorf(api.ReasonSourceTooLarge, "video stream %d has %d frames, more than the limit of %d", s.Index, n, l.MaxFrames)
		}
		if r := s.FrameRate.Float(); !s.AttachedPicture && r > l.MaxFrameRate {
			return api.Errorf(api.ReasonSourceTooLarge, "video stream %d has %.0f frames per second, more than the limit of %.0f", s.Index, r, l.MaxFrameRate)
		}
	}
	return nil
}

// frameCount returns the frames the stream declares, or, when the
// container does not say (Matroska, MPEG-TS), its duration (or the file's)
// times its frame rate.
func (s Stream) frameCount(fileDuration float64) int64 {
	if s.Frames > 0 || s.AttachedPicture {
		return s.Frames
	}
	d := s.Duration
	if d <= 0 {
		d = fileDuration
	}
	return int64(math.Round(d * s.FrameRate.Float()))
}

// seconds writes a duration in seconds for people: "12.5 s", "2 h 5 min".
func seconds(s float64) string {
	if s < 120 {
		return strconv.FormatFloat(math.Round(s*100)/100, 'f', -1, 64) + " s"
	}
	m := int(s / 60)
	if m < 120 {
		return strconv.Itoa(m) + " min"
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}

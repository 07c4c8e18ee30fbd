package media

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Bounds of preview clips.
const (
	// DefaultClipDuration is the length of a preview clip, in seconds,
	// when none is asked for.
	DefaultClipDuration = 30
	// MaxClipDuration is the longest preview clip, in seconds.
	MaxClipDuration = 300
	// MaxClipPixels is the largest frame of a preview clip, width times
	// height (1920x1080); a larger frame is scaled down, aspect kept.
	MaxClipPixels = 1920 * 1080
	// DefaultClipCRF is the x264 constant rate factor of a clip asked for
	// with neither a bit rate nor a quality.
	DefaultClipCRF = 23
	// ClipAudioBitrate is the bit rate of a clip's stereo AAC audio.
	ClipAudioBitrate = "128k"
	// MaxClipFrameRate is the highest frame rate of a preview clip; a
	// faster source is resampled to it.
	MaxClipFrameRate = 60
)

// ClipOptions shape a preview clip.
type ClipOptions struct {
	// MaxWidth and MaxHeight bound the frame (upright, square pixels,
	// aspect kept); 0 leaves a side unbounded. Without Upscale the frame
	// is never larger than the source's.
	MaxWidth, MaxHeight int
	Upscale             bool
	// Start is where the clip begins; nil is the start of the video.
	Start *Time
	// Duration is the longest clip in seconds; default
	// DefaultClipDuration, at most MaxClipDuration.
	Duration float64
	// Bitrate is the video bit rate in bits per second; 0 encodes at a
	// constant quality (CRF) instead.
	Bitrate int64
	// CRF is x264's constant rate factor (0 to 51, lower is better), used
	// when Bitrate is 0; 0 takes DefaultClipCRF.
	CRF int
}

// CRFOfQuality maps a quality instruction (1 to 100, as for images) to
// x264's constant rate factor: CRF = 51 - round(quality * 33 / 100), so
// quality 100 is CRF 18 (visually lossless), 85 is CRF 23 (x264's
// default), 50 is CRF 34 and 1 is CRF 51 (the lowest).
func CRFOfQuality(q int) int {
	q = max(1, min(100, q))
	return 51 - int(math.Round(float64(q)*33/100))
}

// Clip is a preview clip Clip made.
type Clip struct {
	// Path is the MP4 file.
	Path string
	// Width and Height are its frame size in pixels.
	Width, Height int
	// Start is where it begins in the source, and Duration its length, in
	// seconds.
	Start, Duration float64
	// Audio is true when it has a sound track.
	Audio bool
}

// clipSize fits the upright frame of vs inside maxW x maxH (0: unbounded),
// never larger than the source without upscale, at most MaxClipPixels,
// with even sides of at least 2 (H.264 in yuv420p needs them even).
func clipSize(vs Stream, maxW, maxH int, upscale bool) (int, int) {
	w, h := vs.DisplaySize()
	if w <= 0 || h <= 0 {
		w, h = 16, 9
	}
	fw, fh := float64(w), float64(h)
	s := math.Inf(1)
	if maxW > 0 {
		s = float64(maxW) / fw
	}
	if maxH > 0 {
		s = math.Min(s, float64(maxH)/fh)
	}
	if math.IsInf(s, 1) || (!upscale && s > 1) {
		s = 1
	}
	if px := fw * fh * s * s; px > MaxClipPixels {
		s *= math.Sqrt(MaxClipPixels / px)
	}
	even := func(v float64) int { return max(2, int(math.Floor(v/2))*2) }
	return even(fw * s), even(fh * s)
}

// Clip makes a preview clip of the video at path, described by in (from
// Probe), as an MP4 in dir that browsers play as it downloads: H.264
// (libx264, yuv420p, even sides) and, when the source has sound, its
// first audio stream as stereo AAC at 128 kbit/s, with the index (moov)
// before the media data (-movflags +faststart). The frame is upright
// (ffmpeg's autorotate applies the display matrix) and square-pixelled
// (scaled to the display aspect ratio), fitted inside opts' bounds, at
// most MaxClipFrameRate frames per second.
//
// The clip starts at opts.Start (clamped, so that a start past the end
// gives the clip's duration before it) and lasts at most opts.Duration.
//
// CheckLimits runs first. A file without a video stream (an audio file,
// even one with cover art) or of zero duration fails with
// SourceFormatUnsupported; one from which no frame can be decoded with
// SourceCorrupt.
func (e *Engine) Clip(ctx context.Context, path string, in *Info, opts ClipOptions, dir string) (*Clip, error) {
	d := opts.Duration
	if d == 0 {
		d = DefaultClipDuration
	}
	if d < 0 || d > MaxClipDuration || math.IsNaN(d) {
		return nil, api.Errorf(api.ReasonGeneric, "maxDuration: %g s: a preview clip lasts more than 0 and at most %d s", d, MaxClipDuration)
	}
	if opts.CRF < 0 || opts.CRF > 51 || opts.Bitrate < 0 {
		return nil, api.Errorf(api.ReasonGeneric, "preview clip: CRF %d or bit rate %d out of range", opts.CRF, opts.Bitrate)
	}
	vs, total, err := e.videoFor(in, "a preview clip")
	if err != nil {
		return nil, err
	}
	input, err := fileInput(path)
	if err != nil {
		return nil, err
	}
	start := 0.0
	if opts.Start != nil {
		start = opts.Start.At(total)
		step := 0.1
		if r := vs.FrameRate.Float(); r > 0 {
			step = 1 / r
		}
		if start > total-step {
			start = math.Max(0, total-d)
		}
	}
	d = math.Min(d, total-start)
	w, h := clipSize(vs, opts.MaxWidth, opts.MaxHeight, opts.Upscale)
	as, audio := in.AudioStream()
	vf := "scale=" + strconv.Itoa(w) + ":" + strconv.Itoa(h) + ":flags=bicubic,setsar=1,format=yuv420p"
	if vs.FrameRate.Float() > MaxClipFrameRate {
		vf = "fps=" + strconv.Itoa(MaxClipFrameRate) + "," + vf
	}

	args := e.ffmpegArgs()
	var inOpts []string
	if start > 0 {
		inOpts = []string{"-ss", strconv.FormatFloat(start, 'f', 3, 64)}
	}
	args = append(args, e.inputArgs(input, inOpts...)...)
	args = append(args, "-map", "0:"+strconv.Itoa(vs.Index))
	if audio {
		args = append(args, "-map", "0:"+strconv.Itoa(as.Index))
	}
	args = append(args,
		"-t", strconv.FormatFloat(d, 'f', 3, 64),
		"-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1",
		"-vf", vf,
		"-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p",
		"-threads", strconv.Itoa(e.limits.Threads),
	)
	if opts.Bitrate > 0 {
		b := strconv.FormatInt(opts.Bitrate, 10)
		args = append(args, "-b:v", b, "-maxrate", b, "-bufsize", strconv.FormatInt(2*opts.Bitrate, 10))
	} else {
		crf := opts.CRF
		if crf == 0 {
			crf = DefaultClipCRF
		}
		args = append(args, "-crf", strconv.Itoa(crf))
	}
	if audio {
		args = append(args, "-c:a", "aac", "-b:a", ClipAudioBitrate, "-ac", "2")
	} else {
		args = append(args, "-an")
	}
	out := filepath.Join(dir, "clip.mp4")
	args = append(args, "-movflags", "+faststart", "-f", "mp4", "-y", out)
	if _, err := e.run(ctx, e.ffmpeg, args); err != nil {
		_ = os.Remove(out)
		return nil, engineError(err, "the video cannot be encoded as a preview clip")
	}
	// What ffmpeg wrote must hold video: a truncated source can give an
	// empty file.
	got, err := e.Probe(ctx, out)
	if err != nil {
		_ = os.Remove(out)
		return nil, api.Errorf(api.ReasonSourceCorrupt, "no video frame could be decoded: the file is truncated or corrupt")
	}
	ov, ok := got.VideoStream()
	if !ok || ov.Frames == 0 && got.Duration <= 0 {
		_ = os.Remove(out)
		return nil, api.Errorf(api.ReasonSourceCorrupt, "no video frame could be decoded: the file is truncated or corrupt")
	}
	_, hasAudio := got.AudioStream()
	return &Clip{
		Path: out, Width: ov.Width, Height: ov.Height,
		Start: math.Round(start*1000) / 1000, Duration: math.Round(got.Duration*1000) / 1000,
		Audio: hasAudio,
	}, nil
}

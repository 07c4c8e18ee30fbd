package media

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/cage"
)

// Time picks a moment of a media file: Seconds from its start, or, when
// IsPercent, Percent (0 to 100) of its duration.
type Time struct {
	Seconds   float64
	Percent   float64
	IsPercent bool
}

// ParseTime reads a time as written in a rendition's time instruction:
// seconds ("12.5") or a percentage of the duration ("10%").
func ParseTime(s string) (Time, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 100 {
			return Time{}, fmt.Errorf("time %q: a percentage must be a number from 0 to 100", s)
		}
		return Time{Percent: f, IsPercent: true}, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return Time{}, fmt.Errorf("time %q: want seconds (a number of at least 0) or a percentage such as \"10%%\"", s)
	}
	return Time{Seconds: f}, nil
}

// At returns the time in seconds in a file of the given duration.
func (t Time) At(duration float64) float64 {
	if t.IsPercent {
		return duration * t.Percent / 100
	}
	return t.Seconds
}

// Kinds of Frame.
const (
	KindFrame      = "frame"      // a video frame
	KindCover      = "cover"      // the cover art of an audio file
	KindWaveform   = "waveform"   // the waveform of an audio file
	KindStoryboard = "storyboard" // a contact sheet of video frames
	KindPreview    = "preview"    // an animated preview of a video
)

// FrameOptions say which image Frame extracts.
type FrameOptions struct {
	// Time is the moment of the video frame; nil asks for a
	// representative frame (see Frame).
	Time *Time
	// WaveformWidth and WaveformHeight are the size of a waveform image;
	// default 1280x320, at most 4096 each.
	WaveformWidth, WaveformHeight int
	// WaveformColor is the colour of the waveform: "#RRGGBB", "#RGB" or
	// a colour name ffmpeg knows ("red"); default "#1f6feb". Its
	// background is transparent.
	WaveformColor string
	// MinWidth and MinHeight, when set, are the least size the caller
	// needs of a video frame: ffmpeg then scales the upright frame down
	// in the same run, never up, to a size of exactly its aspect ratio (a
	// whole fraction of it, see scaledSize) that is at least MinWidth wide
	// and MinHeight high (zero: no need on that side), which is cheaper to
	// write and read than the full frame. Both zero: the full size. Cover
	// art and waveforms ignore them.
	MinWidth, MinHeight int
}

// Frame is an image Frame extracted.
type Frame struct {
	// Path is the PNG file.
	Path string
	// Width and Height are its size in pixels (scaled down as
	// FrameOptions.MinWidth and MinHeight allow).
	Width, Height int
	// Kind is KindFrame, KindCover or KindWaveform.
	Kind string
	// Time is the moment of a video frame, in seconds.
	Time float64
}

// The representative frame is chosen among candidateFrames frames spread
// over the first candidateWindow seconds: keyframes, when at least
// minKeyframes of them qualify there, else any frames.
const (
	candidateFrames = 6
	candidateWindow = 10.0
	minKeyframes    = 3
)

var colorRE = regexp.MustCompile(`^(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}|[a-zA-Z]{3,20})$`)

// Frame extracts one image of the media file at path, described by in (from
// Probe), as an upright, undistorted PNG in dir (rotation and sample aspect
// ratio applied):
//
//   - a video: the frame at opts.Time (the first frame at or after it, as
//     ffmpeg's accurate seek gives; the time is clamped to the duration), or
//     without a time a representative frame. Candidates are scored on
//     64x36 grey thumbnails: the one with the most contrast (the standard
//     deviation of its luma) among those neither nearly black nor nearly
//     white (mean luma within 24..232 of 255) and not flat (deviation at
//     least 12) is chosen, the earliest on a tie. The candidates are
//     first the keyframes of the first ten seconds (or of the whole of a
//     shorter video), at most six, at least a sixth of that apart: they
//     decode on their own, so one ffmpeg run decodes only them and writes
//     each candidate and its thumbnail. When fewer than three keyframes
//     are there (a long group of pictures) or none qualifies, six frames
//     evenly spread over those seconds are decoded as thumbnails instead
//     (every frame up to the last is decoded), the best of them (or,
//     when none qualifies, the one with the most contrast) then extracted
//     in a second run. Black leaders and fades are so avoided.
//   - an audio file: its cover art (attached picture) when it has one,
//     else its waveform.
//
// CheckLimits runs first. A file with neither a video nor an audio stream,
// or of zero duration, fails with SourceFormatUnsupported. In a file of
// unknown duration (a raw stream), a percentage is taken as the start.
func (e *Engine) Frame(ctx context.Context, path string, in *Info, opts FrameOptions, dir string) (*Frame, error) {
	if err := e.CheckLimits(in); err != nil {
		return nil, err
	}
	input, err := fileInput(path)
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "frame.png")
	if len(in.Streams) == 0 {
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported, "the media file is empty: no video or audio stream, zero length")
	}
	vs, ok := in.VideoStream()
	if !ok {
		if cover, ok := in.CoverArt(); ok {
			return e.cover(ctx, input, cover, out)
		}
		if as, ok := in.AudioStream(); ok {
			if in.DurationKnown && in.Duration <= 0 && as.Duration <= 0 {
				return nil, api.Errorf(api.ReasonSourceFormatUnsupported, "the audio has no duration: there is no sound to draw")
			}
			return e.waveform(ctx, input, as, opts, out)
		}
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported, "the media file has no video stream to take a frame from (streams: %s)", streamList(in))
	}
	duration := in.Duration
	if duration <= 0 {
		duration = vs.Duration
	}
	if in.DurationKnown && duration <= 0 {
		return nil, api.Errorf(api.ReasonSourceFormatUnsupported, "the video has no duration (zero length): there is no frame to take")
	}
	if opts.Time == nil {
		// Unknown duration (a raw stream): candidates from its start.
		window := math.Min(cmp.Or(duration, candidateWindow), candidateWindow)
		fo := videoFrameOut(vs, opts)
		f, err := e.keyframeCandidates(ctx, input, vs, window, fo, dir, out)
		if f != nil || err != nil {
			return f, err
		}
		return e.representative(ctx, input, vs, window, fo, dir, out)
	}
	var t float64
	if duration > 0 {
		t = opts.Time.At(duration)
		// The last frame starts a frame's length before the end.
		step := 0.1
		if r := vs.FrameRate.Float(); r > 0 {
			step = 1 / r
		}
		t = math.Max(0, math.Min(t, duration-step))
	} else if !opts.Time.IsPercent {
		t = opts.Time.Seconds // unknown duration: past the end gives the first frame
	}
	return e.frameOrFirst(ctx, input, vs, t, videoFrameOut(vs, opts), out)
}

// frameOut says how video frames are written: the filter chain, and the
// PNG options for the expected size.
type frameOut struct {
	// vf is the filter chain.
	vf string
	// pixels is the expected size of a frame.
	pixels int64
}

// Uncompressed PNG frames are cheaper to write and read than compressed
// ones, but larger: they are written while the frames of one run take at
// most uncompressedBytes.
const uncompressedBytes = 64 << 20

// pngArgs returns the encoder options of n PNG frames: uncompressed when
// they are small enough, else deflated at the fastest level.
func (o frameOut) pngArgs(n int) []string {
	if o.pixels*3*int64(n) <= uncompressedBytes {
		return []string{"-c:v", "png", "-compression_level", "0", "-pred", "none"}
	}
	return []string{"-c:v", "png", "-compression_level", "1"}
}

// videoFrameOut returns how the frames of vs are written for opts.
func videoFrameOut(vs Stream, opts FrameOptions) frameOut {
	dw, dh := vs.DisplaySize()
	vf := frameFilter(vs, opts)
	if w, h, ok := scaledSize(dw, dh, opts.MinWidth, opts.MinHeight); ok {
		dw, dh = w, h
	}
	return frameOut{vf: vf, pixels: int64(max(dw, 1)) * int64(max(dh, 1))}
}

// frameFilter is the filter chain of a video frame: upright and square-
// pixelled (uprightFilter), scaled down in the same step when opts allow
// (scaledSize).
func frameFilter(vs Stream, opts FrameOptions) string {
	dw, dh := vs.DisplaySize()
	w, _, ok := scaledSize(dw, dh, opts.MinWidth, opts.MinHeight)
	if !ok {
		return uprightFilter(vs)
	}
	// The factor, applied to the upright, square-pixelled size: on a
	// frame of the probed size it gives exactly w x h; on any other (a
	// stream whose frames differ from what its header says) it still
	// keeps the aspect ratio.
	k := strconv.Itoa(w) + "/" + strconv.Itoa(dw)
	return "scale=w='max(1,round(iw*sar*" + k + "))':h='max(1,round(ih*" + k + "))':flags=area,setsar=1,format=rgb24"
}

// scaledSize returns the smallest size of exactly the aspect ratio of a
// w x h frame that is at least minW wide and minH high: (w/g)*m x (h/g)*m
// for g the greatest common divisor of w and h and the least whole m that
// fits. Keeping the ratio exact means that an image engine that fits the
// scaled frame to a width (or a height) computes the same other side as
// from the full frame. ok is false when no such size is smaller than the
// frame (nothing asked, a need as large as the frame, or a ratio with no
// smaller whole multiple).
func scaledSize(w, h, minW, minH int) (sw, sh int, ok bool) {
	if w <= 0 || h <= 0 || (minW <= 0 && minH <= 0) {
		return 0, 0, false
	}
	g := gcd(w, h)
	a, b := w/g, h/g
	m := max(1, ceilDiv(minW, a), ceilDiv(minH, b))
	if m >= g {
		return 0, 0, false
	}
	return a * m, b * m, true
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

// uprightFilter is the filter chain that makes a decoded frame square-
// pixelled (ffmpeg turns it upright itself: its autorotate, on by
// default, applies the display matrix before this chain).
func uprightFilter(vs Stream) string {
	f := "format=rgb24"
	if vs.SampleAspect != (Ratio{}) {
		f = "scale=w='max(2,round(iw*sar))':h=ih,setsar=1," + f
	}
	return f
}

// ffmpegArgs returns the arguments common to every ffmpeg run, before its
// inputs.
func (e *Engine) ffmpegArgs() []string {
	return []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-filter_threads", "1"}
}

// inputArgs returns the arguments of one input of an ffmpeg run: opts
// (such as -ss), then the options that ffmpeg applies to each input on its
// own and so are repeated for each (the protocol and demuxer whitelists,
// the decoding threads), then -i input.
func (e *Engine) inputArgs(input string, opts ...string) []string {
	return append(opts,
		"-protocol_whitelist", "file,pipe",
		"-format_whitelist", Demuxers,
		"-threads", strconv.Itoa(e.limits.Threads),
		"-i", input)
}

// frameAt extracts the frame at t seconds into out; a nil Frame when no
// frame was decoded.
func (e *Engine) frameAt(ctx context.Context, input string, vs Stream, t float64, fo frameOut, out string) (*Frame, error) {
	args := append(e.ffmpegArgs(), e.inputArgs(input, "-ss", strconv.FormatFloat(t, 'f', 3, 64))...)
	args = append(args,
		"-map", "0:"+strconv.Itoa(vs.Index),
		"-an", "-sn", "-dn",
		"-vf", fo.vf,
		"-frames:v", "1",
		"-f", "image2")
	args = append(args, fo.pngArgs(1)...)
	args = append(args, "-update", "1", "-y", out)
	_ = os.Remove(out)
	if _, err := e.run(ctx, e.ffmpeg, args); err != nil {
		return nil, engineError(err, "the video frame cannot be decoded")
	}
	return pngFrame(out, KindFrame)
}

// Candidate frames are scored on a scoreW x scoreH grey thumbnail.
const scoreW, scoreH = 64, 36

// keyframeCandidates chooses the representative frame among the
// keyframes of the first window seconds, in one ffmpeg run that decodes
// only keyframes (-skip_frame nokey), keeps at most candidateFrames of
// them at least window/candidateFrames apart, and writes each as a
// frame (as fo says) into a directory in dir, its grey thumbnail to the
// standard output and its time to a file there. It returns the best candidate, moved to out;
// nil, and no error, when fewer than minKeyframes keyframes are there or
// none qualifies (see luma.representative), or when the run fails for a
// reason other than the deadline or a limit: the caller then decodes
// frames instead.
func (e *Engine) keyframeCandidates(ctx context.Context, input string, vs Stream, window float64, fo frameOut, dir, out string) (*Frame, error) {
	kdir, err := os.MkdirTemp(dir, "keyframes-")
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "frame directory")
	}
	defer os.RemoveAll(kdir)
	times := filepath.Join(kdir, "times.txt")
	if strings.ContainsAny(times, `'\`) {
		return nil, nil // cannot be quoted in a filter graph
	}
	gap := strconv.FormatFloat(window/candidateFrames*0.999, 'f', 6, 64)
	args := append(e.ffmpegArgs(), e.inputArgs(input, "-skip_frame", "nokey", "-t", strconv.FormatFloat(window, 'f', 3, 64))...)
	graph := fmt.Sprintf("[0:%d]select='isnan(prev_selected_t)+gte(t-prev_selected_t,%s)',"+
		"metadata=mode=add:key=acs:value=1,metadata=mode=print:file='%s',split[a][b];"+
		"[a]scale=%d:%d:flags=area,format=gray[thumbs];[b]%s[frames]", vs.Index, gap, times, scoreW, scoreH, fo.vf)
	args = append(args,
		"-filter_complex", graph,
		// passthrough: each candidate once (not repeated to a constant
		// frame rate).
		"-map", "[thumbs]", "-frames:v", strconv.Itoa(candidateFrames), "-fps_mode", "passthrough", "-f", "rawvideo", "-",
		"-map", "[frames]", "-frames:v", strconv.Itoa(candidateFrames), "-fps_mode", "passthrough", "-f", "image2")
	args = append(args, fo.pngArgs(candidateFrames)...)
	args = append(args, "-y", filepath.Join(kdir, "%d.png"))
	raw, err := e.run(ctx, e.ffmpeg, args)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, cage.ErrCPULimit) || errors.Is(err, cage.ErrMemoryLimit) {
			return nil, engineError(err, "the video frames cannot be decoded")
		}
		return nil, nil
	}
	b, err := os.ReadFile(times)
	if err != nil {
		return nil, nil
	}
	ts := ptsTimes(string(b))
	n := min(len(raw)/(scoreW*scoreH), len(ts))
	if n < minKeyframes {
		return nil, nil
	}
	best, bestScore := -1, math.Inf(-1)
	for i := 0; i < n; i++ {
		st := lumaOfGray(raw[i*scoreW*scoreH : (i+1)*scoreW*scoreH])
		if st.representative() && st.dev > bestScore {
			best, bestScore = i, st.dev
		}
	}
	if best < 0 {
		return nil, nil
	}
	if err := os.Rename(filepath.Join(kdir, strconv.Itoa(best+1)+".png"), out); err != nil {
		return nil, nil
	}
	f, err := pngFrame(out, KindFrame)
	if f == nil || err != nil {
		return nil, err
	}
	f.Time = math.Round(math.Max(0, ts[best])*1000) / 1000
	return f, nil
}

// ptsRE finds the times in the output of ffmpeg's metadata filter.
var ptsRE = regexp.MustCompile(`(?m)^frame:\s*\d+\s+pts:\s*\S+\s+pts_time:(\S+)`)

// ptsTimes returns the times, in seconds, that ffmpeg's metadata filter
// printed, in order; a time it could not tell ends the list.
func ptsTimes(s string) []float64 {
	var ts []float64
	for _, m := range ptsRE.FindAllStringSubmatch(s, -1) {
		f, err := strconv.ParseFloat(m[1], 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			break
		}
		ts = append(ts, f)
	}
	return ts
}

// representative scores the candidate frames on small grey thumbnails
// that ffmpeg writes to its output, then extracts the best at full size.
func (e *Engine) representative(ctx context.Context, input string, vs Stream, window float64, fo frameOut, dir, out string) (*Frame, error) {
	rate := float64(candidateFrames) / window
	args := append(e.ffmpegArgs(), e.inputArgs(input, "-t", strconv.FormatFloat(window, 'f', 3, 64))...)
	args = append(args,
		"-map", "0:"+strconv.Itoa(vs.Index),
		"-an", "-sn", "-dn",
		"-vf", fmt.Sprintf("fps=fps=%s,scale=%d:%d:flags=area,format=gray", strconv.FormatFloat(rate, 'f', 6, 64), scoreW, scoreH),
		"-frames:v", strconv.Itoa(candidateFrames),
		"-f", "rawvideo", "-",
	)
	raw, err := e.run(ctx, e.ffmpeg, args)
	if err != nil {
		return nil, engineError(err, "the video frames cannot be decoded")
	}
	best, bestScore := 0, math.Inf(-1)
	for i := 0; (i+1)*scoreW*scoreH <= len(raw); i++ {
		st := lumaOfGray(raw[i*scoreW*scoreH : (i+1)*scoreW*scoreH])
		score := st.dev
		if !st.representative() {
			score -= 1000 // only when nothing qualifies
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return e.frameOrFirst(ctx, input, vs, float64(best)/rate, fo, out)
}

// frameOrFirst extracts the frame at t seconds, or the first frame when
// nothing decodes there (a truncated tail). No frame at all is
// SourceCorrupt. The frame's Time is t (or 0), to the millisecond.
func (e *Engine) frameOrFirst(ctx context.Context, input string, vs Stream, t float64, fo frameOut, out string) (*Frame, error) {
	f, err := e.frameAt(ctx, input, vs, t, fo, out)
	if err == nil && f == nil && t > 0 {
		t = 0
		f, err = e.frameAt(ctx, input, vs, 0, fo, out)
	}
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "no video frame could be decoded: the file is truncated or corrupt")
	}
	f.Time = math.Round(t*1000) / 1000
	return f, nil
}

// luma holds the luma statistics of a frame, on a 0..255 scale.
type luma struct{ mean, dev float64 }

// representative reports whether a frame with these statistics may stand
// for its video: neither nearly black nor nearly white, not flat.
func (l luma) representative() bool { return l.mean >= 24 && l.mean <= 232 && l.dev >= 12 }

// lumaOfGray computes the statistics of 8-bit grey pixels.
func lumaOfGray(px []byte) luma {
	if len(px) == 0 {
		return luma{}
	}
	var sum, sq float64
	for _, p := range px {
		l := float64(p)
		sum += l
		sq += l * l
	}
	n := float64(len(px))
	mean := sum / n
	return luma{mean: mean, dev: math.Sqrt(math.Max(0, sq/n-mean*mean))}
}

// cover extracts the attached picture.
func (e *Engine) cover(ctx context.Context, input string, s Stream, out string) (*Frame, error) {
	args := append(e.ffmpegArgs(), e.inputArgs(input)...)
	args = append(args,
		"-map", "0:"+strconv.Itoa(s.Index),
		"-an", "-sn", "-dn",
		"-vf", uprightFilter(s),
		"-frames:v", "1",
		"-f", "image2", "-c:v", "png", "-compression_level", "1", "-update", "1", "-y", out,
	)
	if _, err := e.run(ctx, e.ffmpeg, args); err != nil {
		return nil, engineError(err, "the cover art cannot be decoded")
	}
	f, err := pngFrame(out, KindCover)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "the cover art cannot be decoded")
	}
	return f, nil
}

// waveform draws the audio stream.
func (e *Engine) waveform(ctx context.Context, input string, s Stream, opts FrameOptions, out string) (*Frame, error) {
	w, h := opts.WaveformWidth, opts.WaveformHeight
	if w <= 0 {
		w = 1280
	}
	if h <= 0 {
		h = 320
	}
	w, h = min(w, 4096), min(h, 4096)
	color := opts.WaveformColor
	if color == "" {
		color = "#1f6feb"
	}
	if !colorRE.MatchString(color) {
		return nil, api.Errorf(api.ReasonGeneric, "waveform colour %q: want #RRGGBB, #RGB or a colour name", color)
	}
	if len(color) == 4 && color[0] == '#' {
		// ffmpeg reads #RRGGBB only: #RGB would be refused, and the
		// filter would draw in its default white.
		color = string([]byte{'#', color[1], color[1], color[2], color[2], color[3], color[3]})
	}
	color = strings.Replace(color, "#", "0x", 1)
	args := append(e.ffmpegArgs(), e.inputArgs(input)...)
	args = append(args,
		"-filter_complex", fmt.Sprintf("[0:%d]aformat=channel_layouts=mono,showwavespic=s=%dx%d:colors=%s[w]", s.Index, w, h, color),
		"-map", "[w]",
		"-frames:v", "1",
		"-f", "image2", "-c:v", "png", "-compression_level", "1", "-update", "1", "-y", out,
	)
	if _, err := e.run(ctx, e.ffmpeg, args); err != nil {
		return nil, engineError(err, "the audio cannot be decoded")
	}
	f, err := pngFrame(out, KindWaveform)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "the audio cannot be decoded: the file is truncated or corrupt")
	}
	return f, nil
}

// pngFrame describes the PNG ffmpeg wrote at path; nil when it wrote none.
func pngFrame(path, kind string) (*Frame, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "frame file")
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		return nil, nil // empty or partial: no frame
	}
	return &Frame{Path: path, Width: cfg.Width, Height: cfg.Height, Kind: kind}, nil
}

// streamList describes the streams of a file for a message: "audio (aac),
// data".
func streamList(in *Info) string {
	if len(in.Streams) == 0 {
		return "none"
	}
	var parts []string
	for _, s := range in.Streams {
		p := s.Type
		if p == "" {
			p = "unknown"
		}
		if s.Codec != "" {
			p += " (" + s.Codec + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

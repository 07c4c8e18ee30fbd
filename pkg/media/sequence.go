package media

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Bounds of storyboards and animated previews.
const (
	// MaxSampledFrames is the most frames a storyboard or an animated
	// preview samples.
	MaxSampledFrames = 100
	// MaxStoryboardSide is the longest side of a storyboard image.
	MaxStoryboardSide = 4096
	// MaxPreviewSide is the longest side of an animated preview's frames.
	MaxPreviewSide = 1280
	// DefaultPreviewSide is that side when none is asked for.
	DefaultPreviewSide = 480
)

// sampleTimes returns n times evenly spread over duration: the middles of
// n equal parts.
func sampleTimes(duration float64, n int) []float64 {
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = duration * (float64(i) + 0.5) / float64(n)
	}
	return ts
}

// videoFor returns the video stream and duration of a file for a sampled
// image, or SourceFormatUnsupported saying what for.
func (e *Engine) videoFor(in *Info, what string) (Stream, float64, error) {
	if err := e.CheckLimits(in); err != nil {
		return Stream{}, 0, err
	}
	vs, ok := in.VideoStream()
	if !ok {
		return Stream{}, 0, api.Errorf(api.ReasonSourceFormatUnsupported, "the media file has no video stream to make %s from (streams: %s)", what, streamList(in))
	}
	d := in.Duration
	if d <= 0 {
		d = vs.Duration
	}
	if d <= 0 && !in.DurationKnown {
		return Stream{}, 0, api.Errorf(api.ReasonSourceFormatUnsupported, "the video does not state its duration (a raw stream): frames cannot be spread over it to make %s", what)
	}
	if d <= 0 {
		return Stream{}, 0, api.Errorf(api.ReasonSourceFormatUnsupported, "the video has no duration (zero length): there are no frames to make %s from", what)
	}
	return vs, d, nil
}

// tileSize returns the size, at least 1x1, of the upright frame
// of vs fitted inside maxW x maxH.
func tileSize(vs Stream, maxW, maxH int) (int, int) {
	w, h := vs.DisplaySize()
	if w <= 0 || h <= 0 {
		w, h = 16, 9
	}
	s := math.Min(1, math.Min(float64(maxW)/float64(w), float64(maxH)/float64(h)))
	return max(1, int(math.Round(float64(w)*s))), max(1, int(math.Round(float64(h)*s)))
}

// sampled runs one ffmpeg over the frames at times ts, each input seeking
// on its own (a fast seek to the keyframe before, then decoding up to the
// time), scaled to tw x th; then applies tail to the sequence [seq] and
// writes out with outArgs.
func (e *Engine) sampled(ctx context.Context, input string, vs Stream, ts []float64, tw, th int, tail string, outArgs []string, what string) error {
	args := e.ffmpegArgs()
	for _, t := range ts {
		args = append(args, e.inputArgs(input, "-ss", strconv.FormatFloat(t, 'f', 3, 64))...)
	}
	var graph strings.Builder
	for i := range ts {
		fmt.Fprintf(&graph, "[%d:%d]trim=end_frame=1,setpts=PTS-STARTPTS,scale=%d:%d,setsar=1,format=rgb24[f%d];", i, vs.Index, tw, th, i)
	}
	for i := range ts {
		fmt.Fprintf(&graph, "[f%d]", i)
	}
	fmt.Fprintf(&graph, "concat=n=%d:v=1:a=0[seq];[seq]%s[out]", len(ts), tail)
	args = append(args, "-filter_complex", graph.String(), "-map", "[out]", "-an", "-sn", "-dn")
	args = append(args, outArgs...)
	if _, err := e.run(ctx, e.ffmpeg, args); err != nil {
		return engineError(err, what)
	}
	return nil
}

// Storyboard makes a contact sheet of the video at path, described by in:
// columns x rows frames evenly spread over its duration (the middles of
// equal parts), each upright and undistorted, in one PNG in dir, tiles
// left to right and top to bottom, at most MaxStoryboardSide pixels on a
// side. CheckLimits runs first; a file without video fails with
// SourceFormatUnsupported.
func (e *Engine) Storyboard(ctx context.Context, path string, in *Info, columns, rows int, dir string) (*Frame, error) {
	if columns < 1 || rows < 1 || columns*rows > MaxSampledFrames {
		return nil, api.Errorf(api.ReasonGeneric, "storyboard: %dx%d: columns and rows must be at least 1, and at most %d tiles in all", columns, rows, MaxSampledFrames)
	}
	vs, d, err := e.videoFor(in, "a storyboard")
	if err != nil {
		return nil, err
	}
	input, err := fileInput(path)
	if err != nil {
		return nil, err
	}
	tw, th := tileSize(vs, MaxStoryboardSide/columns, MaxStoryboardSide/rows)
	out := filepath.Join(dir, "storyboard.png")
	tail := fmt.Sprintf("tile=%dx%d", columns, rows)
	if err := e.sampled(ctx, input, vs, sampleTimes(d, columns*rows), tw, th, tail,
		[]string{"-frames:v", "1", "-f", "image2", "-c:v", "png", "-update", "1", "-y", out}, "the storyboard frames cannot be decoded"); err != nil {
		return nil, err
	}
	f, err := pngFrame(out, KindStoryboard)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "no video frame could be decoded: the file is truncated or corrupt")
	}
	return f, nil
}

// PreviewOptions shape an animated preview.
type PreviewOptions struct {
	// Frames is how many frames are sampled, evenly over the duration;
	// default 10, at most MaxSampledFrames.
	Frames int
	// FPS is the playback rate in frames per second; default 2, from 0.1
	// to 30.
	FPS float64
	// MaxWidth and MaxHeight bound the frames (upright, aspect kept);
	// default DefaultPreviewSide on the long side, at most MaxPreviewSide.
	MaxWidth, MaxHeight int
}

// Preview makes an animated preview of the video at path, described by
// in: opts.Frames frames evenly spread over its duration, upright and
// undistorted, played at opts.FPS and looping, as a lossless animated
// WebP in dir (for the image engine to size, watermark and encode as gif
// or webp). CheckLimits runs first.
func (e *Engine) Preview(ctx context.Context, path string, in *Info, opts PreviewOptions, dir string) (*Frame, error) {
	n, fps := opts.Frames, opts.FPS
	if n == 0 {
		n = 10
	}
	if fps == 0 {
		fps = 2
	}
	if n < 1 || n > MaxSampledFrames || fps < 0.1 || fps > 30 {
		return nil, api.Errorf(api.ReasonGeneric, "animated preview: %d frames at %g per second: frames must be 1 to %d and fps 0.1 to 30", n, fps, MaxSampledFrames)
	}
	vs, d, err := e.videoFor(in, "an animated preview")
	if err != nil {
		return nil, err
	}
	input, err := fileInput(path)
	if err != nil {
		return nil, err
	}
	mw, mh := opts.MaxWidth, opts.MaxHeight
	if mw <= 0 && mh <= 0 {
		mw, mh = DefaultPreviewSide, DefaultPreviewSide
	}
	if mw <= 0 {
		mw = MaxPreviewSide
	}
	if mh <= 0 {
		mh = MaxPreviewSide
	}
	tw, th := tileSize(vs, min(mw, MaxPreviewSide), min(mh, MaxPreviewSide))
	out := filepath.Join(dir, "preview.webp")
	// Millisecond timestamps, as WebP keeps them: every frame lasts the
	// same whole number of milliseconds.
	tail := fmt.Sprintf("settb=1/1000,setpts=N*%d", int(math.Round(1000/fps)))
	if err := e.sampled(ctx, input, vs, sampleTimes(d, n), tw, th, tail,
		[]string{"-r", strconv.FormatFloat(fps, 'f', -1, 64), "-c:v", "libwebp_anim", "-lossless", "1", "-loop", "0", "-f", "webp", "-y", out},
		"the preview frames cannot be decoded"); err != nil {
		return nil, err
	}
	st, err := os.Stat(out)
	if err != nil || st.Size() == 0 {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "no video frame could be decoded: the file is truncated or corrupt")
	}
	return &Frame{Path: out, Width: tw, Height: th, Kind: KindPreview}, nil
}

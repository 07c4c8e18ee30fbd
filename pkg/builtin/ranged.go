package builtin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/media"
	"github.com/assetcompute/assetcompute/pkg/media/mp4index"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// Partial reads of MP4 sources.
//
// The video frames (and preview clips) of an MP4 or QuickTime source
// that the worker opened for ranged reads (worker.Source.Ranged, in
// ModeRanged) are taken from a sparse local copy: a file of the source's
// size where only the boxes other than media data (ftyp, moov, ...), the
// first samples of each track (which the prober decodes) and the samples
// from the keyframe before each frame wanted up to that frame (for a
// clip, its stretch and its sound) are written, at their offsets, as
// mp4index tells. ffprobe and ffmpeg then read that file as they would
// the whole one, seeking as usual, and never read the holes. The times
// are worked out as package media works them out (Engine.Frame,
// Storyboard, Preview and Clip), with some slack on both sides.
//
// A source smaller than DefaultRangedMinBytes, one whose index cannot be
// read (not MP4, fragmented, moov missing or truncated, malformed, beyond
// the index limits), one without video, and a rendition whose samples
// would need more than maxSparseFraction of the file are read whole
// instead (worker.Source.LocalPath), so the engine judges them as before;
// so is a rendition that fails with SourceCorrupt on the sparse copy.

// DefaultRangedMinBytes is the size from which a video source read in
// ranges is read in part for its frames rather than whole.
const DefaultRangedMinBytes int64 = 32 << 20

const (
	// maxSparseFraction is the share of the source beyond which the
	// frames of a rendition are read from a whole copy instead.
	maxSparseFraction = 0.5
	// seekSlack is how much earlier than a frame's time decoding may
	// start (ffmpeg seeks up to 3/23 s early for streams with B-frames)
	// and how much later its last frame may be presented.
	seekSlack = 0.25
	// reorderSamples are samples read past the last frame wanted, so a
	// decoder that holds frames back to reorder them (B-frames, frame
	// threads) emits the frame without reaching the holes.
	reorderSamples = 16
	// headSamples are the samples of each track at the start of the file
	// that the prober decodes to learn the streams' parameters.
	headSamples = 2
	// keyframeReorder is how many keyframes after a stretch a decoder
	// skipping all but keyframes reads before it shows the stretch's last
	// one: the two frames H.264 may hold back to reorder, and one more.
	keyframeReorder = 3
	// The representative frame is chosen among the frames of the first
	// candidateWindow seconds (media.Engine.Frame without a time).
	candidateWindow = 10.0
	// mergeGap joins ranges closer than this, so the audio between video
	// chunks costs bytes, not requests.
	mergeGap = 256 << 10
)

// sparseKey is the worker.Source.Once key of the sparse copy.
type sparseKey struct{}

// sparseProbeKey is the worker.Source.Once key of the sparse copy's probe.
type sparseProbeKey struct{}

// sparseSource is a sparse local copy of a ranged MP4 source.
type sparseSource struct {
	ix   *mp4index.Index
	rs   *transfer.RangedSource
	path string

	mu   sync.Mutex
	have []mp4index.Range // written, merged
}

// openSparse returns the sparse copy of src, made once per activation
// with the boxes and the first samples written; nil (and the reason, for
// the log) when src is not to be read in part.
func openSparse(ctx context.Context, src *worker.Source, minBytes int64) (*sparseSource, string) {
	rs := src.Ranged()
	switch {
	case rs == nil || rs.Mode() != transfer.ModeRanged:
		return nil, "not read in ranges"
	case src.Size < minBytes:
		return nil, fmt.Sprintf("smaller than %d bytes", minBytes)
	case src.Dir() == "":
		return nil, "no activation directory"
	}
	v, err := src.Once(sparseKey{}, func() (any, error) {
		f, err := os.CreateTemp(src.Dir(), "sparse-*.mp4")
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := f.Truncate(rs.Size()); err != nil {
			return nil, err
		}
		s := &sparseSource{rs: rs, path: f.Name()}
		// What the index reader reads (box headers, the moov) goes into
		// the copy as it is read, so it is fetched once.
		tee := &teeReader{s: s, f: f}
		ix, err := mp4index.Read(tee, rs.Size(), mp4index.Limits{})
		if err == nil && tee.err != nil {
			err = tee.err
		}
		if err != nil {
			return nil, err
		}
		if ix.Video() == nil {
			return nil, errors.New("no video track")
		}
		s.ix = ix
		if err := s.ensure(ctx, append(ix.Meta(), ix.Head(headSamples)...)); err != nil {
			return nil, err
		}
		return s, nil
	})
	if err != nil {
		return nil, err.Error()
	}
	return v.(*sparseSource), ""
}

// teeReader reads the source and writes what it read into the copy.
type teeReader struct {
	s   *sparseSource
	f   *os.File
	err error // the first write error
}

func (t *teeReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := t.s.rs.ReadAt(p, off)
	if n > 0 && t.err == nil {
		if _, werr := t.f.WriteAt(p[:n], off); werr != nil {
			t.err = api.Wrap(api.ReasonGeneric, werr, "cannot write the partial copy of the source")
		} else {
			t.s.mu.Lock()
			t.s.have = mp4index.Merge(append(t.s.have, mp4index.Range{Offset: off, Length: int64(n)}), 0)
			t.s.mu.Unlock()
		}
	}
	return n, err
}

// ensure writes the ranges of the source the copy lacks.
func (s *sparseSource) ensure(ctx context.Context, want []mp4index.Range) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	todo := missing(mp4index.Merge(want, 0), s.have)
	if len(todo) == 0 {
		return nil
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY, 0)
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot open the partial copy of the source")
	}
	defer f.Close()
	var buf []byte
	for _, r := range todo {
		for off := r.Offset; off < r.End(); {
			if err := ctx.Err(); err != nil {
				return api.Wrap(api.ReasonTimeout, err, "reading the source")
			}
			n := min(r.End()-off, 16<<20)
			if int64(cap(buf)) < n {
				buf = make([]byte, n)
			}
			got, err := s.rs.ReadAt(buf[:n], off)
			if got < int(n) {
				if err == nil || errors.Is(err, io.EOF) {
					err = api.Errorf(api.ReasonSourceCorrupt, "the source ended at %d bytes, before the %d its index names", off+int64(got), r.End())
				}
				return err
			}
			if _, err := f.WriteAt(buf[:n], off); err != nil {
				return api.Wrap(api.ReasonGeneric, err, "cannot write the partial copy of the source")
			}
			off += n
		}
		s.have = mp4index.Merge(append(s.have, r), 0)
	}
	return nil
}

// missing returns the parts of want (merged) outside have (merged).
func missing(want, have []mp4index.Range) []mp4index.Range {
	var out []mp4index.Range
	for _, w := range want {
		pos := w.Offset
		for _, h := range have {
			if h.End() <= pos || h.Offset >= w.End() {
				continue
			}
			if h.Offset > pos {
				out = append(out, mp4index.Range{Offset: pos, Length: h.Offset - pos})
			}
			pos = max(pos, h.End())
		}
		if pos < w.End() {
			out = append(out, mp4index.Range{Offset: pos, Length: w.End() - pos})
		}
	}
	return out
}

// cost returns the bytes the copy would hold with want written too.
func (s *sparseSource) cost(want []mp4index.Range) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return mp4index.Total(s.have) + mp4index.Total(missing(mp4index.Merge(want, 0), s.have))
}

// rangePlan returns the ranges of a sparse source that a rendition
// needs, given the probe of the partial copy; ok false when they cannot
// be told.
type rangePlan func(s *sparseSource, in *media.Info) (want []mp4index.Range, ok bool)

// imagePlan returns the plan of the rendition's image.
func imagePlan(r *worker.Rendition) rangePlan {
	return func(s *sparseSource, in *media.Info) ([]mp4index.Range, bool) { return s.imageRanges(in, r) }
}

// clipRanges returns the ranges of the video and audio samples that a
// preview clip with opts needs: the stretch media.Engine.Clip cuts, with
// slack on both sides.
func (s *sparseSource) clipRanges(in *media.Info, opts media.ClipOptions) ([]mp4index.Range, bool) {
	vt := s.ix.Video()
	vs, ok := in.VideoStream()
	if vt == nil || !ok {
		return nil, false
	}
	total := in.Duration
	if total <= 0 {
		total = vs.Duration
	}
	d := cmp.Or(opts.Duration, media.DefaultClipDuration)
	if total <= 0 || d <= 0 || d > media.MaxClipDuration {
		return nil, false // refused by the engine anyway
	}
	start := 0.0
	if opts.Start != nil {
		start = opts.Start.At(total)
		step := 0.1
		if fr := vs.FrameRate.Float(); fr > 0 {
			step = 1 / fr
		}
		if start > total-step {
			start = math.Max(0, total-d)
		}
	}
	d = math.Min(d, total-start)
	from, to := s.ix.Start()+start-seekSlack, s.ix.Start()+start+d+seekSlack
	first, last := vt.Span(from, to, reorderSamples)
	out := vt.Ranges(first, last)
	// The sound: every audio track, as the demuxer reads them all, with
	// a second more on each side (audio frames need no keyframe, but
	// their packets are long and ffmpeg cuts them to the video).
	for _, t := range s.ix.Tracks {
		if t.Handler == "soun" && t.Samples() > 0 {
			first, last := t.Span(from-1, to+1, 0)
			out = append(out, t.Ranges(first, last)...)
		}
	}
	return mp4index.Merge(out, mergeGap), true
}

// imageRanges returns the ranges of the video samples the rendition's
// image needs, or ok false when it needs them all (a waveform or cover
// art: no video) or they cannot be told.
func (s *sparseSource) imageRanges(in *media.Info, r *worker.Rendition) ([]mp4index.Range, bool) {
	vt := s.ix.Video()
	vs, ok := in.VideoStream()
	if vt == nil || !ok {
		return nil, false
	}
	duration := in.Duration
	if duration <= 0 {
		duration = vs.Duration
	}
	var spans [][2]float64
	toNextSync := false
	frame := func(t float64) { spans = append(spans, [2]float64{t - seekSlack, t + seekSlack}) }
	switch {
	case r.Storyboard != nil || r.Animated:
		// media.Engine.Storyboard and Preview: the middles of n equal parts.
		if duration <= 0 {
			return nil, false
		}
		n := 10
		if r.Storyboard != nil {
			n = r.Storyboard.Columns * r.Storyboard.Rows
		} else if r.Frames != nil {
			n = *r.Frames
		}
		if n < 1 || n > media.MaxSampledFrames {
			return nil, false // refused by the engine anyway
		}
		for i := range n {
			frame(duration * (float64(i) + 0.5) / float64(n))
		}
	case r.Time == nil:
		// media.Engine.Frame without a time: candidates over the first
		// seconds, then the best at full size. The candidates are the
		// keyframes there, which ffmpeg decodes skipping the others: it
		// reads on to the next keyframes before it shows the last one
		// and knows the stretch has ended.
		toNextSync = true
		spans = append(spans, [2]float64{0, cmp.Or(math.Min(duration, candidateWindow), candidateWindow) + seekSlack})
	default:
		if duration <= 0 {
			return nil, false
		}
		t := media.Time{Seconds: r.Time.Seconds, Percent: r.Time.Percent, IsPercent: r.Time.IsPercent}.At(duration)
		step := 0.1
		if fr := vs.FrameRate.Float(); fr > 0 {
			step = 1 / fr
		}
		frame(math.Max(0, math.Min(t, duration-step)))
	}
	// Times count from the start of the movie, as ffmpeg's -ss does.
	start := s.ix.Start()
	var out []mp4index.Range
	for _, sp := range spans {
		first, last := vt.Span(start+sp[0], start+sp[1], reorderSamples)
		if toNextSync {
			// A decoder that reorders frames holds a keyframe back until
			// it has seen the next ones: keyframeReorder more.
			end := last
			for range keyframeReorder {
				end = vt.NextSync(end)
			}
			last = max(last, min(vt.Samples()-1, end+reorderSamples))
		}
		out = append(out, vt.Ranges(first, last)...)
	}
	return mp4index.Merge(out, mergeGap), true
}

// sparseInput returns the path of a sparse copy of src holding what the
// rendition needs by plan, with its probe; "" when the source is to be
// read whole.
func sparseInput(ctx context.Context, probe func(context.Context, string) (*media.Info, error), src *worker.Source, r *worker.Rendition, minBytes int64, plan rangePlan) (string, *media.Info, error) {
	log := src.Logger()
	sp, why := openSparse(ctx, src, minBytes)
	if sp == nil {
		if why != "not read in ranges" {
			log.InfoContext(ctx, "video source read whole", "rendition", r.Name, "why", why)
		}
		return "", nil, nil
	}
	v, err := src.Once(sparseProbeKey{}, func() (any, error) { return probe(ctx, sp.path) })
	if api.ReasonOf(err) == api.ReasonSourceUnsupported {
		// Encrypted tracks, which the moov says: the whole file says
		// the same.
		return "", nil, err
	}
	if err != nil {
		// The prober could not read the partial copy: the whole file
		// will tell what is wrong with it.
		log.InfoContext(ctx, "video source read whole", "rendition", r.Name, "why", "probe of the partial copy failed: "+err.Error())
		return "", nil, nil
	}
	info := v.(*media.Info)
	want, ok := plan(sp, info)
	if !ok {
		log.InfoContext(ctx, "video source read whole", "rendition", r.Name, "why", "its frames cannot be placed")
		return "", nil, nil
	}
	if c := sp.cost(want); float64(c) > maxSparseFraction*float64(src.Size) {
		log.InfoContext(ctx, "video source read whole", "rendition", r.Name, "why", fmt.Sprintf("its frames need %d of its %d bytes", c, src.Size))
		return "", nil, nil
	}
	if err := sp.ensure(ctx, want); err != nil {
		return "", nil, err
	}
	st := sp.rs.Stats()
	log.InfoContext(ctx, "video frames read in part", "rendition", r.Name, "ranges", len(want),
		"frameBytes", mp4index.Total(want), "fetchedBytes", st.Bytes, "requests", st.Requests, "size", src.Size)
	return sp.path, info, nil
}

// rangedMinBytes returns the mediaRangedMinBytes setting, or
// DefaultRangedMinBytes.
func rangedMinBytes(s settings.Settings) int64 {
	var l settings.MediaLimits
	s.ApplyMedia(&l)
	return cmp.Or(l.RangedMinBytes, DefaultRangedMinBytes)
}

package media

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Ratio is a rational number such as a frame rate (30000/1001) or a sample
// aspect ratio (4/3). The zero Ratio is unknown.
type Ratio struct {
	Num, Den int
}

// Float returns the ratio's value, 0 when unknown.
func (r Ratio) Float() float64 {
	if r.Den == 0 {
		return 0
	}
	return float64(r.Num) / float64(r.Den)
}

// String writes the ratio as "num/den".
func (r Ratio) String() string { return fmt.Sprintf("%d/%d", r.Num, r.Den) }

// parseRatio reads "num/den" or "num:den"; "0/0" and garbage give the zero
// Ratio.
func parseRatio(s string) Ratio {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		a, b, ok = strings.Cut(s, ":")
	}
	if !ok {
		return Ratio{}
	}
	n, err1 := strconv.Atoi(a)
	d, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || n <= 0 || d <= 0 {
		return Ratio{}
	}
	return Ratio{n, d}
}

// Stream types.
const (
	Video      = "video"
	Audio      = "audio"
	Subtitle   = "subtitle"
	Data       = "data"
	Attachment = "attachment"
)

// Stream is one stream of a media file.
type Stream struct {
	// Index is the stream's index in the file.
	Index int
	// Type is Video, Audio, Subtitle, Data or Attachment.
	Type string
	// Codec is ffmpeg's short codec name: "h264", "aac", "mjpeg".
	Codec string
	// Width and Height are the coded frame size in pixels (video).
	Width, Height int
	// SampleAspect is the sample (pixel) aspect ratio; zero when square or
	// unknown.
	SampleAspect Ratio
	// FrameRate is the average frame rate, or the base rate when the
	// average is unknown.
	FrameRate Ratio
	// Rotation is the display rotation in degrees (0, 90, 180 or 270,
	// counter-clockwise, as ffprobe reports the display matrix), or
	// without a matrix the rotate tag as written: the decoded frame is
	// turned by it to be shown upright, which Frame does.
	Rotation int
	// AttachedPicture is true for cover art: a still image attached to an
	// audio file (ID3 APIC, MP4 covr, FLAC picture).
	AttachedPicture bool
	// Duration is the stream's duration in seconds, 0 when unknown.
	Duration float64
	// Frames is the number of frames the container declares, 0 when
	// unknown.
	Frames int64
	// SampleRate (Hz) and Channels describe an audio stream.
	SampleRate int
	Channels   int
	// Tags are the stream's metadata tags, keys in lower case.
	Tags map[string]string
}

// DisplaySize returns the size of the upright, undistorted frame: the
// coded size stretched by the sample aspect ratio, and turned by the
// rotation.
func (s Stream) DisplaySize() (w, h int) {
	w, h = s.Width, s.Height
	if sar := s.SampleAspect.Float(); sar > 0 && sar != 1 {
		w = int(math.Round(float64(w) * sar))
	}
	if s.Rotation == 90 || s.Rotation == 270 {
		w, h = h, w
	}
	return w, h
}

// Info is what a probe tells of a media file.
type Info struct {
	// Format is ffmpeg's name of the container: "mov,mp4,m4a,3gp,3g2,mj2",
	// "matroska,webm".
	Format string
	// Duration is the file's duration in seconds, 0 when unknown.
	Duration float64
	// DurationKnown is true when the container or a stream states a
	// duration (a raw elementary stream does not): a known Duration of 0
	// is a zero-length file.
	DurationKnown bool
	// BitRate is the overall bit rate in bits per second, 0 when unknown.
	BitRate int64
	// Streams are the file's streams, in file order.
	Streams []Stream
	// Tags are the container's metadata tags, keys in lower case.
	Tags map[string]string
}

// VideoStream returns the first video stream that is not cover art.
func (in *Info) VideoStream() (Stream, bool) {
	for _, s := range in.Streams {
		if s.Type == Video && !s.AttachedPicture {
			return s, true
		}
	}
	return Stream{}, false
}

// AudioStream returns the first audio stream.
func (in *Info) AudioStream() (Stream, bool) {
	for _, s := range in.Streams {
		if s.Type == Audio {
			return s, true
		}
	}
	return Stream{}, false
}

// CoverArt returns the first attached picture stream.
func (in *Info) CoverArt() (Stream, bool) {
	for _, s := range in.Streams {
		if s.AttachedPicture {
			return s, true
		}
	}
	return Stream{}, false
}

// ffprobe's JSON, the fields used.
type probeJSON struct {
	Format struct {
		FormatName string            `json:"format_name"`
		Duration   string            `json:"duration"`
		BitRate    string            `json:"bit_rate"`
		Tags       map[string]string `json:"tags"`
	} `json:"format"`
	Streams []struct {
		Index        int               `json:"index"`
		CodecType    string            `json:"codec_type"`
		CodecName    string            `json:"codec_name"`
		Width        int               `json:"width"`
		Height       int               `json:"height"`
		SAR          string            `json:"sample_aspect_ratio"`
		AvgFrameRate string            `json:"avg_frame_rate"`
		RFrameRate   string            `json:"r_frame_rate"`
		Duration     string            `json:"duration"`
		NbFrames     string            `json:"nb_frames"`
		SampleRate   string            `json:"sample_rate"`
		Channels     int               `json:"channels"`
		Tags         map[string]string `json:"tags"`
		Disposition  map[string]int    `json:"disposition"`
		SideData     []struct {
			Type     string  `json:"side_data_type"`
			Rotation float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
}

// Probe describes the local file path. The common MP4/QuickTime file
// (H.264 and AAC, see mp4probe.go) is read in Go, without a process, as
// ffprobe would describe it (but without tags); every other file runs
// ffprobe, opening it with the file protocol only: ffprobe never opens a
// URL. A file ffprobe cannot read fails with SourceCorrupt.
func (e *Engine) Probe(ctx context.Context, path string) (*Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, engineError(err, "the media file cannot be read")
	}
	if in, err := quickProbe(path); err == nil {
		return in, nil
	}
	return e.ffprobeInfo(ctx, path)
}

// ffprobeInfo runs ffprobe on the local file path and returns what it
// tells.
func (e *Engine) ffprobeInfo(ctx context.Context, path string) (*Info, error) {
	in, err := fileInput(path)
	if err != nil {
		return nil, err
	}
	res, err := e.run(ctx, e.ffprobe, []string{
		"-v", "error", "-hide_banner",
		"-protocol_whitelist", "file,pipe",
		"-format_whitelist", Demuxers,
		"-print_format", "json",
		"-show_format", "-show_streams",
		in,
	})
	if err != nil {
		return nil, engineError(err, "the media file cannot be read")
	}
	return parseProbe(res)
}

// parseProbe reads ffprobe's JSON output.
func parseProbe(b []byte) (*Info, error) {
	var p probeJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "the media file cannot be read: unexpected probe output: %w", err)
	}
	if p.Format.FormatName == "" {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "the media file cannot be read: no container format recognised")
	}
	in := &Info{
		Format:   p.Format.FormatName,
		Duration: parseFloat(p.Format.Duration),
		BitRate:  int64(parseFloat(p.Format.BitRate)),
		Tags:     lowerKeys(p.Format.Tags),
	}
	in.DurationKnown = isNumber(p.Format.Duration)
	for _, ps := range p.Streams {
		if isNumber(ps.Duration) && (ps.CodecType == Video || ps.CodecType == Audio) {
			in.DurationKnown = true
		}
		s := Stream{
			Index:           ps.Index,
			Type:            ps.CodecType,
			Codec:           ps.CodecName,
			Width:           ps.Width,
			Height:          ps.Height,
			FrameRate:       parseRatio(ps.AvgFrameRate),
			AttachedPicture: ps.Disposition["attached_pic"] == 1,
			Duration:        parseFloat(ps.Duration),
			Frames:          int64(parseFloat(ps.NbFrames)),
			SampleRate:      int(parseFloat(ps.SampleRate)),
			Channels:        ps.Channels,
			Tags:            lowerKeys(ps.Tags),
		}
		if s.FrameRate == (Ratio{}) {
			s.FrameRate = parseRatio(ps.RFrameRate)
		}
		if sar := parseRatio(ps.SAR); sar.Num != sar.Den {
			s.SampleAspect = sar
		}
		rot, found := 0.0, false
		for _, sd := range ps.SideData {
			if sd.Type == "Display Matrix" {
				rot, found = sd.Rotation, true
				break
			}
		}
		if !found {
			if t, ok := s.Tags["rotate"]; ok {
				rot = parseFloat(t)
			}
		}
		s.Rotation = normRotation(rot)
		in.Streams = append(in.Streams, s)
	}
	return in, nil
}

// normRotation rounds degrees to a quarter turn in [0, 360).
func normRotation(deg float64) int {
	q := int(math.Round(deg/90)) % 4
	if q < 0 {
		q += 4
	}
	return q * 90
}

// isNumber reports whether ffprobe wrote a number (not "N/A" or nothing).
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil
}

func parseFloat(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0
	}
	return f
}

func lowerKeys(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

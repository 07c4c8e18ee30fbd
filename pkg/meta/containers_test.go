package meta

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/h264"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests of the readers of MPEG-TS/M2TS, MPEG-PS, ASF (WMV/WMA), FLV,
// MXF, DV and ADTS AAC make their files with ffmpeg and compare with
// ffprobe (duration ±0.05 s, size, codecs, frame rate, sample rate,
// channels) and exiftool (tags, dates).

// Inputs of the clips: a 2 s 320x240 25 fps picture and a 440 Hz tone.
var (
	clipVideo   = []string{"-t", "2", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"}
	clipAudio   = []string{"-t", "2", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"}
	clipAudio48 = []string{"-t", "2", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"}
	clipPAL     = []string{"-t", "2", "-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25"}
	clipNTSC    = []string{"-t", "2", "-f", "lavfi", "-i", "testsrc2=size=720x480:rate=30000/1001"}
	clipHEVC    = []string{"-t", "2", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30000/1001"}
	clipX264    = []string{"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"}
)

// makeClip runs ffmpeg with the inputs and args, writing dir/name.
func makeClip(t testing.TB, dir, name string, inputs [][]string, args ...string) string {
	t.Helper()
	ffmpeg := needTool(t, "ffmpeg")
	out := filepath.Join(dir, name)
	cmd := []string{"-v", "error", "-y", "-nostdin"}
	for _, in := range inputs {
		cmd = append(cmd, in...)
	}
	cmd = append(append(cmd, args...), out)
	b, err := exec.Command(ffmpeg, cmd...).CombinedOutput()
	require.NoError(t, err, "ffmpeg %s: %s", strings.Join(cmd, " "), b)
	return out
}

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// containerClips are the files of every new container: several codecs,
// sizes and audio-only variants.
var containerClips = []struct {
	name   string
	inputs [][]string
	args   []string
	format string
}{
	{"h264-aac.ts", [][]string{clipVideo, clipAudio}, cat(clipX264, []string{"-c:a", "aac"}), "video/mp2t"},
	{"mpeg2-mp2.ts", [][]string{clipVideo, clipAudio}, []string{"-c:v", "mpeg2video", "-c:a", "mp2"}, "video/mp2t"},
	{"mpeg2-mp3.ts", [][]string{clipVideo, clipAudio}, []string{"-c:v", "mpeg2video", "-c:a", "libmp3lame", "-f", "mpegts"}, "video/mp2t"},
	{"hevc-ac3.ts", [][]string{clipHEVC, clipAudio}, []string{"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-c:a", "ac3"}, "video/mp2t"},
	{"audio-aac.ts", [][]string{clipAudio}, []string{"-c:a", "aac", "-b:a", "128k", "-ac", "2"}, "video/mp2t"},
	{"h264-ac3.m2ts", [][]string{clipVideo, clipAudio}, cat(clipX264, []string{"-c:a", "ac3", "-mpegts_m2ts_mode", "1", "-f", "mpegts"}), "video/mp2t"},
	{"h264-aac.mts", [][]string{clipVideo, clipAudio48}, cat(clipX264, []string{"-c:a", "aac", "-ac", "2", "-mpegts_m2ts_mode", "1", "-f", "mpegts"}), "video/mp2t"},
	{"mpeg2-mp2.mpg", [][]string{clipVideo, clipAudio}, []string{"-c:v", "mpeg2video", "-c:a", "mp2", "-f", "mpeg"}, "video/mpeg"},
	{"h264-mp2.mpg", [][]string{clipVideo, clipAudio}, cat(clipX264, []string{"-c:a", "mp2", "-f", "mpeg"}), "video/mpeg"},
	{"mpeg1-mp2.mpg", [][]string{clipVideo, clipAudio}, []string{"-c:v", "mpeg1video", "-c:a", "mp2", "-f", "mpeg"}, "video/mpeg"},
	{"dvd.vob", [][]string{clipPAL, clipAudio48}, []string{"-c:v", "mpeg2video", "-c:a", "ac3", "-ac", "2", "-f", "vob"}, "video/mpeg"},
	{"wmv2.wmv", [][]string{clipVideo, clipAudio}, []string{"-c:v", "wmv2", "-c:a", "wmav2"}, "video/x-ms-asf"},
	{"wmv1.asf", [][]string{clipVideo, clipAudio}, []string{"-c:v", "wmv1", "-c:a", "wmav1"}, "video/x-ms-asf"},
	{"msmpeg4-mp3.asf", [][]string{clipVideo, clipAudio}, []string{"-c:v", "msmpeg4", "-c:a", "libmp3lame"}, "video/x-ms-asf"},
	{"audio.wma", [][]string{clipAudio}, []string{"-c:a", "wmav2", "-ac", "2"}, "audio/x-ms-wma"},
	{"flv1-mp3.flv", [][]string{clipVideo, clipAudio}, []string{"-c:v", "flv1", "-c:a", "libmp3lame"}, "video/x-flv"},
	{"h264-aac.flv", [][]string{clipVideo, clipAudio}, cat(clipX264, []string{"-c:a", "aac"}), "video/x-flv"},
	{"audio-aac.flv", [][]string{clipAudio}, []string{"-c:a", "aac", "-f", "flv"}, "video/x-flv"},
	{"mpeg2-pcm.mxf", [][]string{clipVideo, clipAudio48}, []string{"-c:v", "mpeg2video", "-c:a", "pcm_s16le"}, "application/mxf"},
	{"h264-pcm24.mxf", [][]string{clipVideo, clipAudio48}, cat(clipX264, []string{"-c:a", "pcm_s24le"}), "application/mxf"},
	{"dv.mxf", [][]string{clipPAL, clipAudio48}, []string{"-c:v", "dvvideo", "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le"}, "application/mxf"},
	{"pal.dv", [][]string{clipPAL, clipAudio48}, []string{"-c:v", "dvvideo", "-pix_fmt", "yuv420p", "-ac", "2", "-f", "dv"}, "video/x-dv"},
	{"dv50.dv", [][]string{clipPAL, clipAudio48}, []string{"-c:v", "dvvideo", "-pix_fmt", "yuv422p", "-ac", "2", "-t", "1", "-f", "dv"}, "video/x-dv"},
	{"ntsc.dv", [][]string{clipNTSC, clipAudio48}, []string{"-c:v", "dvvideo", "-pix_fmt", "yuv411p", "-ac", "2", "-f", "dv"}, "video/x-dv"},
	{"mono.aac", [][]string{clipAudio}, []string{"-c:a", "aac", "-f", "adts"}, "audio/aac"},
	{"stereo48.aac", [][]string{clipAudio48}, []string{"-c:a", "aac", "-ac", "2", "-b:a", "192k", "-f", "adts"}, "audio/aac"},
}

// TestContainerClips reads a file of every container and codec variant
// and compares it with ffprobe.
func TestContainerClips(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range containerClips {
		t.Run(tc.name, func(t *testing.T) {
			path := makeClip(t, dir, tc.name, tc.inputs, tc.args...)
			md := extractPath(t, path)
			assert.Equal(t, tc.format, md.Format)
			assert.Empty(t, md.Warnings)
			checkAgainstFFprobe(t, md, path)
			assertDocumented(t, md)
			_, err := md.XMP()
			require.NoError(t, err)
		})
	}
}

// TestContainerTags: the tags and dates of ASF (Content Description,
// Extended Content Description), FLV (onMetaData), MXF (Identification)
// and DV (recording date) files, against exiftool.
func TestContainerTags(t *testing.T) {
	dir := t.TempDir()
	tags := []string{"-metadata", "title=Clip Title", "-metadata", "artist=The Artist", "-metadata", "album=The Album",
		"-metadata", "genre=Rock", "-metadata", "copyright=(c) Someone", "-metadata", "comment=A comment"}

	wmv := makeClip(t, dir, "tags.wmv", [][]string{clipVideo, clipAudio}, cat([]string{"-c:v", "wmv2", "-c:a", "wmav2"}, tags)...)
	md := extractPath(t, wmv)
	checkTagsAgainstExiftool(t, md, wmv, map[string]string{"dc:title": "Title", "xmpDM:artist": "Author",
		"dc:rights": "Copyright", "dc:description": "Description", "xmpDM:album": "AlbumTitle", "xmpDM:genre": "Genre"})
	assertDocumented(t, md)

	flv := makeClip(t, dir, "tags.flv", [][]string{clipVideo, clipAudio}, cat([]string{"-c:v", "flv1", "-c:a", "libmp3lame"}, tags)...)
	md = extractPath(t, flv)
	assert.Equal(t, "Clip Title", text(t, md, "dc:title"))
	assert.Equal(t, "The Artist", text(t, md, "xmpDM:artist"))
	assert.Equal(t, "A comment", text(t, md, "acs:Comment"))
	assert.Contains(t, text(t, md, "xmp:CreatorTool"), "Lavf")
	assertDocumented(t, md)

	mxf := makeClip(t, dir, "tags.mxf", [][]string{clipVideo, clipAudio48}, "-c:v", "mpeg2video", "-c:a", "pcm_s16le",
		"-metadata", "creation_time=2021-06-15T10:20:30Z")
	md = extractPath(t, mxf)
	et := exiftoolTags(t, mxf)
	assert.Equal(t, et["ApplicationSupplierName"], text(t, md, "acs:Company"))
	assert.Equal(t, fmt.Sprint(et["ApplicationName"], " ", et["ApplicationVersionString"]), text(t, md, "xmp:CreatorTool"))
	assert.Equal(t, "2021-06-15T10:20:30", text(t, md, "xmp:CreateDate"))
	assert.Equal(t, strings.Replace(strings.Replace(fmt.Sprint(et["CreateDate"]), ":", "-", 2), " ", "T", 1)[:19], text(t, md, "xmp:CreateDate"))
	assertDocumented(t, md)

	dv := makeClip(t, dir, "date.dv", [][]string{clipPAL, clipAudio48}, "-c:v", "dvvideo", "-pix_fmt", "yuv420p", "-ac", "2",
		"-metadata", "creation_time=2021-06-15T10:20:30Z", "-f", "dv")
	md = extractPath(t, dv)
	assert.Equal(t, "2021-06-15T10:20:30", text(t, md, "exif:DateTimeOriginal"))
	assert.Equal(t, "2021:06:15 10:20:30", exiftoolTags(t, dv)["DateTimeOriginal"])
	nodate := makeClip(t, dir, "nodate.dv", [][]string{clipPAL}, "-c:v", "dvvideo", "-pix_fmt", "yuv420p", "-t", "0.2", "-f", "dv")
	md = extractPath(t, nodate)
	_, ok := md.Get("xmp:CreateDate")
	assert.False(t, ok, "ffmpeg's epoch placeholder is no recording date")

	// A bare MPEG-2 video stream: the sequence header, and the pictures
	// over the frame rate (ffprobe gives no duration).
	m2v := makeClip(t, dir, "a.m2v", [][]string{clipVideo}, "-c:v", "mpeg2video", "-f", "mpeg2video")
	md = extractPath(t, m2v)
	assert.Equal(t, "video/mpeg", md.Format)
	assert.InDelta(t, 2.0, num(t, md, "acs:Duration"), 0.001)
	assert.EqualValues(t, 25, num(t, md, "xmpDM:videoFrameRate"))
	assert.Equal(t, "mpeg2video", text(t, md, "xmpDM:videoCompressor"))
	assert.EqualValues(t, 240, num(t, md, "tiff:ImageLength"))

	aac := makeClip(t, dir, "profile.aac", [][]string{clipAudio}, "-c:a", "aac", "-f", "adts")
	md = extractPath(t, aac)
	assert.Equal(t, "LC", text(t, md, "acs:AudioProfile"))

	// An ID3v2 tag before the ADTS frames: the file looks like an MP3.
	id3 := makeClip(t, dir, "id3.aac", [][]string{clipAudio}, cat([]string{"-c:a", "aac", "-f", "adts", "-write_id3v2", "1"}, mediaTags)...)
	md = extractPath(t, id3)
	assert.Equal(t, "audio/aac", md.Format)
	assert.Equal(t, "Clip Title", text(t, md, "dc:title"))
	assert.Equal(t, "aac", text(t, md, "xmpDM:audioCompressor"))
	checkAgainstFFprobe(t, md, id3)
}

// TestContainerDamage: every container cut short or holding garbage ends
// in metadata (with a warning when a part is missing) or SourceCorrupt,
// never a panic.
func TestContainerDamage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range containerClips {
		if !strings.HasPrefix(tc.name, "h264-aac.") && !strings.HasPrefix(tc.name, "mpeg2-mp2.") && tc.name != "wmv2.wmv" &&
			tc.name != "flv1-mp3.flv" && tc.name != "mpeg2-pcm.mxf" && tc.name != "pal.dv" && tc.name != "mono.aac" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			path := makeClip(t, dir, tc.name, tc.inputs, cat(tc.args, []string{"-t", "0.5"})...)
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			for cut := 0; cut < len(data); {
				checkDamaged(t, tc.name, data[:cut], fmt.Sprintf("cut at %d of %d", cut, len(data)), api.ReasonSourceCorrupt)
				if cut < 64 {
					cut += 3
				} else {
					cut += max(cut/5, 1)
				}
			}
			for i := 0; i < 40; i++ {
				m := append([]byte{}, data...)
				for k := 0; k < 16; k++ {
					m[(i*7919+k*104729)%len(m)] ^= byte(i*31 + k)
				}
				checkDamaged(t, tc.name, m, fmt.Sprintf("mutant %d", i),
					api.ReasonSourceCorrupt, api.ReasonSourceFormatUnsupported, api.ReasonSourceTooLarge, api.ReasonSourceUnsupported)
			}
			// Half the file: what the first half holds, a warning for
			// what it lacks (or nothing lacks: TS and PS have no end).
			md, err := extractBytes(t, data[:len(data)/2], tc.name)
			if err == nil {
				checkOutput(t, md)
				assert.NotEmpty(t, md.Properties)
			} else {
				assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), "%v", err)
			}
			// Garbage after a valid start.
			garbage := append(append([]byte{}, data[:min(len(data), 400)]...), make([]byte, 4096)...)
			for i := 400; i < len(garbage); i++ {
				garbage[i] = byte(i * 131)
			}
			checkDamaged(t, tc.name, garbage, "garbage after 400 bytes", api.ReasonSourceCorrupt)
		})
	}
}

// TestTransportStreamRangedReads: the duration of a 1 GiB transport
// stream comes from its first and last MiB; the rest is never read.
func TestTransportStreamRangedReads(t *testing.T) {
	dir := t.TempDir()
	path := makeClip(t, dir, "a.ts", [][]string{clipVideo, clipAudio}, cat(clipX264, []string{"-c:a", "aac"})...)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	half := len(data) / 188 / 2 * 188
	const size = 1 << 30
	vf := &virtualFile{prefix: data[:half], suffix: data[half:], size: size}
	cr := &countingReaderAt{r: vf}
	md, err := Extract(context.Background(), cr, size, "big.ts", Options{})
	require.NoError(t, err)
	whole := extractPath(t, path)
	assert.InDelta(t, num(t, whole, "acs:Duration"), num(t, md, "acs:Duration"), 0.001)
	assert.EqualValues(t, 320, num(t, md, "tiff:ImageWidth"))
	assert.Less(t, cr.bytes.Load(), int64(3<<20), "bytes read")

	// A video codec whose sequence header is not read (MPEG-4 part 2)
	// does not extend the scan of the start.
	path = makeClip(t, dir, "mpeg4.ts", [][]string{clipVideo, clipAudio}, "-c:v", "mpeg4", "-c:a", "mp2")
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	half = len(data) / 188 / 2 * 188
	cr = &countingReaderAt{r: &virtualFile{prefix: data[:half], suffix: data[half:], size: size}}
	md, err = Extract(context.Background(), cr, size, "big.ts", Options{})
	require.NoError(t, err)
	assert.Equal(t, "mpeg4", text(t, md, "xmpDM:videoCompressor"))
	assert.Equal(t, "mp2", text(t, md, "xmpDM:audioCompressor"))
	assert.Less(t, cr.bytes.Load(), int64(3<<20), "bytes read")
	checkAgainstFFprobeDuration(t, md, path)
}

// checkAgainstFFprobeDuration compares the duration with ffprobe's.
func checkAgainstFFprobeDuration(t *testing.T, md *Metadata, path string) {
	t.Helper()
	p := ffprobe(t, path)
	dur, err := strconv.ParseFloat(p.Format.Duration, 64)
	require.NoError(t, err)
	assert.InDelta(t, dur, num(t, md, "acs:Duration"), 0.05, "duration")
}

// TestTransportStreamPTSWrap: a stream whose 33-bit PTS wraps around in
// the middle has the duration ffprobe gives it, not a negative or 26-hour
// one.
func TestTransportStreamPTSWrap(t *testing.T) {
	dir := t.TempDir()
	// 2^33 / 90 kHz = 95443.7 s: start 1 s before the wrap.
	path := makeClip(t, dir, "wrap.ts", [][]string{clipVideo, clipAudio}, cat(clipX264, []string{"-c:a", "aac", "-output_ts_offset", "95442.7"})...)
	md := extractPath(t, path)
	assert.InDelta(t, 2.0, num(t, md, "acs:Duration"), 0.1)
	checkAgainstFFprobe(t, md, path)
}

// TestESHeaders: the sequence and frame header parsers on hand-made and
// hostile input.
func TestESHeaders(t *testing.T) {
	// A bit reader never reads past its end.
	r := &bitReader{d: []byte{0xFF}}
	assert.EqualValues(t, 0, r.u(9))
	assert.True(t, r.err)
	r = &bitReader{d: []byte{0, 0, 0, 0, 0}}
	assert.EqualValues(t, 0, r.ue())
	assert.True(t, r.err, "more than 31 leading zeros")
	assert.Equal(t, []byte{0, 0, 1, 0, 0, 0, 0}, h264.Unescape([]byte{0, 0, 3, 1, 0, 0, 3, 0, 0}))

	// MPEG-2 sequence header 720x576, 25 fps, with its extension.
	v, ok := videoFromES([]byte{0, 0, 1, 0xB3, 0x2D, 0x02, 0x40, 0x33, 0xFF, 0xFF, 0xE0, 0x18,
		0, 0, 1, 0xB5, 0x14, 0x8A, 0, 1, 0, 0}, "")
	require.True(t, ok)
	assert.Equal(t, videoFacts{width: 720, height: 576, frameRate: 25, codec: "mpeg2video"}, v)

	// Headers cut anywhere, or all ones, parse without a panic.
	for _, h := range [][]byte{{0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC}, {0x0B, 0x77, 0, 0, 0x14, 0x40, 0x43, 0}, {0x67, 0x64, 0, 0x1E}} {
		for i := 0; i <= len(h); i++ {
			adtsHeader(h[:i])
			ac3Header(h[:i])
			h264SPS(h[:i])
			hevcSPS(h[:i])
			audioFrames(h[:i], "", 10)
		}
	}
	// An H.264 SPS (320x240, 25 fps) is found after a few bad ones, not
	// after more than 16: a stream of thousands of bad parameter sets
	// costs 16 parses per packet.
	sps := []byte{0, 0, 1, 0x67, 0x42, 0xc0, 0x0d, 0xda, 0x05, 0x07, 0xec, 0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40, 0x00, 0x00, 0x0c, 0x83, 0xc5, 0x0a, 0xa8, 0x00}
	bad := []byte{0, 0, 1, 0x67, 0, 0, 0, 0}
	v, ok = videoFromES(append(bytes.Repeat(bad, 3), sps...), "h264")
	require.True(t, ok)
	assert.Equal(t, videoFacts{width: 320, height: 240, frameRate: 25, codec: "h264"}, v)
	_, ok = videoFromES(append(bytes.Repeat(bad, 20), sps...), "h264")
	assert.False(t, ok)

	ones := make([]byte, 64)
	for i := range ones {
		ones[i] = 0xFF
	}
	ones[0] = 0x67
	h264SPS(ones)
	ones[0], ones[1] = 0x42, 0x01
	hevcSPS(ones)
	videoFromES(ones, "")
}

// TestContainerHostile: declared counts, sizes and nesting of hostile
// files are bounded; nothing is allocated from a declared size.
func TestContainerHostile(t *testing.T) {
	// MPEG-TS: a PMT of 197 streams over several packets (64 are
	// followed), then 40000 packets of one of them.
	pkt := func(pid int, pusi bool, payload []byte) []byte {
		p := make([]byte, 188)
		p[0], p[1], p[2], p[3] = 0x47, byte(pid>>8), byte(pid), 0x10
		if pusi {
			p[1] |= 0x40
		}
		for i := range p[4:] {
			p[4+i] = 0xFF
		}
		copy(p[4:], payload)
		return p
	}
	pat := []byte{0, 0x00, 0xB0, 13, 0, 1, 0xC1, 0, 0, 0, 1, 0xE1, 0x00, 0, 0, 0, 0}
	var ts []byte
	ts = append(ts, pkt(0, true, pat)...)
	pmt := []byte{0, 0x02, 0xB0, 0, 0, 1, 0xC1, 0, 0, 0xE1, 0x01, 0xF0, 0}
	for i := 1; len(pmt) < 1000; i++ {
		pmt = append(pmt, 0x1B, 0xE1, byte(i), 0xF0, 0)
	}
	n := len(pmt) - 4 + 4 // after the length field, CRC included
	pmt[2], pmt[3] = 0xB0|byte(n>>8), byte(n)
	pmt = append(pmt, 0, 0, 0, 0)
	// A PMT section longer than a packet continues in the next ones.
	ts = append(ts, pkt(0x100, true, pmt[:184])...)
	for rest := pmt[184:]; len(rest) > 0; rest = rest[min(len(rest), 184):] {
		ts = append(ts, pkt(0x100, false, rest[:min(len(rest), 184)])...)
	}
	pes := []byte{0, 0, 1, 0xE0, 0, 0, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1}
	for i := 0; i < 40000; i++ {
		ts = append(ts, pkt(0x101, i%2 == 0, pes)...)
	}
	md, err := extractBytes(t, ts, "hostile.ts")
	require.NoError(t, err)
	checkOutput(t, md)

	// MPEG-PS: 500,000 empty PES packets.
	ps := []byte{0, 0, 1, 0xBA, 0x44, 0, 4, 0, 4, 1, 0, 0, 3, 0xF8}
	for i := 0; i < 500000; i++ {
		ps = append(ps, 0, 0, 1, 0xE0, 0, 0)
	}
	cr := &countingReaderAt{r: byteReaderAt(ps)}
	md, err = Extract(context.Background(), cr, int64(len(ps)), "hostile.mpg", Options{})
	require.NoError(t, err)
	checkOutput(t, md)
	assert.LessOrEqual(t, cr.bytes.Load(), int64(psMaxScan), "bytes read")

	// MPEG-PS: 8 MiB of PES packets full of H.264 SPS start codes that
	// parse as nothing: 16 are tried per packet (TestESHeaders).
	flood := bytes.Repeat([]byte{0, 0, 1, 0x67, 0, 0, 0, 0}, 8200)
	ps = []byte{0, 0, 1, 0xBA, 0x44, 0, 4, 0, 4, 1, 0, 0, 3, 0xF8}
	for len(ps) < psMaxScan {
		ps = append(ps, 0, 0, 1, 0xE0, 0xFA, 0x0F, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1)
		ps = append(ps, flood[:0xFA0F-8]...)
	}
	md, err = extractBytes(t, ps, "flood.mpg")
	require.NoError(t, err)
	checkOutput(t, md)

	// FLV: onMetaData nested 100000 deep, and an array of 2^32-1 items.
	flv := []byte("FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00")
	body := []byte{2, 0, 10}
	body = append(body, "onMetaData"...)
	body = append(body, bytes.Repeat([]byte{10, 0xFF, 0xFF, 0xFF, 0xFF}, 100000)...)
	tag := []byte{18, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body)), 0, 0, 0, 0, 0, 0, 0}
	flv = append(append(append(flv, tag...), body...), 0, 0, 0, 0)
	md, err = extractBytes(t, flv, "hostile.flv")
	if err == nil {
		checkOutput(t, md)
	} else {
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), "%v", err)
	}

	// ASF: a header that claims 2^32-1 objects and holds 3000 tiny ones,
	// an Extended Content Description of 65535 entries in 30 bytes.
	asf := []byte(asfHeaderGUID)
	asf = append(asf, make([]byte, 14)...)
	asf[24], asf[25], asf[26], asf[27] = 0xFF, 0xFF, 0xFF, 0xFF
	ext := append([]byte(asfExtContentGUID), 54, 0, 0, 0, 0, 0, 0, 0)
	ext = append(ext, 0xFF, 0xFF, 4, 0, 'a', 0, 'b', 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	asf = append(asf, ext[:54]...)
	for i := 0; i < 3000; i++ {
		asf = append(asf, make([]byte, 16)...)
		asf = append(asf, 24, 0, 0, 0, 0, 0, 0, 0)
	}
	total := len(asf)
	asf[16], asf[17], asf[18] = byte(total), byte(total>>8), byte(total>>16)
	md, err = extractBytes(t, asf, "hostile.wmv")
	require.NoError(t, err)
	checkOutput(t, md)

	// MXF: a partition pack whose header metadata says 2^62 bytes, and one
	// of 20000 empty local sets.
	part := append([]byte{0x06, 0x0E, 0x2B, 0x34, 0x02, 0x05, 0x01, 0x01, 0x0D, 0x01, 0x02, 0x01, 0x01, 0x02, 0x04, 0x00}, 0x83, 0, 0, 88)
	val := make([]byte, 88)
	val[32] = 0x40 // HeaderByteCount 2^62
	mxf := append(append([]byte(nil), part...), val...)
	md, err = extractBytes(t, append(mxf, make([]byte, 64)...), "huge.mxf")
	require.NoError(t, err)
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "only the first")
	val[32] = 0
	mxf = append(append([]byte(nil), part...), val...)
	set := []byte{0x06, 0x0E, 0x2B, 0x34, 0x02, 0x53, 0x01, 0x01, 0x0D, 0x01, 0x01, 0x01, 0x01, 0x01, 0x3B, 0x00, 0}
	mxf = append(mxf, bytes.Repeat(set, 20000)...)
	md, err = extractBytes(t, mxf, "sets.mxf")
	require.NoError(t, err)
	checkOutput(t, md)
}

// TestASFAttributes: the Extended Content Description attributes of each
// data type, and the Metadata Library object of the Header Extension.
func TestASFAttributes(t *testing.T) {
	le := func(v uint64, n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(v >> (8 * i))
		}
		return b
	}
	u16 := func(s string) []byte {
		var b []byte
		for _, r := range s + "\x00" {
			b = append(b, byte(r), byte(r>>8))
		}
		return b
	}
	object := func(guid string, body []byte) []byte {
		return append(append([]byte(guid), le(uint64(24+len(body)), 8)...), body...)
	}
	attr := func(name string, typ uint16, v []byte) []byte {
		n := u16(name)
		b := append(le(uint64(len(n)), 2), n...)
		b = append(b, le(uint64(typ), 2)...)
		return append(append(b, le(uint64(len(v)), 2)...), v...)
	}
	attrs := [][]byte{
		attr("WM/AlbumTitle", 0, u16("The Album")),
		attr("WM/Year", 0, u16("2019")),
		attr("WM/Track", 3, le(4, 4)), // zero-based: track 5
		attr("WM/AlbumArtist", 0, u16("Various")),
		attr("WM/Picture", 1, []byte{3, 0, 0, 0, 0}),
		attr("WM/EncodingTime", 4, le(132000000000000000, 8)), // 2019-04-17
		attr("IsVBR", 2, le(1, 4)),
	}
	ext := le(uint64(len(attrs)), 2)
	for _, a := range attrs {
		ext = append(ext, a...)
	}
	// Metadata Library: stream 0, WM/Composer.
	name := u16("WM/Composer")
	val := u16("Someone")
	lib := append(le(1, 2), le(0, 2)...)
	lib = append(lib, le(0, 2)...)
	lib = append(lib, le(uint64(len(name)), 2)...)
	lib = append(lib, le(0, 2)...)
	lib = append(lib, le(uint64(len(val)), 4)...)
	lib = append(append(lib, name...), val...)
	libObj := object(asfMetadataLibGUID, lib)
	hext := append(make([]byte, 18), le(uint64(len(libObj)), 4)...)
	hext = append(hext, libObj...)
	body := append(object(asfExtContentGUID, ext), object(asfHeaderExtGUID, hext)...)
	hdr := append([]byte(asfHeaderGUID), le(uint64(30+len(body)), 8)...)
	hdr = append(append(append(hdr, le(2, 4)...), 1, 2), body...)

	md, err := extractBytes(t, hdr, "attrs.wma")
	require.NoError(t, err)
	assert.Equal(t, "The Album", text(t, md, "xmpDM:album"))
	assert.Equal(t, "2019", text(t, md, "xmpDM:releaseDate"))
	assert.EqualValues(t, 5, num(t, md, "xmpDM:trackNumber"))
	assert.Equal(t, "Various", text(t, md, "xmpDM:albumArtist"))
	assert.Equal(t, "Someone", text(t, md, "xmpDM:composer"))
	v, _ := md.Get("acs:HasCoverArt")
	assert.True(t, v.Bool)
	assert.Equal(t, "2019-04-17T18:40:00Z", text(t, md, "xmp:CreateDate"))
	assertDocumented(t, md)

	// A Metadata Library of 3 MiB: a cover picture, then the album. The
	// picture is noted, not read.
	entry := func(name string, typ uint16, v []byte) []byte {
		n := u16(name)
		b := append(le(0, 2), le(0, 2)...)
		b = append(b, le(uint64(len(n)), 2)...)
		b = append(b, le(uint64(typ), 2)...)
		b = append(b, le(uint64(len(v)), 4)...)
		return append(append(b, n...), v...)
	}
	lib = append(le(2, 2), entry("WM/Picture", 1, make([]byte, 3<<20))...)
	lib = append(lib, entry("WM/AlbumTitle", 0, u16("Big Album"))...)
	libObj = object(asfMetadataLibGUID, lib)
	hext = append(make([]byte, 18), le(uint64(len(libObj)), 4)...)
	hext = append(hext, libObj...)
	body = object(asfHeaderExtGUID, hext)
	hdr = append([]byte(asfHeaderGUID), le(uint64(30+len(body)), 8)...)
	hdr = append(append(append(hdr, le(1, 4)...), 1, 2), body...)
	cr := &countingReaderAt{r: byteReaderAt(hdr)}
	md, err = Extract(context.Background(), cr, int64(len(hdr)), "cover.wma", Options{})
	require.NoError(t, err)
	assert.Equal(t, "Big Album", text(t, md, "xmpDM:album"))
	v, _ = md.Get("acs:HasCoverArt")
	assert.True(t, v.Bool)
	assert.Less(t, cr.bytes.Load(), int64(64<<10), "the picture is not read")
}

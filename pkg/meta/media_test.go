package meta

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The media tests make their clips with ffmpeg and check what Extract
// reads against ffprobe (stream facts) and exiftool (dates, GPS, tags).

// needTool is testutil.NeedTool: skipped without the tool, failed under CI.
func needTool(t testing.TB, tool string) string { return testutil.NeedTool(t, tool) }

// mediaTags are the tags the clips are written with.
var mediaTags = []string{
	"-metadata", "title=Clip Title", "-metadata", "artist=The Artist", "-metadata", "album=The Album",
	"-metadata", "genre=Rock", "-metadata", "date=2021", "-metadata", "comment=A comment",
	"-metadata", "track=3",
}

// ffmpegClip runs ffmpeg with a 2 s 320x240 25 fps test picture (unless
// audioOnly) and a 440 Hz tone as inputs, then args, writing dir/name.
func ffmpegClip(t testing.TB, dir, name string, audioOnly bool, args ...string) string {
	t.Helper()
	ffmpeg := needTool(t, "ffmpeg")
	out := filepath.Join(dir, name)
	cmd := []string{"-v", "error", "-y", "-nostdin"}
	if !audioOnly {
		cmd = append(cmd, "-t", "2", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25")
	}
	cmd = append(cmd, "-t", "2", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100")
	cmd = append(cmd, args...)
	cmd = append(cmd, out)
	b, err := exec.Command(ffmpeg, cmd...).CombinedOutput()
	require.NoError(t, err, "ffmpeg %s: %s", strings.Join(cmd, " "), b)
	return out
}

type ffprobeOut struct {
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
	Streams []struct {
		CodecType    string `json:"codec_type"`
		CodecName    string `json:"codec_name"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		AvgFrameRate string `json:"avg_frame_rate"`
		SampleRate   string `json:"sample_rate"`
		Channels     int    `json:"channels"`
		Disposition  struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
	} `json:"streams"`
}

func ffprobe(t testing.TB, path string) ffprobeOut {
	t.Helper()
	p := needTool(t, "ffprobe")
	b, err := exec.Command(p, "-v", "error", "-show_format", "-show_streams", "-of", "json", path).Output()
	require.NoError(t, err)
	var out ffprobeOut
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// exiftoolTags returns exiftool's numeric values of path, by tag name.
func exiftoolTags(t testing.TB, path string) map[string]any {
	t.Helper()
	p := needTool(t, "exiftool")
	b, err := exec.Command(p, "-j", "-n", "-api", "LargeFileSupport=1", path).Output()
	require.NoError(t, err)
	var out []map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	require.Len(t, out, 1)
	return out[0]
}

func rate(s string) float64 {
	n, d, ok := strings.Cut(s, "/")
	a, _ := strconv.ParseFloat(n, 64)
	if !ok {
		return a
	}
	b, _ := strconv.ParseFloat(d, 64)
	if b == 0 {
		return 0
	}
	return a / b
}

func extractPath(t testing.TB, path string) *Metadata {
	t.Helper()
	md, err := extractFile(t, path)
	require.NoError(t, err)
	return md
}

func num(t testing.TB, md *Metadata, key string) float64 {
	t.Helper()
	v, ok := md.Get(key)
	require.True(t, ok, "%s missing; have %v", key, md.Properties)
	return v.Num
}

func text(t testing.TB, md *Metadata, key string) string {
	t.Helper()
	v, ok := md.Get(key)
	require.True(t, ok, "%s missing; have %v", key, md.Properties)
	return v.Default()
}

// checkAgainstFFprobe compares duration, size, codecs, frame rate, sample
// rate and channels with ffprobe's.
func checkAgainstFFprobe(t *testing.T, md *Metadata, path string) {
	t.Helper()
	p := ffprobe(t, path)
	dur, _ := strconv.ParseFloat(p.Format.Duration, 64)
	assert.InDelta(t, dur, num(t, md, "acs:Duration"), 0.05, "duration")
	video, audio := false, false
	for _, s := range p.Streams {
		switch {
		case s.CodecType == "video" && !video && s.Disposition.AttachedPic == 0:
			video = true
			assert.EqualValues(t, s.Width, num(t, md, "tiff:ImageWidth"))
			assert.EqualValues(t, s.Height, num(t, md, "tiff:ImageLength"))
			assert.Equal(t, s.CodecName, text(t, md, "xmpDM:videoCompressor"))
			assert.InDelta(t, rate(s.AvgFrameRate), num(t, md, "xmpDM:videoFrameRate"), 0.01)
		case s.CodecType == "audio" && !audio:
			audio = true
			assert.Equal(t, s.CodecName, text(t, md, "xmpDM:audioCompressor"))
			assert.InDelta(t, rate(s.SampleRate), num(t, md, "xmpDM:audioSampleRate"), 0.5)
			assert.EqualValues(t, s.Channels, num(t, md, "acs:AudioChannels"))
		}
	}
	if !video {
		_, ok := md.Get("tiff:ImageWidth")
		assert.False(t, ok, "an audio file has no image width")
	}
}

// checkTagsAgainstExiftool compares the tags with exiftool's reading.
func checkTagsAgainstExiftool(t *testing.T, md *Metadata, path string, keys map[string]string) {
	t.Helper()
	et := exiftoolTags(t, path)
	for ours, theirs := range keys {
		want, ok := et[theirs]
		if !assert.True(t, ok, "exiftool has no %s", theirs) {
			continue
		}
		v, ok := md.Get(ours)
		if !assert.True(t, ok, "%s missing (exiftool %s = %v)", ours, theirs, want) {
			continue
		}
		switch w := want.(type) {
		case float64:
			if v.Kind == KindNumber {
				assert.InDelta(t, w, v.Num, 1e-4, "%s vs exiftool %s", ours, theirs)
			} else {
				assert.Equal(t, strconv.FormatFloat(w, 'f', -1, 64), v.Default(), "%s vs exiftool %s", ours, theirs)
			}
		default:
			assert.Equal(t, want, v.Default(), "%s vs exiftool %s", ours, theirs)
		}
	}
}

// TestMP4Clips reads MP4, MOV and M4A files made by ffmpeg, with the moov
// box after the media data and before it, and compares with ffprobe and
// exiftool.
func TestMP4Clips(t *testing.T) {
	dir := t.TempDir()
	av := append([]string{"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2",
		"-metadata", "creation_time=2021-06-15T10:20:30Z", "-metadata", "location=+48.8584+002.2945/"}, mediaTags...)
	for _, tc := range []struct {
		name      string
		args      []string
		audioOnly bool
		format    string
		gps       bool
	}{
		{"moov-at-end.mp4", av, false, "video/mp4", true},
		{"faststart.mp4", append(av, "-movflags", "+faststart"), false, "video/mp4", true},
		{"clip.mov", append(av, "-metadata", "make=Canon", "-metadata", "model=EOS R5"), false, "video/quicktime", true},
		{"audio.m4a", append([]string{"-c:a", "aac", "-ac", "1"}, mediaTags...), true, "audio/mp4", false},
		{"mono-mjpeg.mov", []string{"-c:v", "mjpeg", "-c:a", "pcm_s16le", "-ac", "1", "-r", "10"}, false, "video/quicktime", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ffmpegClip(t, dir, tc.name, tc.audioOnly, tc.args...)
			md := extractPath(t, path)
			assert.Equal(t, tc.format, md.Format)
			assert.Empty(t, md.Warnings)
			checkAgainstFFprobe(t, md, path)
			assertDocumented(t, md)
			keys := map[string]string{}
			if tc.name != "mono-mjpeg.mov" {
				keys = map[string]string{"dc:title": "Title", "xmpDM:artist": "Artist", "xmpDM:album": "Album", "xmpDM:genre": "Genre"}
			}
			if tc.gps {
				keys["exif:GPSLatitude"] = "GPSLatitude"
				keys["exif:GPSLongitude"] = "GPSLongitude"
				assert.Equal(t, "2021-06-15T10:20:30Z", text(t, md, "xmp:CreateDate"))
			}
			if strings.HasSuffix(tc.name, ".mov") && tc.gps {
				keys["tiff:Make"] = "Make"
				keys["tiff:Model"] = "Model"
			}
			checkTagsAgainstExiftool(t, md, path, keys)
			if tc.name != "mono-mjpeg.mov" && tc.name != "clip.mov" {
				assert.EqualValues(t, 3, num(t, md, "xmpDM:trackNumber"))
			}
			xmp, err := md.XMP()
			require.NoError(t, err)
			assert.Contains(t, string(xmp), "<xmpDM:duration rdf:parseType=\"Resource\">")
		})
	}
}

// findBox returns the offset of the first box of type typ in data (a
// naive search, for test files).
func findBox(t testing.TB, data []byte, typ string) int {
	t.Helper()
	i := bytes.Index(data, []byte(typ))
	require.Greater(t, i, 4, "no %s box", typ)
	return i - 4
}

// TestMP4Rotation: the rotation of the video track's display matrix, as
// exiftool reports it, with the unrotated display size.
func TestMP4Rotation(t *testing.T) {
	dir := t.TempDir()
	path := ffmpegClip(t, dir, "rot.mp4", false, "-c:v", "libx264", "-preset", "ultrafast", "-an")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, tc := range []struct {
		deg        int
		a, b, c, d int32
	}{{90, 0, 1, -1, 0}, {180, -1, 0, 0, -1}, {270, 0, -1, 1, 0}} {
		tk := findBox(t, data, "tkhd")
		size := int(binary.BigEndian.Uint32(data[tk:]))
		m := data[tk+size-44:]
		for i, v := range []int32{tc.a, tc.b, 0, tc.c, tc.d} {
			binary.BigEndian.PutUint32(m[i*4:], uint32(v<<16))
		}
		rot := filepath.Join(dir, "rot"+strconv.Itoa(tc.deg)+".mp4")
		require.NoError(t, os.WriteFile(rot, data, 0o644))
		md := extractPath(t, rot)
		assert.EqualValues(t, tc.deg, num(t, md, "acs:Rotation"))
		assert.EqualValues(t, exiftoolTags(t, rot)["Rotation"], num(t, md, "acs:Rotation"))
		assert.EqualValues(t, 320, num(t, md, "tiff:ImageWidth"))
	}
}

// TestMP4Damage: a faststart file cut in its media data still gives its
// metadata, with a warning; a file whose moov box is cut or missing is
// SourceCorrupt; an encrypted track is said so.
func TestMP4Damage(t *testing.T) {
	dir := t.TempDir()
	fast := ffmpegClip(t, dir, "fast.mp4", false, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-movflags", "+faststart")
	late := ffmpegClip(t, dir, "late.mp4", false, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac")
	fd, err := os.ReadFile(fast)
	require.NoError(t, err)
	ld, err := os.ReadFile(late)
	require.NoError(t, err)

	md, err := extractBytes(t, fd[:len(fd)/2], "fast.mp4")
	require.NoError(t, err)
	assert.InDelta(t, 2.0, num(t, md, "acs:Duration"), 0.05)
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "truncated")

	for name, data := range map[string][]byte{
		"late.mp4 cut in mdat": ld[:len(ld)/2],
		"fast.mp4 cut in moov": fd[:findBox(t, fd, "moov")+100],
		"no moov":              append([]byte(nil), fd[:findBox(t, fd, "moov")]...),
	} {
		_, err := extractBytes(t, data, "x.mp4")
		var ae *api.Error
		require.True(t, errors.As(err, &ae), "%s: %v", name, err)
		assert.Equal(t, api.ReasonSourceCorrupt, ae.Reason, name)
	}

	enc := append([]byte(nil), fd...)
	i := bytes.Index(enc, []byte("avc1\x00\x00\x00\x00\x00\x00"))
	require.Greater(t, i, 0)
	copy(enc[i:], "encv")
	md, err = extractBytes(t, enc, "enc.mp4")
	require.NoError(t, err)
	v, _ := md.Get("acs:Encrypted")
	assert.True(t, v.Bool)
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "encrypted")
	assert.InDelta(t, 2.0, num(t, md, "acs:Duration"), 0.05)
}

// TestMP4RangedReads: the moov box at the end of a 4 GiB file is found
// through its box headers; the media data is never read.
func TestMP4RangedReads(t *testing.T) {
	dir := t.TempDir()
	late := ffmpegClip(t, dir, "late.mp4", false, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac")
	data, err := os.ReadFile(late)
	require.NoError(t, err)
	moov := data[findBox(t, data, "moov"):]
	ftyp := data[:binary.BigEndian.Uint32(data)]
	const size = 4 << 30
	prefix := append(append([]byte(nil), ftyp...), 0, 0, 0, 1, 'm', 'd', 'a', 't')
	prefix = binary.BigEndian.AppendUint64(prefix, uint64(size-len(ftyp)-len(moov)))
	vf := &virtualFile{prefix: prefix, suffix: moov, size: size}
	cr := &countingReaderAt{r: vf}
	md, err := Extract(context.Background(), cr, size, "big.mp4", Options{})
	require.NoError(t, err)
	assert.InDelta(t, 2.0, num(t, md, "acs:Duration"), 0.05)
	assert.EqualValues(t, 320, num(t, md, "tiff:ImageWidth"))
	assert.Less(t, cr.bytes.Load(), int64(64<<10), "bytes read")
	assert.Less(t, cr.calls.Load(), int64(100), "reads")
}

// TestMP4XMP: XMP in a top-level uuid box and in udta/XMP_ is read.
func TestMP4XMP(t *testing.T) {
	dir := t.TempDir()
	path := ffmpegClip(t, dir, "x.mp4", false, "-c:v", "libx264", "-preset", "ultrafast", "-an", "-movflags", "+faststart")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	packet := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject><rdf:Bag><rdf:li>from-uuid</rdf:li></rdf:Bag></dc:subject>` +
		`</rdf:Description></rdf:RDF></x:xmpmeta>`
	box := binary.BigEndian.AppendUint32(nil, uint32(8+16+len(packet)))
	box = append(append(append(box, "uuid"...), mp4XMPUUID...), packet...)
	md, err := extractBytes(t, append(append([]byte(nil), data...), box...), "x.mp4")
	require.NoError(t, err)
	assert.Equal(t, []any{"from-uuid"}, md.Map()["dc:subject"])
	assert.Empty(t, md.Warnings)
}

// TestISO6709 reads the location strings of QuickTime files.
func TestISO6709(t *testing.T) {
	for in, want := range map[string][3]float64{
		"+48.8584+002.2945/":         {48.8584, 2.2945, math.NaN()},
		"-33.8568+151.2153+012.345/": {-33.8568, 151.2153, 12.345},
		"+40.7128-074.0060-005.5/":   {40.7128, -74.006, -5.5},
	} {
		b := newBuilder(DefaultOptions())
		setISO6709(b, in, prioIPTC)
		md := b.finish()
		assert.InDelta(t, want[0], num(t, md, "exif:GPSLatitude"), 1e-9, in)
		assert.InDelta(t, want[1], num(t, md, "exif:GPSLongitude"), 1e-9, in)
		if !math.IsNaN(want[2]) {
			assert.InDelta(t, want[2], md.Map()["exif:GPSAltitude"], 1e-9, in)
		}
	}
	b := newBuilder(DefaultOptions())
	setISO6709(b, "+99.0+000.0/", prioIPTC)
	setISO6709(b, "garbage", prioIPTC)
	assert.Empty(t, b.props)
}

// assertDocumented checks that KEYS.md lists every key of md.
func assertDocumented(t *testing.T, md *Metadata) {
	t.Helper()
	doc, err := os.ReadFile("KEYS.md")
	require.NoError(t, err)
	for _, p := range md.Properties {
		assert.Contains(t, string(doc), "| `"+p.Key+"` |", "KEYS.md does not document %s", p.Key)
	}
}

// TestMP3Clips reads MP3 files made by ffmpeg: ID3v2.4 and 2.3 tags, an
// ID3v1 tag, a file without tags or Xing header (its duration estimated
// from the bit rate), a variable bit rate file (duration from Xing), and
// cover art.
func TestMP3Clips(t *testing.T) {
	dir := t.TempDir()
	mp3 := append([]string{"-c:a", "libmp3lame", "-b:a", "128k"}, mediaTags...)
	cover := ffmpegClip(t, dir, "cover.png", false, "-frames:v", "1", "-map", "0:v")
	for _, tc := range []struct {
		name string
		args []string
		tags bool
	}{
		{"v24.mp3", mp3, true},
		{"v23-v1.mp3", append(mp3, "-id3v2_version", "3", "-write_id3v1", "1"), true},
		{"bare.mp3", []string{"-c:a", "libmp3lame", "-b:a", "96k", "-id3v2_version", "0", "-write_xing", "0", "-ac", "2"}, false},
		{"vbr.mp3", append([]string{"-c:a", "libmp3lame", "-q:a", "4", "-ac", "2"}, mediaTags...), true},
		{"cover.mp3", append([]string{"-i", cover, "-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame", "-c:v", "copy",
			"-id3v2_version", "3", "-metadata:s:v", "title=Album cover", "-metadata:s:v", "comment=Cover (front)"}, mediaTags...), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ffmpegClip(t, dir, tc.name, true, tc.args...)
			md := extractPath(t, path)
			assert.Equal(t, "audio/mpeg", md.Format)
			assert.Empty(t, md.Warnings)
			checkAgainstFFprobe(t, md, path)
			assertDocumented(t, md)
			if tc.tags {
				checkTagsAgainstExiftool(t, md, path, map[string]string{"dc:title": "Title", "xmpDM:artist": "Artist",
					"xmpDM:album": "Album", "xmpDM:genre": "Genre"})
				assert.EqualValues(t, 3, num(t, md, "xmpDM:trackNumber"))
				assert.Equal(t, "2021", text(t, md, "xmpDM:releaseDate"))
				assert.Equal(t, "A comment", text(t, md, "acs:Comment"))
			}
			_, art := md.Get("acs:HasCoverArt")
			assert.Equal(t, tc.name == "cover.mp3", art, "cover art")
		})
	}
}

// TestID3Hostile: ID3v2.2 and unsynchronised 2.3 tags written by hand,
// and damaged tags.
func TestID3Hostile(t *testing.T) {
	frame := []byte{0xFF, 0xFB, 0x90, 0x64} // MPEG-1 layer III 128 kbps 44.1 kHz
	audio := bytes.Repeat(append(frame, make([]byte, 413)...), 20)
	tag := func(ver byte, flags byte, body []byte) []byte {
		n := len(body)
		h := []byte{'I', 'D', '3', ver, 0, flags, byte(n >> 21 & 0x7F), byte(n >> 14 & 0x7F), byte(n >> 7 & 0x7F), byte(n & 0x7F)}
		return append(append(h, body...), audio...)
	}
	v22 := append([]byte("TT2\x00\x00\x06\x00Title"), "TCO\x00\x00\x05\x00(17)"...)
	md, err := extractBytes(t, tag(2, 0, v22), "a.mp3")
	require.NoError(t, err)
	assert.Equal(t, "Title", text(t, md, "dc:title"))
	assert.Equal(t, "Rock", text(t, md, "xmpDM:genre"))

	// 2.3 unsynchronised: the frame size counts the bytes once FF 00 is
	// undone.
	v23 := append([]byte("TIT2\x00\x00\x00\x04\x00\x00\x00\xFF\x00\xFFx"), make([]byte, 4)...)
	md, err = extractBytes(t, tag(3, 0x80, v23), "a.mp3")
	require.NoError(t, err)
	assert.Equal(t, "\u00ff\u00ffx", text(t, md, "dc:title"))

	// A frame longer than its tag: the tag is damaged, the audio is read.
	md, err = extractBytes(t, tag(4, 0, []byte("TIT2\x00\x00\x7F\x7F\x00\x00\x03abc")), "a.mp3")
	require.NoError(t, err)
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "bad frame")
	assert.EqualValues(t, 44100, num(t, md, "xmpDM:audioSampleRate"))

	// ID3v1.1 only: title, artist, album, year, comment, track, genre.
	v1 := make([]byte, 128)
	copy(v1, "TAG")
	copy(v1[3:], "V1 Title")
	copy(v1[33:], "V1 Artist")
	copy(v1[63:], "V1 Album")
	copy(v1[93:], "1999")
	copy(v1[97:], "V1 comment")
	v1[126], v1[127] = 7, 17
	md, err = extractBytes(t, append(append([]byte(nil), audio...), v1...), "a.mp3")
	require.NoError(t, err)
	m := md.Map()
	for k, v := range map[string]any{"dc:title": "V1 Title", "xmpDM:artist": "V1 Artist", "xmpDM:album": "V1 Album",
		"xmpDM:releaseDate": "1999", "acs:Comment": "V1 comment", "xmpDM:trackNumber": 7.0, "xmpDM:genre": "Rock"} {
		assert.Equal(t, v, m[k], k)
	}

	// A tag whose size runs past the end, and a file of no frames.
	for name, data := range map[string][]byte{
		"tag past the end": []byte("ID3\x04\x00\x00\x00\x00\x7F\x7Fabc"),
		"no audio frames":  append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), bytes.Repeat([]byte{0xFF, 0x00}, 500)...),
	} {
		_, err := extractBytes(t, data, "x.mp3")
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), "%s: %v", name, err)
	}
}

// TestVorbisCommentClips reads FLAC, Ogg Vorbis and Ogg Opus files made by
// ffmpeg, one FLAC with a cover picture.
func TestVorbisCommentClips(t *testing.T) {
	dir := t.TempDir()
	cover := ffmpegClip(t, dir, "cover.png", false, "-frames:v", "1", "-map", "0:v")
	for _, tc := range []struct {
		name, format string
		args         []string
	}{
		{"a.flac", "audio/flac", []string{"-c:a", "flac"}},
		{"stereo.flac", "audio/flac", []string{"-c:a", "flac", "-ac", "2", "-sample_fmt", "s32"}},
		{"a.ogg", "audio/ogg", []string{"-c:a", "libvorbis", "-ac", "2"}},
		{"a.opus", "audio/ogg", []string{"-c:a", "libopus"}},
		{"cover.flac", "audio/flac", []string{"-i", cover, "-map", "0:a", "-map", "1:v", "-c:a", "flac", "-c:v", "copy", "-disposition:v", "attached_pic"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ffmpegClip(t, dir, tc.name, true, append(tc.args, mediaTags...)...)
			md := extractPath(t, path)
			assert.Equal(t, tc.format, md.Format)
			assert.Empty(t, md.Warnings)
			checkAgainstFFprobe(t, md, path)
			assertDocumented(t, md)
			checkTagsAgainstExiftool(t, md, path, map[string]string{"dc:title": "Title", "xmpDM:artist": "Artist",
				"xmpDM:album": "Album", "xmpDM:genre": "Genre", "dc:description": "Description"})
			assert.EqualValues(t, 3, num(t, md, "xmpDM:trackNumber"))
			assert.Equal(t, "2021", text(t, md, "xmpDM:releaseDate"))
			_, art := md.Get("acs:HasCoverArt")
			assert.Equal(t, tc.name == "cover.flac", art, "cover art")
		})
	}
	// Damage: a FLAC cut in its audio keeps its metadata; one cut in its
	// first block, or without STREAMINFO, is corrupt.
	data, err := os.ReadFile(filepath.Join(dir, "a.flac"))
	require.NoError(t, err)
	md, err := extractBytes(t, data[:len(data)/2], "a.flac")
	require.NoError(t, err)
	assert.Equal(t, "Clip Title", text(t, md, "dc:title"))
	for name, d := range map[string][]byte{
		"cut in STREAMINFO": data[:20],
		"no STREAMINFO":     append([]byte("fLaC\x84\x00\x00\x08"), make([]byte, 8)...),
		"ogg cut":           []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1e\x01vorbis"),
	} {
		name := name
		_, err := extractBytes(t, d, "x"+map[bool]string{true: ".ogg", false: ".flac"}[strings.HasPrefix(name, "ogg")])
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), "%s: %v", name, err)
	}
}

// TestWAVAIFFClips reads WAV and AIFF files made by ffmpeg: LIST INFO and
// ID3 chunks, PCM of several sample formats, and a cut file.
func TestWAVAIFFClips(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, format string
		args         []string
	}{
		{"a.wav", "audio/wav", nil},
		{"s24.wav", "audio/wav", []string{"-c:a", "pcm_s24le", "-ac", "2"}},
		{"f32.wav", "audio/wav", []string{"-c:a", "pcm_f32le", "-ac", "6"}},
		{"id3.wav", "audio/wav", []string{"-write_id3v2", "1"}},
		{"a.aiff", "audio/aiff", []string{"-write_id3v2", "1"}},
		{"a.aifc", "audio/aiff", []string{"-c:a", "pcm_s16le", "-f", "aiff"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ffmpegClip(t, dir, tc.name, true, append(tc.args, mediaTags...)...)
			md := extractPath(t, path)
			assert.Equal(t, tc.format, md.Format)
			assert.Empty(t, md.Warnings)
			checkAgainstFFprobe(t, md, path)
			assertDocumented(t, md)
			if tc.name != "a.aifc" {
				checkTagsAgainstExiftool(t, md, path, map[string]string{"dc:title": "Title", "xmpDM:artist": "Artist", "xmpDM:genre": "Genre"})
			}
		})
	}
	data, err := os.ReadFile(filepath.Join(dir, "a.wav"))
	require.NoError(t, err)
	md, err := extractBytes(t, data[:len(data)/2], "a.wav")
	require.NoError(t, err)
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "truncated")
	assert.EqualValues(t, 44100, num(t, md, "xmpDM:audioSampleRate"))
	_, err = extractBytes(t, data[:30], "a.wav")
	assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), "cut in fmt: %v", err)
}

// TestMatroskaClips reads Matroska and WebM files made by ffmpeg, whose
// Tags follow the Clusters (found through the SeekHead), and damaged ones.
func TestMatroskaClips(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"a.mkv", []string{"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-metadata", "creation_time=2021-06-15T10:20:30Z"}},
		{"pcm.mkv", []string{"-c:v", "mjpeg", "-c:a", "pcm_s16le", "-ac", "2", "-r", "10"}},
		{"a.webm", []string{"-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ffmpegClip(t, dir, tc.name, false, append(tc.args, mediaTags...)...)
			md := extractPath(t, path)
			assert.Equal(t, "video/x-matroska", md.Format)
			assert.Empty(t, md.Warnings)
			checkAgainstFFprobe(t, md, path)
			assertDocumented(t, md)
			checkTagsAgainstExiftool(t, md, path, map[string]string{"dc:title": "Title"})
			assert.Equal(t, "The Artist", text(t, md, "xmpDM:artist"))
			assert.Equal(t, "Rock", text(t, md, "xmpDM:genre"))
			assert.Equal(t, "2021", text(t, md, "xmpDM:releaseDate"))
			if tc.name == "a.mkv" {
				assert.Equal(t, "2021-06-15T10:20:30Z", text(t, md, "xmp:CreateDate"))
			}
		})
	}
	data, err := os.ReadFile(filepath.Join(dir, "a.mkv"))
	require.NoError(t, err)
	// Cut in the clusters: the tracks are read, the tags after them lost.
	md, err := extractBytes(t, data[:len(data)/2], "a.mkv")
	require.NoError(t, err)
	assert.EqualValues(t, 320, num(t, md, "tiff:ImageWidth"))
	assert.NotEmpty(t, md.Warnings)
	for name, d := range map[string][]byte{
		"cut in the EBML header": data[:10],
		"no segment":             data[:findEBML(data)],
		"bad vint":               append(append([]byte(nil), data[:findEBML(data)]...), 0x18, 0x53, 0x80, 0x67, 0x00, 0x00),
	} {
		_, err := extractBytes(t, d, "x.mkv")
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), "%s: %v", name, err)
	}
}

// findEBML returns the offset of the Segment element of a Matroska file.
func findEBML(d []byte) int {
	return bytes.Index(d, []byte{0x18, 0x53, 0x80, 0x67})
}

// TestMediaHostile: nesting, box counts and declared sizes of hostile
// files are bounded; nothing is allocated from a declared size.
func TestMediaHostile(t *testing.T) {
	mp4box := func(typ string, body []byte) []byte {
		return append(append(binary.BigEndian.AppendUint32(nil, uint32(8+len(body))), typ...), body...)
	}
	ftyp := mp4box("ftyp", []byte("isom\x00\x00\x02\x00isom"))
	mvhd := mp4box("mvhd", append(make([]byte, 12), 0, 0, 3, 0xE8, 0, 0, 0x07, 0xD0))

	// trak inside trak, 5000 deep.
	nest := mp4box("mdhd", make([]byte, 24))
	for i := 0; i < 5000; i++ {
		nest = mp4box("trak", nest)
	}
	md, err := extractBytes(t, append(ftyp, mp4box("moov", append(append([]byte(nil), mvhd...), nest...))...), "deep.mp4")
	require.NoError(t, err)
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "nested deeper")
	assert.InDelta(t, 2.0, num(t, md, "acs:Duration"), 1e-9)

	// 200000 empty boxes in the moov box.
	many := bytes.Repeat(mp4box("free", nil), 200000)
	md, err = extractBytes(t, append(ftyp, mp4box("moov", append(append([]byte(nil), mvhd...), many...))...), "many.mp4")
	require.NoError(t, err)
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "more than")

	// A udta box that says it holds 4 GiB in a file of a few bytes.
	huge := append(binary.BigEndian.AppendUint32(nil, 1), "udta"...)
	huge = binary.BigEndian.AppendUint64(huge, 1<<32)
	md, err = extractBytes(t, append(ftyp, mp4box("moov", append(append([]byte(nil), mvhd...), huge...))...), "huge.mp4")
	require.NoError(t, err)
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "truncated")

	// Matroska: a Segment whose Tracks say they hold 2^50 bytes.
	mkv := []byte{0x1A, 0x45, 0xDF, 0xA3, 0x80, 0x18, 0x53, 0x80, 0x67, 0x01, 0, 0, 0, 0, 0, 0, 0x20,
		0x16, 0x54, 0xAE, 0x6B, 0x01, 0x04, 0, 0, 0, 0, 0, 0}
	_, err = extractBytes(t, append(mkv, make([]byte, 16)...), "huge.mkv")
	assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), "%v", err)

	// Ogg: pages that never end a packet.
	page := append([]byte("OggS\x00\x02"), make([]byte, 20)...)
	page = append(append(page, 255), bytes.Repeat([]byte{255}, 255)...)
	page = append(page, make([]byte, 255*255)...)
	_, err = extractBytes(t, bytes.Repeat(page, 40), "a.ogg")
	assert.NoError(t, err, "an Ogg stream without a complete header packet is read as far as it goes")
}

// TestMP4MP3Track: the channels of an MP3 track in an MP4 file come from
// its first frame header (its sample entry says 2 whatever the stream).
func TestMP4MP3Track(t *testing.T) {
	dir := t.TempDir()
	for _, ac := range []string{"1", "2"} {
		path := ffmpegClip(t, dir, "mp3-"+ac+".mp4", false, "-c:v", "mpeg4", "-c:a", "libmp3lame", "-ac", ac)
		md := extractPath(t, path)
		checkAgainstFFprobe(t, md, path)
	}
}

// TestQuickTimeKeysAndUserData: Apple metadata keys (mdta) written by
// ffmpeg, and QuickTime user data (©xyz) and XMP (udta/XMP_) written by
// exiftool, read as exiftool reads them.
func TestQuickTimeKeysAndUserData(t *testing.T) {
	dir := t.TempDir()
	keys := ffmpegClip(t, dir, "keys.mov", false, "-c:v", "libx264", "-preset", "ultrafast", "-an",
		"-movflags", "use_metadata_tags", "-metadata", "com.apple.quicktime.make=Apple",
		"-metadata", "com.apple.quicktime.model=iPhone 15", "-metadata", "com.apple.quicktime.location.ISO6709=+37.3349-122.0090+030.000/",
		"-metadata", "com.apple.quicktime.creationdate=2023-05-01T12:34:56+0200", "-metadata", "com.apple.quicktime.title=Keys title")
	md := extractPath(t, keys)
	assert.Empty(t, md.Warnings)
	checkTagsAgainstExiftool(t, md, keys, map[string]string{"tiff:Make": "Make", "tiff:Model": "Model", "dc:title": "Title"})
	et := exiftoolTags(t, keys)
	assert.Equal(t, "2023-05-01T12:34:56+02:00", text(t, md, "xmp:CreateDate"))
	assert.Equal(t, "2023:05:01 12:34:56+02:00", et["CreationDate"])
	gps := strings.Fields(et["GPSCoordinates"].(string))
	require.Len(t, gps, 3)
	for i, k := range []string{"exif:GPSLatitude", "exif:GPSLongitude"} {
		want, _ := strconv.ParseFloat(gps[i], 64)
		assert.InDelta(t, want, num(t, md, k), 1e-6, k)
	}
	assert.EqualValues(t, 30, num(t, md, "exif:GPSAltitude"))

	exiftool := needTool(t, "exiftool")
	ud := ffmpegClip(t, dir, "ud.mov", false, "-c:v", "libx264", "-preset", "ultrafast", "-an")
	out, err := exec.Command(exiftool, "-q", "-overwrite_original", "-XMP-dc:Subject=kw1", "-XMP-dc:Subject=kw2",
		"-UserData:GPSCoordinates=-33.8568, 151.2153, 12", "-UserData:Make=Canon", ud).CombinedOutput()
	require.NoError(t, err, "%s", out)
	md = extractPath(t, ud)
	assert.Empty(t, md.Warnings)
	assert.Equal(t, []any{"kw1", "kw2"}, md.Map()["dc:subject"])
	assert.InDelta(t, -33.8568, num(t, md, "exif:GPSLatitude"), 1e-6)
	assert.InDelta(t, 151.2153, num(t, md, "exif:GPSLongitude"), 1e-6)
	checkTagsAgainstExiftool(t, md, ud, map[string]string{"tiff:Make": "Make", "exif:GPSLatitude": "GPSLatitude", "exif:GPSLongitude": "GPSLongitude"})
}

// TestMediaWithoutSignature: an MP3 without ID3v2 tag and a QuickTime file
// without an ftyp box are told by their names and first box or frame.
func TestMediaWithoutSignature(t *testing.T) {
	dir := t.TempDir()
	path := ffmpegClip(t, dir, "old.mov", false, "-c:v", "mjpeg", "-an", "-movflags", "+faststart")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	noftyp := data[binary.BigEndian.Uint32(data):]
	require.NotEqual(t, "ftyp", string(noftyp[4:8]))
	md, err := extractBytes(t, noftyp, "old.mov")
	require.NoError(t, err)
	assert.Equal(t, "video/quicktime", md.Format)
	assert.EqualValues(t, 320, num(t, md, "tiff:ImageWidth"))
	_, err = extractBytes(t, noftyp, "old.bin")
	assert.Equal(t, api.ReasonSourceFormatUnsupported, api.ReasonOf(err))
	_, err = extractBytes(t, []byte("\x00\x00\x00\x08junkjunk"), "bad.mov")
	assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err))
}

// TestMP4LargeUserData: a udta box over MaxSegmentBytes (a camera's
// telemetry) is walked item by item: the large item is skipped, the
// others are read.
func TestMP4LargeUserData(t *testing.T) {
	dir := t.TempDir()
	path := ffmpegClip(t, dir, "u.mov", false, "-c:v", "mjpeg", "-an", "-metadata", "title=Small title")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	// Grow the moov's udta by a 200 KB item in front of the others.
	u := bytes.LastIndex(data, []byte("udta")) - 4
	require.Greater(t, u, 0)
	big := append(binary.BigEndian.AppendUint32(nil, 8+200000), "GPMF"...)
	big = append(big, make([]byte, 200000)...)
	grow := func(off int) {
		binary.BigEndian.PutUint32(data[off:], binary.BigEndian.Uint32(data[off:])+uint32(len(big)))
	}
	grow(u)
	grow(findBox(t, data, "moov"))
	data = append(data[:u+8], append(big, data[u+8:]...)...)
	md, err := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), "u.mov", Options{MaxSegmentBytes: 64 << 10})
	require.NoError(t, err)
	assert.Equal(t, "Small title", text(t, md, "dc:title"))
	assert.Contains(t, strings.Join(md.Warnings, "\n"), `"GPMF" box of 200008 bytes is over the limit`)
}

// TestMP4VariableFrameRate: the frame rate of a variable frame rate clip
// is its frame count over its duration, as ffprobe's average.
func TestMP4VariableFrameRate(t *testing.T) {
	dir := t.TempDir()
	path := ffmpegClip(t, dir, "vfr.mp4", false, "-vf", `select='lt(mod(n\,10)\,5)'`, "-vsync", "vfr",
		"-c:v", "libx264", "-preset", "ultrafast", "-an")
	md := extractPath(t, path)
	checkAgainstFFprobe(t, md, path)
	assert.Less(t, num(t, md, "xmpDM:videoFrameRate"), 20.0)
}

// TestMediaCoverArtNotRead: an 8 MB cover picture in an ID3v2 tag or a
// FLAC PICTURE block is noted from its header and never read.
func TestMediaCoverArtNotRead(t *testing.T) {
	const pic = 8 << 20
	frame := []byte{0xFF, 0xFB, 0x90, 0x64}
	audio := bytes.Repeat(append(frame, make([]byte, 413)...), 20)
	ss := func(n int) []byte {
		return []byte{byte(n >> 21 & 0x7F), byte(n >> 14 & 0x7F), byte(n >> 7 & 0x7F), byte(n & 0x7F)}
	}
	title := append(append([]byte("TIT2"), ss(6)...), "\x00\x00\x03Title"...)
	apic := append(append([]byte("APIC"), ss(pic)...), 0, 0)
	apic = append(apic, make([]byte, pic)...)
	body := append(append(append([]byte(nil), apic...), title...), make([]byte, 16)...)
	mp3 := append(append(append([]byte("ID3\x04\x00\x00"), ss(len(body))...), body...), audio...)

	flac := append([]byte("fLaC\x00\x00\x00\x22"), make([]byte, 34)...)
	binary.BigEndian.PutUint64(flac[8+10:], 44100<<44|1<<41|15<<36|88200) // 44.1 kHz, 2 channels, 16 bits, 2 s
	n := pic
	flac = append(append(flac, 0x06, byte(n>>16), byte(n>>8), byte(n)), make([]byte, pic)...)
	vc := []byte("\x00\x00\x00\x00\x01\x00\x00\x00\x0b\x00\x00\x00TITLE=Title")
	flac = append(append(flac, 0x84, 0, 0, byte(len(vc))), vc...)
	flac = append(flac, make([]byte, 1000)...)

	for name, data := range map[string][]byte{"a.mp3": mp3, "a.flac": flac} {
		cr := &countingReaderAt{r: bytes.NewReader(data)}
		md, err := Extract(context.Background(), cr, int64(len(data)), name, Options{})
		require.NoError(t, err, name)
		assert.Equal(t, "Title", text(t, md, "dc:title"), name)
		v, _ := md.Get("acs:HasCoverArt")
		assert.True(t, v.Bool, name)
		assert.Less(t, cr.bytes.Load(), int64(128<<10), "%s: bytes read", name)
	}
}

// TestM4ALargeCoverArt: an M4A whose cover picture makes its meta box
// larger than MaxSegmentBytes keeps its tags; the picture is not read.
func TestM4ALargeCoverArt(t *testing.T) {
	dir := t.TempDir()
	cover := ffmpegClip(t, dir, "cover.png", false, "-frames:v", "1", "-map", "0:v")
	path := ffmpegClip(t, dir, "a.m4a", true, append([]string{"-i", cover, "-map", "0:a", "-map", "1:v", "-c:a", "aac",
		"-c:v", "copy", "-disposition:v", "attached_pic"}, mediaTags...)...)
	st, err := os.Stat(cover)
	require.NoError(t, err)
	limit := st.Size() / 2 // smaller than the picture
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	md, err := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), "a.m4a", Options{MaxSegmentBytes: limit})
	require.NoError(t, err)
	assert.Equal(t, "Clip Title", text(t, md, "dc:title"))
	assert.Equal(t, "The Album", text(t, md, "xmpDM:album"))
	v, _ := md.Get("acs:HasCoverArt")
	assert.True(t, v.Bool)
	checkAgainstFFprobe(t, md, path)
}

// TestMP4Fragmented: the moov box of a fragmented file describes only the
// samples before the first fragment: its duration comes from a global
// segment index, and without one it is not given (rather than a wrong
// one), with a warning.
func TestMP4Fragmented(t *testing.T) {
	dir := t.TempDir()
	base := []string{"-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-c:a", "aac"}
	sidx := ffmpegClip(t, dir, "sidx.mp4", false, append(base, "-movflags", "frag_keyframe+empty_moov+global_sidx")...)
	md := extractPath(t, sidx)
	assert.Empty(t, md.Warnings)
	p := ffprobe(t, sidx)
	dur, _ := strconv.ParseFloat(p.Format.Duration, 64)
	assert.InDelta(t, dur, num(t, md, "acs:Duration"), 0.05)

	for _, flags := range []string{"frag_keyframe", "frag_keyframe+empty_moov+default_base_moof+dash"} {
		path := ffmpegClip(t, dir, "frag.mp4", false, append(base, "-movflags", flags)...)
		md := extractPath(t, path)
		_, ok := md.Get("acs:Duration")
		assert.False(t, ok, "%s: a duration from the moov box alone", flags)
		assert.Contains(t, strings.Join(md.Warnings, "\n"), "fragmented", flags)
		assert.EqualValues(t, 320, num(t, md, "tiff:ImageWidth"), flags)
	}
}

// TestAVIClips reads AVI files made by ffmpeg against ffprobe, and a cut
// one.
func TestAVIClips(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"mpeg4.avi", []string{"-c:v", "mpeg4", "-c:a", "libmp3lame"}},
		{"mjpeg.avi", []string{"-c:v", "mjpeg", "-c:a", "pcm_s16le", "-ac", "2"}},
		{"h264.avi", []string{"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ffmpegClip(t, dir, tc.name, false, append(tc.args, mediaTags...)...)
			md := extractPath(t, path)
			assert.Equal(t, "video/x-msvideo", md.Format)
			assert.Empty(t, md.Warnings)
			checkAgainstFFprobe(t, md, path)
			assertDocumented(t, md)
			checkTagsAgainstExiftool(t, md, path, map[string]string{"dc:title": "Title", "xmpDM:artist": "Artist", "xmpDM:genre": "Genre"})
		})
	}
	data, err := os.ReadFile(filepath.Join(dir, "h264.avi"))
	require.NoError(t, err)
	md, err := extractBytes(t, data[:len(data)/2], "h264.avi")
	require.NoError(t, err)
	assert.EqualValues(t, 320, num(t, md, "tiff:ImageWidth"))
	assert.Contains(t, strings.Join(md.Warnings, "\n"), "truncated")
	_, err = extractBytes(t, data[:100], "h264.avi")
	assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err))
}

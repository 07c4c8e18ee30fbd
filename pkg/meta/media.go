package meta

import (
	"math"
	"strconv"
	"strings"
)

// The audio and video readers (MP4/QuickTime, MP3, FLAC, Ogg, WAV/AIFF,
// Matroska) share the properties below: the stream facts go under xmpDM
// (the XMP Dynamic Media namespace) and acs, the tags (ID3, Vorbis
// comments, QuickTime user data, iTunes ilst) under the keys exiftool's
// XMP writer uses for them.

// mediaStreams holds the facts of the first video and the first audio
// stream of a file, set once the container was walked.
type mediaStreams struct {
	duration float64 // seconds, 0 when unknown

	width, height int     // display size of the video, before rotation
	rotation      int     // clockwise degrees: 0, 90, 180, 270
	frameRate     float64 // frames per second, 0 when unknown
	videoCodec    string  // ffprobe-style codec name: "h264"
	videoCodecID  string  // the container's identifier: "avc1", "V_VP9"

	sampleRate    int
	channels      int
	bitsPerSample int
	audioCodec    string
	audioCodecID  string

	bitrate   float64 // average bits per second of the whole file
	encrypted bool
	hasVideo  bool
	hasAudio  bool
	coverArt  bool
}

// set writes the stream facts as properties from the file structure.
func (m *mediaStreams) set(b *builder) {
	if m.duration > 0 && !math.IsInf(m.duration, 0) && m.duration < 1e9 {
		b.set("acs:Duration", Number(round3(m.duration)), prioFile)
		ms := int64(math.Round(m.duration * 1000))
		b.set("xmpDM:duration/xmpDM:value", Number(float64(ms)), prioFile)
		if sc, ok := Rational(1, 1000); ok {
			b.set("xmpDM:duration/xmpDM:scale", sc, prioFile)
		}
	}
	if m.hasVideo && m.width > 0 && m.height > 0 {
		b.set("tiff:ImageWidth", Number(float64(m.width)), prioFile)
		b.set("tiff:ImageLength", Number(float64(m.height)), prioFile)
		b.set("xmpDM:videoFrameSize/stDim:w", Number(float64(m.width)), prioFile)
		b.set("xmpDM:videoFrameSize/stDim:h", Number(float64(m.height)), prioFile)
		b.set("xmpDM:videoFrameSize/stDim:unit", Text("pixel"), prioFile)
	}
	if m.hasVideo {
		b.set("acs:Rotation", Number(float64(m.rotation)), prioFile)
	}
	if m.frameRate > 0 && m.frameRate < 1e6 {
		b.set("xmpDM:videoFrameRate", Number(round3(m.frameRate)), prioFile)
	}
	if m.videoCodec != "" {
		b.set("xmpDM:videoCompressor", Text(m.videoCodec), prioFile)
	}
	if m.videoCodecID != "" {
		b.set("acs:VideoCodecID", Text(m.videoCodecID), prioFile)
	}
	if m.sampleRate > 0 {
		b.set("xmpDM:audioSampleRate", Number(float64(m.sampleRate)), prioFile)
	}
	if m.channels > 0 {
		b.set("acs:AudioChannels", Number(float64(m.channels)), prioFile)
		b.set("xmpDM:audioChannelType", Text(channelType(m.channels)), prioFile)
	}
	if m.bitsPerSample > 0 {
		b.set("acs:AudioBitsPerSample", Number(float64(m.bitsPerSample)), prioFile)
	}
	if m.audioCodec != "" {
		b.set("xmpDM:audioCompressor", Text(m.audioCodec), prioFile)
	}
	if m.audioCodecID != "" {
		b.set("acs:AudioCodecID", Text(m.audioCodecID), prioFile)
	}
	if m.bitrate > 0 && m.bitrate < 1e12 {
		b.set("acs:AvgBitrate", Number(math.Round(m.bitrate)), prioFile)
	}
	if m.encrypted {
		b.set("acs:Encrypted", Bool(true), prioFile)
	}
	if m.coverArt {
		b.set("acs:HasCoverArt", Bool(true), prioFile)
	}
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// channelType is the xmpDM:audioChannelType of a channel count.
func channelType(n int) string {
	switch n {
	case 1:
		return "Mono"
	case 2:
		return "Stereo"
	case 6:
		return "5.1"
	case 8:
		return "7.1"
	case 16:
		return "16 Channel"
	}
	return "Other"
}

// setMediaTag sets the property of a tag of an audio or video file, named
// by its meaning: "title", "artist", "album", "albumartist", "composer",
// "genre", "track", "disc", "date", "creationdate", "comment",
// "description", "copyright", "encoder", "make", "model", "keywords",
// "location" (ISO 6709), "lyrics". Unknown names are ignored.
func setMediaTag(b *builder, tag, v string, prio int) {
	v = strings.TrimSpace(strings.TrimRight(v, "\x00"))
	if v == "" {
		return
	}
	switch tag {
	case "title":
		b.set("dc:title", LangAlt(v), prio)
	case "artist":
		b.set("xmpDM:artist", Text(v), prio)
	case "album":
		b.set("xmpDM:album", Text(v), prio)
	case "albumartist":
		b.set("xmpDM:albumArtist", Text(v), prio)
	case "composer":
		b.set("xmpDM:composer", Text(v), prio)
	case "genre":
		b.set("xmpDM:genre", Text(v), prio)
	case "track":
		if n, ok := leadingInt(v); ok {
			b.set("xmpDM:trackNumber", Number(float64(n)), prio)
		}
	case "disc":
		b.set("xmpDM:discNumber", Text(v), prio)
	case "date":
		if d, ok := mediaDate(v); ok {
			b.set("xmpDM:releaseDate", Date(d), prio)
			b.set("xmp:CreateDate", Date(d), prioLow)
		}
	case "creationdate":
		if d, ok := mediaDate(v); ok {
			b.set("xmp:CreateDate", Date(d), prio)
		}
	case "comment":
		b.set("acs:Comment", Text(v), prio)
	case "description":
		b.set("dc:description", LangAlt(v), prio)
	case "copyright":
		b.set("dc:rights", LangAlt(v), prio)
	case "encoder":
		b.set("xmp:CreatorTool", Text(v), prio)
	case "make":
		b.set("tiff:Make", Text(v), prio)
	case "model":
		b.set("tiff:Model", Text(v), prio)
	case "keywords":
		var kw []string
		for _, k := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
			if k = strings.TrimSpace(k); k != "" {
				kw = append(kw, k)
			}
		}
		if len(kw) > 0 {
			b.set("dc:subject", TextBag(kw...), prio)
		}
	case "lyrics":
		b.set("xmpDM:lyrics", Text(v), prio)
	case "location":
		setISO6709(b, v, prio)
	}
}

// leadingInt reads the integer at the start of s ("3", "3/12").
func leadingInt(s string) (int, bool) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(s[:i])
	return n, err == nil
}

// mediaDate reads the dates of media tags: "2021", "2021-06-15",
// "2021-06-15T10:20:30Z", "2021-06-15 10:20:30+0200",
// "2021-06-15T10:20:30.000000Z", "2021:06:15 10:20:30".
func mediaDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + strings.TrimSpace(s[11:])
	}
	if len(s) > 16 && s[10] == 'T' {
		// Some writers put a space before the zone.
		s = strings.Replace(s, " +", "+", 1)
		s = strings.Replace(s, " -", "-", 1)
	}
	return xmpDate(s)
}

// setISO6709 sets the GPS position of an ISO 6709 string
// ("+48.8584+002.2945+035.000/", as QuickTime ©xyz and
// com.apple.quicktime.location.ISO6709 hold it).
func setISO6709(b *builder, s string, prio int) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "/")
	var nums []float64
	for len(s) > 0 && len(nums) < 3 {
		if s[0] != '+' && s[0] != '-' {
			return
		}
		j := 1
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		f, err := strconv.ParseFloat(s[:j], 64)
		if err != nil {
			return
		}
		nums = append(nums, f)
		s = s[j:]
		if strings.HasPrefix(s, "CRS") {
			break
		}
	}
	if len(nums) < 2 {
		return
	}
	setGPS(b, nums[0], nums[1], nums[2:], prio)
}

// setGPS sets exif:GPSLatitude, exif:GPSLongitude and, when alt holds a
// value, exif:GPSAltitude (signed metres) from decimal degrees.
func setGPS(b *builder, lat, lon float64, alt []float64, prio int) {
	if lat < -90 || lat > 90 || lon < -180 || lon > 180 || math.IsNaN(lat) || math.IsNaN(lon) {
		return
	}
	b.set("exif:GPSLatitude", Value{Kind: KindNumber, Num: lat, Text: gpsText(lat, 'N', 'S')}, prio)
	b.set("exif:GPSLongitude", Value{Kind: KindNumber, Num: lon, Text: gpsText(lon, 'E', 'W')}, prio)
	if len(alt) > 0 && !math.IsNaN(alt[0]) && math.Abs(alt[0]) < 1e6 {
		ref := 0.0
		if alt[0] < 0 {
			ref = 1
		}
		b.set("exif:GPSAltitudeRef", Number(ref), prio)
		b.set("exif:GPSAltitude", Number(math.Abs(alt[0])), prio)
	}
}

// id3Genres are the ID3v1 genres (and the Winamp extensions) by index, as
// ID3 "(17)" references and MP4 gnre atoms (index + 1) use them.
var id3Genres = []string{
	"Blues", "Classic Rock", "Country", "Dance", "Disco", "Funk", "Grunge", "Hip-Hop", "Jazz", "Metal",
	"New Age", "Oldies", "Other", "Pop", "R&B", "Rap", "Reggae", "Rock", "Techno", "Industrial",
	"Alternative", "Ska", "Death Metal", "Pranks", "Soundtrack", "Euro-Techno", "Ambient", "Trip-Hop", "Vocal", "Jazz+Funk",
	"Fusion", "Trance", "Classical", "Instrumental", "Acid", "House", "Game", "Sound Clip", "Gospel", "Noise",
	"AlternRock", "Bass", "Soul", "Punk", "Space", "Meditative", "Instrumental Pop", "Instrumental Rock", "Ethnic", "Gothic",
	"Darkwave", "Techno-Industrial", "Electronic", "Pop-Folk", "Eurodance", "Dream", "Southern Rock", "Comedy", "Cult", "Gangsta",
	"Top 40", "Christian Rap", "Pop/Funk", "Jungle", "Native American", "Cabaret", "New Wave", "Psychadelic", "Rave", "Showtunes",
	"Trailer", "Lo-Fi", "Tribal", "Acid Punk", "Acid Jazz", "Polka", "Retro", "Musical", "Rock & Roll", "Hard Rock",
	"Folk", "Folk-Rock", "National Folk", "Swing", "Fast Fusion", "Bebob", "Latin", "Revival", "Celtic", "Bluegrass",
	"Avantgarde", "Gothic Rock", "Progressive Rock", "Psychedelic Rock", "Symphonic Rock", "Slow Rock", "Big Band", "Chorus", "Easy Listening", "Acoustic",
	"Humour", "Speech", "Chanson", "Opera", "Chamber Music", "Sonata", "Symphony", "Booty Bass", "Primus", "Porn Groove",
	"Satire", "Slow Jam", "Club", "Tango", "Samba", "Folklore", "Ballad", "Power Ballad", "Rhythmic Soul", "Freestyle",
	"Duet", "Punk Rock", "Drum Solo", "A capella", "Euro-House", "Dance Hall",
}

// id3Genre names the ID3v1 genre of index n, or "" when it has none.
func id3Genre(n int) string {
	if n < 0 || n >= len(id3Genres) {
		return ""
	}
	return id3Genres[n]
}

package meta

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/format"
)

// MP3 files (MPEG-1/2/2.5 audio layers I-III) carry their tags in an ID3v2
// tag at the start (versions 2.2, 2.3 and 2.4) and an ID3v1 tag in the
// last 128 bytes; the first audio frame header gives the stream facts,
// and a Xing/Info or VBRI header in that frame the frame count of a
// variable bit rate file. readMP3 walks the ID3v2 frames through ranged
// reads, reading only the frames it keeps (a cover picture is noted,
// never read), then the first frame, then the ID3v1 tag.

const (
	// id3MaxFrames bounds the frames of an ID3v2 tag walked.
	id3MaxFrames = 2000
	// id3MaxText bounds a text frame read.
	id3MaxText = 1 << 20
	// mp3SyncScan bounds how far past the tags the first frame is looked
	// for.
	mp3SyncScan = 64 << 10
)

// readMP3 reads an MP3 file.
func readMP3(x *extraction) error {
	s, b := x.s, x.b
	start := int64(0)
	// Consecutive ID3v2 tags are allowed; read the first, skip the others.
	for i := 0; i < 4; i++ {
		h, err := s.readUpTo(start, 10)
		if err != nil {
			return err
		}
		if len(h) < 10 || string(h[:3]) != "ID3" {
			break
		}
		size := syncsafe(h[6:10])
		if size < 0 {
			return corruptf("bad ID3v2 tag size")
		}
		end := start + 10 + size
		if h[5]&0x10 != 0 {
			end += 10
		}
		if end > s.size {
			return corruptf("the ID3v2 tag is truncated")
		}
		if i == 0 {
			if err := x.id3v2(h, start+10, size); err != nil {
				b.warn("ID3v2: %s", x.describe(err))
			}
		}
		start = end
	}
	ms := mediaStreams{}
	if h, err := s.readUpTo(start, 7); err == nil {
		if _, ok := adtsHeader(h); ok {
			// AAC frames after an ID3v2 tag (ffmpeg's adts muxer with
			// write_id3v2).
			end := s.size
			if s.size >= 128 {
				if t, err := s.readAt(s.size-128, 128); err == nil && string(t[:3]) == "TAG" {
					id3v1(b, t)
					end -= 128
				}
			}
			ms, err := x.adtsStream(start, end)
			if err != nil {
				return err
			}
			b.format = format.MustName("aac").MIME
			ms.set(b)
			return nil
		}
	}
	if err := x.mp3Frame(start, &ms); err != nil {
		if len(b.props) == 0 {
			return err
		}
		b.warn("MP3: %s", x.describe(err))
	}
	if s.size >= 128 {
		if t, err := s.readAt(s.size-128, 128); err == nil && string(t[:3]) == "TAG" {
			id3v1(b, t)
		}
	}
	ms.set(b)
	return nil
}

// syncsafe reads a 28-bit ID3v2 "synchsafe" integer; -1 when a byte has
// its high bit set.
func syncsafe(d []byte) int64 {
	var n int64
	for _, c := range d[:4] {
		if c&0x80 != 0 {
			return -1
		}
		n = n<<7 | int64(c)
	}
	return n
}

// unsync undoes ID3v2 unsynchronisation: FF 00 becomes FF.
func unsync(d []byte) []byte {
	if !bytes.Contains(d, []byte{0xFF, 0x00}) {
		return d
	}
	out := make([]byte, 0, len(d))
	for i := 0; i < len(d); i++ {
		out = append(out, d[i])
		if d[i] == 0xFF && i+1 < len(d) && d[i+1] == 0 {
			i++
		}
	}
	return out
}

// id3Frames maps the ID3v2.3/2.4 and 2.2 frames kept to the tag names of
// setMediaTag.
var id3Frames = map[string]string{
	"TIT2": "title", "TT2": "title",
	"TPE1": "artist", "TP1": "artist",
	"TALB": "album", "TAL": "album",
	"TPE2": "albumartist", "TP2": "albumartist",
	"TCOM": "composer", "TCM": "composer",
	"TCON": "genre", "TCO": "genre",
	"TRCK": "track", "TRK": "track",
	"TPOS": "disc", "TPA": "disc",
	"TYER": "date", "TYE": "date", "TDRC": "date",
	"TCOP": "copyright", "TCR": "copyright",
	"TSSE": "encoder", "TSS": "encoder",
	"COMM": "comment", "COM": "comment",
	"USLT": "lyrics", "ULT": "lyrics",
}

// id3UserText maps the descriptions of TXXX frames kept (ffmpeg writes
// tags that have no frame of their own so) to the tag names of
// setMediaTag.
var id3UserText = map[string]string{
	"comment": "comment", "description": "description", "album_artist": "albumartist",
	"album artist": "albumartist", "copyright": "copyright", "date": "date", "year": "date",
}

// id3v2 walks the frames of the ID3v2 tag whose 10-byte header is h and
// whose frames (after any extended header) are the size bytes at off.
func (x *extraction) id3v2(h []byte, off, size int64) error {
	b := x.b
	ver, flags := h[3], h[5]
	if ver < 2 || ver > 4 {
		b.warn("ID3v2: version 2.%d is not read", ver)
		return nil
	}
	s := x.s
	if flags&0x80 != 0 && ver < 4 {
		// The whole tag is unsynchronised: read and undo it.
		if size > b.opts.MaxSegmentBytes {
			b.warn("ID3v2: unsynchronised tag of %d bytes is over the limit", size)
			return nil
		}
		d, err := s.readAt(off, size)
		if err != nil {
			return err
		}
		d = unsync(d)
		s, off, size = bytesSrc(s.ctx, d), 0, int64(len(d))
	}
	end := off + size
	if flags&0x40 != 0 && ver >= 3 {
		eh, err := s.readAt(off, min(4, size))
		if err != nil || len(eh) < 4 {
			return corruptf("bad extended header")
		}
		n := int64(binary.BigEndian.Uint32(eh))
		if ver == 4 {
			n = syncsafe(eh) // the size includes itself in 2.4
		} else {
			n += 4
		}
		if n < 0 || n > size {
			return corruptf("bad extended header")
		}
		off += n
	}
	idLen, hdrLen := int64(4), int64(10)
	if ver == 2 {
		idLen, hdrLen = 3, 6
	}
	for pos, n := off, 0; pos+hdrLen <= end; n++ {
		if n >= id3MaxFrames {
			b.warn("ID3v2: more than %d frames; the rest were not read", id3MaxFrames)
			break
		}
		fh, err := s.readAt(pos, hdrLen)
		if err != nil {
			return err
		}
		if fh[0] == 0 {
			break // padding
		}
		id := string(fh[:idLen])
		var fsize int64
		var fflags uint16
		switch ver {
		case 2:
			fsize = int64(fh[3])<<16 | int64(fh[4])<<8 | int64(fh[5])
		case 3:
			fsize = int64(binary.BigEndian.Uint32(fh[4:]))
			fflags = binary.BigEndian.Uint16(fh[8:])
		case 4:
			fsize = syncsafe(fh[4:8])
			if fsize < 0 {
				// Some writers use plain integers in 2.4.
				fsize = int64(binary.BigEndian.Uint32(fh[4:]))
			}
			fflags = binary.BigEndian.Uint16(fh[8:])
		}
		if !validFrameID(id) || fsize < 0 || fsize > end-pos-hdrLen {
			b.warn("ID3v2: bad frame %q at offset %d; the rest of the tag was not read", id, pos)
			break
		}
		body := pos + hdrLen
		pos = body + fsize
		if id == "APIC" || id == "PIC" {
			b.set("acs:HasCoverArt", Bool(true), prioFile)
			continue
		}
		tag, ok := id3Frames[id]
		if id == "TXXX" || id == "TXX" {
			tag, ok = "txxx", true
		}
		if !ok || fsize == 0 {
			continue
		}
		// Compressed or encrypted frames (2.3: 0x80/0x40; 2.4: 0x08/0x04)
		// are skipped.
		if (ver == 3 && fflags&0x00C0 != 0) || (ver == 4 && fflags&0x000C != 0) {
			b.warn("ID3v2: compressed or encrypted frame %s was not read", id)
			continue
		}
		if fsize > id3MaxText {
			b.warn("ID3v2: frame %s of %d bytes is over the limit", id, fsize)
			continue
		}
		d, err := s.readAt(body, fsize)
		if err != nil {
			return err
		}
		if ver == 4 && fflags&0x0002 != 0 {
			d = unsync(d)
		}
		if ver == 4 && fflags&0x0001 != 0 && len(d) >= 4 {
			d = d[4:] // data length indicator
		}
		if tag == "txxx" {
			// User text: kept when its description names a tag.
			tag = ""
			if len(d) > 1 {
				desc, rest := id3Split(d[0], d[1:])
				tag = id3UserText[strings.ToLower(id3Decode(d[0], desc))]
				d = append([]byte{d[0]}, rest...)
			}
			if tag == "" {
				continue
			}
		}
		v := id3FrameText(id, d)
		if tag == "genre" {
			v = id3GenreText(v)
		}
		setMediaTag(b, tag, v, prioIPTC)
	}
	return nil
}

func validFrameID(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// id3FrameText decodes a text frame, or the text of a COMM/USLT frame
// (after its language and description).
func id3FrameText(id string, d []byte) string {
	if len(d) < 1 {
		return ""
	}
	enc, d := d[0], d[1:]
	if id == "COMM" || id == "COM" || id == "USLT" || id == "ULT" {
		if len(d) < 3 {
			return ""
		}
		d = d[3:]
		_, d = id3Split(enc, d)
	}
	parts := []string{}
	for len(d) > 0 && len(parts) < 100 {
		var p []byte
		p, d = id3Split(enc, d)
		if t := strings.TrimSpace(id3Decode(enc, p)); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "; ")
}

// id3Split cuts d at the first string terminator of encoding enc (one
// NUL, or two aligned NULs for UTF-16).
func id3Split(enc byte, d []byte) ([]byte, []byte) {
	if enc == 1 || enc == 2 {
		for i := 0; i+1 < len(d); i += 2 {
			if d[i] == 0 && d[i+1] == 0 {
				return d[:i], d[i+2:]
			}
		}
		return d, nil
	}
	if i := bytes.IndexByte(d, 0); i >= 0 {
		return d[:i], d[i+1:]
	}
	return d, nil
}

func id3Decode(enc byte, d []byte) string {
	switch enc {
	case 1, 2:
		return decodeUTF16BOM(d)
	case 3:
		return strings.ToValidUTF8(string(d), "\uFFFD")
	}
	return decodeText(d)
}

// id3GenreText resolves ID3 genre references: "(17)", "17", "(17)Rock".
func id3GenreText(v string) string {
	if strings.HasPrefix(v, "(") {
		if i := strings.IndexByte(v, ')'); i > 1 {
			if rest := strings.TrimSpace(v[i+1:]); rest != "" {
				return rest
			}
			if n, ok := leadingInt(v[1:i]); ok && id3Genre(n) != "" {
				return id3Genre(n)
			}
		}
	}
	if n, ok := leadingInt(v); ok && len(v) <= 3 && id3Genre(n) != "" {
		return id3Genre(n)
	}
	return v
}

// id3v1 reads an ID3v1(.1) tag; ID3v2 values win over it.
func id3v1(b *builder, t []byte) {
	field := func(d []byte) string {
		if i := bytes.IndexByte(d, 0); i >= 0 {
			d = d[:i]
		}
		return strings.TrimSpace(decodeText(d))
	}
	prio := prioIPTC - 1
	setMediaTag(b, "title", field(t[3:33]), prio)
	setMediaTag(b, "artist", field(t[33:63]), prio)
	setMediaTag(b, "album", field(t[63:93]), prio)
	setMediaTag(b, "date", field(t[93:97]), prio)
	setMediaTag(b, "comment", field(t[97:127]), prio)
	if t[125] == 0 && t[126] != 0 {
		b.set("xmpDM:trackNumber", Number(float64(t[126])), prio)
	}
	if g := id3Genre(int(t[127])); g != "" {
		b.set("xmpDM:genre", Text(g), prio)
	}
}

// mpegHeader is a decoded MPEG audio frame header.
type mpegHeader struct {
	version    int // 1, 2, or 25 for 2.5
	layer      int
	bitrate    int // bits per second
	sampleRate int
	channels   int
	padding    int
	frameLen   int
	samples    int // samples per frame
}

var mpegBitrates = [2][3][16]int{
	{ // MPEG-1: layers I, II, III
		{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0},
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0},
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0},
	},
	{ // MPEG-2 and 2.5
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
	},
}

var mpegRates = [3]int{44100, 48000, 32000}

// parseMPEGHeader decodes the 4-byte frame header h.
func parseMPEGHeader(h []byte) (mpegHeader, bool) {
	if len(h) < 4 || h[0] != 0xFF || h[1]&0xE0 != 0xE0 {
		return mpegHeader{}, false
	}
	v := (h[1] >> 3) & 3
	l := (h[1] >> 1) & 3
	br := int(h[2] >> 4)
	sr := int((h[2] >> 2) & 3)
	if v == 1 || l == 0 || br == 0 || br == 15 || sr == 3 {
		return mpegHeader{}, false
	}
	m := mpegHeader{layer: 4 - int(l), padding: int((h[2] >> 1) & 1)}
	vi := 1
	switch v {
	case 3:
		m.version, vi = 1, 0
		m.sampleRate = mpegRates[sr]
	case 2:
		m.version = 2
		m.sampleRate = mpegRates[sr] / 2
	case 0:
		m.version = 25
		m.sampleRate = mpegRates[sr] / 4
	}
	m.bitrate = mpegBitrates[vi][m.layer-1][br] * 1000
	m.channels = 2
	if h[3]>>6 == 3 {
		m.channels = 1
	}
	switch {
	case m.layer == 1:
		m.samples = 384
		m.frameLen = (12*m.bitrate/m.sampleRate + m.padding) * 4
	case m.layer == 2 || m.version == 1:
		m.samples = 1152
		m.frameLen = 144*m.bitrate/m.sampleRate + m.padding
	default:
		m.samples = 576
		m.frameLen = 72*m.bitrate/m.sampleRate + m.padding
	}
	return m, m.frameLen > 4
}

// mp3Frame finds the first audio frame at or after start (confirmed by
// the header of the next frame) and reads its stream facts and any
// Xing/Info or VBRI header.
func (x *extraction) mp3Frame(start int64, ms *mediaStreams) error {
	s := x.s
	buf, err := s.readUpTo(start, mp3SyncScan)
	if err != nil {
		return err
	}
	for i := 0; i+4 <= len(buf); i++ {
		if buf[i] != 0xFF {
			continue
		}
		h, ok := parseMPEGHeader(buf[i:])
		if !ok {
			continue
		}
		next := i + h.frameLen
		if next+4 <= len(buf) {
			h2, ok := parseMPEGHeader(buf[next:])
			if !ok || h2.version != h.version || h2.layer != h.layer || h2.sampleRate != h.sampleRate {
				continue
			}
		} else if start+int64(next) < s.size-128 && next < len(buf) {
			continue
		}
		x.mp3Stream(h, buf[i:min(len(buf), i+h.frameLen)], start+int64(i), ms)
		return nil
	}
	return corruptf("no MPEG audio frame")
}

// mp3Stream sets the stream facts from the first frame f (its header h)
// at offset off.
func (x *extraction) mp3Stream(h mpegHeader, f []byte, off int64, ms *mediaStreams) {
	ms.hasAudio = true
	ms.sampleRate, ms.channels = h.sampleRate, h.channels
	ms.audioCodec = []string{"", "mp1", "mp2", "mp3"}[h.layer]
	side := 32
	switch {
	case h.version == 1 && h.channels == 1:
		side = 17
	case h.version != 1 && h.channels == 2:
		side = 17
	case h.version != 1:
		side = 9
	}
	audioEnd := x.s.size
	if x.s.size >= 128 {
		if t, err := x.s.readAt(x.s.size-128, 3); err == nil && string(t) == "TAG" {
			audioEnd -= 128
		}
	}
	frames := int64(0)
	if o := 4 + side; len(f) >= o+12 && (string(f[o:o+4]) == "Xing" || string(f[o:o+4]) == "Info") {
		flags := binary.BigEndian.Uint32(f[o+4:])
		if flags&1 != 0 {
			frames = int64(binary.BigEndian.Uint32(f[o+8:]))
		}
	} else if len(f) >= 4+32+18 && string(f[36:40]) == "VBRI" {
		frames = int64(binary.BigEndian.Uint32(f[36+14:]))
	}
	if frames > 0 {
		ms.duration = float64(frames) * float64(h.samples) / float64(h.sampleRate)
	} else if h.bitrate > 0 {
		ms.duration = float64(audioEnd-off) * 8 / float64(h.bitrate)
	}
	if ms.duration > 0 {
		ms.bitrate = float64(x.s.size) * 8 / ms.duration
	}
}

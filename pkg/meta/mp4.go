package meta

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf16"
)

// MP4, QuickTime, 3GP and M4A files (ISO base media, ISO/IEC 14496-12, and
// its QuickTime ancestor) are trees of boxes. The metadata is in the moov
// box, at the start of a "faststart" file or after the media data (mdat)
// otherwise: readMP4 walks the top-level box headers, skipping mdat
// without reading it, then the moov tree through ranged reads, reading
// only the boxes that hold metadata (the sample tables but for stsd, the
// head of stsz and a bounded part of stts are never read).

const (
	// mp4MaxBoxes bounds the boxes walked in one file, at all levels.
	mp4MaxBoxes = 20000
	// mp4MaxDepth bounds the nesting of boxes walked.
	mp4MaxDepth = 12
	// mp4SmallBox bounds the fixed-size boxes read whole (mvhd, tkhd,
	// mdhd, hdlr): a larger one is damaged.
	mp4SmallBox = 4 << 10
	// mp4MaxStts bounds the stts entries read for a frame rate.
	mp4MaxStts = 4096
)

// mp4XMPUUID is the uuid box type of XMP in ISO base media files.
const mp4XMPUUID = "\xBE\x7A\xCF\xCB\x97\xA9\x42\xE8\x9C\x71\x99\x94\x91\xE3\xAF\xAC"

// mp4Box is a box header: the box spans [off, off+size), its body starts
// at off+hdr.
type mp4Box struct {
	typ       string
	off, size int64
	hdr       int64
}

func (b mp4Box) body() (int64, int64) { return b.off + b.hdr, b.size - b.hdr }

type mp4Track struct {
	handler       string
	tkhdW, tkhdH  float64
	rotation      int
	timescale     uint32
	duration      uint64
	fourcc        string
	codec         string
	width, height int
	channels      int
	sampleRate    int
	bits          int
	samples       uint32
	firstChunk    int64 // offset of the first chunk of samples, 0 when unknown
	fps           float64
	encrypted     bool
}

type mp4Reader struct {
	x       *extraction
	n       int // boxes walked
	tracks  []*mp4Track
	mvhdTS  uint32
	mvhdDur uint64
	keys    []string // mdta keys, 1-based in ilst
	ms      mediaStreams

	fragmented bool    // the moov has an mvex box: the samples are in fragments
	mehdDur    uint64  // fragment duration (mehd), in the mvhd timescale
	sidxDur    float64 // seconds covered by the first segment index (sidx)
}

// readMP4 reads an MP4, QuickTime, 3GP or M4A file.
func readMP4(x *extraction) error {
	s, b := x.s, x.b
	r := &mp4Reader{x: x}
	var moov *mp4Box
	var xmpBoxes []mp4Box
	truncated := false
	for pos := int64(0); pos+8 <= s.size; {
		bx, err := r.header(pos, s.size)
		if err != nil {
			if !errors.Is(err, errCorrupt) || bx.typ == "" || bx.typ == "moov" {
				return err
			}
			b.warn("MP4: the %q box at offset %d is truncated: the file is cut short", bx.typ, bx.off)
			truncated = true
			break
		}
		switch bx.typ {
		case "moov":
			if moov == nil {
				m := bx
				moov = &m
			}
		case "uuid":
			xmpBoxes = append(xmpBoxes, bx)
		case "sidx":
			r.sidx(bx)
		case "moof":
			// Fragments follow; the moov of a fragmented file precedes them.
			if moov != nil {
				pos = s.size
				continue
			}
		}
		pos += bx.size
	}
	if moov == nil {
		if truncated {
			return corruptf("the file is truncated before its moov box")
		}
		return corruptf("no moov box")
	}
	if err := r.walk(*moov, 1, ""); err != nil {
		if len(b.props) == 0 && r.mvhdTS == 0 {
			return err
		}
		b.warn("MP4: %s", x.describe(err))
	}
	for _, bx := range xmpBoxes {
		r.uuid(bx)
	}
	r.finish()
	return nil
}

// header reads the box header at pos; the box must end by end.
func (r *mp4Reader) header(pos, end int64) (mp4Box, error) {
	s := r.x.s
	r.n++
	if r.n > mp4MaxBoxes {
		return mp4Box{}, corruptf("more than %d boxes", mp4MaxBoxes)
	}
	h, err := s.readAt(pos, min(16, end-pos))
	if err != nil {
		return mp4Box{}, err
	}
	if len(h) < 8 {
		return mp4Box{}, corruptf("box header at offset %d is truncated", pos)
	}
	bx := mp4Box{typ: string(h[4:8]), off: pos, size: int64(binary.BigEndian.Uint32(h)), hdr: 8}
	switch bx.size {
	case 0:
		bx.size = end - pos
	case 1:
		if len(h) < 16 {
			return bx, corruptf("box %q at offset %d is truncated", bx.typ, pos)
		}
		sz := binary.BigEndian.Uint64(h[8:])
		if sz > 1<<62 {
			return bx, corruptf("box %q at offset %d has a bad size", bx.typ, pos)
		}
		bx.size, bx.hdr = int64(sz), 16
	}
	if bx.size < bx.hdr {
		return bx, corruptf("box %q at offset %d has a bad size", bx.typ, pos)
	}
	if bx.size > end-pos {
		return bx, corruptf("box %q at offset %d is truncated", bx.typ, pos)
	}
	return bx, nil
}

// read reads the body of a box, at most limit bytes of it (more is
// damage, an error).
func (r *mp4Reader) read(bx mp4Box, limit int64) ([]byte, error) {
	off, n := bx.body()
	if n > limit {
		return nil, fmt.Errorf("box %q of %d bytes is over the limit of %d", bx.typ, bx.size, limit)
	}
	return r.x.s.readAt(off, n)
}

// children calls fn for each child box of the body [off, off+n).
func (r *mp4Reader) children(off, n int64, depth int, fn func(mp4Box) error) error {
	if depth > mp4MaxDepth {
		return corruptf("boxes nested deeper than %d", mp4MaxDepth)
	}
	end := off + n
	for pos := off; pos+8 <= end; {
		bx, err := r.header(pos, end)
		if err != nil {
			return err
		}
		if err := fn(bx); err != nil {
			return err
		}
		pos += bx.size
	}
	return nil
}

// walk visits the boxes under a container of the moov tree.
func (r *mp4Reader) walk(parent mp4Box, depth int, path string) error {
	off, n := parent.body()
	path += "/" + parent.typ
	return r.children(off, n, depth, func(bx mp4Box) error {
		b := r.x.b
		switch bx.typ {
		case "trak":
			r.tracks = append(r.tracks, &mp4Track{})
			return r.walk(bx, depth+1, path)
		case "mdia", "minf", "stbl", "edts":
			return r.walk(bx, depth+1, path)
		case "mvex":
			r.fragmented = true
			return r.walk(bx, depth+1, path)
		case "mehd":
			if d, err := r.read(bx, mp4SmallBox); err == nil && len(d) >= 8 {
				if d[0] == 1 && len(d) >= 12 {
					r.mehdDur = binary.BigEndian.Uint64(d[4:])
				} else {
					r.mehdDur = uint64(binary.BigEndian.Uint32(d[4:]))
				}
			}
		case "mvhd", "tkhd", "mdhd", "hdlr":
			body, err := r.read(bx, mp4SmallBox)
			if err != nil {
				b.warn("MP4 %s: %s", bx.typ, r.x.describe(err))
				return nil
			}
			r.small(bx.typ, body, path)
		case "stsd":
			body, err := r.read(bx, min(b.opts.MaxSegmentBytes, 1<<20))
			if err != nil {
				b.warn("MP4 stsd: %s", r.x.describe(err))
				return nil
			}
			r.stsd(body, depth+1)
		case "stts":
			r.stts(bx)
		case "stco", "co64":
			// The first chunk's offset: an MP3 track's first frame header
			// says its channels, which its sample entry does not.
			if t := r.track(); t != nil && t.codec == "mp3" && bx.size-bx.hdr >= 16 {
				if h, err := r.x.s.readAt(bx.off+bx.hdr, 16); err == nil && binary.BigEndian.Uint32(h[4:]) > 0 {
					if bx.typ == "stco" {
						t.firstChunk = int64(binary.BigEndian.Uint32(h[8:]))
					} else {
						t.firstChunk = int64(binary.BigEndian.Uint64(h[8:]) & (1<<62 - 1))
					}
				}
			}
		case "stsz", "stz2":
			if h, err := r.x.s.readAt(bx.off+bx.hdr, min(12, bx.size-bx.hdr)); err == nil && len(h) >= 12 {
				if t := r.track(); t != nil {
					t.samples = binary.BigEndian.Uint32(h[8:])
				}
			}
		case "udta":
			if off, n := bx.body(); n > b.opts.MaxSegmentBytes {
				// A large udta (a camera's telemetry stream): its items one
				// by one, the ones over the limit skipped.
				return r.children(off, n, depth+1, func(c mp4Box) error {
					if c.typ == "meta" && c.size > b.opts.MaxSegmentBytes {
						return r.metaRanged(c, depth+1)
					}
					if c.size > b.opts.MaxSegmentBytes {
						b.warn("MP4 udta: %q box of %d bytes is over the limit", c.typ, c.size)
						return nil
					}
					if d, err := r.x.s.readAt(c.off, c.size); err == nil {
						r.udta(d, depth+1)
					}
					return nil
				})
			}
			body, err := r.read(bx, b.opts.MaxSegmentBytes)
			if err != nil {
				b.warn("MP4 udta: %s", r.x.describe(err))
				return nil
			}
			r.udta(body, depth+1)
		case "meta":
			if bx.size-bx.hdr > b.opts.MaxSegmentBytes {
				return r.metaRanged(bx, depth+1)
			}
			body, err := r.read(bx, b.opts.MaxSegmentBytes)
			if err != nil {
				b.warn("MP4 meta: %s", r.x.describe(err))
				return nil
			}
			r.meta(body, depth+1)
		case "uuid":
			r.uuid(bx)
		}
		return nil
	})
}

// sidx reads a segment index: when its references cover the rest of
// the file (a global index, not one fragment's), the sum of their
// durations is the duration of a fragmented file whose moov does not say
// it. Of several (one per track), the longest counts.
func (r *mp4Reader) sidx(bx mp4Box) {
	d, err := r.read(bx, 1<<20)
	if err != nil || len(d) < 24 {
		return
	}
	ts := binary.BigEndian.Uint32(d[8:])
	first := uint64(binary.BigEndian.Uint32(d[16:]))
	p := d[20:]
	if d[0] == 1 {
		if len(d) < 32 {
			return
		}
		first = binary.BigEndian.Uint64(d[20:])
		p = d[28:]
	}
	if ts == 0 || len(p) < 4 || first > 1<<50 {
		return
	}
	n := int(binary.BigEndian.Uint16(p[2:]))
	p = p[4:]
	var total, bytes uint64
	for i := 0; i < n && len(p) >= 12; i++ {
		bytes += uint64(binary.BigEndian.Uint32(p) & 0x7FFFFFFF)
		total += uint64(binary.BigEndian.Uint32(p[4:]))
		p = p[12:]
	}
	size := r.x.s.size
	if end := uint64(bx.off+bx.size) + first + bytes; end+uint64(max(size/100, 4096)) < uint64(size) {
		return // one fragment's index
	}
	r.sidxDur = max(r.sidxDur, float64(total)/float64(ts))
}

// track is the track being walked (the last trak seen).
func (r *mp4Reader) track() *mp4Track {
	if len(r.tracks) == 0 {
		return nil
	}
	return r.tracks[len(r.tracks)-1]
}

// mp4Epoch is 1904-01-01, the epoch of QuickTime and ISO media dates.
var mp4Epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)

func mp4Date(secs uint64) (string, bool) {
	// Before 1970 or after 2100 is no real date (often 0, or a Unix time).
	if secs < 2082844800 || secs > 6260000000 {
		return "", false
	}
	return mp4Epoch.Add(time.Duration(secs) * time.Second).Format("2006-01-02T15:04:05Z"), true
}

// small reads mvhd, tkhd, mdhd and hdlr.
func (r *mp4Reader) small(typ string, d []byte, path string) {
	b := r.x.b
	if len(d) < 4 {
		return
	}
	v1 := d[0] == 1
	t := r.track()
	switch typ {
	case "mvhd":
		var created, modified, dur uint64
		var ts uint32
		if v1 && len(d) >= 32 {
			created, modified = binary.BigEndian.Uint64(d[4:]), binary.BigEndian.Uint64(d[12:])
			ts, dur = binary.BigEndian.Uint32(d[20:]), binary.BigEndian.Uint64(d[24:])
		} else if !v1 && len(d) >= 20 {
			created, modified = uint64(binary.BigEndian.Uint32(d[4:])), uint64(binary.BigEndian.Uint32(d[8:]))
			ts, dur = binary.BigEndian.Uint32(d[12:]), uint64(binary.BigEndian.Uint32(d[16:]))
		} else {
			b.warn("MP4: mvhd box is too short")
			return
		}
		if dur == math.MaxUint32 && !v1 {
			dur = 0
		}
		r.mvhdTS, r.mvhdDur = ts, dur
		if s, ok := mp4Date(created); ok {
			b.set("xmp:CreateDate", Date(s), prioEXIF)
		}
		if s, ok := mp4Date(modified); ok {
			b.set("xmp:ModifyDate", Date(s), prioEXIF)
		}
	case "tkhd":
		if t == nil {
			return
		}
		// The matrix and the size end the box: 36 + 8 bytes.
		if len(d) < 44 {
			return
		}
		m := d[len(d)-44:]
		a := int32(binary.BigEndian.Uint32(m[0:]))
		bb := int32(binary.BigEndian.Uint32(m[4:]))
		c := int32(binary.BigEndian.Uint32(m[12:]))
		dd := int32(binary.BigEndian.Uint32(m[16:]))
		t.rotation = matrixRotation(float64(a), float64(bb), float64(c), float64(dd))
		t.tkhdW = float64(binary.BigEndian.Uint32(m[36:])) / 65536
		t.tkhdH = float64(binary.BigEndian.Uint32(m[40:])) / 65536
	case "mdhd":
		if t == nil {
			return
		}
		if v1 && len(d) >= 32 {
			t.timescale, t.duration = binary.BigEndian.Uint32(d[20:]), binary.BigEndian.Uint64(d[24:])
		} else if !v1 && len(d) >= 20 {
			t.timescale, t.duration = binary.BigEndian.Uint32(d[12:]), uint64(binary.BigEndian.Uint32(d[16:]))
			if t.duration == math.MaxUint32 {
				t.duration = 0
			}
		}
	case "hdlr":
		if t == nil || len(d) < 12 || !strings.HasSuffix(path, "/mdia") {
			return
		}
		t.handler = string(d[8:12])
	}
}

// matrixRotation returns the clockwise rotation, in degrees, of the
// display matrix [a b; c d] (16.16 fixed point, scale ignored).
func matrixRotation(a, b, c, d float64) int {
	_ = d
	deg := math.Atan2(b, a) * 180 / math.Pi
	if a == 0 && b == 0 {
		deg = math.Atan2(-c, 0) * 180 / math.Pi
	}
	rot := int(math.Round(deg/90)) * 90
	rot = ((rot % 360) + 360) % 360
	return rot
}

// stsd reads the first sample description of a track: its codec, the
// coded size of video, the channels and rate of audio.
func (r *mp4Reader) stsd(d []byte, depth int) {
	t := r.track()
	if t == nil || len(d) < 8 {
		return
	}
	entries, _ := boxes(d[8:])
	if len(entries) == 0 {
		return
	}
	e := entries[0]
	t.fourcc = e.typ
	body := e.body
	var kids []byte
	switch {
	case len(body) >= 78 && (t.handler == "vide" || isVideoFourCC(e.typ)):
		t.width = int(binary.BigEndian.Uint16(body[24:]))
		t.height = int(binary.BigEndian.Uint16(body[26:]))
		kids = body[78:]
	case len(body) >= 28 && (t.handler == "soun" || isAudioFourCC(e.typ)):
		ver := binary.BigEndian.Uint16(body[8:])
		t.channels = int(binary.BigEndian.Uint16(body[16:]))
		t.bits = int(binary.BigEndian.Uint16(body[18:]))
		t.sampleRate = int(binary.BigEndian.Uint32(body[24:]) >> 16)
		kids = body[28:]
		switch {
		case ver == 1 && len(body) >= 44:
			kids = body[44:]
		case ver == 2 && len(body) >= 64:
			t.sampleRate = int(math.Float64frombits(binary.BigEndian.Uint64(body[32:])))
			t.channels = int(binary.BigEndian.Uint32(body[40:]))
			t.bits = int(binary.BigEndian.Uint32(body[48:]))
			kids = body[64:]
		}
	}
	ch, _ := boxes(kids)
	for i := 0; i < len(ch); i++ {
		c := ch[i]
		switch c.typ {
		case "sinf":
			t.encrypted = true
			sc, _ := boxes(c.body)
			for _, s := range sc {
				if s.typ == "frma" && len(s.body) >= 4 {
					t.fourcc = string(s.body[:4])
				}
			}
		case "esds":
			oti, dsi := esdsObjectType(c.body)
			if oti == 0x40 || oti == 0x66 || oti == 0x67 || oti == 0x68 {
				aacConfig(t, dsi)
			}
			if oti != 0 {
				switch oti {
				case 0x40, 0x66, 0x67, 0x68:
					t.codec = "aac"
				case 0x69, 0x6B:
					t.codec = "mp3"
				case 0x20:
					t.codec = "mpeg4"
				case 0xA5:
					t.codec = "ac3"
				case 0xA6:
					t.codec = "eac3"
				case 0x6C:
					t.codec = "mjpeg"
				case 0xAD:
					t.codec = "opus"
				}
			}
		case "wave":
			// QuickTime audio: the esds is inside a wave box.
			if len(ch) < 64 {
				w, _ := boxes(c.body)
				ch = append(ch, w...)
			}
		}
	}
	switch e.typ {
	case "encv", "enca", "drms", "drmi", "enct", "encs":
		t.encrypted = true
	}
	if t.codec == "" {
		t.codec = codecName(t.fourcc)
	}
}

// aacSampleRates are the sampling frequencies of AAC by index.
var aacSampleRates = []int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// aacConfig reads the channels and sample rate of an AAC
// AudioSpecificConfig (ISO/IEC 14496-3), which override the sample
// entry's (often a fixed 2 channels).
func aacConfig(t *mp4Track, dsi []byte) {
	if len(dsi) < 2 {
		return
	}
	v := uint32(dsi[0])<<8 | uint32(dsi[1])
	if len(dsi) >= 5 {
		v = binary.BigEndian.Uint32(dsi)
	} else {
		v <<= 16
	}
	aot := v >> 27
	bits := 5
	if aot == 31 {
		bits += 6
	}
	idx := (v >> (28 - bits)) & 0xF
	bits += 4
	if idx == 0xF {
		if len(dsi) < 5 {
			return
		}
		x := uint64(binary.BigEndian.Uint32(dsi))<<8 | uint64(dsi[4])
		t.sampleRate = int(x >> (40 - bits - 24) & 0xFFFFFF)
		bits += 24
		if bits+4 > 40 {
			return
		}
		ch := int(x >> (40 - bits - 4) & 0xF)
		if ch > 0 && ch < 7 {
			t.channels = ch
		} else if ch == 7 {
			t.channels = 8
		}
		return
	}
	if int(idx) < len(aacSampleRates) {
		t.sampleRate = aacSampleRates[idx]
	}
	ch := int(v>>(32-bits-4)) & 0xF
	if ch > 0 && ch < 7 {
		t.channels = ch
	} else if ch == 7 {
		t.channels = 8
	}
}

// esdsObjectType returns the objectTypeIndication of the
// DecoderConfigDescriptor in an esds box (0 when absent) and its
// DecoderSpecificInfo.
func esdsObjectType(d []byte) (byte, []byte) {
	if len(d) < 4 {
		return 0, nil
	}
	d = d[4:]
	// descriptor: tag, size in 1-4 bytes of 7 bits, body.
	desc := func(d []byte) (byte, []byte, []byte) {
		if len(d) < 2 {
			return 0, nil, nil
		}
		tag := d[0]
		n, i := 0, 1
		for ; i < len(d) && i <= 4; i++ {
			n = n<<7 | int(d[i]&0x7F)
			if d[i]&0x80 == 0 {
				i++
				break
			}
		}
		if n > len(d)-i {
			n = len(d) - i
		}
		return tag, d[i : i+n], d[i+n:]
	}
	tag, body, _ := desc(d)
	if tag != 3 || len(body) < 3 {
		return 0, nil
	}
	flags := body[2]
	body = body[3:]
	if flags&0x80 != 0 && len(body) >= 2 {
		body = body[2:]
	}
	if flags&0x40 != 0 && len(body) >= 1 {
		n := int(body[0])
		if len(body) < 1+n {
			return 0, nil
		}
		body = body[1+n:]
	}
	if flags&0x20 != 0 && len(body) >= 2 {
		body = body[2:]
	}
	tag, body, _ = desc(body)
	if tag != 4 || len(body) < 13 {
		return 0, nil
	}
	oti := body[0]
	tag, dsi, _ := desc(body[13:])
	if tag != 5 {
		dsi = nil
	}
	return oti, dsi
}

func isVideoFourCC(f string) bool {
	switch f {
	case "avc1", "avc3", "hvc1", "hev1", "mp4v", "av01", "vp08", "vp09", "encv", "jpeg", "mjpa", "mjpb",
		"apcn", "apch", "apcs", "apco", "ap4h", "ap4x", "s263", "h263", "dvc ", "dvcp", "dvpp", "dvh5", "dvh6", "raw ":
		return true
	}
	return false
}

func isAudioFourCC(f string) bool {
	switch f {
	case "mp4a", "enca", "ac-3", "ec-3", "Opus", "fLaC", "alac", "sowt", "twos", "lpcm", "in24", "in32",
		"fl32", "fl64", "samr", "sawb", "ulaw", "alaw", ".mp3", "raw ", "NONE", "ima4":
		return true
	}
	return false
}

// codecName is the ffprobe codec name of a sample entry type.
func codecName(fourcc string) string {
	switch fourcc {
	case "avc1", "avc3":
		return "h264"
	case "hvc1", "hev1", "dvh1", "dvhe":
		return "hevc"
	case "mp4v":
		return "mpeg4"
	case "av01":
		return "av1"
	case "vp08":
		return "vp8"
	case "vp09":
		return "vp9"
	case "jpeg", "mjpa", "mjpb":
		return "mjpeg"
	case "apcn", "apch", "apcs", "apco", "ap4h", "ap4x":
		return "prores"
	case "s263", "h263":
		return "h263"
	case "dvc ", "dvcp", "dvpp", "dvh5", "dvh6":
		return "dvvideo"
	case "mp4a":
		return "aac"
	case "ac-3":
		return "ac3"
	case "ec-3":
		return "eac3"
	case "Opus":
		return "opus"
	case "fLaC":
		return "flac"
	case "alac":
		return "alac"
	case "sowt":
		return "pcm_s16le"
	case "twos":
		return "pcm_s16be"
	case "in24":
		return "pcm_s24be"
	case "in32":
		return "pcm_s32be"
	case "fl32":
		return "pcm_f32be"
	case "fl64":
		return "pcm_f64be"
	case "ulaw":
		return "pcm_mulaw"
	case "alaw":
		return "pcm_alaw"
	case "samr":
		return "amr_nb"
	case "sawb":
		return "amr_wb"
	case ".mp3":
		return "mp3"
	case "tx3g":
		return "mov_text"
	case "c608":
		return "eia_608"
	}
	return ""
}

// stts reads the time-to-sample table of a video track, at most
// mp4MaxStts entries, for its frame rate.
func (r *mp4Reader) stts(bx mp4Box) {
	t := r.track()
	if t == nil || t.handler != "vide" {
		return
	}
	off, n := bx.body()
	if n < 8 {
		return
	}
	h, err := r.x.s.readAt(off, 8)
	if err != nil {
		return
	}
	count := int64(binary.BigEndian.Uint32(h[4:]))
	count = min(count, mp4MaxStts, (n-8)/8)
	if count <= 0 {
		return
	}
	d, err := r.x.s.readAt(off+8, count*8)
	if err != nil {
		return
	}
	var total, best uint64
	var bestDelta uint32
	for i := int64(0); i < count; i++ {
		c := uint64(binary.BigEndian.Uint32(d[i*8:]))
		delta := binary.BigEndian.Uint32(d[i*8+4:])
		total += c
		if c > best && delta > 0 {
			best, bestDelta = c, delta
		}
	}
	// A constant frame rate (the one delta of most samples covers nearly
	// all of them): the timescale over it; else the average, in finish.
	if bestDelta > 0 && t.timescale > 0 && best*100 >= total*95 {
		t.fps = float64(t.timescale) / float64(bestDelta)
	}
}

// udta reads a user data box: QuickTime ©xxx text items, the 3GPP loci
// box, an XMP_ box, and a meta box (iTunes ilst).
func (r *mp4Reader) udta(d []byte, depth int) {
	b := r.x.b
	items, err := boxes(d)
	if err != nil {
		b.warn("MP4 udta: %v", err)
	}
	for _, it := range items {
		switch {
		case it.typ == "meta":
			r.meta(it.body, depth+1)
		case it.typ == "XMP_":
			parseXMP(b, it.body, prioXMP, "MP4 XMP")
		case it.typ == "loci":
			r.loci(it.body)
		case len(it.typ) == 4 && it.typ[0] == 0xA9:
			if tag := qtTag(it.typ[1:]); tag != "" {
				if v, ok := qtText(it.body); ok {
					setMediaTag(b, tag, v, prioIPTC)
				}
			}
		}
	}
}

// qtTag maps the last three letters of a QuickTime ©xxx item (and of an
// iTunes ilst item) to the tag names of setMediaTag.
func qtTag(s string) string {
	switch s {
	case "nam":
		return "title"
	case "ART", "aut", "prf":
		return "artist"
	case "alb":
		return "album"
	case "wrt", "com":
		return "composer"
	case "gen":
		return "genre"
	case "day":
		return "date"
	case "cmt":
		return "comment"
	case "des", "inf":
		return "description"
	case "cpy":
		return "copyright"
	case "too", "swr", "enc":
		return "encoder"
	case "mak":
		return "make"
	case "mod":
		return "model"
	case "xyz":
		return "location"
	case "lyr":
		return "lyrics"
	case "key":
		return "keywords"
	}
	return ""
}

// qtText reads a QuickTime text item: the first of its (size, language,
// text) records; or, written by some tools, an ilst-style data box.
func qtText(d []byte) (string, bool) {
	if len(d) >= 16 && string(d[4:8]) == "data" {
		if v, ok := ilstText(d); ok {
			return v, true
		}
	}
	if len(d) < 4 {
		return "", false
	}
	n := int(binary.BigEndian.Uint16(d))
	lang := binary.BigEndian.Uint16(d[2:])
	if n > len(d)-4 {
		n = len(d) - 4
	}
	s := d[4 : 4+n]
	if lang == 0x7FFF || bytes.HasPrefix(s, []byte{0xFE, 0xFF}) {
		return decodeUTF16BOM(s), true
	}
	return decodeText(s), true
}

// decodeText returns s as UTF-8, read as Windows-1252 (Latin-1 for ID3)
// when it is not valid UTF-8.
func decodeText(s []byte) string {
	s = bytes.TrimRight(s, "\x00")
	if isUTF8(s) {
		return string(s)
	}
	r := make([]rune, len(s))
	for i, c := range s {
		r[i] = rune(c)
	}
	return string(r)
}

func isUTF8(s []byte) bool { return strings.ToValidUTF8(string(s), "\uFFFD") == string(s) }

// decodeUTF16BOM decodes UTF-16 text with an optional byte order mark,
// big-endian without one.
func decodeUTF16BOM(s []byte) string {
	le := false
	if len(s) >= 2 {
		switch {
		case s[0] == 0xFF && s[1] == 0xFE:
			le, s = true, s[2:]
		case s[0] == 0xFE && s[1] == 0xFF:
			s = s[2:]
		}
	}
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		var c uint16
		if le {
			c = binary.LittleEndian.Uint16(s[i:])
		} else {
			c = binary.BigEndian.Uint16(s[i:])
		}
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// loci reads a 3GPP location box: name, role, longitude, latitude and
// altitude in 16.16 fixed point.
func (r *mp4Reader) loci(d []byte) {
	if len(d) < 6 {
		return
	}
	p := d[6:]
	// The name: UTF-8 ending in NUL, or UTF-16 with a BOM ending in 00 00.
	if len(p) >= 2 && p[0] == 0xFE && p[1] == 0xFF {
		i := 2
		for i+1 < len(p) && (p[i] != 0 || p[i+1] != 0) {
			i += 2
		}
		p = p[min(i+2, len(p)):]
	} else {
		i := bytes.IndexByte(p, 0)
		if i < 0 {
			return
		}
		p = p[i+1:]
	}
	if len(p) < 13 {
		return
	}
	fixed := func(b []byte) float64 { return float64(int32(binary.BigEndian.Uint32(b))) / 65536 }
	lon, lat, alt := fixed(p[1:]), fixed(p[5:]), fixed(p[9:])
	setGPS(r.x.b, lat, lon, []float64{alt}, prioIPTC)
}

// meta reads a meta box: an hdlr, then keys and ilst (QuickTime mdta
// keys, or iTunes items), or an XMP box. The ISO meta box is a full box
// (4 bytes of version and flags before its children), QuickTime's is not.
func (r *mp4Reader) meta(d []byte, depth int) {
	if depth > mp4MaxDepth {
		return
	}
	if len(d) >= 4 && binary.BigEndian.Uint32(d) == 0 {
		d = d[4:]
	}
	kids, _ := boxes(d)
	for _, k := range kids {
		switch k.typ {
		case "keys":
			r.keysBox(k.body)
		case "XMP_", "xml ":
			if k.typ == "xml " && len(k.body) > 4 {
				parseXMP(r.x.b, k.body[4:], prioXMP, "MP4 XMP")
			} else {
				parseXMP(r.x.b, k.body, prioXMP, "MP4 XMP")
			}
		}
	}
	for _, k := range kids {
		if k.typ == "ilst" {
			r.ilst(k.body)
		}
	}
}

// metaRanged reads a meta box over MaxSegmentBytes (an iTunes file with
// a large cover picture) through ranged reads: its keys box and its ilst
// items one by one, the items over the limit (the picture) only noted.
func (r *mp4Reader) metaRanged(bx mp4Box, depth int) error {
	b := r.x.b
	off, n := bx.body()
	if h, err := r.x.s.readAt(off, min(n, 4)); err == nil && len(h) == 4 && binary.BigEndian.Uint32(h) == 0 {
		off, n = off+4, n-4 // the ISO meta box is a full box
	}
	return r.children(off, n, depth, func(c mp4Box) error {
		switch c.typ {
		case "keys":
			if d, err := r.read(c, b.opts.MaxSegmentBytes); err == nil {
				r.keysBox(d)
			}
		case "ilst":
			io, in := c.body()
			return r.children(io, in, depth+1, func(it mp4Box) error {
				if it.size > b.opts.MaxSegmentBytes {
					if it.typ == "covr" {
						r.ms.coverArt = true
					} else {
						b.warn("MP4 ilst: %q item of %d bytes is over the limit", it.typ, it.size)
					}
					return nil
				}
				if d, err := r.x.s.readAt(it.off, it.size); err == nil {
					r.ilst(d)
				}
				return nil
			})
		}
		return nil
	})
}

func (r *mp4Reader) keysBox(d []byte) {
	if len(d) < 8 {
		return
	}
	n := int(binary.BigEndian.Uint32(d[4:]))
	p := d[8:]
	r.keys = r.keys[:0]
	for i := 0; i < n && len(p) >= 8 && len(r.keys) < 10000; i++ {
		sz := int(binary.BigEndian.Uint32(p))
		if sz < 8 || sz > len(p) {
			break
		}
		r.keys = append(r.keys, string(p[8:sz]))
		p = p[sz:]
	}
}

// appleKeys maps QuickTime metadata keys to the tag names of setMediaTag.
var appleKeys = map[string]string{
	"com.apple.quicktime.title":            "title",
	"com.apple.quicktime.displayname":      "title",
	"com.apple.quicktime.artist":           "artist",
	"com.apple.quicktime.author":           "artist",
	"com.apple.quicktime.album":            "album",
	"com.apple.quicktime.genre":            "genre",
	"com.apple.quicktime.comment":          "comment",
	"com.apple.quicktime.description":      "description",
	"com.apple.quicktime.copyright":        "copyright",
	"com.apple.quicktime.software":         "encoder",
	"com.apple.quicktime.make":             "make",
	"com.apple.quicktime.model":            "model",
	"com.apple.quicktime.keywords":         "keywords",
	"com.apple.quicktime.location.ISO6709": "location",
	"com.apple.quicktime.creationdate":     "creationdate",
	"com.apple.quicktime.year":             "date",
	"com.apple.quicktime.information":      "description",
}

// ilst reads iTunes-style items: ©nam, ©ART, trkn, gnre, covr, ... or,
// after a keys box, items numbered by key.
func (r *mp4Reader) ilst(d []byte) {
	b := r.x.b
	items, _ := boxes(d)
	for _, it := range items {
		typ := it.typ
		tag := ""
		if len(r.keys) > 0 {
			idx := int(binary.BigEndian.Uint32([]byte(typ)))
			if idx >= 1 && idx <= len(r.keys) {
				key := r.keys[idx-1]
				tag = appleKeys[key]
				if v, ok := ilstText(it.body); ok {
					setMediaTag(b, tag, v, prioIPTC)
				}
				continue
			}
		}
		switch {
		case len(typ) == 4 && typ[0] == 0xA9:
			tag = qtTag(typ[1:])
		case typ == "aART":
			tag = "albumartist"
		case typ == "desc", typ == "ldes":
			tag = "description"
		case typ == "cprt":
			tag = "copyright"
		case typ == "trkn", typ == "disk":
			if data := ilstData(it.body); len(data) >= 4 {
				n := int(binary.BigEndian.Uint16(data[2:]))
				if n > 0 {
					if typ == "trkn" {
						b.set("xmpDM:trackNumber", Number(float64(n)), prioIPTC)
					} else {
						b.set("xmpDM:discNumber", Text(fmt.Sprint(n)), prioIPTC)
					}
				}
			}
			continue
		case typ == "gnre":
			if data := ilstData(it.body); len(data) >= 2 {
				if g := id3Genre(int(binary.BigEndian.Uint16(data)) - 1); g != "" {
					b.set("xmpDM:genre", Text(g), prioIPTC-1)
				}
			}
			continue
		case typ == "covr":
			r.ms.coverArt = true
			continue
		}
		if tag == "" {
			continue
		}
		if v, ok := ilstText(it.body); ok {
			setMediaTag(b, tag, v, prioIPTC)
		}
	}
}

// ilstData returns the value of the first data box of an ilst item.
func ilstData(d []byte) []byte {
	kids, _ := boxes(d)
	for _, k := range kids {
		if k.typ == "data" && len(k.body) >= 8 {
			return k.body[8:]
		}
	}
	return nil
}

// ilstText returns the text of the first data box of an ilst item:
// UTF-8 (type 1), UTF-16 (type 2), or an integer (types 21, 22).
func ilstText(d []byte) (string, bool) {
	kids, _ := boxes(d)
	for _, k := range kids {
		if k.typ != "data" || len(k.body) < 8 {
			continue
		}
		typ := binary.BigEndian.Uint32(k.body) & 0xFFFFFF
		v := k.body[8:]
		switch typ {
		case 1, 4:
			return decodeText(v), true
		case 2, 5:
			return decodeUTF16BOM(v), true
		case 21, 22:
			var n int64
			switch len(v) {
			case 1:
				n = int64(int8(v[0]))
			case 2:
				n = int64(int16(binary.BigEndian.Uint16(v)))
			case 4:
				n = int64(int32(binary.BigEndian.Uint32(v)))
			case 8:
				n = int64(binary.BigEndian.Uint64(v))
			default:
				return "", false
			}
			return fmt.Sprint(n), true
		case 0:
			if isUTF8(v) && len(v) > 0 && !bytes.ContainsAny(v, "\x00\x01\x02") {
				return string(v), true
			}
		}
	}
	return "", false
}

// uuid reads a uuid box holding XMP.
func (r *mp4Reader) uuid(bx mp4Box) {
	off, n := bx.body()
	if n < 16 {
		return
	}
	id, err := r.x.s.readAt(off, 16)
	if err != nil || string(id) != mp4XMPUUID {
		return
	}
	if n-16 > r.x.b.opts.MaxXMPBytes {
		r.x.b.warn("MP4: XMP box of %d bytes is over the limit", n-16)
		return
	}
	d, err := r.x.s.readAt(off+16, n-16)
	if err != nil {
		r.x.b.warn("MP4 XMP: %s", r.x.describe(err))
		return
	}
	parseXMP(r.x.b, d, prioXMP, "MP4 XMP")
}

// finish chooses the first video and audio tracks and sets the stream
// properties.
func (r *mp4Reader) finish() {
	ms := &r.ms
	if r.mvhdTS > 0 {
		ms.duration = float64(r.mvhdDur) / float64(r.mvhdTS)
	}
	var trackDur float64
	for _, t := range r.tracks {
		var d float64
		if t.timescale > 0 {
			d = float64(t.duration) / float64(t.timescale)
			trackDur = max(trackDur, d)
		}
		if t.encrypted {
			ms.encrypted = true
		}
		switch {
		case t.handler == "vide" && !ms.hasVideo:
			ms.hasVideo = true
			ms.videoCodec, ms.videoCodecID = t.codec, strings.TrimSpace(t.fourcc)
			ms.width, ms.height = int(math.Round(t.tkhdW)), int(math.Round(t.tkhdH))
			if ms.width == 0 || ms.height == 0 {
				ms.width, ms.height = t.width, t.height
			}
			ms.rotation = t.rotation
			ms.frameRate = t.fps
			if ms.frameRate == 0 && t.samples > 0 && d > 0 && !r.fragmented {
				ms.frameRate = float64(t.samples) / d
			}
		case t.handler == "soun" && !ms.hasAudio:
			ms.hasAudio = true
			ms.audioCodec, ms.audioCodecID = t.codec, strings.TrimSpace(t.fourcc)
			ms.channels, ms.sampleRate = t.channels, t.sampleRate
			if t.firstChunk > 0 {
				if h, err := r.x.s.readAt(t.firstChunk, 4); err == nil {
					if m, ok := parseMPEGHeader(h); ok {
						ms.channels, ms.sampleRate = m.channels, m.sampleRate
					}
				}
			}
		}
	}
	if ms.duration == 0 {
		ms.duration = trackDur
	}
	if r.fragmented {
		// The moov describes only the samples before the first fragment.
		ms.duration = 0
		switch {
		case r.mehdDur > 0 && r.mvhdTS > 0:
			ms.duration = float64(r.mehdDur) / float64(r.mvhdTS)
		case r.sidxDur > 0:
			ms.duration = r.sidxDur
		default:
			r.x.b.warn("MP4: a fragmented file without a fragment duration (mehd) or segment index (sidx): its duration was not read")
		}
	}
	if ms.duration > 0 {
		ms.bitrate = float64(r.x.s.size) * 8 / ms.duration
	}
	if ms.encrypted {
		r.x.b.warn("MP4: the media is encrypted (DRM); its metadata was read, its content cannot be decoded")
	}
	ms.set(r.x.b)
}

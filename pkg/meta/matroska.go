package meta

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Matroska and WebM files are EBML: elements of a variable-length ID and
// size. The metadata is in the Info (duration, date, title, writing
// application), Tracks (codecs, picture size, frame rate, sample rate,
// channels), Tags (SimpleTag name/value pairs) and Attachments (cover
// art) children of the Segment, before the first Cluster or where the
// SeekHead points (muxers often write Tags after the media). readMKV walks
// the Segment's children up to the first Cluster through their headers,
// then follows the SeekHead; the Clusters are never read.

const (
	ebmlHeaderID   = 0x1A45DFA3
	mkvSegment     = 0x18538067
	mkvSeekHead    = 0x114D9B74
	mkvInfo        = 0x1549A966
	mkvTracks      = 0x1654AE6B
	mkvTags        = 0x1254C367
	mkvAttachments = 0x1941A469
	mkvCluster     = 0x1F43B675

	// mkvMaxElements bounds the elements walked, at all levels. The walk
	// goes down a fixed path (segment, tracks, entry, video or audio; tags,
	// tag, simple tag), so nesting needs no bound of its own.
	mkvMaxElements = 100000
)

// ebmlUnknown is the size of an element of unknown size (live streams).
const ebmlUnknown = -1

// ebmlVint reads a variable-length integer: its value (the length marker
// removed when mask is set), its length, and false when malformed.
func ebmlVint(d []byte, mask bool) (int64, int, bool) {
	if len(d) == 0 || d[0] == 0 {
		return 0, 0, false
	}
	n := 1
	for d[0]&(0x80>>(n-1)) == 0 {
		n++
	}
	if n > 8 || len(d) < n {
		return 0, 0, false
	}
	v := int64(d[0])
	all := true
	if mask {
		v &= int64(0xFF >> n)
		all = v == int64(0xFF>>n)
	}
	for i := 1; i < n; i++ {
		v = v<<8 | int64(d[i])
		all = all && d[i] == 0xFF
	}
	if mask && all {
		return ebmlUnknown, n, true
	}
	return v, n, true
}

// ebmlElem is one element in a byte slice.
type ebmlElem struct {
	id   int64
	body []byte
}

// ebmlChildren splits d into elements; it stops at the first malformed
// one (an element of unknown size takes the rest).
func ebmlChildren(d []byte, count *int) []ebmlElem {
	var out []ebmlElem
	for len(d) > 0 {
		*count++
		if *count > mkvMaxElements {
			return out
		}
		id, n, ok := ebmlVint(d, false)
		if !ok {
			return out
		}
		size, m, ok := ebmlVint(d[n:], true)
		if !ok {
			return out
		}
		d = d[n+m:]
		if size == ebmlUnknown || size > int64(len(d)) {
			size = int64(len(d))
		}
		out = append(out, ebmlElem{id, d[:size]})
		d = d[size:]
	}
	return out
}

func ebmlUint(d []byte) uint64 {
	var v uint64
	for _, c := range d[:min(len(d), 8)] {
		v = v<<8 | uint64(c)
	}
	return v
}

func ebmlFloat(d []byte) float64 {
	switch len(d) {
	case 4:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(d)))
	case 8:
		return math.Float64frombits(binary.BigEndian.Uint64(d))
	}
	return 0
}

func ebmlString(d []byte) string {
	if i := strings.IndexByte(string(d), 0); i >= 0 {
		d = d[:i]
	}
	return strings.ToValidUTF8(string(d), "\uFFFD")
}

type mkvReader struct {
	x     *extraction
	count int
	ms    mediaStreams
	scale float64 // nanoseconds per timestamp unit
	dur   float64 // in timestamp units
	seen  map[int64]bool
}

// readMKV reads a Matroska or WebM file.
func readMKV(x *extraction) error {
	s, b := x.s, x.b
	r := &mkvReader{x: x, scale: 1e6, seen: map[int64]bool{}}
	id, body, size, err := r.header(0, s.size)
	if err != nil {
		return err
	}
	if id != ebmlHeaderID {
		return corruptf("no EBML header")
	}
	pos := body + size
	var segStart, segEnd int64
	for n := 0; ; n++ {
		if pos >= s.size || n > 16 {
			return corruptf("no Segment element")
		}
		id, body, size, err = r.header(pos, s.size)
		if err != nil && !(id == mkvSegment && body > 0 && errors.Is(err, errCorrupt)) {
			return err
		}
		if id == mkvSegment {
			segStart, segEnd = body, min(body+size, s.size)
			if err != nil {
				b.warn("Matroska: the Segment is truncated: the file is cut short")
			}
			break
		}
		pos = body + size
	}
	type target struct{ id, off int64 }
	var seeks []target
	for pos := segStart; pos < segEnd; {
		id, body, size, err := r.header(pos, segEnd)
		if err != nil {
			if errors.Is(err, errCorrupt) && (r.seen[mkvInfo] || r.seen[mkvTracks]) {
				b.warn("Matroska: %s", x.describe(err))
				break
			}
			return err
		}
		if id == mkvCluster {
			break
		}
		if id == mkvSeekHead {
			if d := r.body(id, body, size); d != nil {
				for _, sk := range ebmlChildren(d, &r.count) {
					var sid, spos int64
					for _, f := range ebmlChildren(sk.body, &r.count) {
						switch f.id {
						case 0x53AB:
							sid = int64(ebmlUint(f.body))
						case 0x53AC:
							spos = int64(ebmlUint(f.body))
						}
					}
					if sid != 0 && len(seeks) < 64 {
						seeks = append(seeks, target{sid, segStart + spos})
					}
				}
			}
		} else {
			r.element(id, body, size)
		}
		if size == ebmlUnknown {
			break
		}
		pos = body + size
	}
	for i := 0; i < len(seeks); i++ {
		sk := seeks[i]
		if r.seen[sk.id] || sk.off < segStart || sk.off >= segEnd || sk.id == mkvCluster {
			continue
		}
		switch sk.id {
		case mkvInfo, mkvTracks, mkvTags, mkvAttachments:
		default:
			continue
		}
		id, body, size, err := r.header(sk.off, segEnd)
		if err != nil || id != sk.id {
			b.warn("Matroska: the SeekHead points to no element at offset %d", sk.off)
			continue
		}
		r.element(id, body, size)
	}
	if !r.seen[mkvInfo] && !r.seen[mkvTracks] {
		return corruptf("no Info or Tracks element")
	}
	ms := &r.ms
	if r.dur > 0 {
		ms.duration = r.dur * r.scale / 1e9
		ms.bitrate = float64(s.size) * 8 / ms.duration
	}
	ms.set(b)
	return nil
}

// header reads the element header at pos, which must end by end; the
// size of an element of unknown size runs to end.
func (r *mkvReader) header(pos, end int64) (id, body, size int64, err error) {
	r.count++
	if r.count > mkvMaxElements {
		return 0, 0, 0, corruptf("more than %d elements", mkvMaxElements)
	}
	h, err := r.x.s.readAt(pos, min(12, end-pos))
	if err != nil {
		return 0, 0, 0, err
	}
	id, n, ok := ebmlVint(h, false)
	if !ok {
		return 0, 0, 0, corruptf("bad element ID at offset %d", pos)
	}
	size, m, ok := ebmlVint(h[n:], true)
	if !ok {
		return 0, 0, 0, corruptf("bad element size at offset %d", pos)
	}
	body = pos + int64(n+m)
	if size == ebmlUnknown {
		return id, body, end - body, nil
	}
	if size > end-body {
		return id, body, size, corruptf("element 0x%X at offset %d is truncated", id, pos)
	}
	return id, body, size, nil
}

// body reads the body of a metadata element, within the limits.
func (r *mkvReader) body(id, off, size int64) []byte {
	b := r.x.b
	if size > b.opts.MaxSegmentBytes {
		b.warn("Matroska: element 0x%X of %d bytes is over the limit", id, size)
		return nil
	}
	d, err := r.x.s.readAt(off, size)
	if err != nil {
		b.warn("Matroska: %s", r.x.describe(err))
		return nil
	}
	return d
}

// element reads one top-level element of the Segment.
func (r *mkvReader) element(id, off, size int64) {
	switch id {
	case mkvInfo, mkvTracks, mkvTags, mkvAttachments:
	default:
		return
	}
	if id == mkvAttachments {
		// Only the file names and types matter; attachments can be large,
		// so walk their headers.
		r.seen[id] = true
		r.attachments(off, size)
		return
	}
	d := r.body(id, off, size)
	if d == nil {
		return
	}
	r.seen[id] = true
	switch id {
	case mkvInfo:
		r.info(d)
	case mkvTracks:
		r.tracks(d)
	case mkvTags:
		r.tags(d)
	}
}

// mkvEpoch is 2001-01-01, the epoch of Matroska DateUTC.
var mkvEpoch = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

func (r *mkvReader) info(d []byte) {
	b := r.x.b
	for _, e := range ebmlChildren(d, &r.count) {
		switch e.id {
		case 0x2AD7B1:
			if v := ebmlUint(e.body); v > 0 {
				r.scale = float64(v)
			}
		case 0x4489:
			r.dur = ebmlFloat(e.body)
		case 0x4461:
			if len(e.body) == 8 {
				ns := int64(binary.BigEndian.Uint64(e.body))
				b.set("xmp:CreateDate", Date(mkvEpoch.Add(time.Duration(ns)).Format("2006-01-02T15:04:05Z")), prioEXIF)
			}
		case 0x7BA9:
			setMediaTag(b, "title", ebmlString(e.body), prioIPTC-1)
		case 0x5741:
			setMediaTag(b, "encoder", ebmlString(e.body), prioIPTC-1)
		}
	}
}

func (r *mkvReader) tracks(d []byte) {
	ms := &r.ms
	for _, t := range ebmlChildren(d, &r.count) {
		if t.id != 0xAE {
			continue
		}
		var typ uint64
		var codec string
		var defDur uint64
		var w, h, ch, bits int
		var rate float64
		enc := false
		for _, e := range ebmlChildren(t.body, &r.count) {
			switch e.id {
			case 0x83:
				typ = ebmlUint(e.body)
			case 0x86:
				codec = ebmlString(e.body)
			case 0x23E383:
				defDur = ebmlUint(e.body)
			case 0xE0:
				for _, v := range ebmlChildren(e.body, &r.count) {
					switch v.id {
					case 0xB0:
						w = int(ebmlUint(v.body))
					case 0xBA:
						h = int(ebmlUint(v.body))
					}
				}
			case 0xE1:
				for _, a := range ebmlChildren(e.body, &r.count) {
					switch a.id {
					case 0xB5:
						rate = ebmlFloat(a.body)
					case 0x9F:
						ch = int(ebmlUint(a.body))
					case 0x6264:
						bits = int(ebmlUint(a.body))
					}
				}
			case 0x6D80:
				for _, ce := range ebmlChildren(e.body, &r.count) {
					for _, c := range ebmlChildren(ce.body, &r.count) {
						if c.id == 0x5035 {
							enc = true
						}
					}
				}
			}
		}
		if enc {
			ms.encrypted = true
		}
		switch {
		case typ == 1 && !ms.hasVideo:
			ms.hasVideo = true
			ms.videoCodecID, ms.videoCodec = codec, mkvCodec(codec, 0)
			ms.width, ms.height = w, h
			if defDur > 0 {
				ms.frameRate = 1e9 / float64(defDur)
			}
		case typ == 2 && !ms.hasAudio:
			ms.hasAudio = true
			ms.audioCodecID, ms.audioCodec = codec, mkvCodec(codec, bits)
			ms.sampleRate, ms.channels = int(rate), max(ch, 1)
			if strings.HasPrefix(codec, "A_PCM") || codec == "A_FLAC" {
				ms.bitsPerSample = bits
			}
			if codec == "A_OPUS" {
				ms.sampleRate = 48000
			}
		}
	}
	if ms.encrypted {
		r.x.b.warn("Matroska: a track is encrypted; its metadata was read, its content cannot be decoded")
	}
}

// mkvCodec is the ffprobe name of a Matroska codec ID.
func mkvCodec(id string, bits int) string {
	switch {
	case id == "V_MPEG4/ISO/AVC":
		return "h264"
	case id == "V_MPEGH/ISO/HEVC":
		return "hevc"
	case id == "V_VP8":
		return "vp8"
	case id == "V_VP9":
		return "vp9"
	case id == "V_AV1":
		return "av1"
	case strings.HasPrefix(id, "V_MPEG4/ISO/"):
		return "mpeg4"
	case id == "V_MPEG2":
		return "mpeg2video"
	case id == "V_MPEG1":
		return "mpeg1video"
	case id == "V_MJPEG":
		return "mjpeg"
	case id == "V_THEORA":
		return "theora"
	case id == "V_PRORES":
		return "prores"
	case strings.HasPrefix(id, "A_AAC"):
		return "aac"
	case id == "A_MPEG/L3":
		return "mp3"
	case id == "A_MPEG/L2":
		return "mp2"
	case id == "A_OPUS":
		return "opus"
	case id == "A_VORBIS":
		return "vorbis"
	case id == "A_FLAC":
		return "flac"
	case id == "A_AC3":
		return "ac3"
	case id == "A_EAC3":
		return "eac3"
	case id == "A_DTS":
		return "dts"
	case id == "A_ALAC":
		return "alac"
	case id == "A_TRUEHD":
		return "truehd"
	case id == "A_PCM/INT/LIT" && bits > 8:
		return "pcm_s" + strconv.Itoa(bits) + "le"
	case id == "A_PCM/INT/LIT":
		return "pcm_u8"
	case id == "A_PCM/INT/BIG":
		return "pcm_s" + strconv.Itoa(bits) + "be"
	case id == "A_PCM/FLOAT/IEEE":
		return "pcm_f" + strconv.Itoa(bits) + "le"
	}
	return ""
}

// mkvTagNames maps Matroska tag names (upper case) that have no Vorbis
// comment equivalent to the tag names of setMediaTag.
var mkvTagNames = map[string]string{
	"DATE_RELEASED": "date", "DATE_RECORDED": "date", "PART_NUMBER": "track", "ALBUM_ARTIST": "albumartist",
	"DATE_ENCODED": "creationdate", "KEYWORDS": "keywords",
}

// tags reads the SimpleTags of the Tags that target the whole file (not
// one track, chapter or attachment).
func (r *mkvReader) tags(d []byte) {
	b := r.x.b
	for _, t := range ebmlChildren(d, &r.count) {
		if t.id != 0x7373 {
			continue
		}
		kids := ebmlChildren(t.body, &r.count)
		whole := true
		for _, k := range kids {
			if k.id != 0x63C0 {
				continue
			}
			for _, tg := range ebmlChildren(k.body, &r.count) {
				switch tg.id {
				case 0x63C5, 0x63C9, 0x63C4, 0x63C6: // track, edition, chapter, attachment UIDs
					if ebmlUint(tg.body) != 0 {
						whole = false
					}
				}
			}
		}
		if !whole {
			continue
		}
		for _, k := range kids {
			if k.id != 0x67C8 {
				continue
			}
			var name, value string
			for _, f := range ebmlChildren(k.body, &r.count) {
				switch f.id {
				case 0x45A3:
					name = strings.ToUpper(ebmlString(f.body))
				case 0x4487:
					value = ebmlString(f.body)
				}
			}
			tag := vorbisFields[name]
			if tag == "" {
				tag = mkvTagNames[name]
			}
			if tag != "" {
				setMediaTag(b, tag, value, prioIPTC)
			}
		}
	}
}

// attachments notes cover art: an attached image file.
func (r *mkvReader) attachments(off, size int64) {
	end := off + size
	for pos, n := off, 0; pos < end && n < 1000; n++ {
		id, body, sz, err := r.header(pos, end)
		if err != nil {
			return
		}
		if id == 0x61A7 {
			// FileName and FileMimeType come before FileData in practice:
			// read the start of the element.
			d, err := r.x.s.readAt(body, min(sz, 1024))
			if err == nil {
				for _, f := range ebmlChildren(d, &r.count) {
					if f.id == 0x4660 && strings.HasPrefix(ebmlString(f.body), "image/") {
						r.ms.coverArt = true
					}
				}
			}
		}
		pos = body + sz
	}
}

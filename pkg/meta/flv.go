package meta

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"
)

// FLV files are a 9-byte header then tags: audio (8), video (9) and script
// data (18), each an 11-byte header (type, size, timestamp) and a body,
// followed by the size of the tag. The first script tag is usually
// onMetaData, an AMF0 array of duration, width, height, frame rate,
// codec ids and any tags the writer added. readFLV reads that, then the
// first audio and video tags (their codec headers: the AAC
// AudioSpecificConfig, the AVC decoder configuration with its SPS) which
// win over what onMetaData claims; without a duration it takes the
// timestamp of the last tag.

const (
	// flvMaxTags bounds the tags walked at the start.
	flvMaxTags = 64
	// flvScan bounds the bytes of tags walked at the start.
	flvScan = 1 << 20
	// amfMaxDepth bounds the nesting of AMF values.
	amfMaxDepth = 8
	// amfMaxItems bounds the entries of one AMF object or array.
	amfMaxItems = 4096
)

// readFLV reads an FLV file.
func readFLV(x *extraction) error {
	s, b := x.s, x.b
	h, err := s.readUpTo(0, 9)
	if err != nil {
		return err
	}
	if len(h) < 9 || string(h[:3]) != "FLV" {
		return corruptf("no FLV header")
	}
	pos := int64(binary.BigEndian.Uint32(h[5:])) + 4
	if pos < 13 || pos > s.size {
		return corruptf("bad FLV header size")
	}
	ms := mediaStreams{}
	meta := map[string]any{}
	gotAudio, gotVideo := h[4]&4 == 0, h[4]&1 == 0
	tags := 0
	for n := 0; n < flvMaxTags && pos+11 <= s.size && pos < flvScan; n++ {
		th, err := s.readAt(pos, 11)
		if err != nil {
			break
		}
		typ := th[0] & 0x1F
		size := int64(th[1])<<16 | int64(th[2])<<8 | int64(th[3])
		body := pos + 11
		if body+size > s.size {
			if tags == 0 {
				return corruptf("the first tag is truncated")
			}
			b.warn("FLV: a tag is truncated: the file is cut short")
			break
		}
		tags++
		switch {
		case typ == 18 && len(meta) == 0 && size <= b.opts.MaxSegmentBytes:
			d, err := s.readAt(body, size)
			if err != nil {
				return err
			}
			flvScript(d, meta)
		case typ == 8 && !gotAudio && size >= 1:
			d, err := s.readAt(body, min(size, 64))
			if err != nil {
				return err
			}
			gotAudio = flvAudio(d, &ms)
		case typ == 9 && !gotVideo && size >= 1:
			d, err := s.readAt(body, min(size, 4096))
			if err != nil {
				return err
			}
			gotVideo = flvVideo(d, &ms)
		}
		if len(meta) > 0 && gotAudio && gotVideo {
			break
		}
		pos = body + size + 4
	}
	if tags == 0 {
		return corruptf("no FLV tag")
	}
	flvMeta(b, meta, &ms)
	if ms.duration <= 0 {
		ms.duration = flvLastTimestamp(s)
	}
	if ms.duration > 0 {
		ms.bitrate = float64(s.size) * 8 / ms.duration
	}
	ms.set(b)
	return nil
}

// flvLastTimestamp returns the timestamp in seconds of the last tag, found
// through the PreviousTagSize field that ends the file, or 0.
func flvLastTimestamp(s *src) float64 {
	if s.size < 13+15 {
		return 0
	}
	t, err := s.readAt(s.size-4, 4)
	if err != nil {
		return 0
	}
	n := int64(binary.BigEndian.Uint32(t))
	if n < 11 || n > s.size-13-4 {
		return 0
	}
	th, err := s.readAt(s.size-4-n, 11)
	if err != nil || (th[0]&0x1F != 8 && th[0]&0x1F != 9 && th[0]&0x1F != 18) {
		return 0
	}
	ts := uint32(th[7])<<24 | uint32(th[4])<<16 | uint32(th[5])<<8 | uint32(th[6])
	return float64(ts) / 1000
}

// flvAudioCodecs are the ffprobe names of the FLV SoundFormat values.
var flvAudioCodecs = map[int]string{0: "pcm_s16le", 1: "adpcm_swf", 2: "mp3", 3: "pcm_s16le", 4: "nellymoser",
	5: "nellymoser", 6: "nellymoser", 7: "pcm_alaw", 8: "pcm_mulaw", 10: "aac", 11: "speex", 14: "mp3"}

// flvVideoCodecs are the ffprobe names of the FLV CodecID values (12 is
// the HEVC extension of some writers).
var flvVideoCodecs = map[int]string{2: "flv1", 3: "flashsv", 4: "vp6f", 5: "vp6a", 6: "flashsv2", 7: "h264", 12: "hevc"}

// flvAudio reads the first bytes of an audio tag; it reports whether the
// audio facts are complete (an AAC tag needs its sequence header).
func flvAudio(d []byte, ms *mediaStreams) bool {
	f := int(d[0] >> 4)
	ms.hasAudio = true
	ms.audioCodec = flvAudioCodecs[f]
	ms.audioCodecID = strconv.Itoa(f)
	ms.sampleRate = [4]int{5512, 11025, 22050, 44100}[d[0]>>2&3]
	switch f {
	case 5, 14:
		ms.sampleRate = 8000
	case 4:
		ms.sampleRate = 16000
	case 11:
		ms.sampleRate = 16000
	}
	ms.channels = int(d[0]&1) + 1
	if d[0]&2 != 0 && (f == 0 || f == 3) {
		ms.bitsPerSample = 16
	}
	switch f {
	case 10:
		if len(d) >= 4 && d[1] == 0 {
			var t mp4Track
			aacConfig(&t, d[2:])
			if t.sampleRate > 0 {
				ms.sampleRate = t.sampleRate
			}
			if t.channels > 0 {
				ms.channels = t.channels
			}
			return true
		}
		return false
	case 2, 14:
		if a, _, _, ok := audioFrames(d[1:], "mp3", 1); ok {
			ms.sampleRate, ms.channels, ms.audioCodec = a.sampleRate, a.channels, a.codec
		}
	}
	return true
}

// flvVideo reads the first bytes of a video tag; it reports whether the
// video facts are complete (an AVC or HEVC tag needs its sequence
// header, a Sorenson H.263 tag gives its size in the picture header).
func flvVideo(d []byte, ms *mediaStreams) bool {
	id := int(d[0] & 0x0F)
	ms.hasVideo = true
	ms.videoCodec = flvVideoCodecs[id]
	ms.videoCodecID = strconv.Itoa(id)
	switch id {
	case 2:
		if w, h, ok := flvH263Size(d[1:]); ok {
			ms.width, ms.height = w, h
		}
	case 7:
		if len(d) < 5 || d[1] != 0 {
			return false
		}
		// AVCDecoderConfigurationRecord: the first SPS.
		c := d[5:]
		if len(c) >= 8 && c[5]&0x1F >= 1 {
			n := int(binary.BigEndian.Uint16(c[6:]))
			if 8+n <= len(c) {
				if v, ok := h264SPS(c[8 : 8+n]); ok {
					ms.width, ms.height = v.width, v.height
					if v.frameRate > 0 {
						ms.frameRate = v.frameRate
					}
				}
			}
		}
	case 12:
		if len(d) < 5 || d[1] != 0 {
			return false
		}
		if v, ok := hvccSPS(d[5:]); ok {
			ms.width, ms.height = v.width, v.height
		}
	}
	return true
}

// hvccSPS finds the SPS of an HEVCDecoderConfigurationRecord.
func hvccSPS(c []byte) (videoFacts, bool) {
	if len(c) < 23 {
		return videoFacts{}, false
	}
	arrays, p := int(c[22]), 23
	for i := 0; i < arrays && p+3 <= len(c); i++ {
		typ := c[p] & 0x3F
		n := int(binary.BigEndian.Uint16(c[p+1:]))
		p += 3
		for j := 0; j < n && p+2 <= len(c); j++ {
			l := int(binary.BigEndian.Uint16(c[p:]))
			p += 2
			if p+l > len(c) {
				return videoFacts{}, false
			}
			if typ == 33 {
				return hevcSPS(c[p : p+l])
			}
			p += l
		}
	}
	return videoFacts{}, false
}

// flvH263Size reads the picture size of a Sorenson H.263 picture header.
func flvH263Size(d []byte) (int, int, bool) {
	r := &bitReader{d: d}
	if r.u(17) != 1 {
		return 0, 0, false
	}
	r.u(5) // version
	r.u(8) // temporal reference
	var w, h int
	switch r.u(3) {
	case 0:
		w, h = int(r.u(8)), int(r.u(8))
	case 1:
		w, h = int(r.u(16)), int(r.u(16))
	case 2:
		w, h = 352, 288
	case 3:
		w, h = 176, 144
	case 4:
		w, h = 128, 96
	case 5:
		w, h = 320, 240
	case 6:
		w, h = 160, 120
	default:
		return 0, 0, false
	}
	return w, h, !r.err && w > 0 && h > 0
}

// flvScript reads a script data tag: "onMetaData" and its array, into m.
func flvScript(d []byte, m map[string]any) {
	r := &amfReader{d: d}
	name, ok := r.value(0).(string)
	if !ok || name != "onMetaData" {
		return
	}
	if obj, ok := r.value(0).(map[string]any); ok {
		for k, v := range obj {
			m[k] = v
		}
	}
}

// flvMeta applies onMetaData: the stream facts where the tags did not
// give them, the tags.
func flvMeta(b *builder, m map[string]any, ms *mediaStreams) {
	numOf := func(k string) float64 {
		f, _ := m[k].(float64)
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e9 {
			return 0
		}
		return f
	}
	if d := numOf("duration"); d > 0 {
		ms.duration = d
	}
	if !ms.hasVideo && numOf("width") > 0 {
		ms.hasVideo = true
	}
	if ms.width == 0 || ms.height == 0 {
		ms.width, ms.height = int(numOf("width")), int(numOf("height"))
	}
	if ms.frameRate == 0 {
		ms.frameRate = numOf("framerate")
	}
	if ms.videoCodec == "" {
		if id := numOf("videocodecid"); id > 0 {
			ms.videoCodec = flvVideoCodecs[int(id)]
			ms.videoCodecID = strconv.Itoa(int(id))
		}
	}
	if ms.hasAudio || numOf("audiocodecid") > 0 || numOf("audiosamplerate") > 0 {
		if !ms.hasAudio {
			ms.hasAudio = true
			if id, ok := m["audiocodecid"].(float64); ok && id >= 0 && id < 16 {
				ms.audioCodec = flvAudioCodecs[int(id)]
				ms.audioCodecID = strconv.Itoa(int(id))
			}
			if sr := numOf("audiosamplerate"); sr > 0 {
				ms.sampleRate = int(sr)
			}
			if st, ok := m["stereo"].(bool); ok {
				ms.channels = 1
				if st {
					ms.channels = 2
				}
			}
		}
	}
	for k, v := range m {
		str, ok := v.(string)
		if !ok {
			if t, ok := v.(time.Time); ok && strings.EqualFold(k, "creationdate") {
				setMediaTag(b, "creationdate", t.UTC().Format(time.RFC3339), prioIPTC)
			}
			continue
		}
		switch strings.ToLower(k) {
		case "creationdate", "creation_time":
			if d, ok := flvDate(str); ok {
				b.set("xmp:CreateDate", Date(d), prioIPTC)
			}
		case "title", "artist", "album", "genre", "comment", "description", "copyright", "composer", "date":
			setMediaTag(b, strings.ToLower(k), str, prioIPTC)
		case "author":
			setMediaTag(b, "artist", str, prioIPTC)
		case "encoder", "metadatacreator", "creator":
			setMediaTag(b, "encoder", str, prioIPTC)
		case "track":
			setMediaTag(b, "track", str, prioIPTC)
		}
	}
}

// flvDate reads a creationdate string: an ISO date, or the C asctime form
// ("Mon Jun 15 10:20:30 2021") some Flash encoders wrote.
func flvDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if d, ok := mediaDate(s); ok {
		return d, true
	}
	for _, layout := range []string{"Mon Jan _2 15:04:05 2006", "Mon Jan _2 15:04:05 2006\n"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02T15:04:05"), true
		}
	}
	return "", false
}

// amfReader decodes AMF0 values.
type amfReader struct {
	d     []byte
	p     int
	items int
	bad   bool
}

func (r *amfReader) take(n int) []byte {
	if n < 0 || r.p+n > len(r.d) {
		r.bad = true
		r.p = len(r.d)
		return nil
	}
	b := r.d[r.p : r.p+n]
	r.p += n
	return b
}

func (r *amfReader) str16() string {
	n := r.take(2)
	if n == nil {
		return ""
	}
	return string(r.take(int(binary.BigEndian.Uint16(n))))
}

// value decodes one value: float64, bool, string, time.Time, map (object,
// ECMA array), []any (strict array), or nil.
func (r *amfReader) value(depth int) any {
	t := r.take(1)
	if t == nil || depth > amfMaxDepth {
		r.bad = true
		return nil
	}
	switch t[0] {
	case 0:
		b := r.take(8)
		if b == nil {
			return nil
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b))
	case 1:
		b := r.take(1)
		return b != nil && b[0] != 0
	case 2:
		return decodeText([]byte(r.str16()))
	case 12:
		n := r.take(4)
		if n == nil {
			return nil
		}
		return decodeText(r.take(int(binary.BigEndian.Uint32(n) & 0x7FFFFFFF)))
	case 3, 8:
		if t[0] == 8 {
			r.take(4) // the count is a hint
		}
		m := map[string]any{}
		for !r.bad && r.p < len(r.d) {
			if r.items++; r.items > amfMaxItems {
				r.bad = true
				break
			}
			k := r.str16()
			if k == "" && r.p < len(r.d) && r.d[r.p] == 9 {
				r.p++
				break
			}
			v := r.value(depth + 1)
			if r.bad {
				break
			}
			m[k] = v
		}
		return m
	case 10:
		n := r.take(4)
		if n == nil {
			return nil
		}
		cnt := int(binary.BigEndian.Uint32(n))
		var out []any
		for i := 0; i < cnt && !r.bad; i++ {
			if r.items++; r.items > amfMaxItems {
				r.bad = true
				break
			}
			out = append(out, r.value(depth+1))
		}
		return out
	case 11:
		b := r.take(10)
		if b == nil {
			return nil
		}
		ms := math.Float64frombits(binary.BigEndian.Uint64(b))
		if math.IsNaN(ms) || math.Abs(ms) > 1e14 {
			return nil
		}
		return time.UnixMilli(int64(ms)).UTC()
	case 5, 6:
		return nil
	}
	r.bad = true
	return nil
}

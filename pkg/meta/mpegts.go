package meta

import (
	"bytes"
	"encoding/binary"
	"sort"
)

// MPEG transport streams (.ts; .m2ts/.mts with a 4-byte time code before
// each 188-byte packet) and program streams (.mpg, .vob) carry their
// elementary streams in PES packets stamped with 90 kHz presentation
// times (PTS), without an index or a duration. readTS and readPS scan a
// bounded prefix of the file: the PAT and PMT of a transport stream name
// the streams and their types (codecs), the first PES packets of each
// stream hold its sequence header (H.264/HEVC SPS, MPEG-1/2 sequence
// header: size, frame rate) or audio frame header (ADTS, MPEG audio,
// AC-3: sample rate, channels). They then scan a bounded suffix for the
// last PTS of each stream. The duration is computed as ffprobe does: the
// latest stream end (a stream's highest PTS plus one frame: one video
// frame, one audio frame even when the last PES packet holds several)
// less the earliest PTS, over the audio and video streams; a PTS that wrapped
// around (33 bits) is unwrapped. The frame rate is the sequence header's
// (H.264 VUI timing), else the most common interval between the PTS of
// the prefix. Only the payload of the first PES packets, until a
// stream's header is found, is kept (at most 64 KiB a packet).

const (
	// psScan is the bytes scanned at the start, then at the end, of a
	// transport or program stream; the start scan is extended, up to
	// psMaxScan, until every stream's header was seen.
	psScan    = 1 << 20
	psMaxScan = 8 << 20
	// pesKeep bounds the bytes kept of one PES packet's payload.
	pesKeep = 64 << 10
	// psMaxStreams bounds the streams followed.
	psMaxStreams = 64
	// ptsKeep bounds the PTS kept per stream for the frame rate.
	ptsKeep = 256
	// pts33 is the period of the 33-bit PTS.
	pts33 = int64(1) << 33
)

// pesStream is one elementary stream of a transport or program stream.
type pesStream struct {
	key   int  // PID, or PS stream id (private stream 1: 0xBD00 | sub-stream id)
	kind  byte // 'v' video, 'a' audio, '?' private data to probe, 0 other
	codec string
	id    string // the container's identifier: "0x1B", "0xE0"

	video videoFacts
	vok   bool
	audio audioFacts
	aok   bool

	firstPTS, minPTS, maxPTS int64 // -1 when none
	pts                      []int64

	cur    []byte // payload of the PES being assembled, while a header is missing
	inPES  bool
	probes int // PES packets of a '?' stream looked at
}

func newPESStream(key int, kind byte, codec, id string) *pesStream {
	return &pesStream{key: key, kind: kind, codec: codec, id: id, firstPTS: -1, minPTS: -1, maxPTS: -1}
}

// pesSet is the streams of a file, in the order they were found.
type pesSet struct {
	list []*pesStream
	by   map[int]*pesStream
}

// unwrap places a PTS on the time line of the stream's first PTS.
func (st *pesStream) unwrap(pts int64) int64 {
	if st.firstPTS >= 0 && pts+pts33/2 < st.firstPTS {
		return pts + pts33
	}
	return pts
}

// begin starts a PES packet whose PTS is pts (-1 when it has none) and
// whose payload starts with data.
func (st *pesStream) begin(pts int64, data []byte) {
	st.end()
	st.inPES = true
	if st.wants() {
		st.cur = append(st.cur[:0], data[:min(len(data), pesKeep)]...)
	}
	if pts >= 0 {
		if st.firstPTS < 0 {
			st.firstPTS = pts
		}
		pts = st.unwrap(pts)
		if st.minPTS < 0 || pts < st.minPTS {
			st.minPTS = pts
		}
		if pts > st.maxPTS {
			st.maxPTS = pts
		}
		if len(st.pts) < ptsKeep {
			st.pts = append(st.pts, pts)
		}
	}
}

// wants reports whether the stream's header facts are still looked for.
func (st *pesStream) wants() bool {
	return (st.kind == 'v' && !st.vok && videoParsed(st.codec)) || (st.kind == 'a' && !st.aok && audioParsed(st.codec)) ||
		(st.kind == '?' && st.probes < 3)
}

// more adds payload to the PES being assembled.
func (st *pesStream) more(data []byte) {
	if st.inPES && len(st.cur) < pesKeep && st.wants() {
		st.cur = append(st.cur, data[:min(len(data), pesKeep-len(st.cur))]...)
	}
}

// end finishes the PES being assembled: the stream's header facts, when
// they are still missing.
func (st *pesStream) end() {
	if !st.inPES {
		return
	}
	st.inPES = false
	d := st.cur
	switch {
	case st.kind == 'v' && !st.vok && videoParsed(st.codec):
		hint := st.codec
		if hint == "" && bytes.Contains(d, []byte{0, 0, 1, 0}) {
			hint = "mpeg1video"
		}
		if v, ok := videoFromES(d, hint); ok {
			st.video, st.vok = v, true
		}
	case st.kind == '?' && len(d) > 0:
		// Private data of no known type: audio when it holds audio frames.
		st.probes++
		if a, _, n, ok := audioFrames(d, "", 2); ok && n >= 2 {
			st.kind, st.codec, st.audio, st.aok = 'a', a.codec, a, true
		}
	case st.kind == 'a' && !st.aok && audioParsed(st.codec):
		hint := st.codec
		if hint == "mp1" || hint == "mp3" {
			hint = "mp2"
		}
		if a, _, _, ok := audioFrames(d, hint, 1); ok {
			st.audio, st.aok = a, true
		}
	}
}

// endTime returns the 90 kHz time at which the stream ends, or -1: its
// highest PTS plus one frame (as ffprobe counts it: a PES packet of
// several audio frames counts as one).
func (st *pesStream) endTime() int64 {
	if st.maxPTS < 0 {
		return -1
	}
	switch {
	case st.kind == 'v':
		if fps := st.frameRate(); fps > 0 {
			return st.maxPTS + int64(90000/fps+0.5)
		}
	case st.kind == 'a' && st.aok && st.audio.sampleRate > 0:
		return st.maxPTS + int64(st.audio.samples)*90000/int64(st.audio.sampleRate)
	}
	return st.maxPTS
}

// frameRate is the sequence header's, else the most common PTS interval's.
func (st *pesStream) frameRate() float64 {
	if st.vok && st.video.frameRate > 0 {
		return st.video.frameRate
	}
	if len(st.pts) < 3 {
		return 0
	}
	p := append([]int64(nil), st.pts...)
	sort.Slice(p, func(i, j int) bool { return p[i] < p[j] })
	count := map[int64]int{}
	best, bestN := int64(0), 0
	for i := 1; i < len(p); i++ {
		d := p[i] - p[i-1]
		if d <= 0 || d > 90000 {
			continue
		}
		count[d]++
		if count[d] > bestN || (count[d] == bestN && d < best) {
			best, bestN = d, count[d]
		}
	}
	if best == 0 {
		return 0
	}
	return 90000 / float64(best)
}

// facts sets the stream facts of the first video and audio streams and
// the duration.
func (set *pesSet) facts(size int64) mediaStreams {
	ms := mediaStreams{}
	start, end := int64(-1), int64(-1)
	for _, st := range set.list {
		if st.kind != 'v' && st.kind != 'a' {
			continue
		}
		if st.minPTS >= 0 && (start < 0 || st.minPTS < start) {
			start = st.minPTS
		}
		if e := st.endTime(); e > end {
			end = e
		}
		switch {
		case st.kind == 'v' && !ms.hasVideo:
			ms.hasVideo = true
			ms.videoCodec, ms.videoCodecID = st.codec, st.id
			if st.vok {
				if ms.videoCodec == "" {
					ms.videoCodec = st.video.codec
				}
				ms.width, ms.height = st.video.width, st.video.height
			}
			ms.frameRate = st.frameRate()
		case st.kind == 'a' && !ms.hasAudio:
			ms.hasAudio = true
			ms.audioCodec, ms.audioCodecID = st.codec, st.id
			if st.aok {
				ms.audioCodec = st.audio.codec
				ms.sampleRate, ms.channels = st.audio.sampleRate, st.audio.channels
			}
		}
	}
	if start >= 0 && end > start {
		ms.duration = float64(end-start) / 90000
		ms.bitrate = float64(size) * 8 / ms.duration
	}
	return ms
}

// complete reports whether every audio and video stream's header was seen.
func (set *pesSet) complete() bool {
	for _, st := range set.list {
		if st.wants() {
			return false
		}
	}
	return len(set.list) > 0
}

// videoParsed reports whether the sequence header of a video codec is
// read ("" is a program stream's video, of a codec yet unknown).
func videoParsed(codec string) bool {
	switch codec {
	case "", "h264", "hevc", "mpeg1video", "mpeg2video":
		return true
	}
	return false
}

// audioParsed reports whether the frame header of an audio codec is read.
func audioParsed(codec string) bool {
	switch codec {
	case "aac", "mp2", "mp3", "mp1", "ac3", "eac3":
		return true
	}
	return false
}

// endAll finishes the PES packets being assembled.
func (set *pesSet) endAll() {
	for _, st := range set.list {
		st.end()
	}
}

// pesPTS parses the header of a PES packet (MPEG-2, or MPEG-1 for a
// program stream), d starting after its 6-byte start code and length. It
// returns the PTS (-1 when absent) and the payload.
func pesPTS(d []byte) (int64, []byte, bool) {
	if len(d) >= 3 && d[0]&0xC0 == 0x80 {
		hl := int(d[2])
		if 3+hl > len(d) {
			return -1, nil, false
		}
		pts := int64(-1)
		if d[1]&0x80 != 0 && hl >= 5 {
			pts = ptsField(d[3:])
		}
		return pts, d[3+hl:], true
	}
	// MPEG-1: stuffing, the STD buffer size, then the time stamps.
	i := 0
	for i < len(d) && i < 16 && d[i] == 0xFF {
		i++
	}
	if i+2 <= len(d) && d[i]&0xC0 == 0x40 {
		i += 2
	}
	if i >= len(d) {
		return -1, nil, false
	}
	switch d[i] >> 4 {
	case 2:
		if i+5 > len(d) {
			return -1, nil, false
		}
		return ptsField(d[i:]), d[i+5:], true
	case 3:
		if i+10 > len(d) {
			return -1, nil, false
		}
		return ptsField(d[i:]), d[i+10:], true
	}
	if d[i] == 0x0F {
		return -1, d[i+1:], true
	}
	return -1, nil, false
}

// ptsField decodes a 5-byte time stamp field.
func ptsField(p []byte) int64 {
	return int64(p[0]>>1&7)<<30 | int64(p[1])<<22 | int64(p[2]>>1)<<15 | int64(p[3])<<7 | int64(p[4]>>1)
}

// psScanFile scans the start of the file with scan (in psScan steps, up
// to psMaxScan, until set.complete), then its end.
func (x *extraction) psScanFile(set *pesSet, scan func(d []byte, suffix bool) bool) error {
	s := x.s
	var head []byte
	for n := int64(psScan); ; n *= 2 {
		// Each step reads only what it adds, and scans the whole prefix
		// again (the set starts afresh).
		more, err := s.readUpTo(int64(len(head)), min(n, psMaxScan)-int64(len(head)))
		if err != nil {
			return err
		}
		head = append(head, more...)
		*set = pesSet{by: map[int]*pesStream{}}
		if !scan(head, false) {
			return corruptf("no packet found at the start of the file")
		}
		set.endAll()
		if set.complete() || int64(len(head)) >= s.size || n >= psMaxScan {
			break
		}
	}
	if int64(len(head)) < s.size {
		off := max(int64(len(head)), s.size-psScan)
		d, err := s.readAt(off, s.size-off)
		if err != nil {
			return err
		}
		for _, st := range set.list {
			st.inPES, st.cur = false, nil
		}
		scan(d, true)
		set.endAll()
	}
	return nil
}

// readTS reads an MPEG transport stream (188, 192 or 204-byte packets).
func readTS(x *extraction) error {
	b := x.b
	size, skip := tsPacketSize(x.head)
	if size == 0 {
		return corruptf("no transport stream packets")
	}
	set := &pesSet{}
	var pmtPID int
	scan := func(d []byte, suffix bool) bool {
		if !suffix {
			pmtPID = -1
		}
		psi := map[int][]byte{}
		found := false
		i0 := 0
		if suffix {
			if i0 = tsResync(d, 0, size, skip); i0 < 0 {
				return false
			}
		}
		for i := i0; i+size <= len(d); i += size {
			p := d[i+skip : i+skip+188]
			if p[0] != 0x47 {
				j := tsResync(d, i+1, size, skip)
				if j < 0 {
					break
				}
				i = j - size
				continue
			}
			found = true
			pusi := p[1]&0x40 != 0
			pid := int(p[1]&0x1F)<<8 | int(p[2])
			afc := p[3] >> 4 & 3
			pl := p[4:]
			if afc&2 != 0 {
				n := int(p[4])
				if 1+n > len(pl) {
					continue
				}
				pl = pl[1+n:]
			}
			if afc&1 == 0 || p[1]&0x80 != 0 {
				continue
			}
			switch {
			case pid == 0 || (pid == pmtPID && pmtPID >= 0):
				if suffix {
					continue
				}
				if pusi {
					if len(pl) < 1 || int(pl[0]) >= len(pl) {
						continue
					}
					psi[pid] = append([]byte(nil), pl[1+int(pl[0]):]...)
				} else if sec, ok := psi[pid]; ok && len(sec) < 4096 {
					psi[pid] = append(sec, pl...)
				}
				sec := psi[pid]
				if len(sec) < 3 {
					continue
				}
				n := int(binary.BigEndian.Uint16(sec[1:]) & 0x0FFF)
				if 3+n > len(sec) {
					continue
				}
				if pid == 0 && sec[0] == 0 && pmtPID < 0 {
					pmtPID = patFirstProgram(sec[:3+n])
				} else if pid == pmtPID && sec[0] == 2 && len(set.list) == 0 {
					set.pmt(sec[:3+n])
				}
				delete(psi, pid)
			default:
				st := set.by[pid]
				if st == nil {
					continue
				}
				if pusi {
					if len(pl) < 9 || pl[0] != 0 || pl[1] != 0 || pl[2] != 1 {
						st.end()
						continue
					}
					pts, body, ok := pesPTS(pl[6:])
					if !ok {
						st.end()
						continue
					}
					st.begin(pts, body)
				} else {
					st.more(pl)
				}
			}
		}
		return found
	}
	if err := x.psScanFile(set, scan); err != nil {
		return err
	}
	if len(set.list) == 0 {
		b.warn("MPEG-TS: no program map table in the first %d bytes", min(x.s.size, psMaxScan))
	}
	ms := set.facts(x.s.size)
	ms.set(b)
	return nil
}

// tsPacketSize tells the packet size of a transport stream from its
// first bytes: 188, 192 (a 4-byte time code first) or 204 (16 bytes of
// Reed-Solomon parity after), and the offset of the sync byte in a packet.
func tsPacketSize(h []byte) (int, int) {
	for _, c := range []struct{ size, skip int }{{188, 0}, {192, 4}, {204, 0}} {
		ok := true
		n := 0
		for i := c.skip; i < len(h) && n < 4; i += c.size {
			if h[i] != 0x47 {
				ok = false
				break
			}
			n++
		}
		if ok && n >= 2 {
			return c.size, c.skip
		}
	}
	return 0, 0
}

// tsResync finds the next packet start at or after from: a sync byte
// followed by another a packet later.
func tsResync(d []byte, from, size, skip int) int {
	for j := from; j+skip+size < len(d); j++ {
		if d[j+skip] == 0x47 && d[j+skip+size] == 0x47 {
			return j
		}
	}
	return -1
}

// patFirstProgram returns the PMT PID of the first program of a PAT
// section, or -1.
func patFirstProgram(sec []byte) int {
	if len(sec) < 12 {
		return -1
	}
	for p := 8; p+4 <= len(sec)-4; p += 4 {
		prog := binary.BigEndian.Uint16(sec[p:])
		if prog != 0 {
			return int(binary.BigEndian.Uint16(sec[p+2:]) & 0x1FFF)
		}
	}
	return -1
}

// pmt reads a PMT section: the streams, their types and descriptors.
func (set *pesSet) pmt(sec []byte) {
	if len(sec) < 16 {
		return
	}
	set.by = map[int]*pesStream{}
	pil := int(binary.BigEndian.Uint16(sec[10:]) & 0x0FFF)
	p := 12 + pil
	for p+5 <= len(sec)-4 && len(set.list) < psMaxStreams {
		typ := sec[p]
		pid := int(binary.BigEndian.Uint16(sec[p+1:]) & 0x1FFF)
		il := int(binary.BigEndian.Uint16(sec[p+3:]) & 0x0FFF)
		if p+5+il > len(sec) {
			break
		}
		kind, codec := tsStreamType(typ, sec[p+5:p+5+il])
		if _, dup := set.by[pid]; !dup {
			st := newPESStream(pid, kind, codec, "0x"+hex2(typ))
			set.list = append(set.list, st)
			set.by[pid] = st
		}
		p += 5 + il
	}
}

func hex2(b byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[b>>4], digits[b&0x0F]})
}

// tsStreamType tells the kind and ffprobe codec name of a PMT stream type,
// with its descriptors for the private types.
func tsStreamType(t byte, desc []byte) (byte, string) {
	switch t {
	case 0x01:
		return 'v', "mpeg1video"
	case 0x02:
		return 'v', "mpeg2video"
	case 0x10:
		return 'v', "mpeg4"
	case 0x1B:
		return 'v', "h264"
	case 0x24:
		return 'v', "hevc"
	case 0x33:
		return 'v', "vvc"
	case 0x42:
		return 'v', "cavs"
	case 0xD1:
		return 'v', "dirac"
	case 0xEA:
		return 'v', "vc1"
	case 0x03, 0x04:
		return 'a', "mp2"
	case 0x0F:
		return 'a', "aac"
	case 0x11:
		return 'a', "aac_latm"
	case 0x81:
		return 'a', "ac3"
	case 0x84, 0x87, 0xA1:
		return 'a', "eac3"
	case 0x82, 0x85, 0x86, 0xA2:
		return 'a', "dts"
	case 0x83:
		return 'a', "truehd"
	case 0x80:
		return 'a', "pcm_bluray"
	case 0x90:
		return 0, "hdmv_pgs_subtitle"
	case 0x06:
		for len(desc) >= 2 {
			tag, n := desc[0], int(desc[1])
			if 2+n > len(desc) {
				break
			}
			body := desc[2 : 2+n]
			switch tag {
			case 0x6A:
				return 'a', "ac3"
			case 0x7A:
				return 'a', "eac3"
			case 0x7B:
				return 'a', "dts"
			case 0x59:
				return 0, "dvb_subtitle"
			case 0x56:
				return 0, "dvb_teletext"
			case 0x05:
				switch string(body[:min(4, len(body))]) {
				case "AC-3":
					return 'a', "ac3"
				case "EAC3":
					return 'a', "eac3"
				case "Opus":
					return 'a', "opus"
				case "HEVC":
					return 'v', "hevc"
				case "BSSD":
					return 'a', "s302m"
				case "VC-1":
					return 'v', "vc1"
				}
			}
			desc = desc[2+n:]
		}
		return '?', ""
	}
	return 0, ""
}

// readPS reads an MPEG program stream (MPEG-1 system stream, MPEG-2 PS,
// DVD VOB), or a bare MPEG video elementary stream.
func readPS(x *extraction) error {
	if len(x.head) >= 4 && x.head[3] == 0xB3 {
		return x.readMPEGVideoES()
	}
	set := &pesSet{}
	scan := func(d []byte, suffix bool) bool {
		found := false
		i := 0
		if suffix {
			// Start at a pack header, not in a packet's payload.
			if i = bytes.Index(d, []byte{0, 0, 1, 0xBA}); i < 0 {
				return false
			}
		}
		for i+4 <= len(d) {
			if d[i] != 0 || d[i+1] != 0 || d[i+2] != 1 {
				j := bytes.Index(d[i+1:], []byte{0, 0, 1})
				if j < 0 {
					break
				}
				i += 1 + j
				continue
			}
			id := d[i+3]
			switch {
			case id == 0xBA:
				found = true
				if i+14 <= len(d) && d[i+4]&0xC0 == 0x40 {
					i += 14 + int(d[i+13]&7)
				} else {
					i += 12
				}
				continue
			case id < 0xB9:
				i += 4
				continue
			case id == 0xB9:
				i += 4
				continue
			}
			if i+6 > len(d) {
				return found
			}
			n := int(binary.BigEndian.Uint16(d[i+4:]))
			body := d[i+6 : min(len(d), i+6+n)]
			i += 6 + n
			var key int
			var kind byte
			var codec string
			sub := 0
			switch {
			case id >= 0xE0 && id <= 0xEF:
				key, kind = int(id), 'v'
			case id >= 0xC0 && id <= 0xDF:
				key, kind, codec = int(id), 'a', "mp2"
			case id == 0xBD:
				sub = -1
			default:
				continue
			}
			pts, pl, ok := pesPTS(body)
			if !ok {
				continue
			}
			if sub == -1 {
				if len(pl) < 1 {
					continue
				}
				s := pl[0]
				key = 0xBD00 | int(s)
				switch {
				case s >= 0x80 && s <= 0x87:
					kind, codec, pl = 'a', "ac3", pl[min(len(pl), 4):]
				case s >= 0x88 && s <= 0x8F:
					kind, codec, pl = 'a', "dts", pl[min(len(pl), 4):]
				case s >= 0xA0 && s <= 0xAF:
					kind, codec, pl = 'a', "pcm_dvd", pl[min(len(pl), 7):]
				case s >= 0x20 && s <= 0x3F:
					codec = "dvd_subtitle"
				}
			}
			st := set.by[key]
			if st == nil {
				if suffix || len(set.list) >= psMaxStreams {
					continue
				}
				st = newPESStream(key, kind, codec, "0x"+hex2(id))
				if sub == -1 {
					st.id = "0xBD/0x" + hex2(byte(key))
				}
				set.list = append(set.list, st)
				set.by[key] = st
			}
			st.begin(pts, pl)
		}
		return found
	}
	if err := x.psScanFile(set, scan); err != nil {
		return err
	}
	ms := set.facts(x.s.size)
	ms.set(x.b)
	return nil
}

// readMPEGVideoES reads a bare MPEG-1/2 video stream (.m2v): the sequence
// header's size and frame rate; the duration is the pictures of a bounded
// prefix, extrapolated over the file, over the frame rate.
func (x *extraction) readMPEGVideoES() error {
	d, err := x.s.readUpTo(0, psScan)
	if err != nil {
		return err
	}
	v, ok := videoFromES(d, "mpeg1video")
	if !ok {
		return corruptf("no MPEG video sequence header")
	}
	ms := mediaStreams{hasVideo: true, width: v.width, height: v.height, frameRate: v.frameRate, videoCodec: v.codec}
	if pics := bytes.Count(d, []byte{0, 0, 1, 0}); pics > 0 && v.frameRate > 0 {
		frames := float64(pics) * float64(x.s.size) / float64(len(d))
		if int64(len(d)) == x.s.size {
			frames = float64(pics)
		}
		ms.duration = frames / v.frameRate
		ms.bitrate = float64(x.s.size) * 8 / ms.duration
	}
	ms.set(x.b)
	return nil
}

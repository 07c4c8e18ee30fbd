package meta

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// ASF files (WMV, WMA) start with a Header Object holding the File
// Properties (duration, creation date), one Stream Properties object per
// stream (WAVEFORMATEX or BITMAPINFOHEADER), the Content Description
// (title, author, copyright, description) and Extended Content
// Description (WM/AlbumTitle, WM/Genre, WM/Year, ...) objects, and a
// Header Extension whose Extended Stream Properties give the frame rate.
// readASF walks the header's objects through ranged reads, reading the
// small ones it keeps; the media (the Data Object) is never read.

const (
	// asfMaxObjects bounds the objects of the header walked.
	asfMaxObjects = 1000
	// asfMaxObject bounds one header object read into memory.
	asfMaxObject = 1 << 20
)

// ASF GUIDs as they are stored (the first three fields little-endian).
var (
	asfHeaderGUID        = asfGUID("75B22630-668E-11CF-A6D9-00AA0062CE6C")
	asfFilePropsGUID     = asfGUID("8CABDCA1-A947-11CF-8EE4-00C00C205365")
	asfStreamPropsGUID   = asfGUID("B7DC0791-A9B7-11CF-8EE6-00C00C205365")
	asfContentDescGUID   = asfGUID("75B22633-668E-11CF-A6D9-00AA0062CE6C")
	asfExtContentGUID    = asfGUID("D2D0A440-E307-11D2-97F0-00A0C95EA850")
	asfHeaderExtGUID     = asfGUID("5FBF03B5-A92E-11CF-8EE3-00C00C205365")
	asfExtStreamGUID     = asfGUID("14E6A5CB-C672-4332-8399-A96952065B5A")
	asfMetadataGUID      = asfGUID("C5F8CBEA-5BAF-4877-8467-AA8C44FA4CCA")
	asfMetadataLibGUID   = asfGUID("44231C94-9498-49D1-A141-1D134E457054")
	asfAudioMediaGUID    = asfGUID("F8699E40-5B4D-11CF-A8FD-00805F5C442B")
	asfVideoMediaGUID    = asfGUID("BC19EFC0-5B4D-11CF-A8FD-00805F5C442B")
	asfContentEncGUID    = asfGUID("2211B3FB-BD23-11D2-B4B7-00A0C955FC6E")
	asfExtContentEncGUID = asfGUID("298AE614-2622-4C17-B935-DAE07EE9289C")
)

// asfGUID turns the text form of a GUID into its 16 stored bytes.
func asfGUID(s string) string {
	h := strings.ReplaceAll(s, "-", "")
	var b [16]byte
	for i := range b {
		v, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		b[i] = byte(v)
	}
	// Data1 (4 bytes), Data2 and Data3 (2 bytes each) are little-endian.
	b[0], b[1], b[2], b[3] = b[3], b[2], b[1], b[0]
	b[4], b[5] = b[5], b[4]
	b[6], b[7] = b[7], b[6]
	return string(b[:])
}

// asfStream is what the header tells of one stream.
type asfStream struct {
	number       int
	audio, video bool
	ms           mediaStreams
	times        []int64 // presentation times (ms) of the first media objects
}

type asfReader struct {
	x         *extraction
	streams   []*asfStream
	ext       map[int]uint64 // stream number -> average time per frame
	dur       float64
	preroll   int64 // ms
	packetLen int64
}

// readASF reads an ASF (WMV, WMA) file.
func readASF(x *extraction) error {
	s, b := x.s, x.b
	h, err := s.readUpTo(0, 30)
	if err != nil {
		return err
	}
	if len(h) < 30 || string(h[:16]) != asfHeaderGUID {
		return corruptf("no ASF header object")
	}
	size := int64(binary.LittleEndian.Uint64(h[16:]))
	count := int(binary.LittleEndian.Uint32(h[24:]))
	if size < 30 {
		return corruptf("bad header object size")
	}
	end := size
	if end > s.size {
		b.warn("ASF: the header object is truncated: the file is cut short")
		end = s.size
	}
	r := &asfReader{x: x, ext: map[int]uint64{}}
	read := 0
	for pos, n := int64(30), 0; pos+24 <= end && n < min(count, asfMaxObjects); n++ {
		oh, err := s.readAt(pos, 24)
		if err != nil {
			return err
		}
		osz := int64(binary.LittleEndian.Uint64(oh[16:]))
		if osz < 24 || pos+osz > end {
			if read == 0 {
				return corruptf("bad header object of %d bytes", osz)
			}
			b.warn("ASF: a header object is truncated or damaged")
			break
		}
		if err := r.object(string(oh[:16]), pos+24, osz-24); err != nil {
			return err
		}
		read++
		pos += osz
	}
	if read == 0 {
		return corruptf("an empty header object")
	}
	if size < s.size {
		if err := r.packets(size); err != nil {
			b.warn("ASF: the data packets could not be read: %s", x.describe(err))
		}
	}
	r.finish()
	return nil
}

// object reads one header object of the given GUID, whose body is n bytes
// at off.
func (r *asfReader) object(guid string, off, n int64) error {
	switch guid {
	case asfFilePropsGUID, asfStreamPropsGUID, asfContentDescGUID, asfExtContentGUID, asfHeaderExtGUID,
		asfMetadataGUID, asfMetadataLibGUID:
	case asfContentEncGUID, asfExtContentEncGUID:
		r.x.b.set("acs:Encrypted", Bool(true), prioFile)
		r.x.b.warn("ASF: the content is protected (DRM); its metadata was read, its content cannot be decoded")
		return nil
	default:
		return nil
	}
	if n > asfMaxObject {
		switch guid {
		case asfExtContentGUID:
			return r.extContentRanged(off, n)
		case asfHeaderExtGUID:
			// A large cover picture in a Metadata Library object: walk
			// the objects and the attributes, skip the big values.
			return r.headerExtRanged(off, n)
		}
		r.x.b.warn("ASF: a header object of %d bytes was skipped", n)
		return nil
	}
	d, err := r.x.s.readAt(off, n)
	if err != nil {
		return err
	}
	r.body(guid, d, 0)
	return nil
}

// body reads the body d of a header object (or of an object inside the
// Header Extension, at depth 1).
func (r *asfReader) body(guid string, d []byte, depth int) {
	b := r.x.b
	switch guid {
	case asfFilePropsGUID:
		if len(d) < 80 {
			return
		}
		if created := binary.LittleEndian.Uint64(d[24:]); created != 0 {
			if iso, ok := fileTime(created); ok {
				b.set("xmp:CreateDate", Date(iso), prioIPTC)
			}
		}
		play := binary.LittleEndian.Uint64(d[40:])
		preroll := binary.LittleEndian.Uint64(d[56:])
		if dur := float64(play)/1e7 - float64(preroll)/1000; play > 0 && dur > 0 {
			r.dur = dur
		}
		if preroll < 1<<31 {
			r.preroll = int64(preroll)
		}
		if minp, maxp := binary.LittleEndian.Uint32(d[68:]), binary.LittleEndian.Uint32(d[72:]); minp == maxp && minp > 0 && minp <= 1<<20 {
			r.packetLen = int64(minp)
		}
	case asfStreamPropsGUID:
		r.streamProps(d)
	case asfContentDescGUID:
		if len(d) < 10 {
			return
		}
		p := 10
		for i, tag := range []string{"title", "artist", "copyright", "description", ""} {
			l := int(binary.LittleEndian.Uint16(d[2*i:]))
			if p+l > len(d) {
				return
			}
			if tag != "" {
				setMediaTag(b, tag, utf16le(d[p:p+l]), prioIPTC)
			}
			p += l
		}
	case asfExtContentGUID:
		r.extContent(d)
	case asfMetadataGUID, asfMetadataLibGUID:
		r.metadataObject(d)
	case asfHeaderExtGUID:
		if depth > 0 || len(d) < 22 {
			return
		}
		ext := d[22:min(len(d), 22+int(binary.LittleEndian.Uint32(d[18:])))]
		for n := 0; len(ext) >= 24 && n < asfMaxObjects; n++ {
			sz := binary.LittleEndian.Uint64(ext[16:])
			if sz < 24 || sz > uint64(len(ext)) {
				break
			}
			g := string(ext[:16])
			body := ext[24:sz]
			if g == asfExtStreamGUID {
				r.extStream(body)
			} else {
				r.body(g, body, 1)
			}
			ext = ext[sz:]
		}
	}
}

// streamProps reads a Stream Properties object.
func (r *asfReader) streamProps(d []byte) {
	if len(d) < 54 {
		return
	}
	typ := string(d[:16])
	tsl := int(binary.LittleEndian.Uint32(d[40:]))
	num := int(binary.LittleEndian.Uint16(d[48:]) & 0x7F)
	if 54+tsl > len(d) {
		return
	}
	ts := d[54 : 54+tsl]
	st := &asfStream{number: num}
	switch typ {
	case asfAudioMediaGUID:
		if len(ts) < 16 {
			return
		}
		st.audio = true
		tag := binary.LittleEndian.Uint16(ts)
		st.ms.channels = int(binary.LittleEndian.Uint16(ts[2:]))
		st.ms.sampleRate = int(binary.LittleEndian.Uint32(ts[4:]))
		bits := int(binary.LittleEndian.Uint16(ts[14:]))
		if tag == 0xFFFE && len(ts) >= 26 {
			tag = binary.LittleEndian.Uint16(ts[24:])
		}
		st.ms.audioCodec = asfAudioCodec(tag, bits)
		st.ms.audioCodecID = fmt.Sprintf("0x%04X", tag)
		if tag == 1 {
			st.ms.bitsPerSample = bits
		}
	case asfVideoMediaGUID:
		if len(ts) < 11+40 {
			return
		}
		st.video = true
		bih := ts[11:]
		st.ms.width = int(int32(binary.LittleEndian.Uint32(bih[4:])))
		h := int(int32(binary.LittleEndian.Uint32(bih[8:])))
		if h < 0 {
			h = -h
		}
		st.ms.height = h
		fourcc := strings.TrimRight(string(bih[16:20]), "\x00 ")
		st.ms.videoCodecID = fourcc
		st.ms.videoCodec = asfVideoCodec(fourcc)
	default:
		return
	}
	if len(r.streams) < 128 {
		r.streams = append(r.streams, st)
	}
}

// extStream reads an Extended Stream Properties object: the average time
// per frame of its stream.
func (r *asfReader) extStream(d []byte) {
	if len(d) < 64 {
		return
	}
	num := int(binary.LittleEndian.Uint16(d[48:]))
	if len(r.ext) < 128 {
		r.ext[num] = binary.LittleEndian.Uint64(d[52:])
	}
}

// asfTags maps the names of the Extended Content Description and
// Metadata objects kept to the tag names of setMediaTag.
var asfTags = map[string]string{
	"wm/albumtitle": "album", "wm/albumartist": "albumartist", "wm/genre": "genre", "wm/year": "date",
	"wm/tracknumber": "track", "wm/partofset": "disc", "wm/composer": "composer", "wm/lyrics": "lyrics",
	"wm/toolname": "encoder", "wm/encodingsettings": "encoder", "wm/encodedby": "encoder",
	"wm/mediaoriginalbroadcastdatetime": "creationdate", "wm/originalreleaseyear": "date",
	"title": "title", "author": "artist", "copyright": "copyright", "description": "description",
	"comment": "comment", "wm/subtitle": "", "wm/keywords": "keywords", "wm/category": "",
}

// extContent reads an Extended Content Description object.
func (r *asfReader) extContent(d []byte) {
	if len(d) < 2 {
		return
	}
	count := int(binary.LittleEndian.Uint16(d))
	p := 2
	for i := 0; i < count && p+2 <= len(d); i++ {
		nl := int(binary.LittleEndian.Uint16(d[p:]))
		if p+2+nl+4 > len(d) {
			return
		}
		name := utf16le(d[p+2 : p+2+nl])
		p += 2 + nl
		typ := binary.LittleEndian.Uint16(d[p:])
		vl := int(binary.LittleEndian.Uint16(d[p+2:]))
		p += 4
		if p+vl > len(d) {
			return
		}
		r.tag(name, typ, d[p:p+vl])
		p += vl
	}
}

// extContentRanged reads an Extended Content Description object of n
// bytes at off that is too large to read whole: attribute by attribute,
// reading the values of at most 64 KiB.
func (r *asfReader) extContentRanged(off, n int64) error {
	s := r.x.s
	end := off + n
	h, err := s.readAt(off, 2)
	if err != nil {
		return err
	}
	count := int(binary.LittleEndian.Uint16(h))
	p := off + 2
	for i := 0; i < count && p+2 <= end; i++ {
		h, err := s.readAt(p, 2)
		if err != nil {
			return err
		}
		nl := int64(binary.LittleEndian.Uint16(h))
		if p+2+nl+4 > end {
			break
		}
		d, err := s.readAt(p+2, nl+4)
		if err != nil {
			return err
		}
		name := utf16le(d[:nl])
		typ := binary.LittleEndian.Uint16(d[nl:])
		vl := int64(binary.LittleEndian.Uint16(d[nl+2:]))
		p += 2 + nl + 4
		if p+vl > end {
			break
		}
		switch {
		case strings.EqualFold(name, "WM/Picture"):
			r.tag(name, typ, nil)
		case vl <= 64<<10:
			v, err := s.readAt(p, vl)
			if err != nil {
				return err
			}
			r.tag(name, typ, v)
		}
		p += vl
	}
	return nil
}

// headerExtRanged reads a Header Extension object of n bytes at off that
// is too large to read whole: object by object.
func (r *asfReader) headerExtRanged(off, n int64) error {
	s := r.x.s
	if n < 22 {
		return nil
	}
	h, err := s.readAt(off, 22)
	if err != nil {
		return err
	}
	end := min(off+n, off+22+int64(binary.LittleEndian.Uint32(h[18:])))
	for p, i := off+22, 0; p+24 <= end && i < asfMaxObjects; i++ {
		oh, err := s.readAt(p, 24)
		if err != nil {
			return err
		}
		size := int64(binary.LittleEndian.Uint64(oh[16:]))
		if size < 24 || size > end-p {
			break
		}
		g := string(oh[:16])
		switch {
		case size <= asfMaxObject:
			d, err := s.readAt(p+24, size-24)
			if err != nil {
				return err
			}
			if g == asfExtStreamGUID {
				r.extStream(d)
			} else {
				r.body(g, d, 1)
			}
		case g == asfMetadataGUID || g == asfMetadataLibGUID:
			if err := r.metadataRanged(p+24, size-24); err != nil {
				return err
			}
		}
		p += size
	}
	return nil
}

// metadataRanged reads a Metadata or Metadata Library object of n bytes
// at off attribute by attribute, reading the values of at most 64 KiB.
func (r *asfReader) metadataRanged(off, n int64) error {
	s := r.x.s
	end := off + n
	h, err := s.readAt(off, 2)
	if err != nil {
		return err
	}
	count := int(binary.LittleEndian.Uint16(h))
	p := off + 2
	for i := 0; i < count && p+12 <= end; i++ {
		eh, err := s.readAt(p, 12)
		if err != nil {
			return err
		}
		nl := int64(binary.LittleEndian.Uint16(eh[4:]))
		typ := binary.LittleEndian.Uint16(eh[6:])
		vl := int64(binary.LittleEndian.Uint32(eh[8:]))
		p += 12
		if nl > end-p || vl > end-p-nl {
			break
		}
		nd, err := s.readAt(p, nl)
		if err != nil {
			return err
		}
		name := utf16le(nd)
		switch {
		case strings.EqualFold(name, "WM/Picture"):
			r.tag(name, typ, nil)
		case vl <= 64<<10:
			v, err := s.readAt(p+nl, vl)
			if err != nil {
				return err
			}
			r.tag(name, typ, v)
		}
		p += nl + vl
	}
	return nil
}

// metadataObject reads a Metadata or Metadata Library object (in the
// Header Extension): the same attributes, with 32-bit value lengths.
func (r *asfReader) metadataObject(d []byte) {
	if len(d) < 2 {
		return
	}
	count := int(binary.LittleEndian.Uint16(d))
	p := 2
	for i := 0; i < count && p+12 <= len(d); i++ {
		nl := int(binary.LittleEndian.Uint16(d[p+4:]))
		typ := binary.LittleEndian.Uint16(d[p+6:])
		vl := int(binary.LittleEndian.Uint32(d[p+8:]))
		p += 12
		if vl < 0 || nl > len(d)-p || vl > len(d)-p-nl {
			return
		}
		name := utf16le(d[p : p+nl])
		r.tag(name, typ, d[p+nl:p+nl+vl])
		p += nl + vl
	}
}

// tag applies one attribute of the given ASF data type.
func (r *asfReader) tag(name string, typ uint16, v []byte) {
	b := r.x.b
	key := strings.ToLower(strings.TrimSpace(name))
	if key == "wm/picture" {
		b.set("acs:HasCoverArt", Bool(true), prioFile)
		return
	}
	var s string
	switch typ {
	case 0:
		s = utf16le(v)
	case 2:
		return
	case 3:
		if len(v) >= 4 {
			s = strconv.FormatUint(uint64(binary.LittleEndian.Uint32(v)), 10)
		}
	case 4:
		if len(v) >= 8 {
			s = strconv.FormatUint(binary.LittleEndian.Uint64(v), 10)
		}
	case 5:
		if len(v) >= 2 {
			s = strconv.FormatUint(uint64(binary.LittleEndian.Uint16(v)), 10)
		}
	default:
		return
	}
	switch key {
	case "wm/track":
		// Zero-based.
		if n, ok := leadingInt(s); ok {
			setMediaTag(b, "track", strconv.Itoa(n+1), prioLow)
		}
		return
	case "wm/encodingtime":
		if typ == 4 && len(v) >= 8 {
			if iso, ok := fileTime(binary.LittleEndian.Uint64(v)); ok {
				// Above the release year, below the File Properties date.
				b.set("xmp:CreateDate", Date(iso), prioLow+1)
			}
		}
		return
	}
	if t, ok := asfTags[key]; ok && t != "" {
		setMediaTag(b, t, s, prioIPTC)
	}
}

// asfDataGUID is the Data Object's.
var asfDataGUID = asfGUID("75B22636-668E-11CF-A6D9-00AA0062CE6C")

const (
	// asfPacketScan bounds the bytes of data packets read.
	asfPacketScan = 256 << 10
	// asfMaxTimes bounds the presentation times kept per stream.
	asfMaxTimes = 128
)

// packets reads the first data packets of the Data Object at off: the
// presentation time of each stream's first media object, and of the
// video stream's first objects, which give its frame rate when no
// Extended Stream Properties do.
func (r *asfReader) packets(off int64) error {
	s := r.x.s
	if r.packetLen == 0 {
		return nil
	}
	h, err := s.readUpTo(off, 50)
	if err != nil || len(h) < 50 || string(h[:16]) != asfDataGUID {
		return err
	}
	d, err := s.readUpTo(off+50, min(asfPacketScan, (asfPacketScan/r.packetLen)*r.packetLen))
	if err != nil {
		return err
	}
	for st := range r.streams {
		r.streams[st].times = nil
	}
	for p := int64(0); p+r.packetLen <= int64(len(d)); p += r.packetLen {
		if !r.packet(d[p : p+r.packetLen]) {
			break
		}
	}
	return nil
}

// asfLen reads a field whose size is given by a 2-bit length type.
func asfLen(d []byte, p *int, typ byte) (uint32, bool) {
	n := [4]int{0, 1, 2, 4}[typ&3]
	if *p+n > len(d) {
		return 0, false
	}
	var v uint32
	switch n {
	case 1:
		v = uint32(d[*p])
	case 2:
		v = uint32(binary.LittleEndian.Uint16(d[*p:]))
	case 4:
		v = binary.LittleEndian.Uint32(d[*p:])
	}
	*p += n
	return v, true
}

// packet reads the payloads of one data packet; false when it is damaged.
func (r *asfReader) packet(d []byte) bool {
	p := 0
	if len(d) < 1 {
		return false
	}
	if d[0]&0x80 != 0 {
		p = 1 + int(d[0]&0x0F)
	}
	if p+2 > len(d) {
		return false
	}
	lt, pf := d[p], d[p+1]
	p += 2
	for _, t := range []byte{lt >> 5, lt >> 1, lt >> 3} { // packet length, sequence, padding
		if _, ok := asfLen(d, &p, t); !ok {
			return false
		}
	}
	p += 6 // send time, duration
	count := 1
	plt := byte(0)
	if lt&1 != 0 {
		if p >= len(d) {
			return false
		}
		count, plt = int(d[p]&0x3F), d[p]>>6
		p++
	}
	for i := 0; i < count; i++ {
		if p >= len(d) {
			return false
		}
		num := int(d[p] & 0x7F)
		p++
		if _, ok := asfLen(d, &p, pf>>4); !ok { // media object number
			return false
		}
		offset, ok := asfLen(d, &p, pf>>2)
		if !ok {
			return false
		}
		rl, ok := asfLen(d, &p, pf)
		if !ok || p+int(rl) > len(d) {
			return false
		}
		pres := int64(-1)
		if rl >= 8 {
			pres = int64(binary.LittleEndian.Uint32(d[p+4:]))
		} else if rl == 1 {
			pres = int64(offset) // compressed payloads: the offset is the time
			offset = 0
		}
		p += int(rl)
		n := len(d) - p
		if lt&1 != 0 {
			v, ok := asfLen(d, &p, plt)
			if !ok {
				return false
			}
			n = int(v)
		}
		if n < 0 || p+n > len(d) {
			return false
		}
		p += n
		if pres < 0 || offset != 0 {
			continue
		}
		for _, st := range r.streams {
			if st.number == num && len(st.times) < asfMaxTimes {
				st.times = append(st.times, pres)
			}
		}
	}
	return true
}

// finish sets the stream facts of the first video and audio streams.
func (r *asfReader) finish() {
	ms := mediaStreams{duration: r.dur}
	// Streams start at their first presentation time: ffprobe counts
	// the duration from the earliest start to the latest end.
	first, last := int64(-1), int64(-1)
	for _, st := range r.streams {
		if len(st.times) > 0 {
			t := st.times[0]
			if first < 0 || t < first {
				first = t
			}
			last = max(last, t)
		}
	}
	if ms.duration > 0 && first >= 0 {
		ms.duration += float64(last-first) / 1000
	}
	for _, st := range r.streams {
		switch {
		case st.video && !ms.hasVideo:
			ms.hasVideo = true
			ms.width, ms.height = st.ms.width, st.ms.height
			ms.videoCodec, ms.videoCodecID = st.ms.videoCodec, st.ms.videoCodecID
			if ft := r.ext[st.number]; ft > 0 {
				ms.frameRate = 1e7 / float64(ft)
			} else if n := len(st.times); n >= 3 && st.times[n-1] > st.times[0] {
				ms.frameRate = snapFrameRate(float64(n-1) * 1000 / float64(st.times[n-1]-st.times[0]))
			}
		case st.audio && !ms.hasAudio:
			ms.hasAudio = true
			ms.sampleRate, ms.channels, ms.bitsPerSample = st.ms.sampleRate, st.ms.channels, st.ms.bitsPerSample
			ms.audioCodec, ms.audioCodecID = st.ms.audioCodec, st.ms.audioCodecID
		}
	}
	if ms.duration > 0 {
		ms.bitrate = float64(r.x.s.size) * 8 / ms.duration
	}
	ms.set(r.x.b)
}

// snapFrameRate rounds a frame rate measured from millisecond times to
// the common rate it is within 0.5 % of.
func snapFrameRate(f float64) float64 {
	for _, c := range []float64{24000.0 / 1001, 24, 25, 30000.0 / 1001, 30, 50, 60000.0 / 1001, 60, 15, 12, 10, 120} {
		if d := f - c; d < c*0.005 && d > -c*0.005 {
			return c
		}
	}
	return f
}

// fileTime turns a Windows FILETIME (100 ns since 1601) into an ISO date.
func fileTime(v uint64) (string, bool) {
	const epochDiff = 116444736000000000 // 1601 to 1970 in 100 ns
	if v <= epochDiff || v > epochDiff+1e7*86400*365*300 {
		return "", false
	}
	t := time.Unix(0, 0).Add(time.Duration((v-epochDiff)/10) * time.Microsecond).UTC()
	return t.Format("2006-01-02T15:04:05Z"), true
}

// utf16le decodes UTF-16LE text, dropping the terminating NUL.
func utf16le(d []byte) string {
	u := make([]uint16, 0, len(d)/2)
	for i := 0; i+1 < len(d); i += 2 {
		u = append(u, binary.LittleEndian.Uint16(d[i:]))
	}
	return strings.TrimRight(string(utf16.Decode(u)), "\x00")
}

// asfAudioCodec is the ffprobe name of an ASF audio format tag.
func asfAudioCodec(tag uint16, bits int) string {
	switch tag {
	case 0x0160:
		return "wmav1"
	case 0x0161:
		return "wmav2"
	case 0x0162:
		return "wmapro"
	case 0x0163:
		return "wmalossless"
	case 0x000A:
		return "wmavoice"
	case 0x2000:
		return "ac3"
	}
	return wavCodec(tag, bits)
}

// asfVideoCodec is the ffprobe name of an ASF video fourcc.
func asfVideoCodec(f string) string {
	switch strings.ToUpper(f) {
	case "WMV1":
		return "wmv1"
	case "WMV2":
		return "wmv2"
	case "WMV3", "WMVP":
		return "wmv3"
	case "WVC1", "WMVA", "WVP2":
		return "vc1"
	case "MP4S", "M4S2":
		return "mpeg4"
	case "MP43":
		return "msmpeg4v3"
	case "MP42":
		return "msmpeg4v2"
	case "MPG4":
		return "msmpeg4v1"
	case "MSS1", "MSS2":
		return strings.ToLower(f)
	case "MPNG":
		return "png"
	}
	return aviVideoCodec(f)
}

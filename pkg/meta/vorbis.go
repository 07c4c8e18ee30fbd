package meta

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// FLAC files and Ogg streams (Vorbis, Opus, FLAC, Theora) carry their
// tags as Vorbis comments: a vendor string and KEY=value fields. FLAC
// keeps them in a metadata block after STREAMINFO (the stream facts);
// Ogg in the second packet of each logical stream, whose first packet is
// the codec's identification header. The duration of an Ogg stream is the
// granule position of its last page, read from the end of the file.

const (
	// flacMaxBlocks bounds the metadata blocks walked.
	flacMaxBlocks = 1000
	// oggMaxPages bounds the pages read for the header packets.
	oggMaxPages = 2000
	// oggTail is how much of the end of an Ogg file is read for its last
	// granule positions.
	oggTail = 64 << 10
)

// vorbisFields maps Vorbis comment field names (upper case) to the tag
// names of setMediaTag.
var vorbisFields = map[string]string{
	"TITLE": "title", "ARTIST": "artist", "ALBUM": "album", "ALBUMARTIST": "albumartist",
	"ALBUM ARTIST": "albumartist", "ALBUM_ARTIST": "albumartist", "COMPOSER": "composer", "GENRE": "genre",
	"TRACKNUMBER": "track", "DISCNUMBER": "disc", "DATE": "date", "YEAR": "date", "COMMENT": "comment",
	"DESCRIPTION": "description", "COPYRIGHT": "copyright", "ENCODER": "encoder", "LYRICS": "lyrics",
	"UNSYNCEDLYRICS": "lyrics", "CREATION_TIME": "creationdate",
}

// vorbisComment reads a Vorbis comment block (little-endian lengths).
func vorbisComment(b *builder, d []byte, ms *mediaStreams) {
	if len(d) < 8 {
		return
	}
	n := binary.LittleEndian.Uint32(d)
	if uint64(n)+8 > uint64(len(d)) {
		b.warn("Vorbis comment: bad vendor length")
		return
	}
	d = d[4+n:]
	count := binary.LittleEndian.Uint32(d)
	d = d[4:]
	for i := uint32(0); i < count && len(d) >= 4; i++ {
		l := binary.LittleEndian.Uint32(d)
		if uint64(l)+4 > uint64(len(d)) {
			b.warn("Vorbis comment: field %d is truncated", i)
			return
		}
		f := d[4 : 4+l]
		d = d[4+l:]
		k, v, ok := strings.Cut(string(f), "=")
		if !ok {
			continue
		}
		k = strings.ToUpper(k)
		if k == "METADATA_BLOCK_PICTURE" || k == "COVERART" {
			ms.coverArt = true
			continue
		}
		if tag := vorbisFields[k]; tag != "" {
			setMediaTag(b, tag, strings.ToValidUTF8(v, "\uFFFD"), prioIPTC)
		}
	}
}

// readFLAC reads a FLAC file: STREAMINFO, VORBIS_COMMENT and whether a
// PICTURE block is present. The audio frames are never read.
func readFLAC(x *extraction) error {
	s, b := x.s, x.b
	ms := mediaStreams{hasAudio: true, audioCodec: "flac"}
	pos := int64(4)
	info := false
	for n := 0; ; n++ {
		if n >= flacMaxBlocks {
			b.warn("FLAC: more than %d metadata blocks; the rest were not read", flacMaxBlocks)
			break
		}
		h, err := s.readAt(pos, 4)
		if err != nil {
			if info {
				b.warn("FLAC: %s", x.describe(err))
				break
			}
			return err
		}
		last, typ := h[0]&0x80 != 0, h[0]&0x7F
		size := int64(h[1])<<16 | int64(h[2])<<8 | int64(h[3])
		body := pos + 4
		if body+size > s.size {
			if !info {
				return corruptf("metadata block %d is truncated", typ)
			}
			b.warn("FLAC: metadata block %d is truncated: the file is cut short", typ)
			break
		}
		switch typ {
		case 0:
			d, err := s.readAt(body, min(size, 34))
			if err != nil {
				return err
			}
			if len(d) < 18 {
				return corruptf("STREAMINFO is too short")
			}
			v := binary.BigEndian.Uint64(d[10:18])
			ms.sampleRate = int(v >> 44)
			ms.channels = int(v>>41&7) + 1
			ms.bitsPerSample = int(v>>36&31) + 1
			total := v & (1<<36 - 1)
			if ms.sampleRate > 0 && total > 0 {
				ms.duration = float64(total) / float64(ms.sampleRate)
			}
			info = true
		case 4:
			if size > b.opts.MaxSegmentBytes {
				b.warn("FLAC: Vorbis comment block of %d bytes is over the limit", size)
				break
			}
			d, err := s.readAt(body, size)
			if err != nil {
				return err
			}
			vorbisComment(b, d, &ms)
		case 6:
			ms.coverArt = true
		}
		if n == 0 && !info {
			return corruptf("no STREAMINFO block")
		}
		pos = body + size
		if last {
			break
		}
	}
	if ms.duration > 0 {
		ms.bitrate = float64(s.size) * 8 / ms.duration
	}
	ms.set(b)
	return nil
}

// oggStream is one logical stream of an Ogg file.
type oggStream struct {
	serial  uint32
	packets [][]byte // the first two packets
	cur     []byte   // the packet being assembled
	granule int64    // the last granule position seen
}

// readOgg reads an Ogg file: the identification and comment headers of
// its logical streams, and the granule position of each stream's last
// page for the duration.
func readOgg(x *extraction) error {
	s, b := x.s, x.b
	var streams []*oggStream
	byserial := func(id uint32) *oggStream {
		for _, st := range streams {
			if st.serial == id {
				return st
			}
		}
		return nil
	}
	total := int64(0)
	pos := int64(0)
	for n := 0; n < oggMaxPages && pos+27 <= s.size; n++ {
		h, err := s.readAt(pos, 27)
		if err != nil {
			return err
		}
		if string(h[:4]) != "OggS" {
			if n == 0 {
				return corruptf("no Ogg page")
			}
			b.warn("Ogg: no page at offset %d", pos)
			break
		}
		flags := h[5]
		serial := binary.LittleEndian.Uint32(h[14:])
		segs, err := s.readAt(pos+27, int64(h[26]))
		if err != nil {
			return err
		}
		size := int64(0)
		for _, l := range segs {
			size += int64(l)
		}
		if pos+27+int64(len(segs))+size > s.size {
			if len(streams) == 0 {
				return corruptf("the first page is truncated")
			}
			b.warn("Ogg: the page at offset %d is truncated: the file is cut short", pos)
			break
		}
		st := byserial(serial)
		if flags&2 != 0 && st == nil && len(streams) < 16 {
			st = &oggStream{serial: serial}
			streams = append(streams, st)
		}
		if st != nil && len(st.packets) < 2 {
			body, err := s.readAt(pos+27+int64(len(segs)), size)
			if err != nil {
				return err
			}
			total += size
			if total > b.opts.MaxSegmentBytes {
				b.warn("Ogg: header packets over the limit of %d bytes", b.opts.MaxSegmentBytes)
				break
			}
			off := 0
			for _, l := range segs {
				st.cur = append(st.cur, body[off:off+int(l)]...)
				off += int(l)
				if l < 255 {
					if len(st.packets) < 2 {
						st.packets = append(st.packets, st.cur)
					}
					st.cur = nil
				}
			}
		}
		pos += 27 + int64(len(segs)) + size
		done := len(streams) > 0
		for _, st := range streams {
			if len(st.packets) < 2 {
				done = false
			}
		}
		if done && flags&2 == 0 {
			break
		}
	}
	if len(streams) == 0 {
		return corruptf("no Ogg stream")
	}
	x.oggTail(streams)
	ms := mediaStreams{}
	for _, st := range streams {
		x.oggStream(st, &ms)
	}
	if ms.duration > 0 {
		ms.bitrate = float64(s.size) * 8 / ms.duration
	}
	ms.set(b)
	return nil
}

// oggTail reads the granule positions of the last pages of the streams.
func (x *extraction) oggTail(streams []*oggStream) {
	s := x.s
	start := max(0, s.size-oggTail)
	d, err := s.readAt(start, s.size-start)
	if err != nil {
		return
	}
	for i := 0; ; {
		j := bytes.Index(d[i:], []byte("OggS"))
		if j < 0 || i+j+27 > len(d) {
			break
		}
		p := d[i+j:]
		g := int64(binary.LittleEndian.Uint64(p[6:]))
		serial := binary.LittleEndian.Uint32(p[14:])
		for _, st := range streams {
			if st.serial == serial && g > 0 {
				st.granule = g
			}
		}
		i += j + 4
	}
}

// oggStream reads the header packets of one logical stream.
func (x *extraction) oggStream(st *oggStream, ms *mediaStreams) {
	b := x.b
	if len(st.packets) == 0 {
		return
	}
	id := st.packets[0]
	var comment []byte
	if len(st.packets) > 1 {
		comment = st.packets[1]
	}
	switch {
	case len(id) >= 30 && string(id[:7]) == "\x01vorbis" && !ms.hasAudio:
		ms.hasAudio, ms.audioCodec = true, "vorbis"
		ms.channels = int(id[11])
		ms.sampleRate = int(binary.LittleEndian.Uint32(id[12:]))
		if st.granule > 0 && ms.sampleRate > 0 {
			ms.duration = max(ms.duration, float64(st.granule)/float64(ms.sampleRate))
		}
		if len(comment) > 7 && string(comment[:7]) == "\x03vorbis" {
			vorbisComment(b, comment[7:], ms)
		}
	case len(id) >= 19 && string(id[:8]) == "OpusHead" && !ms.hasAudio:
		ms.hasAudio, ms.audioCodec = true, "opus"
		ms.channels = int(id[9])
		ms.sampleRate = 48000
		preskip := int64(binary.LittleEndian.Uint16(id[10:]))
		if st.granule > preskip {
			ms.duration = max(ms.duration, float64(st.granule-preskip)/48000)
		}
		if len(comment) > 8 && string(comment[:8]) == "OpusTags" {
			vorbisComment(b, comment[8:], ms)
		}
	case len(id) >= 42 && string(id[:7]) == "\x80theora" && !ms.hasVideo:
		ms.hasVideo, ms.videoCodec = true, "theora"
		ms.width = int(id[14])<<16 | int(id[15])<<8 | int(id[16])
		ms.height = int(id[17])<<16 | int(id[18])<<8 | int(id[19])
		num := binary.BigEndian.Uint32(id[22:])
		den := binary.BigEndian.Uint32(id[26:])
		if num > 0 && den > 0 {
			ms.frameRate = float64(num) / float64(den)
		}
		if len(comment) > 7 && string(comment[:7]) == "\x81theora" {
			vorbisComment(b, comment[7:], ms)
		}
	case len(id) >= 13 && string(id[:5]) == "\x7FFLAC" && string(id[9:13]) == "fLaC" && !ms.hasAudio && len(id) >= 13+4+18:
		ms.hasAudio, ms.audioCodec = true, "flac"
		v := binary.BigEndian.Uint64(id[13+4+10:])
		ms.sampleRate = int(v >> 44)
		ms.channels = int(v>>41&7) + 1
		if st.granule > 0 && ms.sampleRate > 0 {
			ms.duration = max(ms.duration, float64(st.granule)/float64(ms.sampleRate))
		}
		if len(comment) > 4 && comment[0]&0x7F == 4 {
			vorbisComment(b, comment[4:], ms)
		}
	}
}

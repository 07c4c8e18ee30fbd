package text

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// The text of a Matroska or WebM video is the text of one of its text
// subtitle tracks: S_TEXT/UTF8 (SubRip text), S_TEXT/ASS and S_TEXT/SSA
// (ASS event lines), S_TEXT/WEBVTT and WebM's D_WEBVTT (WebVTT cue
// text). The EBML elements are walked in file order: the Tracks element
// says which track to read, and the blocks of that track in the clusters
// are its captions. Only element headers and the chosen track's blocks
// are read. Blocks compressed with zlib or header stripping (as mkvmerge
// writes) are expanded, each to at most MaxTokenBytes; image subtitles
// (VobSub, PGS, DVB) are not text and are not read: a file whose only
// subtitles, or whose subtitles in the language asked for, are images
// fails with SourceFormatUnsupported saying so.

// EBML element IDs, with their length marker.
const (
	ebmlHeader      = 0x1A45DFA3
	mkvSegment      = 0x18538067
	mkvTracks       = 0x1654AE6B
	mkvTrackEntry   = 0xAE
	mkvTrackNumber  = 0xD7
	mkvCodecID      = 0x86
	mkvLanguage     = 0x22B59C
	mkvLanguageBCP  = 0x22B59D
	mkvEncodings    = 0x6D80
	mkvEncoding     = 0x6240
	mkvCompression  = 0x5034
	mkvCompAlgo     = 0x4254
	mkvCompSettings = 0x4255
	mkvEncryption   = 0x5035
	mkvCluster      = 0x1F43B675
	mkvSimpleBlock  = 0xA3
	mkvBlockGroup   = 0xA0
	mkvBlock        = 0xA1
)

// mkvTopLevel are the children of a segment: one of them ends a cluster
// of unknown size.
var mkvTopLevel = map[uint32]bool{
	0x114D9B74: true, 0x1549A966: true, mkvTracks: true, mkvCluster: true, 0x1C53BB6B: true,
	0x1043A770: true, 0x1254C367: true, 0x1941A469: true, mkvSegment: true, ebmlHeader: true,
}

// mkvElem is an element: its ID and its data's place (size -1: unknown).
type mkvElem struct {
	id   uint32
	off  int64
	size int64
	next int64 // where the next element starts (its data's end)
}

// mkvReader reads EBML element headers at offsets of a file.
type mkvReader struct {
	s    *sink
	f    io.ReaderAt
	size int64
	buf  [12]byte
	cut  bool // an element reached past the end of the file or its parent
	// images are the subtitle tracks of pictures, which are not read:
	// their language and codec (as entry).
	images []mp4Track
}

// header reads the element header at off, which must end by end.
func (m *mkvReader) header(off, end int64) (mkvElem, error) {
	n, err := m.f.ReadAt(m.buf[:min(int64(12), end-off)], off)
	if n == 0 {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return mkvElem{}, err
	}
	b := m.buf[:n]
	idLen := vintLen(b[0])
	if idLen == 0 || idLen > 4 || idLen >= len(b) {
		return mkvElem{}, fmt.Errorf("bad element ID at %d", off)
	}
	var id uint32
	for _, c := range b[:idLen] {
		id = id<<8 | uint32(c)
	}
	szLen := vintLen(b[idLen])
	if szLen == 0 || idLen+szLen > len(b) {
		return mkvElem{}, fmt.Errorf("bad element size at %d", off)
	}
	size := int64(b[idLen] & (0xff >> szLen))
	allOnes := size == int64(0xff>>szLen)
	for _, c := range b[idLen+1 : idLen+szLen] {
		size = size<<8 | int64(c)
		allOnes = allOnes && c == 0xff
	}
	e := mkvElem{id: id, off: off + int64(idLen+szLen), size: size}
	if allOnes {
		e.size = -1
		e.next = end
	} else {
		e.next = e.off + size
		if size < 0 || e.next > end || e.next < e.off {
			// Cut short: read what is there.
			m.cut = true
			e.next = end
			e.size = end - e.off
		}
	}
	return e, nil
}

// vintLen is the length of an EBML variable-size integer from its first
// byte, 0 when invalid.
func vintLen(b byte) int {
	for i := 0; i < 8; i++ {
		if b&(0x80>>i) != 0 {
			return i + 1
		}
	}
	return 0
}

// children calls fn for each child element between off and end. A child
// of unknown size ends where fn says (its return) or at end.
func (m *mkvReader) children(off, end int64, stopAtTop bool, fn func(e mkvElem) (int64, error)) error {
	for n := 0; off < end; n++ {
		if err := m.s.check(); err != nil {
			return err
		}
		e, err := m.header(off, end)
		if err != nil {
			return err
		}
		if stopAtTop && mkvTopLevel[e.id] {
			return nil
		}
		next, err := fn(e)
		if err != nil {
			return err
		}
		if next <= off {
			return fmt.Errorf("element at %d does not advance", off)
		}
		off = next
	}
	return nil
}

// readData reads an element's data, up to max bytes.
func (m *mkvReader) readData(e mkvElem, max int64) ([]byte, error) {
	n := e.next - e.off
	if n > max {
		n = max
	}
	buf := make([]byte, n)
	if _, err := m.f.ReadAt(buf, e.off); err != nil {
		return nil, err
	}
	return buf, nil
}

// mkvTrack is a subtitle track of a Matroska file.
type mkvTrack struct {
	number    uint64
	codec     string
	lang      string
	encrypted bool
	zlib      bool   // blocks are zlib-compressed
	strip     []byte // header bytes stripped from every block
	other     bool   // another compression, not read
}

// textCodec reports whether the track's codec is text this package reads.
func (t *mkvTrack) textCodec() bool {
	switch {
	case t.codec == "S_TEXT/UTF8", t.codec == "S_TEXT/ASCII", t.codec == "S_TEXT/ASS", t.codec == "S_TEXT/SSA",
		t.codec == "S_ASS", t.codec == "S_SSA", t.codec == "S_TEXT/WEBVTT", strings.HasPrefix(t.codec, "D_WEBVTT/"):
		return true
	}
	return false
}

// imageCodec reports whether the track's codec is subtitles of pictures:
// VobSub (DVD), PGS (Blu-ray), DVB, bitmaps.
func (t *mkvTrack) imageCodec() bool {
	switch t.codec {
	case "S_VOBSUB", "S_HDMV/PGS", "S_DVBSUB", "S_IMAGE/BMP":
		return true
	}
	return false
}

// imagesIn returns the error of a file whose subtitles in lang (any,
// when lang is empty) are pictures, nil when none is. images are the
// tracks of pictures, their codec or sample entry in entry.
func imagesIn(images []mp4Track, lang, what string) error {
	if i := pickTrack(images, lang); len(images) > 0 && i >= 0 {
		return api.Errorf(api.ReasonSourceFormatUnsupported, "the subtitles of this %s are images (%s), which cannot be read as text", what, images[i].entry)
	}
	return nil
}

// extractMKV writes the text of the chosen subtitle track of a Matroska
// or WebM file.
func extractMKV(s *sink, f *os.File, size int64) error {
	m := &mkvReader{s: s, f: f, size: size}
	var tracks []mkvTrack
	var chosen *mkvTrack
	decided := false
	p := &cueParser{s: s}
	var what string
	hasVideo := false
	decide := func() error {
		if decided {
			return nil
		}
		decided = true
		what = "video"
		if !hasVideo {
			what = "media file"
		}
		if len(tracks) == 0 {
			if err := imagesIn(m.images, s.wantLang, what); err != nil {
				return err
			}
			s.warn(fmt.Sprintf("the %s has no subtitle or caption stream that can be read as text", what))
			return nil
		}
		mt := make([]mp4Track, len(tracks))
		for i, t := range tracks {
			mt[i].lang = t.lang
		}
		i := pickTrack(mt, s.wantLang)
		if i < 0 {
			if err := imagesIn(m.images, s.wantLang, what); err != nil {
				return err
			}
			var langs []string
			for _, t := range tracks {
				langs = append(langs, cmpOr(t.lang, "undetermined"))
			}
			s.warn(fmt.Sprintf("the %s has no subtitle or caption stream in language %q; its streams are in: %s", what, s.wantLang, strings.Join(langs, ", ")))
			return nil
		}
		chosen = &tracks[i]
		s.language = chosen.lang
		switch {
		case chosen.encrypted:
			return api.Errorf(api.ReasonSourceUnsupported, "the %s's subtitle stream is encrypted; its text cannot be read", what)
		case chosen.other:
			return api.Errorf(api.ReasonSourceUnsupported, "the %s's subtitle stream is compressed with a method other than zlib; its text cannot be read", what)
		}
		return nil
	}
	sawSegment := false
	err := m.children(0, size, false, func(e mkvElem) (int64, error) {
		if e.id != mkvSegment {
			return e.next, nil
		}
		sawSegment = true
		err := m.children(e.off, e.next, false, func(c mkvElem) (int64, error) {
			switch c.id {
			case mkvTracks:
				if c.size < 0 {
					return 0, fmt.Errorf("tracks element of unknown size")
				}
				ts, video, err := m.readTracks(c)
				if err != nil {
					return 0, err
				}
				tracks, hasVideo = append(tracks, ts...), hasVideo || video
			case mkvCluster:
				if err := decide(); err != nil {
					return 0, err
				}
				if chosen == nil {
					return c.next, errStopMKV // nothing to read in the clusters
				}
				return m.readCluster(c, chosen, p)
			}
			return c.next, nil
		})
		if err != nil {
			return 0, err
		}
		return e.next, errStopMKV
	})
	if err != nil && err != errStopMKV {
		if isAPIError(err) {
			return err
		}
		if !decided || chosen == nil {
			return corrupt(s.format, err)
		}
		// The text read before the damage stands.
		s.damaged(fmt.Sprintf("the Matroska file is damaged (%v); the text after that point is left out", err))
		return nil
	}
	if !sawSegment {
		return api.Errorf(api.ReasonSourceCorrupt, "%s source has no segment; it is truncated or corrupt", s.format)
	}
	if err := decide(); err != nil {
		return err
	}
	if m.cut {
		s.damaged("the Matroska file is truncated; the text after the cut is left out")
	}
	return nil
}

// errStopMKV ends the walk early: all that is needed was read.
var errStopMKV = fmt.Errorf("stop")

// readTracks reads the subtitle tracks of a Tracks element, and whether
// there is a video track.
func (m *mkvReader) readTracks(tracks mkvElem) ([]mkvTrack, bool, error) {
	var out []mkvTrack
	video := false
	err := m.children(tracks.off, tracks.next, false, func(e mkvElem) (int64, error) {
		if e.id != mkvTrackEntry || e.size < 0 {
			return e.next, nil
		}
		t := mkvTrack{lang: "eng"} // the Matroska default
		var bcp string
		trackType := uint64(0)
		err := m.children(e.off, e.next, false, func(c mkvElem) (int64, error) {
			if c.size < 0 {
				return 0, fmt.Errorf("track element of unknown size")
			}
			switch c.id {
			case mkvTrackNumber:
				t.number = m.uintElem(c)
			case 0x83:
				trackType = m.uintElem(c)
			case mkvCodecID:
				t.codec = m.str(c)
			case mkvLanguage:
				t.lang = m.str(c)
			case mkvLanguageBCP:
				bcp = m.str(c)
			case mkvEncodings:
				if err := m.readEncodings(c, &t); err != nil {
					return 0, err
				}
			}
			return c.next, nil
		})
		if err != nil {
			return 0, err
		}
		if bcp != "" {
			t.lang = bcp
		}
		if t.lang == "und" {
			t.lang = ""
		}
		if trackType == 1 {
			video = true
		}
		if t.textCodec() {
			out = append(out, t)
		} else if t.imageCodec() {
			m.images = append(m.images, mp4Track{entry: t.codec, lang: t.lang})
		}
		return e.next, nil
	})
	return out, video, err
}

// readEncodings reads a track's content encodings: compression (zlib,
// header stripping, or another one) and encryption.
func (m *mkvReader) readEncodings(encs mkvElem, t *mkvTrack) error {
	return m.children(encs.off, encs.next, false, func(e mkvElem) (int64, error) {
		if e.id != mkvEncoding || e.size < 0 {
			return e.next, nil
		}
		return e.next, m.children(e.off, e.next, false, func(c mkvElem) (int64, error) {
			switch c.id {
			case mkvEncryption:
				t.encrypted = true
			case mkvCompression:
				algo := uint64(0)
				var settings []byte
				if err := m.children(c.off, c.next, false, func(x mkvElem) (int64, error) {
					switch x.id {
					case mkvCompAlgo:
						algo = m.uintElem(x)
					case mkvCompSettings:
						settings, _ = m.readData(x, 256)
					}
					return x.next, nil
				}); err != nil {
					return 0, err
				}
				switch algo {
				case 0:
					t.zlib = true
				case 3:
					t.strip = settings
				default:
					t.other = true
				}
			}
			return c.next, nil
		})
	})
}

// uintElem reads an unsigned integer element.
func (m *mkvReader) uintElem(e mkvElem) uint64 {
	b, _ := m.readData(e, 8)
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// str reads a string element.
func (m *mkvReader) str(e mkvElem) string {
	b, _ := m.readData(e, 256)
	s, _, _ := strings.Cut(string(b), "\x00")
	return s
}

// readCluster writes the text of the chosen track's blocks in a cluster,
// and returns where the next element starts.
func (m *mkvReader) readCluster(c mkvElem, t *mkvTrack, p *cueParser) (int64, error) {
	end := c.next
	next := c.off
	err := m.children(c.off, end, c.size < 0, func(e mkvElem) (int64, error) {
		if c.size < 0 {
			next = e.next
		}
		switch e.id {
		case mkvSimpleBlock:
			return e.next, m.readBlock(e, t, p)
		case mkvBlockGroup:
			if e.size < 0 {
				return 0, fmt.Errorf("block group of unknown size")
			}
			return e.next, m.children(e.off, e.next, false, func(b mkvElem) (int64, error) {
				if b.id == mkvBlock {
					return b.next, m.readBlock(b, t, p)
				}
				return b.next, nil
			})
		}
		if e.size < 0 {
			return 0, fmt.Errorf("element %X of unknown size in a cluster", e.id)
		}
		return e.next, nil
	})
	if c.size < 0 {
		// A cluster of unknown size ends at the next top-level element.
		return next, err
	}
	return end, err
}

// readBlock writes the text of a block when it belongs to the track.
func (m *mkvReader) readBlock(e mkvElem, t *mkvTrack, p *cueParser) error {
	if e.size < 0 {
		return fmt.Errorf("block of unknown size")
	}
	var hdr [8]byte
	n, err := m.f.ReadAt(hdr[:min(int64(8), e.size)], e.off)
	if n == 0 {
		return err
	}
	l := vintLen(hdr[0])
	if l == 0 || l+3 > n {
		return fmt.Errorf("bad block header at %d", e.off)
	}
	track := uint64(hdr[0] & (0xff >> l))
	for _, c := range hdr[1:l] {
		track = track<<8 | uint64(c)
	}
	if track != t.number {
		return nil
	}
	if hdr[l+2]&0x06 != 0 {
		return nil // laced: not used for subtitles
	}
	max := int64(m.s.opts.MaxTokenBytes)
	data, err := m.readData(mkvElem{off: e.off + int64(l+3), next: e.next}, max)
	if err != nil {
		return err
	}
	if e.next-e.off-int64(l+3) > max {
		m.s.truncate(fmt.Sprintf("a subtitle block longer than %d bytes (MaxTokenBytes) was cut there", max))
	}
	if t.zlib {
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("subtitle block: %w", err)
		}
		data, err = io.ReadAll(io.LimitReader(zr, max+1))
		if err != nil {
			return fmt.Errorf("subtitle block: %w", err)
		}
		if int64(len(data)) > max {
			data = data[:max]
			m.s.truncate(fmt.Sprintf("a subtitle block expanding past %d bytes (MaxTokenBytes) was cut there", max))
		}
	}
	if len(t.strip) > 0 {
		data = append(append([]byte(nil), t.strip...), data...)
	}
	text := string(data)
	switch t.codec {
	case "S_TEXT/ASS", "S_TEXT/SSA", "S_ASS", "S_SSA":
		// ReadOrder, Layer, Style, Name, MarginL, MarginR, MarginV,
		// Effect, Text.
		fields := strings.SplitN(text, ",", 9)
		if len(fields) < 9 {
			return nil
		}
		for _, line := range assLines(fields[8]) {
			if err := p.write(strings.TrimSpace(line)); err != nil {
				return err
			}
		}
		return nil
	}
	return writeSampleLines(p, text, true)
}

package text

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/language"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// The text of an MP4, QuickTime or other ISO media file (3GP, M4V) is the
// text of one of its timed text tracks: 3GPP timed text ("tx3g", what
// ffmpeg's mov_text encoder writes), QuickTime text ("text") and WebVTT in
// ISO media ("wvtt"). The movie box is walked to the track's sample
// tables (stsz, stco or co64, stsc) and its samples are read where they
// lie, one at a time; nothing else of the file is read. Timed text
// samples hold a 16-bit length and the text (UTF-8, or UTF-16 after a
// byte order mark), then style boxes, which are ignored; WebVTT samples
// hold cue boxes whose payload is cue text. Closed captions (CEA-608 in
// "c608" tracks) and TTML ("stpp") are not read, nor text carried in the
// movie fragments of a fragmented file.

// mp4MaxBoxes caps the boxes visited at one level of the file, which a
// hostile file could fill with millions of empty boxes.
const mp4MaxBoxes = 100_000

// mp4Box is a box of an ISO media file: its type and its payload's place.
type mp4Box struct {
	typ  string
	off  int64 // payload offset
	size int64 // payload size
}

// mp4Track is a timed text track of the movie.
type mp4Track struct {
	entry     string // sample entry type: tx3g, text, wvtt, enct
	lang      string // as the file gives it: ISO 639-2 or a BCP 47 tag
	stsz      mp4Box
	chunks    mp4Box // stco or co64
	co64      bool
	stsc      mp4Box
	hasTables bool
}

// mp4Movie is what the movie box says about the text.
type mp4Movie struct {
	tracks []mp4Track
	// images are the subtitle tracks of pictures (VobSub, sample entry
	// mp4s), which are not read.
	images     []mp4Track
	hasVideo   bool
	fragmented bool
}

// mp4Boxes calls fn for each box between off and end. A box that claims
// to reach past end is cut short: the file is truncated.
func mp4Boxes(s *sink, f io.ReaderAt, off, end int64, fn func(b mp4Box) error) error {
	var hdr [16]byte
	for n := 0; off+8 <= end; n++ {
		if n >= mp4MaxBoxes {
			return api.Errorf(api.ReasonSourceTooLarge, "ISO media file has more than %d boxes in one box", mp4MaxBoxes)
		}
		if err := s.check(); err != nil {
			return err
		}
		if _, err := f.ReadAt(hdr[:8], off); err != nil {
			return fmt.Errorf("box header at %d: %w", off, err)
		}
		size := int64(binary.BigEndian.Uint32(hdr[:4]))
		typ := string(hdr[4:8])
		head := int64(8)
		switch size {
		case 0:
			size = end - off
		case 1:
			if _, err := f.ReadAt(hdr[8:16], off+8); err != nil {
				return fmt.Errorf("box %q at %d: %w", typ, off, err)
			}
			u := binary.BigEndian.Uint64(hdr[8:16])
			if u > 1<<62 {
				return fmt.Errorf("box %q at %d has an impossible size", typ, off)
			}
			size, head = int64(u), 16
		}
		if size < head {
			return fmt.Errorf("box %q at %d has an impossible size %d", typ, off, size)
		}
		if off+size > end {
			return errMP4Truncated{typ}
		}
		if err := fn(mp4Box{typ: typ, off: off + head, size: size - head}); err != nil {
			return err
		}
		off += size
	}
	return nil
}

// errMP4Truncated is a box that reaches past the end of its parent or of
// the file.
type errMP4Truncated struct{ typ string }

func (e errMP4Truncated) Error() string {
	return fmt.Sprintf("box %q reaches past the end of the file or of its parent box", e.typ)
}

// readBox reads the first n bytes of a box's payload (all of it when
// shorter).
func readBox(f io.ReaderAt, b mp4Box, n int64) ([]byte, error) {
	buf := make([]byte, min(b.size, n))
	if _, err := f.ReadAt(buf, b.off); err != nil && !(err == io.EOF && len(buf) == 0) {
		return nil, err
	}
	return buf, nil
}

// readMP4Movie finds the movie box and the timed text tracks in it.
func readMP4Movie(s *sink, f *os.File, size int64) (*mp4Movie, error) {
	var moov *mp4Box
	err := mp4Boxes(s, f, 0, size, func(b mp4Box) error {
		if b.typ == "moov" && moov == nil {
			moov = &b
		}
		return nil
	})
	var trunc errMP4Truncated
	if moov == nil {
		if err != nil {
			return nil, api.Errorf(api.ReasonSourceCorrupt, "%s source is truncated or corrupt before its movie box (moov): %v", s.format, err)
		}
		return nil, api.Errorf(api.ReasonSourceCorrupt, "%s source has no movie box (moov); it is truncated or corrupt", s.format)
	}
	m := &mp4Movie{}
	err = mp4Boxes(s, f, moov.off, moov.off+moov.size, func(b mp4Box) error {
		switch b.typ {
		case "mvex":
			m.fragmented = true
		case "trak":
			return m.readTrak(s, f, b)
		}
		return nil
	})
	if err != nil {
		if errors.As(err, &trunc) {
			return nil, api.Errorf(api.ReasonSourceCorrupt, "%s source has a damaged movie box (moov): %v", s.format, err)
		}
		return nil, err
	}
	return m, nil
}

// readTrak adds a track to the movie when it is timed text.
func (m *mp4Movie) readTrak(s *sink, f *os.File, trak mp4Box) error {
	var t mp4Track
	var handler string
	var walk func(b mp4Box) error
	depth := 0
	walk = func(b mp4Box) error {
		switch b.typ {
		case "mdia", "minf", "stbl":
			// trak > mdia > minf > stbl: deeper nesting is not a track's.
			if depth >= 3 {
				return nil
			}
			depth++
			defer func() { depth-- }()
			return mp4Boxes(s, f, b.off, b.off+b.size, walk)
		case "hdlr":
			p, err := readBox(f, b, 12)
			if err != nil {
				return err
			}
			if len(p) == 12 && handler == "" {
				// The media's handler; a QuickTime data handler
				// (minf > hdlr) comes after it.
				handler = string(p[8:12])
			}
		case "mdhd":
			p, err := readBox(f, b, 34)
			if err != nil {
				return err
			}
			at := 20 // version 0: 32-bit times
			if len(p) > 0 && p[0] == 1 {
				at = 32
			}
			if len(p) >= at+2 && t.lang == "" {
				t.lang = mdhdLanguage(binary.BigEndian.Uint16(p[at:]))
			}
		case "elng":
			p, err := readBox(f, b, 4+64)
			if err != nil {
				return err
			}
			if len(p) > 4 {
				if tag, _, _ := strings.Cut(string(p[4:]), "\x00"); tag != "" {
					t.lang = tag
				}
			}
		case "stsd":
			p, err := readBox(f, b, 16)
			if err != nil {
				return err
			}
			if len(p) == 16 {
				t.entry = string(p[12:16])
			}
		case "stsz":
			t.stsz = b
		case "stco", "co64":
			t.chunks, t.co64 = b, b.typ == "co64"
		case "stsc":
			t.stsc = b
		}
		return nil
	}
	if err := mp4Boxes(s, f, trak.off, trak.off+trak.size, walk); err != nil {
		return err
	}
	if handler == "vide" {
		m.hasVideo = true
	}
	switch {
	case handler == "subp" && t.entry == "mp4s":
		m.images = append(m.images, mp4Track{entry: "VobSub", lang: t.lang})
		return nil
	case handler != "text" && handler != "sbtl" && handler != "subt":
		return nil
	case t.entry != "tx3g" && t.entry != "text" && t.entry != "wvtt" && t.entry != "enct":
		return nil
	}
	t.hasTables = t.stsz.typ != "" && t.chunks.typ != "" && t.stsc.typ != ""
	m.tracks = append(m.tracks, t)
	return nil
}

// macLanguages are the Macintosh language codes QuickTime files (and
// ffmpeg writing .mov) use in the media header instead of ISO 639-2.
var macLanguages = []string{
	"eng", "fra", "deu", "ita", "nld", "swe", "spa", "dan", "por", "nor", "heb", "jpn",
	"ara", "fin", "ell", "isl", "mlt", "tur", "hrv", "zho", "urd", "hin", "tha", "kor",
	"lit", "pol", "hun", "est", "lav", "sme", "fao", "fas", "rus", "zho", "nld", "gle",
	"sqi", "ron", "ces", "slk", "slv", "yid", "srp", "mkd", "bul", "ukr", "bel", "uzb",
}

// mdhdLanguage decodes the language of a media header: three letters
// packed in 5 bits each (ISO 639-2/T), or a Macintosh language code
// below 0x400. Undetermined is "".
func mdhdLanguage(v uint16) string {
	if v < 0x400 {
		if int(v) < len(macLanguages) {
			return macLanguages[v]
		}
		return ""
	}
	if v == 0x7fff {
		return ""
	}
	b := []byte{byte(v>>10&0x1f) + 0x60, byte(v>>5&0x1f) + 0x60, byte(v&0x1f) + 0x60}
	for _, c := range b {
		if c < 'a' || c > 'z' {
			return ""
		}
	}
	if string(b) == "und" {
		return ""
	}
	return string(b)
}

// pickTrack chooses the track to read: the first one whose language is
// want (a BCP 47 tag or an ISO 639 code), preferring an exact match to
// one of the same base language, or the first track when want is empty.
// It returns -1 when no track has the language.
func pickTrack(tracks []mp4Track, want string) int {
	if want == "" {
		return 0
	}
	wantTag, err := language.Parse(want)
	if err != nil {
		return -1
	}
	wantBase, conf := wantTag.Base()
	base := -1
	for i, t := range tracks {
		if t.lang == "" {
			continue
		}
		if strings.EqualFold(t.lang, want) {
			return i
		}
		tag, err := language.Parse(t.lang)
		if err != nil {
			continue
		}
		if tag == wantTag {
			return i
		}
		if b, c := tag.Base(); base < 0 && conf == language.Exact && c == language.Exact && b == wantBase {
			base = i
		}
	}
	return base
}

// extractMP4 writes the text of the chosen timed text track of an ISO
// media file. A file without one has no text: an empty text with a
// warning saying so.
func extractMP4(s *sink, f *os.File, size int64) error {
	m, err := readMP4Movie(s, f, size)
	if err != nil {
		return err
	}
	what := "video"
	if !m.hasVideo {
		what = "media file"
	}
	if len(m.tracks) == 0 {
		if err := imagesIn(m.images, s.wantLang, what); err != nil {
			return err
		}
		s.warn(fmt.Sprintf("the %s has no subtitle or caption stream that can be read as text", what))
		return nil
	}
	i := pickTrack(m.tracks, s.wantLang)
	if i < 0 {
		if err := imagesIn(m.images, s.wantLang, what); err != nil {
			return err
		}
		var langs []string
		for _, t := range m.tracks {
			langs = append(langs, cmpOr(t.lang, "undetermined"))
		}
		s.warn(fmt.Sprintf("the %s has no subtitle or caption stream in language %q; its streams are in: %s", what, s.wantLang, strings.Join(langs, ", ")))
		return nil
	}
	t := m.tracks[i]
	s.language = t.lang
	if t.entry == "enct" {
		return api.Errorf(api.ReasonSourceUnsupported, "the %s's subtitle stream is encrypted; its text cannot be read", what)
	}
	if !t.hasTables {
		if m.fragmented {
			s.warn("the subtitle stream is in movie fragments (a fragmented MP4), which are not read")
			return nil
		}
		return api.Errorf(api.ReasonSourceCorrupt, "%s source has a subtitle track without sample tables; it is corrupt", s.format)
	}
	return readTextSamples(s, f, size, t, m.fragmented)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// mp4Table reads the entries of a sample table box in order.
type mp4Table struct {
	r     *bufio.Reader
	count uint32
	width int
	buf   [12]byte
}

// openTable checks a full box's entry count against its size (header
// bytes before the count, entries of width bytes) and returns a reader of
// its entries.
func openTable(f io.ReaderAt, b mp4Box, head int64, width int) (*mp4Table, error) {
	p, err := readBox(f, b, head+4)
	if err != nil || int64(len(p)) < head+4 {
		return nil, fmt.Errorf("sample table %q is cut short", b.typ)
	}
	count := binary.BigEndian.Uint32(p[head:])
	if int64(count)*int64(width) > b.size-head-4 {
		return nil, fmt.Errorf("sample table %q claims %d entries, more than its box holds", b.typ, count)
	}
	sr := io.NewSectionReader(f, b.off+head+4, int64(count)*int64(width))
	return &mp4Table{r: bufio.NewReaderSize(sr, 4096), count: count, width: width}, nil
}

// next reads the next entry.
func (t *mp4Table) next() ([]byte, error) {
	e := t.buf[:t.width]
	if _, err := io.ReadFull(t.r, e); err != nil {
		return nil, err
	}
	return e, nil
}

// readTextSamples writes the text of every sample of a timed text track,
// in decode order, which is presentation order for text.
func readTextSamples(s *sink, f *os.File, size int64, t mp4Track, fragmented bool) error {
	bad := func(err error) error {
		return api.Errorf(api.ReasonSourceCorrupt, "%s source has damaged subtitle sample tables: %v", s.format, err)
	}
	// stsz: version/flags, a constant sample size, the count, then the
	// sizes when the constant is zero.
	hdr, err := readBox(f, t.stsz, 12)
	if err != nil || len(hdr) < 12 {
		return bad(fmt.Errorf("stsz is cut short"))
	}
	constSize := binary.BigEndian.Uint32(hdr[4:])
	var sizes *mp4Table
	samples := binary.BigEndian.Uint32(hdr[8:])
	if samples == 0 {
		if fragmented {
			s.warn("the subtitle stream is in movie fragments (a fragmented MP4), which are not read")
		}
		return nil
	}
	if constSize == 0 {
		if sizes, err = openTable(f, t.stsz, 8, 4); err != nil {
			return bad(err)
		}
	}
	width := 4
	if t.co64 {
		width = 8
	}
	chunks, err := openTable(f, t.chunks, 4, width)
	if err != nil {
		return bad(err)
	}
	stsc, err := openTable(f, t.stsc, 4, 12)
	if err != nil {
		return bad(err)
	}
	p := &cueParser{s: s}
	var perChunk, nextFirst uint32
	readRun := func() error {
		e, err := stsc.next()
		if err != nil {
			return err
		}
		perChunk = binary.BigEndian.Uint32(e[4:])
		nextFirst = 0
		if stsc.count--; stsc.count > 0 {
			// Peek at the next run's first chunk.
			pe, err := stsc.r.Peek(4)
			if err != nil {
				return err
			}
			nextFirst = binary.BigEndian.Uint32(pe)
		}
		return nil
	}
	if stsc.count == 0 {
		return bad(fmt.Errorf("stsc is empty"))
	}
	if err := readRun(); err != nil {
		return bad(err)
	}
	if constSize == 1 {
		return nil // one-byte samples hold no text
	}
	// Samples do not overlap: tables describing more bytes than the file
	// holds are corrupt, which also bounds the work a hostile table asks.
	var sample uint32
	var total int64
	for chunk := uint32(1); chunk <= chunks.count && sample < samples; chunk++ {
		for nextFirst != 0 && chunk >= nextFirst {
			if err := readRun(); err != nil {
				return bad(err)
			}
		}
		e, err := chunks.next()
		if err != nil {
			return bad(err)
		}
		var off int64
		if t.co64 {
			off = int64(binary.BigEndian.Uint64(e) & (1<<62 - 1))
		} else {
			off = int64(binary.BigEndian.Uint32(e))
		}
		for j := uint32(0); j < perChunk && sample < samples; j++ {
			n := int64(constSize)
			if sizes != nil {
				e, err := sizes.next()
				if err != nil {
					return bad(err)
				}
				n = int64(binary.BigEndian.Uint32(e))
			}
			sample++
			if off+n > size {
				s.damaged(fmt.Sprintf("subtitle sample %d lies past the end of the file, which is truncated; the text after it is left out", sample))
				return nil
			}
			if total += n; total > size {
				return bad(fmt.Errorf("the samples add up to more bytes than the file holds"))
			}
			if err := readTextSample(s, p, f, off, n, t.entry); err != nil {
				return err
			}
			off += n
		}
	}
	return nil
}

// readTextSample writes the text of one sample at off, n bytes long.
func readTextSample(s *sink, p *cueParser, f io.ReaderAt, off, n int64, entry string) error {
	if err := s.check(); err != nil {
		return err
	}
	if n < 2 {
		return nil
	}
	if entry == "wvtt" {
		return readVTTSample(s, p, f, off, n)
	}
	var l [2]byte
	if _, err := f.ReadAt(l[:], off); err != nil {
		return corrupt(s.format, err)
	}
	textLen := min(int64(binary.BigEndian.Uint16(l[:])), n-2)
	if textLen == 0 {
		return nil // an empty sample: a gap between captions
	}
	if textLen > int64(s.opts.MaxTokenBytes) {
		textLen = int64(s.opts.MaxTokenBytes)
		s.truncate(fmt.Sprintf("a subtitle sample longer than %d bytes (MaxTokenBytes) was cut there", s.opts.MaxTokenBytes))
	}
	buf := make([]byte, textLen)
	if _, err := f.ReadAt(buf, off+2); err != nil {
		return corrupt(s.format, err)
	}
	text := string(buf)
	switch {
	case len(buf) >= 2 && (buf[0] == 0xfe && buf[1] == 0xff || buf[0] == 0xff && buf[1] == 0xfe):
		if dec, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(buf); err == nil {
			text = string(dec)
		}
	case entry == "text" && !utf8.Valid(buf):
		// Old QuickTime text is in the Mac OS Roman encoding.
		if dec, err := charmap.Macintosh.NewDecoder().Bytes(buf); err == nil {
			text = string(dec)
		}
	}
	return writeSampleLines(p, text, false)
}

// readVTTSample writes the cue payloads (vttc > payl) of a WebVTT sample.
func readVTTSample(s *sink, p *cueParser, f io.ReaderAt, off, n int64) error {
	if n > int64(s.opts.MaxTokenBytes) {
		n = int64(s.opts.MaxTokenBytes)
		s.truncate(fmt.Sprintf("a subtitle sample longer than %d bytes (MaxTokenBytes) was cut there", s.opts.MaxTokenBytes))
	}
	return mp4Boxes(s, f, off, off+n, func(b mp4Box) error {
		if b.typ != "vttc" {
			return nil
		}
		return mp4Boxes(s, f, b.off, b.off+b.size, func(c mp4Box) error {
			if c.typ != "payl" {
				return nil
			}
			buf, err := readBox(f, c, c.size)
			if err != nil {
				return corrupt(s.format, err)
			}
			return writeSampleLines(p, string(buf), true)
		})
	})
}

// writeSampleLines writes the lines of a sample's text, with WebVTT cue
// markup removed when markup is set, character references decoded.
func writeSampleLines(p *cueParser, text string, markup bool) error {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' || r == '\u2028' }) {
		var err error
		if markup {
			err = p.caption(line)
		} else {
			// Timed text is plain text, but what converters write from
			// SubRip keeps its character references ("&amp;"): decoded,
			// as a SubRip file's are.
			err = p.write(strings.TrimSpace(html.UnescapeString(line)))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

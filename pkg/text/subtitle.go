package text

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
)

// Subtitle and caption files: SubRip (.srt), WebVTT (.vtt) and Advanced
// SubStation Alpha (.ass, and its predecessor SSA). Their text is the
// caption text in the order the file gives it, one caption line per
// line: cue numbers and identifiers, timings, cue settings, styling tags
// (<i>, <b>, <font>, <c.class>, <v Speaker>, inline timestamps), ASS
// override blocks ({\an8}, {\i1}, drawings), WebVTT NOTE, STYLE and
// REGION blocks, and the script header, styles and embedded fonts of an
// ASS file are left out. A caption line equal to the line written just
// before it is not written again, which collapses the rolling captions of
// live and automatic subtitles.

// subFlavor is a subtitle syntax.
type subFlavor int

const (
	subSRT subFlavor = iota // SubRip, and anything of cues with timing lines
	subVTT                  // WebVTT
	subASS                  // ASS/SSA
)

// subtitleFormats names the formats of the flavours, as in Result.Format.
var subtitleFormats = [...]string{subSRT: "srt", subVTT: "webvtt", subASS: "ass"}

// extractSubtitles returns the extractor of one subtitle flavour: the
// file is decoded like any text source (byte order mark, UTF-16, legacy
// encodings).
func extractSubtitles(flavor subFlavor) extractor {
	return func(s *sink, f *os.File, size int64) error {
		cs, r, err := sourceCharset(f, size, nil)
		if err != nil {
			return err
		}
		s.encoding = cs.name
		return subtitleText(s, r, flavor)
	}
}

// Captions writes the text of a caption or subtitle stream read from r
// to w: WebVTT, SubRip or ASS/SSA in UTF-8 (a leading byte order mark is
// skipped), such as ffmpeg writes with "-f webvtt", "-f srt" or "-f ass"
// for the subtitle stream of a video. The syntax is told from the
// stream's first bytes: a WEBVTT header, an [Script Info] section, cues
// with timing lines otherwise. The text follows the conventions of
// Extract and the limits of opts; Result.Format is "webvtt", "ass" or
// "srt". A stream with no caption text gives an empty text, not an error.
// The context is checked between lines; a read that blocks is not
// interrupted, so a caller reading a child process's output ends the
// process at the deadline, which ends the stream.
func Captions(ctx context.Context, r io.Reader, w io.Writer, opts Options) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, err.Error())
	}
	opts = opts.withDefaults()
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(format.SniffLen)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, corrupt("caption stream", err)
	}
	if strings.HasPrefix(string(head), "\xef\xbb\xbf") {
		_, _ = br.Discard(3)
		head = head[3:]
	}
	flavor := subSRT
	switch format.SniffText(head, "").Name {
	case "webvtt":
		flavor = subVTT
	case "ass":
		flavor = subASS
	}
	s := newSink(ctx, w, opts)
	s.format = subtitleFormats[flavor]
	s.encoding = "utf-8"
	return finish(s, opts, subtitleText(s, br, flavor))
}

// PickLanguage returns the index in langs of the caption or subtitle
// track to read for the language instruction want, by the rules of
// ExtractLanguage: the first track in want (a BCP 47 tag or ISO 639 code;
// an exact match first, then the first of the same base language), or
// the first track when want is empty. langs are the tracks' languages as
// their container gives them ("eng", "fr-CA"; "" when unknown). It
// returns -1 when there is no track, or none in want.
func PickLanguage(langs []string, want string) int {
	if len(langs) == 0 {
		return -1
	}
	tracks := make([]mp4Track, len(langs))
	for i, l := range langs {
		tracks[i].lang = l
	}
	return pickTrack(tracks, want)
}

// subtitleText writes the caption text of the subtitle file read as UTF-8
// from r. A line longer than MaxTokenBytes is cut there, with a
// truncation warning.
func subtitleText(s *sink, r io.Reader, flavor subFlavor) error {
	lr := &vcardLines{s: s, br: bufio.NewReaderSize(r, 64<<10), max: s.opts.MaxTokenBytes}
	p := &cueParser{s: s, vtt: flavor == subVTT, blockStart: true, assText: 9}
	first := true
	for {
		line, err := lr.physical(nil)
		if lr.cut {
			lr.cut = false
			s.truncate(fmt.Sprintf("a subtitle line longer than %d bytes (MaxTokenBytes) was cut there", s.opts.MaxTokenBytes))
		}
		if err != nil && err != io.EOF {
			return err
		}
		if cerr := s.check(); cerr != nil {
			return cerr
		}
		// A file with old Mac line ends (CR only) is one physical line.
		for _, l := range strings.Split(string(line), "\r") {
			if first {
				l = strings.TrimPrefix(l, "\ufeff")
				first = false
			}
			var werr error
			if flavor == subASS {
				werr = p.assLine(l)
			} else {
				werr = p.cueLine(l)
			}
			if werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return p.flush()
		}
	}
}

// cueParser follows the blocks of a SubRip or WebVTT file, or the
// sections of an ASS/SSA script.
type cueParser struct {
	s   *sink
	vtt bool

	blockStart bool   // the next line starts a block
	inCue      bool   // the lines are a cue's text
	skip       bool   // the rest of the block holds no caption text
	held       string // a line that is a cue's identifier if a timing line follows
	hasHeld    bool
	heldStart  bool   // the held line started its block
	last       string // the last caption line written

	section string // ASS: the current section, lower case
	assText int    // ASS: the index of the Text field of an event line
}

// cueLine reads one line of a SubRip or WebVTT file.
func (p *cueParser) cueLine(line string) error {
	trimmed := strings.TrimSpace(line)
	switch {
	case trimmed == "":
		if err := p.flush(); err != nil {
			return err
		}
		p.blockStart, p.inCue, p.skip = true, false, false
		return nil
	case isTimingLine(trimmed):
		p.hasHeld = false // it was the cue's number or identifier
		p.blockStart, p.inCue, p.skip = false, true, false
		return nil
	case p.blockStart:
		p.blockStart = false
		if p.vtt && (vttBlock(trimmed, "WEBVTT") || vttBlock(trimmed, "NOTE") || vttBlock(trimmed, "STYLE") || vttBlock(trimmed, "REGION")) {
			p.skip = true
			return nil
		}
		p.held, p.hasHeld, p.heldStart = trimmed, true, true
		return nil
	case p.skip:
		return nil
	}
	if p.hasHeld {
		held, start := p.held, p.heldStart
		p.hasHeld = false
		if start && p.vtt {
			// A WebVTT block without a timing line is not a cue.
			p.skip = true
			return nil
		}
		// SubRip text without a timing line (a cue broken by a blank
		// line), or a number that was caption text: written.
		p.inCue = true
		if err := p.caption(held); err != nil {
			return err
		}
	}
	if p.vtt && !p.inCue {
		return nil
	}
	p.inCue = true
	if isCueNumber(trimmed) {
		// Perhaps the next cue's number, its blank line missing.
		p.held, p.hasHeld, p.heldStart = trimmed, true, false
		return nil
	}
	return p.caption(trimmed)
}

// flush writes a held line at the end of a block or of the file, when
// no timing line followed it: a number that ended a cue's text, or a
// line of SubRip text on its own (a cue split by a stray blank line). A
// lone number starting a block is a cue number whose cue is missing.
func (p *cueParser) flush() error {
	if !p.hasHeld {
		return nil
	}
	p.hasHeld = false
	if !p.heldStart || (!p.vtt && !isCueNumber(p.held)) {
		return p.caption(p.held)
	}
	return nil
}

// caption writes one line of cue text, its tags removed, unless it
// repeats the line written just before.
func (p *cueParser) caption(line string) error {
	clean := strings.TrimSpace(html.UnescapeString(stripCueTags(line)))
	return p.write(clean)
}

// write writes one clean caption line, unless it is empty or repeats
// the line written just before.
func (p *cueParser) write(clean string) error {
	if clean == "" || clean == p.last {
		return nil
	}
	if len(clean) < 4096 {
		p.last = clean
	} else {
		p.last = ""
	}
	if err := p.s.Text(clean); err != nil {
		return err
	}
	p.s.Break()
	return nil
}

// assLine reads one line of an ASS/SSA script: the Format line of its
// [Events] section says where the Text field is, and the Text of each
// Dialogue line is the caption. Comment lines, styles, fonts and the
// script header are left out.
func (p *cueParser) assLine(line string) error {
	trimmed := strings.TrimSpace(line)
	if strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]") {
		p.section = strings.ToLower(trimmed)
		return nil
	}
	if p.section != "[events]" {
		return nil
	}
	key, value, ok := strings.Cut(trimmed, ":")
	if !ok {
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(key)) {
	case "format":
		for i, field := range strings.Split(value, ",") {
			if strings.EqualFold(strings.TrimSpace(field), "text") {
				p.assText = i
			}
		}
	case "dialogue":
		fields := strings.SplitN(value, ",", p.assText+1)
		if len(fields) <= p.assText {
			return nil // a damaged event line
		}
		for _, l := range assLines(fields[p.assText]) {
			if err := p.write(strings.TrimSpace(l)); err != nil {
				return err
			}
		}
	}
	return nil
}

// assLines returns the lines of an ASS event's text: override blocks
// {...} removed, and with them the shapes drawn in drawing mode ({\p1}
// to {\p0}); \N and \n break the line, \h is a space.
func assLines(text string) []string {
	var lines []string
	var b strings.Builder
	drawing := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '{':
			end := strings.IndexByte(text[i:], '}')
			if end < 0 {
				if !drawing {
					b.WriteString(text[i:])
				}
				i = len(text)
				continue
			}
			if d, ok := assDrawing(text[i+1 : i+end]); ok {
				drawing = d
			}
			i += end
		case drawing:
		case c == '\\' && i+1 < len(text) && (text[i+1] == 'N' || text[i+1] == 'n'):
			lines = append(lines, b.String())
			b.Reset()
			i++
		case c == '\\' && i+1 < len(text) && text[i+1] == 'h':
			b.WriteByte(' ')
			i++
		default:
			b.WriteByte(c)
		}
	}
	return append(lines, b.String())
}

// assDrawing reports whether an override block switches drawing mode on
// (\p1 and up) or off (\p0), and false when it does not set it.
func assDrawing(block string) (on bool, set bool) {
	for _, tag := range strings.Split(block, `\`) {
		if len(tag) >= 2 && tag[0] == 'p' && tag[1] >= '0' && tag[1] <= '9' {
			on, set = strings.TrimLeft(tag[1:], "0") != "", true
		}
	}
	return on, set
}

// stripCueTags removes the markup of a SubRip or WebVTT cue line: tags
// (<i>, </i>, <font color=...>, <c.yellow>, <v Speaker>, <00:01.000>)
// and ASS-style override blocks ({\an8}). A "<" or "{" that does not
// start one is kept.
func stripCueTags(line string) string {
	if !strings.ContainsAny(line, "<{") {
		return line
	}
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		c := line[i]
		if (c == '<' && i+1 < len(line) && isTagStart(line[i+1])) || (c == '{' && i+1 < len(line) && line[i+1] == '\\') {
			closer := byte('>')
			if c == '{' {
				closer = '}'
			}
			if end := strings.IndexByte(line[i:], closer); end > 0 {
				i += end
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isTagStart(c byte) bool {
	return c == '/' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isTimingLine reports whether line is a cue timing line,
// "00:00:01,000 --> 00:00:02,000" (SubRip) or "00:01.000 --> 00:02.000
// align:start" (WebVTT): a timestamp of digits, colons and a decimal
// separator before an arrow.
func isTimingLine(line string) bool {
	arrow := strings.Index(line, "-->")
	if arrow <= 0 {
		return false
	}
	start := strings.TrimSpace(line[:arrow])
	if start == "" || !strings.Contains(start, ":") {
		return false
	}
	for _, c := range start {
		if !(c >= '0' && c <= '9' || c == ':' || c == '.' || c == ',') {
			return false
		}
	}
	return true
}

// isCueNumber reports whether line is a SubRip cue number.
func isCueNumber(line string) bool {
	if line == "" || len(line) > 9 {
		return false
	}
	for _, c := range []byte(line) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// vttBlock reports whether line starts a WebVTT block of the given kind:
// the word alone, or followed by a space, a tab (or, for the header, a
// hyphen after a space).
func vttBlock(line, word string) bool {
	if !strings.HasPrefix(line, word) {
		return false
	}
	return len(line) == len(word) || line[len(word)] == ' ' || line[len(word)] == '\t'
}

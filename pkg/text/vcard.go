package text

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// vCard (RFC 2426, RFC 6350 and the older vCard 2.1) and iCalendar
// (RFC 5545) share one syntax: content lines "NAME;PARAM=V;...:value",
// folded by starting the next line with a space or tab, grouped in
// components between BEGIN and END lines.

// vcardSkip are properties whose values are not text for a reader:
// structure, identifiers, time zone and recurrence rules, enumerations,
// coordinates and binary data (photos, sounds, keys, attachments).
var vcardSkip = map[string]bool{
	"BEGIN": true, "END": true, "VERSION": true, "PRODID": true, "UID": true, "REV": true,
	"DTSTAMP": true, "CREATED": true, "LAST-MODIFIED": true, "SEQUENCE": true, "CALSCALE": true,
	"METHOD": true, "TZID": true, "TZOFFSETFROM": true, "TZOFFSETTO": true, "TZURL": true,
	"TZNAME": true, "RRULE": true, "RDATE": true, "EXDATE": true, "EXRULE": true,
	"RECURRENCE-ID": true, "TRANSP": true, "CLASS": true, "PRIORITY": true, "STATUS": true,
	"ACTION": true, "TRIGGER": true, "REPEAT": true, "DURATION": true, "FREEBUSY": true,
	"REQUEST-STATUS": true, "PERCENT-COMPLETE": true, "GEO": true, "KIND": true, "GENDER": true,
	"SORT-STRING": true, "CLIENTPIDMAP": true, "PHOTO": true, "LOGO": true, "SOUND": true,
	"KEY": true, "ATTACH": true, "TZ": true, "SOURCE": true, "PROFILE": true, "NAME": true,
	"MAILER": true, "X-WR-TIMEZONE": true, "X-LIC-LOCATION": true, "X-ABUID": true,
	"X-PUBLISHED-TTL": true, "X-WR-RELCALID": true,
}

// vcardSkipPrefixes are families of vendor properties that hold settings,
// not text.
var vcardSkipPrefixes = []string{"X-MICROSOFT-CDO-", "X-MS-OLK-", "X-APPLE-", "X-MOZ-", "X-EVOLUTION-"}

// vcardDates are properties whose value is a date or a date-time.
var vcardDates = map[string]bool{"DTSTART": true, "DTEND": true, "DUE": true, "COMPLETED": true, "BDAY": true, "ANNIVERSARY": true, "DEATHDATE": true}

// vcardComponentMaxSeen caps the values remembered per component to leave
// out repeats (N and FN spelling the same name, an address given twice).
const vcardComponentMaxSeen = 1024

// extractVCard writes the text of a vCard or iCalendar file: the value of
// every property that holds text, one per line, unfolded and decoded
// (backslash escapes, quoted-printable, and the CHARSET parameter of vCard
// 2.1), with a blank line between cards, events and other components.
// Structured values are written readably: a name as "Prefix Given
// Additional Family Suffix", an address and an organization with commas,
// an organizer or attendee as "Name <address>", dates as 2024-03-01 09:30.
// Structure, identifiers, rules, enumerations, binary values and time zone
// definitions are left out, and a value already written in the same
// component is not repeated. A line longer than MaxTokenBytes is cut there,
// with a truncation warning.
func extractVCard(s *sink, f *os.File, size int64) error {
	sample := make([]byte, min(size, sniffLen))
	if _, err := f.ReadAt(sample, 0); err != nil && err != io.EOF {
		return err
	}
	cs, ok := bomCharset(sample)
	if !ok {
		cs, ok = utf16Guess(sample)
	}
	wide := ok && (strings.HasPrefix(cs.name, "utf-16") || strings.HasPrefix(cs.name, "utf-32"))
	if !ok {
		cs = detectCharset(sample, size <= sniffLen)
	}
	if _, err := f.Seek(int64(cs.bom), io.SeekStart); err != nil {
		return err
	}
	s.encoding = cs.name
	var r io.Reader = f
	fileCS := cs
	if wide {
		// The lines are decoded as a whole; a CHARSET parameter can then
		// only apply to quoted-printable bytes.
		r = cs.enc.NewDecoder().Reader(f)
		fileCS = utf8Charset
	}
	return vcardText(s, r, fileCS)
}

// vcardText writes the text of the vCard or iCalendar content read from r,
// whose bytes are in fileCS unless a property's CHARSET says otherwise.
func vcardText(s *sink, r io.Reader, fileCS charset) error {
	lr := &vcardLines{s: s, br: bufio.NewReaderSize(r, 64<<10), max: s.opts.MaxTokenBytes}
	seen := map[string]bool{}
	skip := 0 // depth inside a time zone definition, which holds no text
	for {
		line, err := lr.next()
		if lr.cut {
			lr.cut = false
			s.truncate(fmt.Sprintf("a vCard or iCalendar line longer than %d bytes (MaxTokenBytes) was cut there", s.opts.MaxTokenBytes))
		}
		if len(line) > 0 {
			if err := s.check(); err != nil {
				return err
			}
			cl, ok := parseContentLine(line)
			switch {
			case !ok:
				// Not a content line: the unfolded base64 of an old vCard's
				// photo, or junk.
			case cl.name == "BEGIN" || cl.name == "END":
				if len(seen) > 0 {
					s.Break()
					s.Newline()
					clear(seen)
				}
				switch {
				case cl.name == "BEGIN" && (skip > 0 || strings.EqualFold(string(cl.value), "VTIMEZONE")):
					skip++
				case cl.name == "END" && skip > 0:
					skip--
				}
			case skip > 0:
			default:
				text := cl.text(fileCS)
				if text == "" || seen[text] {
					break
				}
				if len(seen) < vcardComponentMaxSeen && len(text) < 4096 {
					seen[text] = true
				}
				if err := s.Text(text); err != nil {
					return err
				}
				s.Break()
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// vcardLines reads unfolded content lines, each at most max bytes.
type vcardLines struct {
	s   *sink // for its context
	br  *bufio.Reader
	max int
	cut bool // the last line was cut at max
}

// next returns the next unfolded content line, without its line break: the
// physical lines that start with a space or a tab are joined to it, and so
// are the lines after a quoted-printable value ending in a soft line break
// ("=", vCard 2.1). It returns io.EOF with the last line.
func (l *vcardLines) next() ([]byte, error) {
	line, err := l.physical(nil)
	for err == nil {
		c, perr := l.br.Peek(1)
		switch {
		case perr == nil && (c[0] == ' ' || c[0] == '\t'):
			_, _ = l.br.ReadByte()
			line, err = l.physical(line)
		case perr == nil && bytes.HasSuffix(line, []byte("=")) && quotedPrintable(line):
			line, err = l.physical(line[:len(line)-1])
		default:
			return line, nil
		}
	}
	return line, err
}

// physical appends the next physical line to line, up to the cap; the
// rest of a longer line is read and dropped.
func (l *vcardLines) physical(line []byte) ([]byte, error) {
	for {
		// A chunk is up to the reader's 64 KiB: checking here keeps a
		// gigabyte-long line under the deadline too.
		if err := ctxErr(l.s.ctx); err != nil {
			return line, err
		}
		chunk, err := l.br.ReadSlice('\n')
		if room := l.max - len(line); len(chunk) > room {
			chunk = chunk[:max(room, 0)]
			l.cut = true
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line = bytes.TrimRight(line, "\r\n")
		return line, err
	}
}

// quotedPrintable reports whether a content line's parameters say its
// value is quoted-printable.
func quotedPrintable(line []byte) bool {
	cl, ok := parseContentLine(line)
	return ok && cl.encoding() == "QUOTED-PRINTABLE"
}

// contentLine is one parsed property.
type contentLine struct {
	name   string              // upper case, without its group
	params map[string][]string // upper-case names; vCard 2.1 bare values under TYPE or ENCODING
	value  []byte
}

// parseContentLine splits "group.NAME;P=v;P2="q:v":value". ok is false
// when the line has no name or no colon.
func parseContentLine(line []byte) (contentLine, bool) {
	i := bytes.IndexAny(line, ";:")
	if i <= 0 {
		return contentLine{}, false
	}
	name := string(line[:i])
	if dot := strings.LastIndexByte(name, '.'); dot >= 0 {
		name = name[dot+1:]
	}
	if name == "" || strings.IndexFunc(name, func(r rune) bool {
		return !(r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
	}) >= 0 {
		return contentLine{}, false
	}
	cl := contentLine{name: strings.ToUpper(name), params: map[string][]string{}}
	rest := line[i:]
	for len(rest) > 0 && rest[0] == ';' {
		rest = rest[1:]
		end, quoted := 0, false
		for end < len(rest) && (quoted || (rest[end] != ';' && rest[end] != ':')) {
			if rest[end] == '"' {
				quoted = !quoted
			}
			end++
		}
		cl.addParam(string(rest[:end]))
		rest = rest[end:]
	}
	if len(rest) == 0 || rest[0] != ':' {
		return contentLine{}, false
	}
	cl.value = rest[1:]
	return cl, true
}

func (cl *contentLine) addParam(p string) {
	k, v, found := strings.Cut(p, "=")
	if !found {
		// vCard 2.1: a bare value names its parameter by itself.
		v = k
		k = "TYPE"
		switch strings.ToUpper(v) {
		case "QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT":
			k = "ENCODING"
		}
	}
	k = strings.ToUpper(strings.TrimSpace(k))
	start, quoted := 0, false
	for i := 0; i <= len(v); i++ {
		switch {
		case i < len(v) && v[i] == '"':
			quoted = !quoted
		case i == len(v) || (v[i] == ',' && !quoted):
			cl.params[k] = append(cl.params[k], strings.Trim(strings.TrimSpace(v[start:i]), `"`))
			start = i + 1
		}
	}
}

func (cl *contentLine) param(name string) string {
	if v := cl.params[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (cl *contentLine) encoding() string { return strings.ToUpper(cl.param("ENCODING")) }

// text returns the property's value as text, or "" when it is not text.
func (cl *contentLine) text(fileCS charset) string {
	if vcardSkip[cl.name] {
		return ""
	}
	for _, p := range vcardSkipPrefixes {
		if strings.HasPrefix(cl.name, p) {
			return ""
		}
	}
	enc := cl.encoding()
	if enc == "BASE64" || enc == "B" || strings.EqualFold(cl.param("VALUE"), "binary") {
		return ""
	}
	raw := cl.value
	if enc == "QUOTED-PRINTABLE" {
		raw = decodeQP(raw)
	}
	cs := fileCS
	if label := cl.param("CHARSET"); label != "" {
		if c, ok := lookupCharset(label); ok {
			cs = c
		}
	}
	v := string(raw)
	if dec := decoderFor(cs); dec != nil {
		if b, err := dec.Bytes(raw); err == nil {
			v = string(b)
		}
	}
	switch {
	case cl.name == "N":
		// Family;Given;Additional;Prefix;Suffix, written in reading order.
		f := splitEscaped(v, ';')
		for len(f) < 5 {
			f = append(f, "")
		}
		return joinNonEmpty(" ", f[3], f[1], f[2], f[0], f[4])
	case cl.name == "ADR" || cl.name == "ORG":
		return joinNonEmpty(", ", splitEscaped(v, ';')...)
	case cl.name == "CATEGORIES" || cl.name == "NICKNAME" || cl.name == "RESOURCES":
		return joinNonEmpty(", ", splitEscaped(v, ',')...)
	case cl.name == "ORGANIZER" || cl.name == "ATTENDEE":
		addr := strings.TrimSpace(v)
		if len(addr) > 7 && strings.EqualFold(addr[:7], "mailto:") {
			addr = addr[7:]
		}
		if cn := strings.TrimSpace(cl.param("CN")); cn != "" && cn != addr {
			return cn + " <" + addr + ">"
		}
		return addr
	case vcardDates[cl.name]:
		return formatVCardDate(strings.TrimSpace(v), cl.param("TZID"))
	}
	return strings.TrimSpace(unescapeVCard(v))
}

// splitEscaped splits a structured value at unescaped seps and unescapes
// each field.
func splitEscaped(v string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case sep:
			out = append(out, unescapeVCard(v[start:i]))
			start = i + 1
		}
	}
	return append(out, unescapeVCard(v[start:]))
}

// unescapeVCard undoes the backslash escapes of text values: \n and \N are
// line breaks, \, \; \: and \\ the character itself.
func unescapeVCard(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i+1 == len(v) {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

// joinNonEmpty joins the fields that are not blank, with runs of white
// space inside each made single spaces.
func joinNonEmpty(sep string, fields ...string) string {
	var kept []string
	for _, f := range fields {
		if f = strings.Join(strings.Fields(f), " "); f != "" {
			kept = append(kept, f)
		}
	}
	return strings.Join(kept, sep)
}

// decodeQP decodes quoted-printable bytes leniently: "=HH" is a byte, a
// malformed "=" is kept as it is.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '=' && i+2 < len(b) {
			if v, ok := hexByte(b[i+1 : i+3]); ok {
				out = append(out, v)
				i += 2
				continue
			}
		}
		out = append(out, b[i])
	}
	return out
}

var vcardDateRE = regexp.MustCompile(`^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2})(?::?(\d{2}))?(Z)?)?$`)

// formatVCardDate writes a date or date-time as 2024-03-01 or
// 2024-03-01 09:30 (seconds when there are any), followed by UTC or the
// time zone's name; other values are returned as they are.
func formatVCardDate(v, tzid string) string {
	m := vcardDateRE.FindStringSubmatch(v)
	if m == nil {
		return v
	}
	out := m[1] + "-" + m[2] + "-" + m[3]
	if m[4] != "" {
		out += " " + m[4] + ":" + m[5]
		if m[6] != "" && m[6] != "00" {
			out += ":" + m[6]
		}
		switch {
		case m[7] == "Z":
			out += " UTC"
		case tzid != "":
			out += " " + tzid
		}
	}
	return out
}

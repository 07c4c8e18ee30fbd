package meta

import (
	"bytes"
	"errors"
	"strings"
	"time"
)

// The e-mail reader parses the header itself rather than with net/mail:
// net/mail imports package net, which links the cgo DNS resolver into every
// program that reads metadata, making it a dynamically linked executable
// that pays several milliseconds at each start for the dynamic loader. The
// header (RFC 5322 section 2.2) and date (section 3.3) grammars it needs
// are small.

// mailHeader is the header of an e-mail message: field names in lower case,
// each with the unfolded value of its first occurrence.
type mailHeader map[string]string

// get returns the value of the field named k (any letter case), or "".
func (h mailHeader) get(k string) string { return h[strings.ToLower(k)] }

var errMailHeader = errors.New("malformed header line")

// readMailHeader parses the header at the start of data, up to the first
// empty line or the end of data. Folded lines are joined with one space. A
// malformed line ends the header, and is an error only when it comes first.
func readMailHeader(data []byte) (mailHeader, error) {
	h := mailHeader{}
	var key string
	var val []string
	flush := func() {
		if key != "" {
			if _, seen := h[key]; !seen {
				h[key] = strings.Join(val, " ")
			}
		}
		key, val = "", nil
	}
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if key == "" {
				if len(h) == 0 {
					return nil, errMailHeader
				}
				break
			}
			val = append(val, strings.TrimSpace(string(line)))
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		name = bytes.TrimRight(name, " \t")
		if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
			if len(h) == 0 && key == "" {
				return nil, errMailHeader
			}
			break
		}
		flush()
		key, val = strings.ToLower(string(name)), []string{strings.TrimSpace(string(value))}
	}
	flush()
	if len(h) == 0 {
		return nil, errMailHeader
	}
	return h, nil
}

// parseMailDate reads an RFC 5322 date such as "Mon, 2 Jan 2006 15:04:05
// -0700", also in the obsolete forms (no day of the week, a two-digit year,
// no seconds, a zone name) and with comments such as "(PDT)".
func parseMailDate(v string) (time.Time, bool) {
	v = strings.Join(strings.Fields(stripComments(v)), " ")
	if v == "" {
		return time.Time{}, false
	}
	for _, dow := range [...]string{"", "Mon, "} {
		for _, day := range [...]string{"_2", "02"} {
			for _, year := range [...]string{"2006", "06"} {
				for _, secs := range [...]string{":05", ""} {
					for _, zone := range [...]string{"-0700", "MST", "UT"} {
						layout := dow + day + " Jan " + year + " 15:04" + secs + " " + zone
						if t, err := time.Parse(layout, v); err == nil {
							return t, true
						}
					}
				}
			}
		}
	}
	return time.Time{}, false
}

// stripComments removes parenthesised comments, nested ones included.
func stripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

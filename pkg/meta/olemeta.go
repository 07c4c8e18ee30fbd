package meta

import (
	"encoding/binary"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Legacy Office documents (DOC, XLS, PPT): OLE2 compound files whose
// \x05SummaryInformation property set holds the title, subject, author,
// keywords, comments, the application, the creation and last-saved dates
// and (Word) the page count, and whose \x05DocumentSummaryInformation
// holds the company. They map to the keys OOXML core and app properties
// map to. A damaged stream leaves a warning and what else was read.

// readOLE reads the property sets of a legacy Office document.
func readOLE(x *extraction) error {
	if err := x.oleEncrypted(); err != nil {
		return err
	}
	f, err := openCFB(x.s)
	if err != nil {
		return err
	}
	b := x.b
	found := false
	for _, st := range []struct {
		name string
		set  func(*builder, map[uint32]any)
	}{
		{"\x05SummaryInformation", summaryInfo},
		{"\x05DocumentSummaryInformation", docSummaryInfo},
	} {
		data, err := f.stream(st.name)
		if err != nil {
			b.warn("%s: %v", strings.TrimPrefix(st.name, "\x05"), x.describe(err))
		}
		if len(data) == 0 {
			continue
		}
		props, ok := propertySet(data)
		if !ok {
			b.warn("%s: the property set is damaged", strings.TrimPrefix(st.name, "\x05"))
		}
		if len(props) > 0 {
			found = true
			st.set(b, props)
		}
	}
	if !b.has("xmpTPg:NPages", prioIPTC) {
		if n, ok := wordPages(f); ok {
			found = true
			b.set("xmpTPg:NPages", Number(float64(n)), prioIPTC)
		}
	}
	if !found {
		b.warn("no document properties")
	}
	return nil
}

// wordPages reads the page count Word keeps in the document properties
// of a Word 97 (and later) file, the DOP's cPg, for a file whose summary
// information has none: the FIB at the start of the WordDocument stream
// says which table stream holds the DOP (fWhichTblStm) and where
// (fcDop, lcbDop). ok is false for another file, or a count of 0.
func wordPages(f *cfbFile) (int, bool) {
	fib, err := f.streamRange("WordDocument", 0, 0x19A)
	if err != nil || fib == nil {
		return 0, false
	}
	le := binary.LittleEndian
	// wIdent of a Word binary file, nFib of Word 97 or later, and the
	// sizes of the FIB's arrays that put fcDop at 0x192: csw 14, cslw 22,
	// cbRgFcLcb at least 93 pairs.
	if le.Uint16(fib) != 0xA5EC || le.Uint16(fib[2:]) < 0xC1 ||
		le.Uint16(fib[0x20:]) != 14 || le.Uint16(fib[0x3E:]) != 22 || le.Uint16(fib[0x98:]) < 93 {
		return 0, false
	}
	table := "0Table"
	if le.Uint16(fib[0x0A:])&0x0200 != 0 {
		table = "1Table"
	}
	fcDop, lcbDop := int64(le.Uint32(fib[0x192:])), int64(le.Uint32(fib[0x196:]))
	// The offset of cPg in the DOP as Word and LibreOffice write it (and
	// exiftool reads it, MS-DOC:Pages): after the creation, revision and
	// print dates (0x14, 0x18, 0x1C), the revision number, the editing
	// time, the word and character counts.
	const cPg = 0x2E
	if lcbDop < cPg+2 {
		return 0, false
	}
	b, err := f.streamRange(table, fcDop+cPg, 2)
	if err != nil || b == nil {
		return 0, false
	}
	n := int(le.Uint16(b))
	return n, n > 0
}

func summaryInfo(b *builder, p map[uint32]any) {
	text := func(id uint32) string {
		s, _ := p[id].(string)
		return strings.TrimSpace(s)
	}
	b.set("dc:title", LangAlt(text(2)), prioIPTC)
	b.set("acs:Subject", Text(text(3)), prioIPTC)
	if a := text(4); a != "" {
		b.set("dc:creator", TextSeq(splitList(a, ";")...), prioIPTC)
	}
	if k := text(5); k != "" {
		setKeywords(b, k, prioIPTC)
	}
	b.set("dc:description", LangAlt(text(6)), prioIPTC)
	b.set("acs:LastModifiedBy", Text(text(8)), prioIPTC)
	b.set("xmp:CreatorTool", Text(text(18)), prioIPTC)
	for id, key := range map[uint32]string{12: "xmp:CreateDate", 13: "xmp:ModifyDate"} {
		if t, ok := p[id].(time.Time); ok {
			b.set(key, Date(t.Format(time.RFC3339)), prioIPTC)
		}
	}
	for id, key := range map[uint32]string{14: "xmpTPg:NPages", 15: "acs:WordCount", 16: "acs:CharacterCount"} {
		if n, ok := p[id].(int64); ok && n > 0 {
			b.set(key, Number(float64(n)), prioIPTC)
		}
	}
}

func docSummaryInfo(b *builder, p map[uint32]any) {
	if s, ok := p[15].(string); ok {
		b.set("acs:Company", Text(strings.TrimSpace(s)), prioIPTC)
	}
	if s, ok := p[2].(string); ok {
		b.set("acs:Category", Text(strings.TrimSpace(s)), prioIPTC)
	}
}

// maxProps bounds the properties read from one property set.
const maxProps = 1024

// propertySet reads the first property set of a property set stream
// (MS-OLEPS): integers (int64), strings (string, decoded by the set's
// code page) and FILETIME dates (time.Time, UTC; zero dates are left
// out). ok is false when the stream is damaged; props holds what was
// read before.
func propertySet(data []byte) (props map[uint32]any, ok bool) {
	le := binary.LittleEndian
	if len(data) < 48 || le.Uint16(data) != 0xFFFE || le.Uint32(data[24:]) == 0 {
		return nil, false
	}
	base := int(le.Uint32(data[44:]))
	if base < 48 || base > len(data)-8 {
		return nil, false
	}
	set := data[base:]
	if n := int(le.Uint32(set)); n < len(set) && n >= 8 {
		set = set[:n]
	}
	count := int(le.Uint32(set[4:]))
	ok = true
	if count > maxProps || 8+8*count > len(set) {
		count = min(maxProps, (len(set)-8)/8)
		ok = false
	}
	type raw struct {
		id  uint32
		val []byte
	}
	var raws []raw
	codepage := 1252
	for i := 0; i < count; i++ {
		id := le.Uint32(set[8+8*i:])
		off := int(le.Uint32(set[12+8*i:]))
		if off < 8 || off > len(set)-4 {
			ok = false
			continue
		}
		v := set[off:]
		if id == 1 && le.Uint16(v) == 2 && len(v) >= 6 { // VT_I2 code page
			codepage = int(le.Uint16(v[4:]))
			continue
		}
		raws = append(raws, raw{id, v})
	}
	props = map[uint32]any{}
	for _, r := range raws {
		v := r.val
		typ := le.Uint16(v)
		body := v[4:]
		switch typ {
		case 2: // VT_I2
			if len(body) >= 2 {
				props[r.id] = int64(int16(le.Uint16(body)))
			}
		case 3, 19: // VT_I4, VT_UI4
			if len(body) >= 4 {
				if typ == 3 {
					props[r.id] = int64(int32(le.Uint32(body)))
				} else {
					props[r.id] = int64(le.Uint32(body))
				}
			}
		case 30: // VT_LPSTR
			if len(body) < 4 {
				ok = false
				continue
			}
			n := int(le.Uint32(body))
			if n > len(body)-4 {
				ok = false
				continue
			}
			if codepage == 1200 {
				props[r.id] = oleUTF16(body[4 : 4+n&^1])
			} else {
				props[r.id] = codepageString(body[4:4+n], codepage)
			}
		case 31: // VT_LPWSTR
			if len(body) < 4 {
				ok = false
				continue
			}
			n := int(le.Uint32(body))
			if n < 0 || n > (len(body)-4)/2 {
				ok = false
				continue
			}
			props[r.id] = oleUTF16(body[4 : 4+2*n])
		case 64: // VT_FILETIME
			if len(body) >= 8 {
				if t, good := filetime(le.Uint64(body)); good {
					props[r.id] = t
				}
			}
		}
	}
	return props, ok
}

// filetime converts a FILETIME (100 ns since 1601-01-01 UTC) to a time;
// zero and implausible values (before 1980, after 2200) are not dates.
func filetime(ft uint64) (time.Time, bool) {
	const epochDiff = 116444736000000000 // 1601 to 1970 in 100 ns
	if ft < epochDiff {
		return time.Time{}, false
	}
	t := time.Unix(0, 0).UTC().Add(time.Duration((ft-epochDiff)%10000000) * 100).
		Add(time.Duration((ft-epochDiff)/10000000) * time.Second)
	if t.Year() < 1980 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t.Truncate(time.Second), true
}

func oleUTF16(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// codepageString decodes a string of the given Windows code page,
// cut at its first NUL: UTF-8 (65001) as is, the rest as Windows-1252
// (the common case; other code pages lose their non-ASCII letters).
func codepageString(b []byte, codepage int) string {
	if i := indexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if codepage == 65001 || (utf8.Valid(b) && codepage != 1252) {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

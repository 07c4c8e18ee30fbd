package meta

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
)

// A minimal PDF object reader: enough to follow the cross-reference
// table or stream from the end of the file to the trailer, the document
// information dictionary, the catalog's XMP metadata stream and the page
// tree's count, decrypting them when the document is encrypted with an
// empty user password (pdfcrypt.go). Every read is bounded: object count,
// nesting depth, stream sizes (MaxSegmentBytes, MaxXMPBytes,
// MaxExpandBytes) and xref chain length.

type pdfRef struct{ num, gen int }

type pdfName string

type pdfDict map[pdfName]any

type pdfStream struct {
	dict     pdfDict
	off      int64 // offset of the data in the file (or -1 when data is set)
	data     []byte
	num, gen int // the object that holds the stream (its encryption key)
}

type pdfXref struct {
	off    int64 // type 1: offset in file
	stream int   // type 2: object stream number
	index  int
	typ    int
}

type pdfDoc struct {
	x       *extraction
	xref    map[int]pdfXref
	trailer pdfDict
	objs    map[int]any
	loads   int
	objStms map[int]*pdfObjStm
	crypt   *pdfCrypt // nil for a document that is not encrypted
}

var errPDF = errors.New("malformed PDF")

// readPDF reads the version, the Info dictionary, the XMP metadata stream
// and the page count.
func readPDF(x *extraction) error {
	b := x.b
	if i := bytes.Index(x.head, []byte("%PDF-")); i >= 0 && i+8 <= len(x.head) {
		v := string(x.head[i+5 : i+8])
		if len(v) == 3 && v[1] == '.' {
			b.set("pdf:PDFVersion", Text(v), prioFile)
		}
	}
	p := &pdfDoc{x: x, xref: map[int]pdfXref{}, objs: map[int]any{}, objStms: map[int]*pdfObjStm{}}
	if err := p.loadXref(); err != nil {
		return corruptf("cannot read the cross-reference table: %v", err)
	}
	if enc, ok := p.trailer["Encrypt"]; ok && enc != nil {
		if err := p.setupCrypt(enc); err != nil {
			return err
		}
	}
	if info, ok := p.resolve(p.trailer["Info"]).(pdfDict); ok {
		p.info(info)
	}
	root, ok := p.resolve(p.trailer["Root"]).(pdfDict)
	if !ok {
		b.warn("PDF: no document catalog")
		return nil
	}
	if pages, ok := p.resolve(root["Pages"]).(pdfDict); ok {
		if n, ok := p.resolve(pages["Count"]).(float64); ok && n >= 0 && n < 1e9 {
			b.set("xmpTPg:NPages", Number(n), prioFile)
		}
	}
	if st, ok := p.resolve(root["Metadata"]).(*pdfStream); ok {
		if data, err := p.streamData(st, b.opts.MaxXMPBytes, "MaxXMPBytes", "PDF metadata stream"); err != nil {
			if err != errExpand { // expand said why
				b.warn("PDF: metadata stream: %v", err)
			}
		} else {
			parseXMP(b, data, prioXMP, "PDF XMP")
		}
	}
	return nil
}

func (p *pdfDoc) info(d pdfDict) {
	b := p.x.b
	str := func(k pdfName) string {
		if s, ok := p.resolve(d[k]).(string); ok {
			return strings.TrimSpace(pdfText(s))
		}
		return ""
	}
	b.set("dc:title", LangAlt(str("Title")), prioIPTC)
	if a := str("Author"); a != "" {
		b.set("dc:creator", TextSeq(a), prioIPTC)
	}
	b.set("dc:description", LangAlt(str("Subject")), prioIPTC)
	if k := str("Keywords"); k != "" {
		b.set("pdf:Keywords", Text(k), prioIPTC)
		setKeywords(b, k, prioIPTC-1)
	}
	b.set("xmp:CreatorTool", Text(str("Creator")), prioIPTC)
	b.set("pdf:Producer", Text(str("Producer")), prioIPTC)
	for k, key := range map[pdfName]string{"CreationDate": "xmp:CreateDate", "ModDate": "xmp:ModifyDate"} {
		if iso, ok := pdfDate(str(k)); ok {
			b.set(key, Date(iso), prioIPTC)
		}
	}
	if t, ok := p.resolve(d["Trapped"]).(pdfName); ok {
		b.set("pdf:Trapped", Text(string(t)), prioIPTC)
	}
}

// pdfText decodes a PDF text string: UTF-16BE or UTF-8 with a byte-order
// mark, else PDFDocEncoding (Latin-1 for the printable range).
func pdfText(s string) string {
	switch {
	case strings.HasPrefix(s, "\xFE\xFF"):
		u := make([]uint16, 0, len(s)/2)
		for i := 2; i+1 < len(s); i += 2 {
			u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
		}
		return string(utf16.Decode(u))
	case strings.HasPrefix(s, "\xEF\xBB\xBF"):
		return s[3:]
	}
	return decodeCP1252([]byte(s))
}

const (
	pdfMaxXref    = 1 << 18
	pdfMaxObjects = 2000
	pdfMaxDepth   = 32
)

// loadXref finds startxref and reads the xref sections back through /Prev.
func (p *pdfDoc) loadXref() error {
	s := p.x.s
	tailLen := min(s.size, 2048)
	tail, err := s.readAt(s.size-tailLen, tailLen)
	if err != nil {
		return err
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return fmt.Errorf("no startxref")
	}
	f := bytes.Fields(tail[i+9:])
	if len(f) == 0 {
		return fmt.Errorf("no startxref offset")
	}
	off, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil {
		return fmt.Errorf("bad startxref offset")
	}
	seen := map[int64]bool{}
	for n := 0; off > 0 && n < 64; n++ {
		if seen[off] {
			p.x.b.warn("PDF: cross-reference chain loops")
			break
		}
		seen[off] = true
		trailer, err := p.xrefSection(off)
		if err != nil {
			if p.trailer == nil {
				return err
			}
			p.x.b.warn("PDF: older cross-reference section unreadable: %v", err)
			break
		}
		if p.trailer == nil {
			p.trailer = trailer
		} else {
			for k, v := range trailer {
				if _, ok := p.trailer[k]; !ok {
					p.trailer[k] = v
				}
			}
		}
		if xs, ok := trailer["XRefStm"].(float64); ok && !seen[int64(xs)] {
			seen[int64(xs)] = true
			if _, err := p.xrefSection(int64(xs)); err != nil {
				p.x.b.warn("PDF: hybrid cross-reference stream unreadable: %v", err)
			}
		}
		prev, _ := trailer["Prev"].(float64)
		off = int64(prev)
	}
	if p.trailer == nil {
		return fmt.Errorf("no trailer")
	}
	return nil
}

// xrefSection reads a classic xref table with its trailer, or an xref
// stream, at off. Entries already known (from a newer section) are kept.
func (p *pdfDoc) xrefSection(off int64) (pdfDict, error) {
	head, err := p.x.s.readUpTo(off, 64)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(bytes.TrimLeft(head, " \r\n\t"), []byte("xref")) {
		return p.xrefTable(off)
	}
	obj, err := p.objectAt(off)
	if err != nil {
		return nil, err
	}
	st, ok := obj.(*pdfStream)
	if !ok || st.dict["Type"] != pdfName("XRef") {
		return nil, fmt.Errorf("offset %d is not a cross-reference section", off)
	}
	data, err := p.streamData(st, p.x.b.opts.MaxExpandBytes, "MaxExpandBytes", "PDF cross-reference stream")
	if err != nil {
		return nil, err
	}
	w, _ := st.dict["W"].([]any)
	if len(w) != 3 {
		return nil, fmt.Errorf("bad /W in xref stream")
	}
	var ws [3]int
	row := 0
	for i := range ws {
		f, _ := w[i].(float64)
		if f < 0 || f > 8 {
			return nil, fmt.Errorf("bad /W in xref stream")
		}
		ws[i] = int(f)
		row += ws[i]
	}
	if row == 0 {
		return nil, fmt.Errorf("bad /W in xref stream")
	}
	size, _ := st.dict["Size"].(float64)
	index := []any{0.0, size}
	if ix, ok := st.dict["Index"].([]any); ok && len(ix)%2 == 0 {
		index = ix
	}
	pos := 0
	field := func(n int, def int64) int64 {
		if n == 0 {
			return def
		}
		var v int64
		for i := 0; i < n; i++ {
			v = v<<8 | int64(data[pos+i])
		}
		pos += n
		return v
	}
	for i := 0; i+1 < len(index); i += 2 {
		start, _ := index[i].(float64)
		count, _ := index[i+1].(float64)
		for j := 0; j < int(count) && pos+row <= len(data); j++ {
			typ := field(ws[0], 1)
			a := field(ws[1], 0)
			c := field(ws[2], 0)
			num := int(start) + j
			if _, ok := p.xref[num]; ok || len(p.xref) > pdfMaxXref {
				continue
			}
			switch typ {
			case 1:
				p.xref[num] = pdfXref{typ: 1, off: a}
			case 2:
				p.xref[num] = pdfXref{typ: 2, stream: int(a), index: int(c)}
			default:
				p.xref[num] = pdfXref{typ: 0}
			}
		}
	}
	return st.dict, nil
}

func (p *pdfDoc) xrefTable(off int64) (pdfDict, error) {
	lx := &pdfLexer{r: newSeqReader(p.x.s, off)}
	if kw, _ := lx.token(); kw != "xref" {
		return nil, errPDF
	}
	for {
		t, err := lx.token()
		if err != nil {
			return nil, err
		}
		if t == "trailer" {
			d, err := lx.object(0)
			if err != nil {
				return nil, err
			}
			dict, ok := d.(pdfDict)
			if !ok {
				return nil, fmt.Errorf("bad trailer")
			}
			return dict, nil
		}
		start, err1 := strconv.Atoi(t)
		ct, _ := lx.token()
		count, err2 := strconv.Atoi(ct)
		if err1 != nil || err2 != nil || start < 0 || count < 0 || count > 1<<22 {
			return nil, fmt.Errorf("bad xref subsection header")
		}
		for j := 0; j < count; j++ {
			o, _ := lx.token()
			_, _ = lx.token()
			kind, err := lx.token()
			if err != nil {
				return nil, err
			}
			num := start + j
			if _, ok := p.xref[num]; ok || len(p.xref) > pdfMaxXref {
				continue
			}
			v, _ := strconv.ParseInt(o, 10, 64)
			if kind == "n" {
				p.xref[num] = pdfXref{typ: 1, off: v}
			} else {
				p.xref[num] = pdfXref{typ: 0}
			}
		}
	}
}

// resolve follows references (bounded).
func (p *pdfDoc) resolve(v any) any {
	for i := 0; i < 8; i++ {
		r, ok := v.(pdfRef)
		if !ok {
			return v
		}
		v = p.object(r.num)
	}
	return nil
}

func (p *pdfDoc) object(num int) any {
	if v, ok := p.objs[num]; ok {
		return v
	}
	p.objs[num] = nil // a reference cycle resolves to null
	if p.loads >= pdfMaxObjects {
		return nil
	}
	p.loads++
	e, ok := p.xref[num]
	var v any
	var err error
	switch {
	case !ok:
	case e.typ == 1:
		v, err = p.objectAt(e.off)
	case e.typ == 2:
		v, err = p.fromObjStm(e.stream, e.index)
	}
	if err != nil {
		p.x.b.warn("PDF: object %d: %v", num, err)
		v = nil
	}
	p.objs[num] = v
	return v
}

// objectAt reads "N G obj ... endobj" at off; a stream's data stays in the
// file until streamData reads it. The strings of an encrypted document are
// decrypted with the key of object N G.
func (p *pdfDoc) objectAt(off int64) (any, error) {
	lx := &pdfLexer{r: newSeqReader(p.x.s, off)}
	var ids [2]int
	for i, want := range []string{"", "", "obj"} {
		t, err := lx.token()
		if err != nil {
			return nil, err
		}
		if want != "" && t != want {
			return nil, fmt.Errorf("no object at offset %d", off)
		}
		if i < 2 {
			n, err := strconv.Atoi(t)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("no object at offset %d", off)
			}
			ids[i] = n
		}
	}
	v, err := lx.object(0)
	if err != nil {
		return nil, err
	}
	if p.crypt != nil {
		v = p.crypt.decryptStrings(v, ids[0], ids[1], 0)
	}
	d, ok := v.(pdfDict)
	if !ok {
		return v, nil
	}
	t, err := lx.token()
	if err != nil || t != "stream" {
		return v, nil
	}
	// The data starts after the end of line that follows "stream".
	c, err := lx.r.ReadByte()
	if err == nil && c == '\r' {
		c, err = lx.r.ReadByte()
	}
	if err != nil {
		return nil, err
	}
	start := lx.r.offset()
	if c != '\n' {
		start--
	}
	return &pdfStream{dict: d, off: start, num: ids[0], gen: ids[1]}, nil
}

// streamData returns a stream's decoded data (FlateDecode only, with PNG
// predictors): the raw data within MaxSegmentBytes, decrypted when the
// document is encrypted, and decompressed within limit (the setting that
// names it) and the source's MaxExpandBytes. what names the stream in
// warnings.
func (p *pdfDoc) streamData(st *pdfStream, limit int64, setting, what string) ([]byte, error) {
	b := p.x.b
	raw := st.data
	if st.off >= 0 {
		n, ok := p.resolve(st.dict["Length"]).(float64)
		if !ok || n < 0 {
			return nil, fmt.Errorf("stream without a length")
		}
		if int64(n) > b.opts.MaxSegmentBytes {
			return nil, fmt.Errorf("stream of %d bytes is over the limit of %d (MaxSegmentBytes)", int64(n), b.opts.MaxSegmentBytes)
		}
		var err error
		if raw, err = p.x.s.readAt(st.off, int64(n)); err != nil {
			return nil, err
		}
		if p.crypt != nil && p.encrypted(st) {
			if raw, err = p.crypt.decrypt(p.crypt.stm, st.num, st.gen, raw); err != nil {
				return nil, err
			}
		}
	}
	filters := []any{}
	switch f := p.resolve(st.dict["Filter"]).(type) {
	case pdfName:
		filters = append(filters, f)
	case []any:
		filters = f
	}
	data := raw
	for _, f := range filters {
		switch p.resolve(f) {
		case pdfName("Crypt"):
			// Decrypted above, or named Identity.
		case pdfName("FlateDecode"), pdfName("Fl"):
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, fmt.Errorf("bad compressed stream")
			}
			out, err := p.x.expand(zr, limit, setting, what)
			if err != nil && len(out) == 0 {
				return nil, err
			}
			data = out
		default:
			return nil, fmt.Errorf("unsupported stream filter %v", f)
		}
	}
	if parms, ok := p.resolve(st.dict["DecodeParms"]).(pdfDict); ok {
		if pred, _ := parms["Predictor"].(float64); pred >= 10 {
			cols, _ := parms["Columns"].(float64)
			if cols <= 0 {
				cols = 1
			}
			return pngUnpredict(data, int(cols))
		}
	}
	return data, nil
}

// encrypted reports whether the data of a stream read from the file is
// encrypted: all are but cross-reference streams, the metadata stream
// when EncryptMetadata is false, and streams whose own Crypt filter is
// Identity. A stream's own crypt filter of another name is taken to be
// the document's default stream filter.
func (p *pdfDoc) encrypted(st *pdfStream) bool {
	switch p.resolve(st.dict["Type"]) {
	case pdfName("XRef"):
		return false
	case pdfName("Metadata"):
		if !p.crypt.encryptMetadata {
			return false
		}
	}
	if fs, ok := p.resolve(st.dict["Filter"]).([]any); ok && len(fs) > 0 && p.resolve(fs[0]) == pdfName("Crypt") {
		parms, _ := p.resolve(st.dict["DecodeParms"]).([]any)
		var d pdfDict
		if len(parms) > 0 {
			d, _ = p.resolve(parms[0]).(pdfDict)
		}
		if name, _ := p.resolve(d["Name"]).(pdfName); name == "" || name == cryptIdentity {
			return false
		}
	}
	if p.resolve(st.dict["Filter"]) == pdfName("Crypt") {
		d, _ := p.resolve(st.dict["DecodeParms"]).(pdfDict)
		if name, _ := p.resolve(d["Name"]).(pdfName); name == "" || name == cryptIdentity {
			return false
		}
	}
	return true
}

// pngUnpredict reverses the PNG "Up"/"Sub"/... row filters used by xref
// streams (one byte per sample).
func pngUnpredict(data []byte, cols int) ([]byte, error) {
	if cols > 1<<16 {
		return nil, fmt.Errorf("bad predictor columns")
	}
	row := cols + 1
	out := make([]byte, 0, len(data)/row*cols)
	prev := make([]byte, cols)
	for i := 0; i+row <= len(data); i += row {
		cur := make([]byte, cols)
		copy(cur, data[i+1:i+row])
		for j := range cur {
			var left, up, ul byte
			if j > 0 {
				left, ul = cur[j-1], prev[j-1]
			}
			up = prev[j]
			switch data[i] {
			case 1:
				cur[j] += left
			case 2:
				cur[j] += up
			case 3:
				cur[j] += byte((int(left) + int(up)) / 2)
			case 4:
				cur[j] += paeth(left, up, ul)
			}
		}
		out = append(out, cur...)
		prev = cur
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// pdfObjStm is a decoded object stream: N objects, the first at offset
// First of data, after the N pairs of object number and offset.
type pdfObjStm struct {
	first, n int
	data     []byte
	err      error
}

// fromObjStm reads object index idx of the object stream num.
func (p *pdfDoc) fromObjStm(num, idx int) (any, error) {
	os, ok := p.objStms[num]
	if !ok {
		os = p.loadObjStm(num)
		p.objStms[num] = os
	}
	if os.err != nil {
		return nil, os.err
	}
	if idx < 0 || idx >= os.n {
		return nil, fmt.Errorf("index %d outside object stream %d", idx, num)
	}
	lx := &pdfLexer{r: newSeqReader(bytesSrc(p.x.s.ctx, os.data), 0)}
	off := -1
	for i := 0; i <= idx; i++ {
		lx.token()
		o, err := lx.token()
		if err != nil {
			return nil, err
		}
		off, _ = strconv.Atoi(o)
	}
	pos := os.first + off
	if off < 0 || pos >= len(os.data) {
		return nil, fmt.Errorf("object offset outside object stream %d", num)
	}
	lx = &pdfLexer{r: newSeqReader(bytesSrc(p.x.s.ctx, os.data), int64(pos))}
	return lx.object(0)
}

func (p *pdfDoc) loadObjStm(num int) *pdfObjStm {
	st, isStream := p.object(num).(*pdfStream)
	if !isStream {
		return &pdfObjStm{err: fmt.Errorf("object stream %d missing", num)}
	}
	data, err := p.streamData(st, p.x.b.opts.MaxExpandBytes, "MaxExpandBytes", fmt.Sprintf("PDF object stream %d", num))
	if err != nil {
		return &pdfObjStm{err: err}
	}
	first, _ := p.resolve(st.dict["First"]).(float64)
	n, _ := p.resolve(st.dict["N"]).(float64)
	if first < 0 || first > float64(len(data)) || n < 0 || n > float64(len(data)) {
		return &pdfObjStm{err: fmt.Errorf("bad object stream header")}
	}
	return &pdfObjStm{first: int(first), n: int(n), data: data}
}

// pdfLexer reads PDF tokens and objects from a seqReader.
type pdfLexer struct {
	r      *seqReader
	peeked []string
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool { return strings.IndexByte("()<>[]{}/%", c) >= 0 }

// token returns the next token: a delimiter ("<<", ">>", "[", "]", "(",
// "<", "/"), or a regular word (number, keyword).
func (l *pdfLexer) token() (string, error) {
	if n := len(l.peeked); n > 0 {
		t := l.peeked[n-1]
		l.peeked = l.peeked[:n-1]
		return t, nil
	}
	var c byte
	var err error
	for {
		if c, err = l.r.ReadByte(); err != nil {
			return "", err
		}
		if c == '%' { // comment to end of line
			for c != '\n' && c != '\r' {
				if c, err = l.r.ReadByte(); err != nil {
					return "", err
				}
			}
			continue
		}
		if !isPDFSpace(c) {
			break
		}
	}
	switch c {
	case '<', '>':
		d, err := l.r.ReadByte()
		if err == nil && d == c {
			return string([]byte{c, c}), nil
		}
		if err == nil {
			l.r.pos-- // unread
		}
		return string(c), nil
	case '[', ']', '(', ')', '{', '}', '/':
		return string(c), nil
	}
	var sb []byte
	sb = append(sb, c)
	for len(sb) < 256 {
		d, err := l.r.ReadByte()
		if err != nil {
			break
		}
		if isPDFSpace(d) || isPDFDelim(d) {
			l.r.pos--
			break
		}
		sb = append(sb, d)
	}
	return string(sb), nil
}

func (l *pdfLexer) unread(t string) { l.peeked = append(l.peeked, t) }

// object reads one object: null, bool, number, reference, name, string,
// array or dictionary.
func (l *pdfLexer) object(depth int) (any, error) {
	if depth > pdfMaxDepth {
		return nil, fmt.Errorf("objects nested too deeply")
	}
	t, err := l.token()
	if err != nil {
		return nil, err
	}
	switch t {
	case "<<":
		d := pdfDict{}
		for {
			k, err := l.token()
			if err != nil {
				return nil, err
			}
			if k == ">>" {
				return d, nil
			}
			if k != "/" {
				return nil, fmt.Errorf("dictionary key expected")
			}
			name, err := l.name()
			if err != nil {
				return nil, err
			}
			v, err := l.object(depth + 1)
			if err != nil {
				return nil, err
			}
			if len(d) < 4096 {
				d[pdfName(name)] = v
			}
		}
	case "[":
		var a []any
		for {
			e, err := l.token()
			if err != nil {
				return nil, err
			}
			if e == "]" {
				return a, nil
			}
			l.unread(e)
			v, err := l.object(depth + 1)
			if err != nil {
				return nil, err
			}
			if len(a) < 1<<16 {
				a = append(a, v)
			}
		}
	case "/":
		n, err := l.name()
		return pdfName(n), err
	case "(":
		return l.literal()
	case "<":
		return l.hex()
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return nil, fmt.Errorf("unexpected %.20q", t)
	}
	// "N G R" is a reference.
	if f >= 0 && f == float64(int(f)) && !strings.Contains(t, ".") {
		t2, err := l.token()
		if err == nil {
			if g, err := strconv.Atoi(t2); err == nil && g >= 0 {
				t3, err := l.token()
				if err == nil && t3 == "R" {
					return pdfRef{int(f), g}, nil
				}
				if err == nil {
					l.unread(t3)
				}
			}
			l.unread(t2)
		}
	}
	return f, nil
}

func (l *pdfLexer) name() (string, error) {
	var sb []byte
	for len(sb) < 256 {
		c, err := l.r.ReadByte()
		if err != nil {
			return string(sb), nil
		}
		if isPDFSpace(c) || isPDFDelim(c) {
			l.r.pos--
			break
		}
		if c == '#' {
			h, err := l.r.readN(2)
			if err == nil {
				if v, err := strconv.ParseUint(string(h), 16, 8); err == nil {
					c = byte(v)
				}
			}
		}
		sb = append(sb, c)
	}
	return string(sb), nil
}

const pdfMaxString = 1 << 20

func (l *pdfLexer) literal() (string, error) {
	var sb []byte
	depth := 1
	for {
		c, err := l.r.ReadByte()
		if err != nil {
			return "", err
		}
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return string(sb), nil
			}
		case '\\':
			e, err := l.r.ReadByte()
			if err != nil {
				return "", err
			}
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r', '\n':
				if e == '\r' {
					if d, err := l.r.ReadByte(); err == nil && d != '\n' {
						l.r.pos--
					}
				}
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2; i++ {
						d, err := l.r.ReadByte()
						if err != nil {
							break
						}
						if d < '0' || d > '7' {
							l.r.pos--
							break
						}
						v = v*8 + int(d-'0')
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		if len(sb) > pdfMaxString {
			return "", fmt.Errorf("string too long")
		}
		sb = append(sb, c)
	}
}

func (l *pdfLexer) hex() (string, error) {
	var sb []byte
	var hi byte
	half := false
	for {
		c, err := l.r.ReadByte()
		if err != nil {
			return "", err
		}
		if c == '>' {
			if half {
				sb = append(sb, hi<<4)
			}
			return string(sb), nil
		}
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			continue
		}
		if half {
			sb = append(sb, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
		if len(sb) > pdfMaxString {
			return "", fmt.Errorf("string too long")
		}
	}
}

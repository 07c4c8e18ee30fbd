package image

import (
	"bufio"
	"bytes"
	"encoding/base64"
	goimage "image"
	"io"
	"os"
	"strconv"
	"strings"

	// The decoders whose DecodeConfig reads the size of images embedded
	// in SVG.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
)

// SVG sources: finding the root element, and the entities a document
// declares.
//
// Adobe Illustrator writes a document type declaration with an internal
// subset of entities (<!DOCTYPE svg [<!ENTITY ns_svg "http://...">]>) and
// uses them in attributes (xmlns="&ns_svg;"); librsvg expands them. The
// same mechanism makes entity expansion bombs: "billion laughs" (entities
// nested ten deep, each referring ten times to the one below) and the
// quadratic blow-up (one large entity referred to a hundred thousand
// times), which keep librsvg busy for minutes. So before libvips reads an
// SVG that declares entities, the engine adds up in Go how much text its
// entity references expand to, and refuses the file when that exceeds
// maxSVGEntityText. Entities that would load another file (external
// entities) and parameter entities, which can declare further entities,
// are refused when used; librsvg would not load them anyway.

// maxSVGProlog is how far into an XML file the engine looks for the root
// element: the prolog (XML declaration, comments, document type
// declaration with its internal subset) must end within it.
const maxSVGProlog = 64 << 10

// maxSVGEntityText is the most text the entity references of an SVG may
// expand to, in bytes, all references together.
const maxSVGEntityText = 8 << 20

// prologResult is what scanProlog finds.
type prologResult int

const (
	prologNotSVG prologResult = iota
	prologSVG
	// prologShort: the data ends before the root element.
	prologShort
)

// scanProlog reads the prolog of an XML document that starts with head
// (format.ScanXMLProlog) and reports whether its root element is svg.
// subset is the internal subset of the document type declaration, between
// its brackets, and root the offset of the root element in head.
func scanProlog(head []byte) (res prologResult, subset []byte, root int) {
	p := format.ScanXMLProlog(head)
	switch {
	case p.Short:
		return prologShort, nil, 0
	case format.IsSVGRoot(p.Root):
		return prologSVG, p.Subset, p.Offset
	}
	return prologNotSVG, nil, 0
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// svgEntity is one entity of an internal subset.
type svgEntity struct {
	value    []byte // the replacement text of an internal entity
	external string // the system identifier of an external entity
}

// dtdEntities parses the entity declarations of an internal subset. Other
// declarations (ELEMENT, ATTLIST, NOTATION) are skipped; refs are the
// entity references made outside entity values (in attribute defaults).
// A parameter entity reference is refused: it can declare entities this
// reader does not see.
func dtdEntities(subset []byte) (general map[string]*svgEntity, refs [][]byte, err error) {
	general = map[string]*svgEntity{}
	corrupt := func(format string, args ...any) error {
		return api.Errorf(api.ReasonSourceCorrupt, "source is a corrupt SVG file: its document type declaration "+format, args...)
	}
	s := subset
	for p := 0; p < len(s); {
		rest := s[p:]
		switch {
		case isXMLSpace(s[p]):
			p++
		case bytes.HasPrefix(rest, []byte("<!--")):
			n := bytes.Index(rest[4:], []byte("-->"))
			if n < 0 {
				return nil, nil, corrupt("has an unterminated comment")
			}
			p += 4 + n + 3
		case bytes.HasPrefix(rest, []byte("<?")):
			n := bytes.Index(rest[2:], []byte("?>"))
			if n < 0 {
				return nil, nil, corrupt("has an unterminated processing instruction")
			}
			p += 2 + n + 2
		case s[p] == '%':
			name, _ := xmlName(rest[1:])
			return nil, nil, api.Errorf(api.ReasonSourceFormatUnsupported,
				"source SVG uses the parameter entity %%%s; in its document type declaration; parameter entities are not supported", name)
		case bytes.HasPrefix(rest, []byte("<!ENTITY")) && len(rest) > 8 && isXMLSpace(rest[8]):
			q := 8
			skip := func() {
				for q < len(rest) && isXMLSpace(rest[q]) {
					q++
				}
			}
			skip()
			parameter := false
			if q < len(rest) && rest[q] == '%' {
				parameter = true
				q++
				skip()
			}
			name, n := xmlName(rest[q:])
			if n == 0 {
				return nil, nil, corrupt("has an entity without a name")
			}
			q += n
			skip()
			e := &svgEntity{}
			literal := func() ([]byte, bool) {
				skip()
				if q >= len(rest) || (rest[q] != '"' && rest[q] != '\'') {
					return nil, false
				}
				end := bytes.IndexByte(rest[q+1:], rest[q])
				if end < 0 {
					return nil, false
				}
				v := rest[q+1 : q+1+end]
				q += end + 2
				return v, true
			}
			switch {
			case bytes.HasPrefix(rest[q:], []byte("SYSTEM")):
				q += 6
				sys, ok := literal()
				if !ok {
					return nil, nil, corrupt("has a malformed declaration of entity %s", name)
				}
				e.external = string(sys)
			case bytes.HasPrefix(rest[q:], []byte("PUBLIC")):
				q += 6
				_, ok1 := literal()
				sys, ok2 := literal()
				if !ok1 || !ok2 {
					return nil, nil, corrupt("has a malformed declaration of entity %s", name)
				}
				e.external = string(sys)
			default:
				v, ok := literal()
				if !ok {
					return nil, nil, corrupt("has a malformed declaration of entity %s", name)
				}
				e.value = v
			}
			end := bytes.IndexByte(rest[q:], '>')
			if end < 0 {
				return nil, nil, corrupt("has an unterminated declaration of entity %s", name)
			}
			p += q + end + 1
			if parameter {
				continue // declared only; a reference to it is refused above
			}
			if _, dup := general[name]; !dup { // the first declaration binds
				general[name] = e
			}
		case bytes.HasPrefix(rest, []byte("<!")):
			// ELEMENT, ATTLIST, NOTATION: up to the '>' outside quotes.
			q := 2
			for q < len(rest) && rest[q] != '>' {
				if rest[q] == '"' || rest[q] == '\'' {
					end := bytes.IndexByte(rest[q+1:], rest[q])
					if end < 0 {
						return nil, nil, corrupt("has an unterminated literal")
					}
					refs = append(refs, rest[q+1:q+1+end])
					q += end + 2
					continue
				}
				q++
			}
			p += q + 1
		default:
			return nil, nil, corrupt("holds unexpected text at %q", rest[:min(len(rest), 20)])
		}
	}
	return general, refs, nil
}

// xmlName returns the XML name at the start of s and its length.
func xmlName(s []byte) (string, int) {
	n := 0
	for n < len(s) && isNameByte(s[n], n == 0) {
		n++
	}
	return string(s[:n]), n
}

// isNameByte reports whether c may be part of an XML name (its first
// byte when first): ASCII name characters and any byte of a non-ASCII
// character.
func isNameByte(c byte, first bool) bool {
	return c >= 0x80 || c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
		!first && (c == '-' || c == '.' || c >= '0' && c <= '9')
}

// entitySizer computes the expanded size of entities, saturating above
// limit, refusing loops and external entities.
type entitySizer struct {
	entities map[string]*svgEntity
	limit    int64
	sizes    map[string]int64
	active   map[string]bool
}

// size returns the length of the replacement text of entity name after
// every reference in it is expanded; names it does not know (predefined
// entities, or undeclared ones libxml2 will report) count as their
// reference.
func (z *entitySizer) size(name string) (int64, error) {
	e, ok := z.entities[name]
	if !ok {
		return int64(len(name) + 2), nil
	}
	if n, done := z.sizes[name]; done {
		return n, nil
	}
	if e.external != "" {
		return 0, api.Errorf(api.ReasonSourceFormatUnsupported,
			"source SVG uses the external entity %s (%q); entities that load other files are not supported", name, e.external)
	}
	if z.active[name] {
		return 0, api.Errorf(api.ReasonSourceCorrupt, "source is a corrupt SVG file: entity %s refers to itself", name)
	}
	z.active[name] = true
	defer delete(z.active, name)
	n, err := z.text(e.value)
	if err != nil {
		return 0, err
	}
	z.sizes[name] = n
	return n, nil
}

// text returns the expanded length of text holding entity references,
// saturating above the limit.
func (z *entitySizer) text(v []byte) (int64, error) {
	var n int64
	for {
		i := bytes.IndexByte(v, '&')
		if i < 0 {
			return min(n+int64(len(v)), z.limit+1), nil
		}
		n += int64(i)
		v = v[i+1:]
		if len(v) > 0 && v[0] == '#' { // a character reference
			continue
		}
		name, l := xmlName(v)
		if l == 0 || l >= len(v) || v[l] != ';' {
			continue
		}
		m, err := z.size(name)
		if err != nil {
			return 0, err
		}
		n = min(n+m, z.limit+1)
		v = v[l+1:]
	}
}

// checkSVG runs the checks of an SVG file (see the top of this file and
// checkSVGImages). maxPixels bounds the images it embeds, all together.
func checkSVG(path string, maxPixels int64) error {
	f, err := os.Open(path)
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	_, err = checkSVGData(f, fi.Size(), maxPixels, 0)
	return err
}

// checkSVGData checks the SVG document r of size bytes, embedded in
// another at the given depth (0 for the source itself), and returns the
// pixels of the images it embeds. Documents without a document type
// declaration or embedded images cost reading their prolog and looking
// for "data:" in the rest.
func checkSVGData(r io.ReaderAt, size, maxPixels int64, depth int) (int64, error) {
	head := make([]byte, min(size, maxSVGProlog))
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return 0, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	head = head[:n]
	res, subset, root := scanProlog(head)
	switch {
	case res == prologShort && n == maxSVGProlog:
		return 0, api.Errorf(api.ReasonSourceTooLarge,
			"source SVG has a prolog (XML declaration, comments, document type declaration) longer than %d KiB, more than this service reads", maxSVGProlog>>10)
	case res == prologShort:
		return 0, api.Errorf(api.ReasonSourceCorrupt, "source is a corrupt SVG file: it ends before its svg element")
	case res != prologSVG:
		return 0, api.Errorf(api.ReasonSourceCorrupt, "source is a corrupt SVG file: its root element is not svg")
	}
	body := io.NewSectionReader(r, int64(root), size-int64(root))
	if bytes.IndexByte(subset, '%') >= 0 || bytes.Contains(subset, []byte("<!ENTITY")) {
		if err := checkSVGEntities(subset, body); err != nil {
			return 0, err
		}
	}
	return checkSVGImages(body, maxPixels, depth)
}

// checkSVGEntities refuses an SVG whose entity references expand to more
// than maxSVGEntityText bytes, or that uses external or parameter
// entities. subset is the internal subset of its document type
// declaration, body the document after its prolog.
func checkSVGEntities(subset []byte, body *io.SectionReader) error {
	entities, attrRefs, err := dtdEntities(subset)
	if err != nil {
		return err
	}
	z := &entitySizer{entities: entities, limit: maxSVGEntityText, sizes: map[string]int64{}, active: map[string]bool{}}
	var total int64
	add := func(n int64) error {
		total += n
		if total > maxSVGEntityText {
			return api.Errorf(api.ReasonSourceTooLarge,
				"source SVG is an entity expansion bomb: its entity references expand to more than %d MiB of text", maxSVGEntityText>>20)
		}
		return nil
	}
	for _, v := range attrRefs {
		n, err := z.text(v)
		if err != nil {
			return err
		}
		if err := add(n - int64(len(v))); err != nil {
			return err
		}
	}
	// The document after the prolog: every reference to a declared entity
	// counts (those in comments and CDATA sections too, which is on the
	// safe side).
	r := bufio.NewReaderSize(body, 64<<10)
	var name []byte
	for {
		if _, err := r.ReadSlice('&'); err == io.EOF {
			return nil
		} else if err != nil && err != bufio.ErrBufferFull {
			return api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
		} else if err == bufio.ErrBufferFull {
			continue
		}
		name = name[:0]
		for len(name) < 256 {
			c, err := r.ReadByte()
			if err != nil {
				break
			}
			if c == ';' {
				if _, declared := entities[string(name)]; declared {
					n, err := z.size(string(name))
					if err != nil {
						return err
					}
					if err := add(n); err != nil {
						return err
					}
				}
				break
			}
			if !isNameByte(c, len(name) == 0) {
				_ = r.UnreadByte()
				break
			}
			name = append(name, c)
		}
	}
}

// Images embedded in an SVG as data: URIs.
//
// librsvg decodes an embedded raster image whole with gdk-pixbuf, at its
// own size, whatever size it is drawn at: a 65 KB SVG embedding a
// 20000x20000 PNG of one colour took 2.8 GB. The engine reads the header
// of every embedded image (the first maxEmbeddedHeader bytes of its data)
// and refuses the SVG when their pixels add up to more than
// Limits.MaxFullDecodePixels, or when the size of one cannot be read. An
// SVG embedded in an SVG is checked as the source is, once; deeper
// nesting is refused.
const (
	maxEmbeddedHeader = 1 << 20
	maxEmbeddedSVG    = 16 << 20
	maxSVGDepth       = 1
)

// checkSVGImages finds the data: URIs of images in an SVG's body and
// returns the pixels of the images they hold.
func checkSVGImages(body *io.SectionReader, maxPixels int64, depth int) (int64, error) {
	const block = 64 << 10
	const overlap = 16
	buf := make([]byte, block)
	var total int64
	for off := int64(0); off < body.Size(); {
		n, err := body.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			return 0, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
		}
		i := bytes.Index(buf[:n], []byte("data:"))
		if i < 0 {
			if off+int64(n) >= body.Size() {
				break
			}
			off += int64(max(n-overlap, 1))
			continue
		}
		next, px, err := embeddedImage(body, off+int64(i)+5, maxPixels, depth)
		if err != nil {
			return 0, err
		}
		if total += px; total > maxPixels {
			return 0, api.Errorf(api.ReasonSourceTooLarge,
				"source SVG embeds images of %s in all, more than the limit of %s for images decoded whole",
				megapixels(total), megapixels(maxPixels))
		}
		off = next
	}
	return total, nil
}

// embeddedImage reads the data: URI whose media type starts at pos and
// returns where to look for the next one and the pixels of the image it
// holds (0 when it holds no image).
func embeddedImage(body *io.SectionReader, pos, maxPixels int64, depth int) (next, pixels int64, err error) {
	head := make([]byte, 256)
	n, rerr := body.ReadAt(head, pos)
	if rerr != nil && rerr != io.EOF {
		return 0, 0, api.Wrap(api.ReasonGeneric, rerr, "source file cannot be read")
	}
	head = head[:n]
	comma := bytes.IndexByte(head, ',')
	if comma < 0 || !bytes.HasPrefix(bytes.ToLower(head), []byte("image/")) {
		return pos, 0, nil // not an image, or not a data: URI at all
	}
	params := strings.ToLower(string(head[:comma]))
	mediaType, _, _ := strings.Cut(params, ";")
	mediaType = strings.TrimSpace(mediaType)
	isBase64 := strings.HasSuffix(params, ";base64")
	payload := &dataURIReader{r: bufio.NewReader(io.NewSectionReader(body, pos+int64(comma)+1, body.Size())), base64: isBase64}
	var data io.Reader = payload
	if isBase64 {
		data = base64.NewDecoder(base64.StdEncoding, payload)
	}
	next = pos + int64(comma) + 1
	if mediaType == "image/svg+xml" {
		if depth >= maxSVGDepth {
			return 0, 0, api.Errorf(api.ReasonSourceFormatUnsupported,
				"source SVG embeds SVG images inside embedded SVG images; one level of embedding is supported")
		}
		svg, _ := io.ReadAll(io.LimitReader(data, maxEmbeddedSVG+1))
		if len(svg) > maxEmbeddedSVG {
			return 0, 0, api.Errorf(api.ReasonSourceTooLarge,
				"source SVG embeds an SVG image of more than %d MiB", maxEmbeddedSVG>>20)
		}
		px, err := checkSVGData(bytes.NewReader(svg), int64(len(svg)), maxPixels, depth+1)
		if err != nil {
			return 0, 0, api.Errorf(api.ReasonOf(err), "source SVG embeds an SVG image that is refused: %s", api.MessageOf(err))
		}
		return next, px, nil
	}
	prefix, _ := io.ReadAll(io.LimitReader(data, maxEmbeddedHeader))
	cfg, _, err := goimage.DecodeConfig(bytes.NewReader(prefix))
	if err != nil {
		return 0, 0, api.Errorf(api.ReasonSourceFormatUnsupported,
			"source SVG embeds an image (%s) whose size cannot be read from its first %d KiB", mediaType, maxEmbeddedHeader>>10)
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	if px > maxPixels {
		return 0, 0, api.Errorf(api.ReasonSourceTooLarge,
			"source SVG embeds a %dx%d image (%s), more than the limit of %s for images decoded whole",
			cfg.Width, cfg.Height, megapixels(px), megapixels(maxPixels))
	}
	return next, px, nil
}

// dataURIReader reads the data of a data: URI in an XML attribute or
// style: it ends at a quote, '<' or ')'; white space and character
// references (line breaks written as &#10;) are skipped in base64, %XX
// escapes decoded otherwise.
type dataURIReader struct {
	r      *bufio.Reader
	base64 bool
	done   bool
}

func (d *dataURIReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && !d.done {
		c, err := d.r.ReadByte()
		if err != nil {
			d.done = true
			break
		}
		switch {
		case c == '"' || c == '\'' || c == '<' || c == ')':
			d.done = true
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		case c == '&':
			for k := 0; k < 8; k++ { // &#10; &#xA;
				if c, err := d.r.ReadByte(); err != nil || c == ';' {
					break
				}
			}
		case c == '%' && !d.base64:
			var hex [2]byte
			if _, err := io.ReadFull(d.r, hex[:]); err != nil {
				d.done = true
				break
			}
			v, err := strconv.ParseUint(string(hex[:]), 16, 8)
			if err != nil {
				d.done = true
				break
			}
			p[n] = byte(v)
			n++
		default:
			p[n] = c
			n++
		}
	}
	if n == 0 && d.done {
		return 0, io.EOF
	}
	return n, nil
}

package meta

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
)

// maxZipEntries bounds the entries of a zip-based document.
const maxZipEntries = 20000

// srcReaderAt lets archive/zip read the source through the budgeted src.
type srcReaderAt struct{ s *src }

func (r srcReaderAt) ReadAt(p []byte, off int64) (int, error) {
	b, err := r.s.readUpTo(off, int64(len(p)))
	if err != nil {
		return 0, err
	}
	n := copy(p, b)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func zipType(ext string) string {
	if f, ok := format.ByExtension(ext); ok && format.IsZip(f) {
		return f.MIME
	}
	return format.MustName("zip").MIME
}

// readZip reads the document properties of a zip-based document: OOXML
// (docProps/core.xml, docProps/app.xml, or the parts the package
// relationships name), ODF (meta.xml) and EPUB (the OPF package named by
// META-INF/container.xml). Only the central directory and those entries
// are read, each within MaxSegmentBytes (decompressed) and all within
// MaxExpandBytes. An OOXML package without document properties (a minimal
// valid document) yields its format alone. A zip that is none of these is
// unsupported.
func readZip(x *extraction) error {
	b := x.b
	if err := x.checkZipDirectory(); err != nil {
		return err
	}
	zr, err := zip.NewReader(srcReaderAt{x.s}, x.s.size)
	if err != nil {
		return corruptf("unreadable zip directory: %v", err)
	}
	if len(zr.File) > maxZipEntries {
		return api.Errorf(api.ReasonSourceTooLarge, "%s: zip directory of %d entries is over the limit of %d",
			displayName(x.name), len(zr.File), maxZipEntries)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	read := func(name string) []byte {
		f := files[name]
		if f == nil {
			return nil
		}
		limit := b.opts.MaxSegmentBytes
		if f.UncompressedSize64 > uint64(limit) {
			b.warn("%s: %d bytes is over the limit of %d (MaxSegmentBytes); skipped", name, f.UncompressedSize64, limit)
			return nil
		}
		rc, err := f.Open()
		if err != nil {
			b.warn("%s: %v", name, err)
			return nil
		}
		defer rc.Close()
		data, err := x.expand(rc, limit, "MaxSegmentBytes", name)
		if err != nil {
			return nil
		}
		return data
	}
	mimetype := strings.TrimSpace(string(read("mimetype")))
	switch {
	case files["[Content_Types].xml"] != nil || files["docProps/core.xml"] != nil || files["docProps/app.xml"] != nil:
		main, core, app := ooxmlParts(b, read("_rels/.rels"))
		format := ooxmlFormat(b, read("[Content_Types].xml"), main, files)
		if format == "" && core == "" && app == "" {
			return api.Errorf(api.ReasonSourceFormatUnsupported,
				"%s is an Open Packaging archive that is not a Word, Excel or PowerPoint document", displayName(x.name))
		}
		if format != "" {
			b.format = format
		}
		if core == "" {
			core = "docProps/core.xml"
		}
		if app == "" {
			app = "docProps/app.xml"
		}
		ooxmlCore(b, xmlElems(b, read(core), core))
		ooxmlApp(b, xmlElems(b, read(app), app))
	case strings.HasPrefix(mimetype, "application/vnd.oasis.opendocument."):
		b.format = mimetype
		odfMeta(b, xmlElems(b, read("meta.xml"), "meta.xml"))
	case mimetype == "application/epub+zip":
		b.format = mimetype
		opf := ""
		for _, e := range xmlElems(b, read("META-INF/container.xml"), "META-INF/container.xml") {
			if e.Local == "rootfile" && opf == "" {
				opf = path.Clean(attr(e.Attr, "full-path"))
			}
		}
		if opf == "" {
			return corruptf("EPUB without a package document")
		}
		epubOPF(b, xmlElems(b, read(opf), opf))
	default:
		return api.Errorf(api.ReasonSourceFormatUnsupported,
			"%s is a zip archive that is not an Office, OpenDocument or EPUB document", displayName(x.name))
	}
	return nil
}

// checkZipDirectory reads the end of central directory record (and the
// Zip64 one it points to) and refuses, before archive/zip reads and
// allocates the directory, one whose declared entry count or size is over
// the limits: more than maxZipEntries entries, or more than
// MaxSegmentBytes of directory.
func (x *extraction) checkZipDirectory() error {
	tailLen := min(x.s.size, 65557)
	tail, err := x.s.readAt(x.s.size-tailLen, tailLen)
	if err != nil {
		return err
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || i+22 > len(tail) {
		return corruptf("no end of central directory record")
	}
	le := binary.LittleEndian
	entries := uint64(le.Uint16(tail[i+10:]))
	dirSize := uint64(le.Uint32(tail[i+12:]))
	if i >= 20 && string(tail[i-20:i-16]) == "PK\x06\x07" {
		// Zip64: the locator gives the offset of the Zip64 record.
		off := le.Uint64(tail[i-20+8:])
		if off > uint64(x.s.size) {
			return corruptf("Zip64 end of central directory record outside the file")
		}
		rec, err := x.s.readAt(int64(off), min(56, x.s.size-int64(off)))
		if err != nil || len(rec) < 56 || string(rec[:4]) != "PK\x06\x06" {
			return corruptf("bad Zip64 end of central directory record")
		}
		entries, dirSize = le.Uint64(rec[32:]), le.Uint64(rec[40:])
	}
	switch {
	case dirSize > uint64(x.s.size) || entries > dirSize/46:
		return corruptf("the zip directory declares %d entries in %d bytes, which the file cannot hold", entries, dirSize)
	case entries > maxZipEntries:
		return api.Errorf(api.ReasonSourceTooLarge, "%s: zip directory of %d entries is over the limit of %d",
			displayName(x.name), entries, maxZipEntries)
	case dirSize > uint64(x.b.opts.MaxSegmentBytes):
		return api.Errorf(api.ReasonSourceTooLarge, "%s: zip directory of %d bytes is over the limit of %d (MaxSegmentBytes)",
			displayName(x.name), dirSize, x.b.opts.MaxSegmentBytes)
	}
	return nil
}

// ooxmlParts reads the package relationships (_rels/.rels) for the parts
// they name: the main document, the core and the extended properties.
func ooxmlParts(b *builder, rels []byte) (main, core, app string) {
	for _, e := range xmlElems(b, rels, "_rels/.rels") {
		if e.Local != "Relationship" || strings.EqualFold(attr(e.Attr, "TargetMode"), "External") {
			continue
		}
		target := strings.TrimPrefix(path.Clean("/"+attr(e.Attr, "Target")), "/")
		typ := attr(e.Attr, "Type")
		switch {
		case strings.HasSuffix(typ, "/officeDocument") && main == "":
			main = target
		case strings.HasSuffix(typ, "/metadata/core-properties") && core == "":
			core = target
		case strings.HasSuffix(typ, "/extended-properties") && app == "":
			app = target
		}
	}
	return main, core, app
}

// ooxmlFormat returns the media type of an OOXML package from the content
// type of its main part ([Content_Types].xml), else from the part names.
func ooxmlFormat(b *builder, types []byte, main string, files map[string]*zip.File) string {
	byType := func(ct string) string {
		ct = strings.ToLower(ct)
		switch {
		case strings.Contains(ct, "wordprocessingml") || strings.Contains(ct, "ms-word"):
			return zipType(".docx")
		case strings.Contains(ct, "spreadsheetml") || strings.Contains(ct, "ms-excel"):
			return zipType(".xlsx")
		case strings.Contains(ct, "presentationml") || strings.Contains(ct, "ms-powerpoint"):
			return zipType(".pptx")
		}
		return ""
	}
	if main != "" {
		for _, e := range xmlElems(b, types, "[Content_Types].xml") {
			if e.Local == "Override" && strings.TrimPrefix(attr(e.Attr, "PartName"), "/") == main {
				if f := byType(attr(e.Attr, "ContentType")); f != "" {
					return f
				}
			}
		}
	}
	for _, p := range []struct{ part, ext string }{
		{main, ""}, {"word/document.xml", ".docx"}, {"xl/workbook.xml", ".xlsx"}, {"ppt/presentation.xml", ".pptx"},
	} {
		if p.part == "" || files[p.part] == nil {
			continue
		}
		dir, _, _ := strings.Cut(p.part, "/")
		switch dir {
		case "word":
			return zipType(".docx")
		case "xl":
			return zipType(".xlsx")
		case "ppt":
			return zipType(".pptx")
		}
	}
	return ""
}

func setKeywords(b *builder, s string, prio int) {
	sep := ","
	if strings.Contains(s, ";") {
		sep = ";"
	}
	b.set("dc:subject", TextBag(splitList(s, sep)...), prio)
}

func setDate(b *builder, key, s string, prio int) {
	if iso, ok := looseDate(s); ok {
		b.set(key, Date(iso), prio)
	}
}

func ooxmlCore(b *builder, es []xmlElem) {
	for _, e := range es {
		t := strings.TrimSpace(e.Text)
		switch e.Local {
		case "title":
			b.set("dc:title", LangAlt(t), prioIPTC)
		case "subject":
			b.set("acs:Subject", Text(t), prioIPTC)
		case "creator":
			b.set("dc:creator", TextSeq(splitList(t, ";")...), prioIPTC)
		case "keywords":
			setKeywords(b, t, prioIPTC)
		case "description":
			b.set("dc:description", LangAlt(t), prioIPTC)
		case "lastModifiedBy":
			b.set("acs:LastModifiedBy", Text(t), prioIPTC)
		case "created":
			setDate(b, "xmp:CreateDate", t, prioIPTC)
		case "modified":
			setDate(b, "xmp:ModifyDate", t, prioIPTC)
		case "category":
			b.set("acs:Category", Text(t), prioIPTC)
		case "language":
			b.set("dc:language", TextBag(t), prioIPTC)
		case "contentStatus":
			b.set("acs:ContentStatus", Text(t), prioIPTC)
		case "revision":
			b.set("acs:Revision", Text(t), prioIPTC)
		}
	}
}

func ooxmlApp(b *builder, es []xmlElem) {
	num := func(key, s string) {
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && n >= 0 {
			b.set(key, Number(float64(n)), prioIPTC)
		}
	}
	for _, e := range es {
		if e.Depth != 1 {
			continue
		}
		switch e.Local {
		case "Application":
			b.set("xmp:CreatorTool", Text(e.Text), prioIPTC)
		case "Pages", "Slides":
			num("xmpTPg:NPages", e.Text)
		case "Words":
			num("acs:WordCount", e.Text)
		case "Characters":
			num("acs:CharacterCount", e.Text)
		case "Company":
			b.set("acs:Company", Text(e.Text), prioIPTC)
		}
	}
}

func odfMeta(b *builder, es []xmlElem) {
	var keywords []string
	for _, e := range es {
		t := strings.TrimSpace(e.Text)
		switch e.Local {
		case "generator":
			b.set("xmp:CreatorTool", Text(t), prioIPTC)
		case "title":
			b.set("dc:title", LangAlt(t), prioIPTC)
		case "description":
			b.set("dc:description", LangAlt(t), prioIPTC)
		case "subject":
			b.set("acs:Subject", Text(t), prioIPTC)
		case "keyword":
			keywords = append(keywords, t)
		case "initial-creator":
			b.set("dc:creator", TextSeq(t), prioIPTC)
		case "creator":
			b.set("acs:LastModifiedBy", Text(t), prioIPTC)
		case "creation-date":
			setDate(b, "xmp:CreateDate", t, prioIPTC)
		case "date":
			setDate(b, "xmp:ModifyDate", t, prioIPTC)
		case "language":
			b.set("dc:language", TextBag(t), prioIPTC)
		case "document-statistic":
			for k, key := range map[string]string{"page-count": "xmpTPg:NPages", "word-count": "acs:WordCount", "character-count": "acs:CharacterCount"} {
				if n, err := strconv.ParseInt(attr(e.Attr, k), 10, 64); err == nil && n >= 0 {
					b.set(key, Number(float64(n)), prioIPTC)
				}
			}
		}
	}
	if len(keywords) > 0 {
		b.set("dc:subject", TextBag(keywords...), prioIPTC)
	}
}

func epubOPF(b *builder, es []xmlElem) {
	lists := map[string][]string{}
	for _, e := range es {
		if e.Space != NSdc {
			if e.Local == "meta" && attr(e.Attr, "property") == "dcterms:modified" {
				setDate(b, "xmp:ModifyDate", e.Text, prioIPTC)
			}
			continue
		}
		t := strings.TrimSpace(e.Text)
		switch e.Local {
		case "title":
			b.set("dc:title", LangAlt(t), prioIPTC)
		case "description":
			b.set("dc:description", LangAlt(t), prioIPTC)
		case "rights":
			b.set("dc:rights", LangAlt(t), prioIPTC)
		case "identifier":
			b.set("dc:identifier", Text(t), prioIPTC)
		case "date":
			setDate(b, "xmp:CreateDate", t, prioIPTC)
		case "creator", "subject", "publisher", "language", "contributor":
			lists[e.Local] = append(lists[e.Local], t)
		}
	}
	for k, v := range lists {
		if k == "creator" {
			b.set("dc:creator", TextSeq(v...), prioIPTC)
		} else {
			b.set("dc:"+k, TextBag(v...), prioIPTC)
		}
	}
}

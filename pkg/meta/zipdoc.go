package meta

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"path"
	"strconv"
	"strings"
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
	switch ext {
	case ".docx", ".docm", ".dotx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case ".xlsx", ".xlsm", ".xltx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".pptx", ".pptm", ".potx":
		return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	case ".odt":
		return "application/vnd.oasis.opendocument.text"
	case ".ods":
		return "application/vnd.oasis.opendocument.spreadsheet"
	case ".odp":
		return "application/vnd.oasis.opendocument.presentation"
	case ".epub":
		return "application/epub+zip"
	}
	return "application/zip"
}

// readZip reads the document properties of a zip-based document: OOXML
// (docProps/core.xml, docProps/app.xml), ODF (meta.xml) and EPUB (the OPF
// package named by META-INF/container.xml). Only the central directory
// and those entries are read, each within MaxSegmentBytes and all within
// MaxExpandBytes. A zip that is none of these is unsupported.
func readZip(x *extraction) error {
	b := x.b
	// archive/zip allocates per directory entry: refuse an absurd count
	// before it reads the directory.
	tailLen := min(x.s.size, 65557)
	tail, err := x.s.readAt(x.s.size-tailLen, tailLen)
	if err != nil {
		return err
	}
	if i := bytes.LastIndex(tail, []byte("PK\x05\x06")); i >= 0 && i+12 <= len(tail) {
		if n := binary.LittleEndian.Uint16(tail[i+10:]); n > maxZipEntries && n != 0xFFFF {
			return corruptf("zip directory of %d entries is over the limit of %d", n, maxZipEntries)
		}
	}
	zr, err := zip.NewReader(srcReaderAt{x.s}, x.s.size)
	if err != nil {
		return corruptf("unreadable zip directory: %v", err)
	}
	if len(zr.File) > maxZipEntries {
		return corruptf("zip directory of %d entries is over the limit of %d", len(zr.File), maxZipEntries)
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
		if f.UncompressedSize64 > uint64(b.opts.MaxSegmentBytes) {
			b.warn("%s: %d bytes is over the limit of %d (MaxSegmentBytes); skipped", name, f.UncompressedSize64, b.opts.MaxSegmentBytes)
			return nil
		}
		rc, err := f.Open()
		if err != nil {
			b.warn("%s: %v", name, err)
			return nil
		}
		defer rc.Close()
		data, err := x.expand(rc, b.opts.MaxSegmentBytes, "MaxSegmentBytes", name)
		if err != nil {
			return nil
		}
		return data
	}
	mimetype := strings.TrimSpace(string(read("mimetype")))
	switch {
	case files["docProps/core.xml"] != nil || files["docProps/app.xml"] != nil:
		switch {
		case files["word/document.xml"] != nil:
			b.format = zipType(".docx")
		case files["xl/workbook.xml"] != nil:
			b.format = zipType(".xlsx")
		case files["ppt/presentation.xml"] != nil:
			b.format = zipType(".pptx")
		}
		ooxmlCore(b, xmlElems(b, read("docProps/core.xml"), "docProps/core.xml"))
		ooxmlApp(b, xmlElems(b, read("docProps/app.xml"), "docProps/app.xml"))
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
		return corruptf("a zip archive that is not an office document or EPUB")
	}
	return nil
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

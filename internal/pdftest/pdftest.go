// Package pdftest writes PDF files for tests and stress scripts: plain
// multi-page text documents and decompression bombs, PDFs whose Flate
// streams inflate to far more than the file's size.
package pdftest

import (
	"bufio"
	"compress/zlib"
	"fmt"
	"io"
	"strings"
)

// Copyright is the rights statement of the XMP packet of a MetadataBomb.
const Copyright = "© Generated Documents"

// Bomb says which stream of a document is a decompression bomb.
type Bomb int

// The streams a bomb can be put in.
const (
	// NoBomb makes a plain document.
	NoBomb Bomb = iota
	// MetadataBomb makes the catalog's /Metadata (XMP) stream the bomb:
	// a packet with the dc:rights Copyright, padded with BombBytes spaces.
	MetadataBomb
	// ContentBomb makes the first page's content stream the bomb: the
	// page's text followed by spaces.
	ContentBomb
	// ImageBomb draws on the first page an image XObject whose stream
	// is the bomb (a black RGB image whose declared size matches the
	// inflated length).
	ImageBomb
	// InlineImageBomb draws on the first page an inline image (BI ... ID
	// ... EI in the content stream) whose Flate data is the bomb (a black
	// RGB image, sized as for ImageBomb).
	InlineImageBomb
	// FormBomb draws on the first page a form that invokes a second form
	// Spec.Fanout times, which invokes a third Fanout times: a file of a
	// few kB that draws Fanout² squares, each a form to fetch and set up.
	// BombBytes is not used.
	FormBomb
)

// Spec describes a document.
type Spec struct {
	// Pages is the number of pages, each with one line of Helvetica text,
	// PageText(N); at least 1.
	Pages int
	// Bomb selects the stream that inflates to BombBytes.
	Bomb Bomb
	// BombBytes is the inflated size of the bomb stream.
	BombBytes int64
	// Fanout is the number of invocations of each form of a FormBomb.
	Fanout int
	// Content is added to the first page's content stream, after its
	// line of text and before the bomb's operators.
	Content string
}

// Write writes the document described by s to w.
func Write(w io.Writer, s Spec) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := &countingWriter{w: bw}
	if err := write(cw, s); err != nil {
		return err
	}
	return bw.Flush()
}

// PageText returns the line of text on page n (1-based) of a generated
// document. It has one non-ASCII letter, so that a wrong text encoding
// shows.
func PageText(n int) string {
	return fmt.Sprintf("Page %d of the stress document, café.", n)
}

// Text returns a plain document of n text pages.
func Text(n int) []byte {
	var b strings.Builder
	_ = Write(&b, Spec{Pages: n}) // a strings.Builder does not fail
	return []byte(b.String())
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

func (c *countingWriter) printf(format string, args ...any) {
	fmt.Fprintf(c, format, args...)
}

// Object numbers: 1 catalog, 2 page tree, 3 font, 4 metadata, 5 image,
// 6 to 8 forms, then a page and its content stream for each page.
const (
	objCatalog = 1
	objPages   = 2
	objFont    = 3
	objMeta    = 4
	objImage   = 5
	objForms   = 6 // three forms, see FormBomb
	objFirst   = 9
)

func write(w *countingWriter, s Spec) error {
	pages := max(s.Pages, 1)
	nobj := objFirst + 2*pages - 1
	offsets := make([]int64, nobj+1)
	begin := func(n int) {
		offsets[n] = w.n
		w.printf("%d 0 obj\n", n)
	}
	w.printf("%%PDF-1.4\n%%\xE2\xE3\xCF\xD3\n")

	begin(objCatalog)
	if s.Bomb == MetadataBomb {
		w.printf("<< /Type /Catalog /Pages %d 0 R /Metadata %d 0 R >>\nendobj\n", objPages, objMeta)
	} else {
		w.printf("<< /Type /Catalog /Pages %d 0 R >>\nendobj\n", objPages)
	}

	begin(objPages)
	w.printf("<< /Type /Pages /Count %d /Kids [", pages)
	for i := 0; i < pages; i++ {
		w.printf("%d 0 R ", objFirst+2*i)
	}
	w.printf("] >>\nendobj\n")

	begin(objFont)
	w.printf("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>\nendobj\n")

	begin(objMeta)
	if s.Bomb == MetadataBomb {
		head := `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">` +
			`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" ` +
			`xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>application/pdf</dc:format>` +
			`<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">` + Copyright + `</rdf:li></rdf:Alt></dc:rights>` +
			`</rdf:Description></rdf:RDF></x:xmpmeta>`
		tail := `<?xpacket end="w"?>`
		if err := flateStream(w, "/Type /Metadata /Subtype /XML", head, s.BombBytes, tail); err != nil {
			return err
		}
	} else {
		w.printf("null\nendobj\n")
	}

	begin(objImage)
	if s.Bomb == ImageBomb {
		// An RGB image 16384 pixels wide, as many rows as the bomb holds
		// (21845 for 1 GiB): within cairo's 32767-pixel surfaces, so that
		// poppler draws it.
		const cols = 16384
		rows := max(s.BombBytes/(3*cols), 1)
		dict := fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8", cols, rows)
		if err := flateStream(w, dict, "", 3*rows*cols, ""); err != nil {
			return err
		}
	} else {
		w.printf("null\nendobj\n")
	}

	// Form 6 invokes form 7 Fanout times, which invokes form 8 Fanout
	// times, which fills a small square.
	fanout := max(s.Fanout, 1)
	for f := 0; f < 3; f++ {
		begin(objForms + f)
		if s.Bomb != FormBomb {
			w.printf("null\nendobj\n")
			continue
		}
		dict := "/Type /XObject /Subtype /Form /BBox [0 0 612 792]"
		body := "72 72 4 4 re f\n"
		if f < 2 {
			dict += fmt.Sprintf(" /Resources << /XObject << /F%d %d 0 R >> >>", f+1, objForms+f+1)
			body = strings.Repeat(fmt.Sprintf("/F%d Do\n", f+1), fanout)
		}
		w.printf("<< %s /Length %d >>\nstream\n%s\nendstream\nendobj\n", dict, len(body), body)
	}

	for i := 0; i < pages; i++ {
		page, content := objFirst+2*i, objFirst+2*i+1
		// "é" is \351 in WinAnsiEncoding.
		line := strings.Replace(PageText(i+1), "é", `\351`, 1)
		text := fmt.Sprintf("BT /F1 24 Tf 72 700 Td (%s) Tj ET\n", line)
		if i == 0 {
			text += s.Content
		}
		res := fmt.Sprintf("/Font << /F1 %d 0 R >>", objFont)
		if i == 0 && s.Bomb == ImageBomb {
			res += fmt.Sprintf(" /XObject << /Im1 %d 0 R >>", objImage)
			text += "q 468 0 0 300 72 300 cm /Im1 Do Q\n"
		}
		if i == 0 && s.Bomb == FormBomb {
			res += fmt.Sprintf(" /XObject << /F0 %d 0 R >>", objForms)
			text += "/F0 Do\n"
		}
		begin(page)
		w.printf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << %s >> /Contents %d 0 R >>\nendobj\n",
			objPages, res, content)
		begin(content)
		if i == 0 && s.Bomb == InlineImageBomb {
			const cols = 16384 // as for ImageBomb
			rows := max(s.BombBytes/(3*cols), 1)
			data, err := deflate("", 3*rows*cols, "")
			if err != nil {
				return err
			}
			text += fmt.Sprintf("q 468 0 0 300 72 300 cm BI /W %d /H %d /CS /RGB /BPC 8 /F /Fl ID ", cols, rows) +
				data + "\nEI Q\n"
		}
		if i == 0 && s.Bomb == ContentBomb {
			if err := flateStream(w, "", text, s.BombBytes, ""); err != nil {
				return err
			}
			continue
		}
		w.printf("<< /Length %d >>\nstream\n%sendstream\nendobj\n", len(text), text)
	}

	xref := w.n
	w.printf("xref\n0 %d\n0000000000 65535 f \n", nobj+1)
	for _, o := range offsets[1:] {
		w.printf("%010d 00000 n \n", o)
	}
	w.printf("trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", nobj+1, objCatalog, xref)
	return w.err
}

// flateStream writes a stream object (the rest of an object begun by the
// caller) whose FlateDecode data inflates to head, then fill bytes, then
// tail (see deflate). Its /Length is a direct number, so the data is
// compressed into memory first: about a thousandth of fill.
func flateStream(w *countingWriter, dict, head string, fill int64, tail string) error {
	data, err := deflate(head, fill, tail)
	if err != nil {
		return err
	}
	w.printf("<< %s /Filter /FlateDecode /Length %d >>\nstream\n", dict, len(data))
	io.WriteString(w, data)
	w.printf("\nendstream\nendobj\n")
	return w.err
}

// deflate returns the zlib data of head, then fill spaces (for text) or
// zero bytes (for an image: head and tail empty), then tail.
func deflate(head string, fill int64, tail string) (string, error) {
	var data strings.Builder
	fw, err := zlib.NewWriterLevel(&data, zlib.BestCompression)
	if err != nil {
		return "", err
	}
	io.WriteString(fw, head)
	b := byte(' ')
	if head == "" && tail == "" {
		b = 0
	}
	block := []byte(strings.Repeat(string(b), 1<<20))
	for left := fill; left > 0; {
		n := min(left, int64(len(block)))
		if _, err := fw.Write(block[:n]); err != nil {
			return "", err
		}
		left -= n
	}
	io.WriteString(fw, tail)
	if err := fw.Close(); err != nil {
		return "", err
	}
	return data.String(), nil
}

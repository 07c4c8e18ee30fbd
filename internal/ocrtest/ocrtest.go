// Package ocrtest draws pages of known text for the OCR tests and
// benchmark: PostScript set in several fonts and sizes, drawn by
// Ghostscript at a given resolution, and PDFs of scanned pages (one grey
// image a page, no text layer). It also scores a recognition against the
// known text (word F1).
package ocrtest

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Block is a paragraph of text in one font and size.
type Block struct {
	// Font is a PostScript name of the base fonts Ghostscript ships
	// (Times-Roman, Helvetica, Courier, Helvetica-Bold, ...).
	Font string
	// Size is the font size in points.
	Size float64
	// Text is the paragraph, Latin-1 characters only.
	Text string
}

// Sample is a page of English, German and French paragraphs in several
// fonts and sizes (10 to 14 pt).
var Sample = []Block{
	{"Times-Roman", 12, "The lighthouse keeper wrote in his notebook every evening. He counted the ships that passed the cape, noted the direction of the wind and the height of the waves, and described the colour of the sky before the lamp was lit. In winter the storms came from the north and the spray reached the gallery windows."},
	{"Helvetica", 11, "Quarterly report: revenue grew by twelve percent compared with the previous year, while operating costs remained stable. The board approved the new budget and asked the finance team to prepare a forecast for the coming months."},
	{"Courier", 10, "Installation requires a computer with at least four gigabytes of memory and a recent operating system. Copy the files into a new folder and start the program from the command line."},
	{"Helvetica-Bold", 14, "Please keep this document for your records."},
	{"Times-Roman", 12, "Der Leuchtturmwärter schrieb jeden Abend in sein Notizbuch. Er zählte die Schiffe, die am Kap vorüberfuhren, und notierte die Richtung des Windes."},
	{"Helvetica", 12, "Le gardien du phare écrivait chaque soir dans son carnet. Il comptait les navires qui passaient le cap et notait la direction du vent."},
}

// Words returns the words of blocks, as Fields splits them.
func Words(blocks []Block) []string {
	var w []string
	for _, b := range blocks {
		w = append(w, strings.Fields(b.Text)...)
	}
	return w
}

// PostScript returns an A4 page (595 x 842 pt) setting blocks from the
// top left, wrapped at a 72 pt margin, each paragraph followed by a gap.
// With angle, the page is drawn rotated by that many degrees about its
// centre.
func PostScript(blocks []Block, angle float64) []byte {
	var b bytes.Buffer
	b.WriteString(`%!PS
<< /PageSize [595 842] >> setpagedevice
/reencode { findfont dup length dict begin { 1 index /FID ne { def } { pop pop } ifelse } forall
  /Encoding ISOLatin1Encoding def currentdict end definefont pop } def
/lm 72 def /rm 523 def /x lm def /y 770 def
/lead 14 def
/nl { /x lm def /y y lead sub def } def
/w { dup stringwidth pop x add rm gt { nl } if x y moveto dup show stringwidth pop x add ( ) stringwidth pop add /x exch def } def
`)
	if angle != 0 {
		fmt.Fprintf(&b, "297.5 421 translate %g rotate -297.5 -421 translate\n", angle)
	}
	for i, bl := range blocks {
		name := fmt.Sprintf("/F%d", i)
		fmt.Fprintf(&b, "%s /%s reencode %s findfont %g scalefont setfont /lead %g def\n", name, bl.Font, name, bl.Size, bl.Size*1.25)
		b.WriteString("/y y lead sub def /x lm def\n")
		for _, word := range strings.Fields(bl.Text) {
			b.WriteString(psString(word))
			b.WriteString(" w\n")
		}
		b.WriteString("/y y lead 0.6 mul sub def\n")
	}
	b.WriteString("showpage\n")
	return b.Bytes()
}

// psString writes s as a PostScript string of Latin-1 bytes.
func psString(s string) string {
	var b strings.Builder
	b.WriteByte('(')
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 128:
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "\\%03o", r&0xff)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// Gray is an 8-bit grey picture.
type Gray struct {
	Pix           []byte
	Width, Height int
}

// Render draws a PostScript page with Ghostscript (the program gs) at dpi,
// anti-aliased, as an 8-bit grey picture.
func Render(ctx context.Context, gs string, ps []byte, dpi int) (*Gray, error) {
	cmd := exec.CommandContext(ctx, gs, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pgmraw",
		"-r"+strconv.Itoa(dpi), "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4", "-sOutputFile=-", "-")
	cmd.Stdin = bytes.NewReader(ps)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("gs: %w: %s", err, errb.String())
	}
	return ParsePGM(out.Bytes())
}

// ParsePGM reads a binary PGM (P5, maxval 255).
func ParsePGM(b []byte) (*Gray, error) {
	var vals [3]int
	rest := b
	if !bytes.HasPrefix(rest, []byte("P5")) {
		return nil, fmt.Errorf("not a binary PGM")
	}
	rest = rest[2:]
	for i := range vals {
		for len(rest) > 0 {
			if rest[0] == '#' {
				if j := bytes.IndexByte(rest, '\n'); j >= 0 {
					rest = rest[j+1:]
					continue
				}
			}
			if rest[0] == ' ' || rest[0] == '\n' || rest[0] == '\r' || rest[0] == '\t' {
				rest = rest[1:]
				continue
			}
			break
		}
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(string(rest[:j]))
		if err != nil {
			return nil, fmt.Errorf("PGM header: %w", err)
		}
		vals[i], rest = n, rest[j:]
	}
	rest = rest[1:]
	w, h := vals[0], vals[1]
	if vals[2] != 255 || len(rest) < w*h {
		return nil, fmt.Errorf("PGM: %dx%d maxval %d with %d bytes", w, h, vals[2], len(rest))
	}
	return &Gray{Pix: rest[:w*h], Width: w, Height: h}, nil
}

// PGM encodes g as a binary PGM.
func (g *Gray) PGM() []byte {
	return append([]byte(fmt.Sprintf("P5\n%d %d\n255\n", g.Width, g.Height)), g.Pix...)
}

// ScannedPDF returns a PDF whose pages are the pictures given, drawn at
// dpi (each page the size of its picture at that resolution), with no
// text layer: a scanned document. The same picture may be repeated.
func ScannedPDF(pages []*Gray, dpi int) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(s string, stream []byte) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s", len(offsets), s)
		if stream != nil {
			b.WriteString("\nstream\n")
			b.Write(stream)
			b.WriteString("\nendstream")
		}
		b.WriteString("\nendobj\n")
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	n := len(pages)
	// 1 catalog, 2 pages, then per page: page, contents, image.
	kids := make([]string, n)
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 3+3*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /Pages /Count %d /Kids [%s] >>", n, strings.Join(kids, " ")), nil)
	streams := map[*Gray][]byte{}
	for i, g := range pages {
		wpt, hpt := float64(g.Width)*72/float64(dpi), float64(g.Height)*72/float64(dpi)
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>",
			wpt, hpt, 5+3*i, 4+3*i), nil)
		content := []byte(fmt.Sprintf("q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q", wpt, hpt))
		obj(fmt.Sprintf("<< /Length %d >>", len(content)), content)
		z, ok := streams[g]
		if !ok {
			var zb bytes.Buffer
			zw := zlib.NewWriter(&zb)
			_, _ = zw.Write(g.Pix)
			_ = zw.Close()
			z = zb.Bytes()
			streams[g] = z
		}
		obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>",
			g.Width, g.Height, len(z)), z)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// normWord trims the punctuation around a word; "" for a word of
// punctuation only.
func normWord(w string) string {
	return strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// F1 scores the words of got against the words of want: the harmonic
// mean of precision (the share of the words read that are in the known
// text) and recall (the share of the known words read), words compared as
// multisets, case-sensitive, with the punctuation around them trimmed.
func F1(want, got []string) float64 {
	count := map[string]int{}
	nWant := 0
	for _, w := range want {
		if w = normWord(w); w != "" {
			count[w]++
			nWant++
		}
	}
	match, nGot := 0, 0
	for _, w := range got {
		if w = normWord(w); w == "" {
			continue
		}
		nGot++
		if count[w] > 0 {
			count[w]--
			match++
		}
	}
	if match == 0 {
		return 0
	}
	p, r := float64(match)/float64(nGot), float64(match)/float64(nWant)
	return 2 * p * r / (p + r)
}

// Latin1 reports whether s holds only Latin-1 characters (what Block.Text
// may hold).
func Latin1(s string) bool {
	for _, r := range s {
		if r > 0xff || r == utf8.RuneError {
			return false
		}
	}
	return true
}

package meta

import (
	"bytes"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/postscript"
)

// PostScript family: EPS, EPSI, DOS EPS binary files, PostScript
// documents and Illustrator files. Their document structuring comments
// (package postscript, Parse: at most 80 KiB of the header and trailer)
// give the title, the creating program, the creation date, the page
// count and the bounding box; an XMP packet embedded in the PostScript
// (as Illustrator and Photoshop write it, %%BeginMetadata or
// %begin_xml_code) wins over them. A PDF-compatible Illustrator file is
// read as a PDF; its dc:format stays application/illustrator.

// psXMPWindow is how far into the PostScript an XMP packet is looked for.
const psXMPWindow = 1 << 20

// readAI reads an Illustrator file: a PDF, or PostScript.
func readAI(x *extraction) error {
	if bytes.Contains(x.head[:min(len(x.head), 1024)], []byte("%PDF-")) {
		return readPDF(x)
	}
	return readPostScript(x)
}

// readPostScript reads the comments and the XMP packet of a PostScript
// file.
func readPostScript(x *extraction) error {
	b := x.b
	d, err := postscript.Parse(srcReaderAt{x.s}, x.s.size)
	if err != nil {
		return corruptf("%v", err)
	}
	if d.Pages > 0 {
		b.set("xmpTPg:NPages", Number(float64(d.Pages)), prioFile)
	} else if d.Encapsulated() {
		b.set("xmpTPg:NPages", Number(1), prioFile)
	}
	if bb := d.ExactBoundingBox; bb != nil {
		b.set("acs:BoundingBox", Text(boxText(*bb)), prioFile)
	}
	if bb := d.BoundingBox; bb != nil && bb != d.ExactBoundingBox {
		b.set("acs:HiResBoundingBox", Text(boxText(*bb)), prioFile)
	}
	if d.Encapsulated() && d.BoundingBox != nil {
		// The picture's size at 72 dpi, as it is drawn at its nominal size.
		b.set("tiff:ImageWidth", Number(float64(int(d.BoundingBox.Width()+0.5))), prioFile)
		b.set("tiff:ImageLength", Number(float64(int(d.BoundingBox.Height()+0.5))), prioFile)
	}
	if d.HasTIFFPreview() || d.HasWMFPreview() || d.Preview != nil {
		var kinds []string
		if d.HasTIFFPreview() {
			kinds = append(kinds, "TIFF")
		}
		if d.HasWMFPreview() {
			kinds = append(kinds, "WMF")
		}
		if d.Preview != nil {
			kinds = append(kinds, "EPSI")
		}
		b.set("acs:Preview", Text(strings.Join(kinds, ",")), prioFile)
	}
	b.set("dc:title", LangAlt(d.Title), prioIPTC)
	b.set("xmp:CreatorTool", Text(d.Creator), prioIPTC)
	if iso, ok := dscDate(d.CreationDate); ok {
		b.set("xmp:CreateDate", Date(iso), prioIPTC)
	}
	// An embedded XMP packet, in the PostScript section.
	start, end := int64(0), x.s.size
	if d.DOS != nil {
		start, end = d.DOS.PSOffset, d.DOS.PSOffset+d.DOS.PSLength
	}
	data, err := x.s.readUpTo(start, min(end-start, psXMPWindow))
	if err != nil {
		return err
	}
	if i := bytes.Index(data, []byte("<?xpacket begin")); i >= 0 {
		if j := bytes.Index(data[i:], []byte("<?xpacket end")); j > 0 {
			if k := bytes.Index(data[i+j:], []byte("?>")); k > 0 {
				parseXMP(b, data[i:i+j+k+2], prioXMP, "PostScript XMP")
			}
		}
	}
	return nil
}

// boxText writes a bounding box as DSC does: "llx lly urx ury".
func boxText(bb postscript.BoundingBox) string {
	return strings.Join([]string{formatNumber(bb.LLX), formatNumber(bb.LLY), formatNumber(bb.URX), formatNumber(bb.URY)}, " ")
}

// dscDate reads a %%CreationDate: a PDF date (D:...), an ISO date, or one
// of the forms programs write (ctime's "Tue Jan  2 15:04:05 2024",
// "1/2/24 3:04 PM", "(1/2/24) (15:04)").
func dscDate(s string) (string, bool) {
	s = strings.TrimSpace(strings.NewReplacer("(", "", ")", "").Replace(s))
	if s == "" {
		return "", false
	}
	if strings.HasPrefix(s, "D:") {
		return pdfDate(s)
	}
	if iso, ok := xmpDate(s); ok {
		return iso, true
	}
	s = strings.Join(strings.Fields(s), " ")
	for _, layout := range []string{
		"Mon Jan 2 15:04:05 2006", "Mon Jan 2 15:04:05 MST 2006", "Mon, 02 Jan 2006 15:04:05 -0700",
		"1/2/06 3:04 PM", "1/2/06 15:04", "1/2/2006 3:04 PM", "1/2/2006 15:04", "1/2/06 15:04:05", "1/2/2006 15:04:05",
		"1/2/06", "1/2/2006", "2006-01-02 15:04:05",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			if strings.Contains(layout, "MST") || strings.Contains(layout, "-0700") {
				return t.Format(time.RFC3339), true
			}
			if strings.Count(layout, ":") == 0 && !strings.Contains(layout, "PM") {
				return t.Format("2006-01-02"), true
			}
			return t.Format("2006-01-02T15:04:05"), true
		}
	}
	return "", false
}

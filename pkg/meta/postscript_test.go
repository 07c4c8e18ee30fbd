package meta

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

const epsWithXMP = "%!PS-Adobe-3.0 EPSF-3.0\n" +
	"%%BoundingBox: 0 0 200 101\n" +
	"%%HiResBoundingBox: 0 0 199.5 100.5\n" +
	"%%Title: (Logo \\(final\\))\n" +
	"%%Creator: Adobe Illustrator(R) 24.0\n" +
	"%%CreationDate: 1/2/24 3:04 PM\n" +
	"%%EndComments\n" +
	"%%BeginMetadata\n" +
	"%<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n" +
	"%<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n" +
	"%<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:rights><rdf:Alt><rdf:li xml:lang=\"x-default\">(c) Someone</rdf:li></rdf:Alt></dc:rights></rdf:Description>\n" +
	"%</rdf:RDF></x:xmpmeta>\n" +
	"%<?xpacket end=\"w\"?>\n" +
	"%%EndMetadata\n" +
	"0 0 moveto showpage\n%%EOF\n"

func TestPostScriptComments(t *testing.T) {
	md, err := extractBytes(t, []byte(epsWithXMP), "logo.eps")
	require.NoError(t, err)
	m := md.Map()
	assert.Equal(t, "application/postscript", m["dc:format"])
	assert.Equal(t, "Logo (final)", m["dc:title"])
	assert.Equal(t, "Adobe Illustrator(R) 24.0", m["xmp:CreatorTool"])
	assert.Equal(t, "2024-01-02T15:04:00", m["xmp:CreateDate"])
	assert.Equal(t, "0 0 200 101", m["acs:BoundingBox"])
	assert.Equal(t, "0 0 199.5 100.5", m["acs:HiResBoundingBox"])
	assert.Equal(t, 200.0, m["tiff:ImageWidth"])
	assert.Equal(t, 101.0, m["tiff:ImageLength"])
	assert.Equal(t, 1.0, m["xmpTPg:NPages"])
	assert.Equal(t, "(c) Someone", m["dc:rights"], "the XMP packet in the PostScript")
	assertDocumented(t, md)

	doc := "%!PS-Adobe-3.0\n%%Title: Report\n%%Pages: (atend)\n%%CreationDate: D:20200102030405Z\n%%EndComments\n" +
		"%%Page: 1 1\nshowpage\n%%Trailer\n%%Pages: 12\n%%EOF\n"
	md, err = extractBytes(t, []byte(doc), "report.ps")
	require.NoError(t, err)
	m = md.Map()
	assert.Equal(t, "application/postscript", m["dc:format"])
	assert.Equal(t, 12.0, m["xmpTPg:NPages"])
	assert.Equal(t, "Report", m["dc:title"])
	assert.Equal(t, "2020-01-02T03:04:05Z", m["xmp:CreateDate"])
	assert.Nil(t, m["tiff:ImageWidth"], "a document's bounding box is not a picture size")
}

func TestDOSEPSAndIllustrator(t *testing.T) {
	ps := []byte(epsWithXMP)
	tif := []byte("II*\x00\x08\x00\x00\x00\x00\x00")
	h := make([]byte, 30)
	copy(h, "\xC5\xD0\xD3\xC6")
	binary.LittleEndian.PutUint32(h[4:], 30)
	binary.LittleEndian.PutUint32(h[8:], uint32(len(ps)))
	binary.LittleEndian.PutUint32(h[20:], uint32(30+len(ps)))
	binary.LittleEndian.PutUint32(h[24:], uint32(len(tif)))
	data := append(append(h, ps...), tif...)
	md, err := extractBytes(t, data, "logo.eps")
	require.NoError(t, err)
	m := md.Map()
	assert.Equal(t, "application/postscript", m["dc:format"])
	assert.Equal(t, "TIFF", m["acs:Preview"])
	assert.Equal(t, "Logo (final)", m["dc:title"])

	// The same header pointing past the end of the file.
	binary.LittleEndian.PutUint32(data[24:], 1<<20)
	_, err = extractBytes(t, data, "logo.eps")
	assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err))

	// A legacy (PostScript) Illustrator file.
	legacy := strings.Replace(epsWithXMP, " EPSF-3.0", "", 1)
	md, err = extractBytes(t, []byte(legacy), "logo.ai")
	require.NoError(t, err)
	assert.Equal(t, "application/illustrator", md.Map()["dc:format"])
	assert.Equal(t, "Logo (final)", md.Map()["dc:title"])

	// A PDF-compatible one: read as a PDF, named as Illustrator.
	pdf, err := os.ReadFile(filepath.Join("testdata", "pdf", "plain.pdf"))
	require.NoError(t, err)
	md, err = extractBytes(t, pdf, "art.ai")
	require.NoError(t, err)
	m = md.Map()
	assert.Equal(t, "application/illustrator", m["dc:format"])
	assert.Equal(t, "Café info", m["dc:title"])
	assert.Equal(t, 3.0, m["xmpTPg:NPages"])
	md, err = extractBytes(t, pdf, "art.pdf")
	require.NoError(t, err)
	assert.Equal(t, "application/pdf", md.Map()["dc:format"])
}

func TestDSCDates(t *testing.T) {
	for in, want := range map[string]string{
		"D:20240102030405+01'00'":  "2024-01-02T03:04:05+01:00",
		"Tue Jan  2 15:04:05 2024": "2024-01-02T15:04:05",
		"(1/2/24) (15:04)":         "2024-01-02T15:04:00",
		"2024-01-02T03:04:05Z":     "2024-01-02T03:04:05Z",
		"1/2/2024":                 "2024-01-02",
		"sometime":                 "",
	} {
		got, _ := dscDate(in)
		assert.Equal(t, want, got, in)
	}
}

package meta

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	ctTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/%s" ContentType="%s"/></Types>`
	ctRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="%s"/>%s</Relationships>`
)

// minimalOOXML is a valid OOXML package of three parts and no document
// properties: [Content_Types].xml, _rels/.rels and the main part.
func minimalOOXML(t testing.TB, main, contentType, body string, extra ...[2]string) []byte {
	rels := ""
	for _, e := range extra {
		if e[0] == "_rels/.rels" {
			rels = e[1]
		}
	}
	entries := [][2]string{
		{"[Content_Types].xml", fmt.Sprintf(ctTypes, main, contentType)},
		{"_rels/.rels", fmt.Sprintf(ctRels, main, rels)},
		{main, body},
	}
	for _, e := range extra {
		if e[0] != "_rels/.rels" {
			entries = append(entries, e)
		}
	}
	return zipEntries(t, entries)
}

// TestOOXMLWithoutDocProps: a minimal valid Word, Excel or PowerPoint
// document, without docProps/, yields its format (from the content type of
// its main part), not SourceCorrupt.
func TestOOXMLWithoutDocProps(t *testing.T) {
	for _, tc := range []struct {
		name, main, contentType, want string
	}{
		{"min.docx", "word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"min.xlsx", "xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"min.pptx", "ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
		// The main part need not have the usual name; the name of the
		// source does not decide the format.
		{"renamed.bin", "doc/main.xml", "application/vnd.ms-word.document.macroEnabled.main+xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := minimalOOXML(t, tc.main, tc.contentType, `<?xml version="1.0"?><doc><p>Hello world</p></doc>`)
			md, err := extractBytes(t, data, tc.name)
			require.NoError(t, err)
			assert.Equal(t, tc.want, md.Format)
			assert.Equal(t, map[string]any{"dc:format": tc.want}, md.Map())
			assert.Empty(t, md.Warnings)
			checkOutput(t, md)
		})
	}
}

// TestOOXMLPropertiesNamedByRelationships: the core and extended
// properties are read where the package relationships put them.
func TestOOXMLPropertiesNamedByRelationships(t *testing.T) {
	rels := `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="/meta/core.xml"/>` +
		`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="meta/app.xml"/>`
	data := minimalOOXML(t, "word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "<w/>",
		[2]string{"_rels/.rels", rels},
		[2]string{"meta/core.xml", `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Elsewhere</dc:title><dc:creator>Ann</dc:creator></cp:coreProperties>`},
		[2]string{"meta/app.xml", `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Pages>3</Pages><Words>120</Words></Properties>`})
	md, err := extractBytes(t, data, "rels.docx")
	require.NoError(t, err)
	m := md.Map()
	assert.Equal(t, "Elsewhere", m["dc:title"])
	assert.Equal(t, []any{"Ann"}, m["dc:creator"])
	assert.Equal(t, 3.0, m["xmpTPg:NPages"])
	assert.Equal(t, 120.0, m["acs:WordCount"])
}

// TestZipsThatAreNotDocuments: a valid zip that is no document this
// service reads is SourceFormatUnsupported (it is not corrupt).
func TestZipsThatAreNotDocuments(t *testing.T) {
	for name, data := range map[string][]byte{
		"plain zip":             zipOf(t, map[string]string{"a.txt": "x"}),
		"other OPC package":     zipEntries(t, [][2]string{{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`}, {"visio/document.xml", "<v/>"}}),
		"zip named like a docx": zipOf(t, map[string]string{"word.txt": "x"}),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := extractBytes(t, data, "archive.docx")
			require.Error(t, err)
			assert.Equal(t, api.ReasonSourceFormatUnsupported, api.ReasonOf(err), err.Error())
			assert.Contains(t, err.Error(), "not")
		})
	}
}

// TestZipDirectoryLimits: the central directory is checked against the
// limits before archive/zip reads it (and allocates per entry).
func TestZipDirectoryLimits(t *testing.T) {
	t.Run("more entries than maxZipEntries", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i := 0; i <= maxZipEntries; i++ {
			_, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("f%d", i), Method: zip.Store})
			require.NoError(t, err)
		}
		_, err := zw.Create("docProps/core.xml")
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		c := &countingReaderAt{r: bytes.NewReader(buf.Bytes())}
		_, err = Extract(context.Background(), c, int64(buf.Len()), "many.docx", Options{})
		require.Error(t, err)
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), err.Error())
		assert.Contains(t, err.Error(), fmt.Sprintf("over the limit of %d", maxZipEntries))
		assert.Less(t, c.bytes.Load(), int64(128<<10), "the directory is not read")
	})
	t.Run("directory larger than MaxSegmentBytes", func(t *testing.T) {
		entries := [][2]string{{"docProps/core.xml", "<x/>"}}
		for i := 0; i < 2000; i++ {
			entries = append(entries, [2]string{fmt.Sprintf("part/%04d-with-a-long-name.xml", i), ""})
		}
		data := zipEntries(t, entries)
		_, err := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), "big.docx", Options{MaxSegmentBytes: 64 << 10})
		require.Error(t, err)
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), err.Error())
		assert.Contains(t, err.Error(), "MaxSegmentBytes")
	})
	t.Run("entry count the directory cannot hold", func(t *testing.T) {
		data := zipOf(t, map[string]string{"docProps/core.xml": "<x/>"})
		eocd := bytes.LastIndex(data, []byte("PK\x05\x06"))
		binary.LittleEndian.PutUint16(data[eocd+8:], 0xFFF0)
		binary.LittleEndian.PutUint16(data[eocd+10:], 0xFFF0)
		_, err := extractBytes(t, data, "lies.docx")
		require.Error(t, err)
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), err.Error())
	})
	t.Run("Zip64 record with an absurd entry count", func(t *testing.T) {
		data := zipOf(t, map[string]string{"docProps/core.xml": "<x/>"})
		eocd := bytes.LastIndex(data, []byte("PK\x05\x06"))
		le := binary.LittleEndian
		dirSize, dirOff := le.Uint32(data[eocd+12:]), le.Uint32(data[eocd+16:])
		rec := append([]byte("PK\x06\x06"), le.AppendUint64(nil, 44)...)
		rec = le.AppendUint16(rec, 45)
		rec = le.AppendUint16(rec, 45)
		rec = le.AppendUint32(rec, 0)
		rec = le.AppendUint32(rec, 0)
		rec = le.AppendUint64(rec, 1<<40) // entries on this disk
		rec = le.AppendUint64(rec, 1<<40) // entries
		rec = le.AppendUint64(rec, uint64(dirSize))
		rec = le.AppendUint64(rec, uint64(dirOff))
		loc := append([]byte("PK\x06\x07"), le.AppendUint32(nil, 0)...)
		loc = le.AppendUint64(loc, uint64(eocd))
		loc = le.AppendUint32(loc, 1)
		out := append(append(append([]byte{}, data[:eocd]...), rec...), loc...)
		end := append([]byte{}, data[eocd:]...)
		le.PutUint16(end[8:], 0xFFFF)
		le.PutUint16(end[10:], 0xFFFF)
		out = append(out, end...)
		_, err := extractBytes(t, out, "zip64.docx")
		require.Error(t, err)
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), err.Error())
		assert.Contains(t, err.Error(), "cannot hold")
	})
}

// TestXMLTextInManyPieces: an element whose text comes in many pieces
// (split by comments) costs memory in proportion to the text, not to its
// square: each piece used to copy the text read so far.
func TestXMLTextInManyPieces(t *testing.T) {
	const pieces = 60000
	title := strings.Repeat("a<!---->", pieces)
	data := zipEntries(t, [][2]string{
		{"docProps/core.xml", `<cp:coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>` + title + `</dc:title></cp:coreProperties>`},
		{"word/document.xml", "<w/>"},
	})
	var md *Metadata
	var err error
	alloc := allocated(func() { md, err = extractBytes(t, data, "pieces.docx") })
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("a", pieces), get(md, "dc:title"))
	assert.Less(t, alloc, uint64(64<<20), "allocated %d bytes", alloc)
}

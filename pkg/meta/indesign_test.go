package meta

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	goimage "image"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/indd/inddtest"
)

func tinyJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, goimage.NewGray(goimage.Rect(0, 0, w, h)), nil))
	return b.Bytes()
}

// TestInDesignXMP reads the XMP of INDD and INDT documents built like
// InDesign's, with page thumbnails in it, which stay out of the metadata.
func TestInDesignXMP(t *testing.T) {
	thumbs := []inddtest.Thumb{{Width: 32, Height: 24, JPEG: tinyJPEG(t, 32, 24)}, {Width: 64, Height: 48, JPEG: tinyJPEG(t, 64, 48)}}
	for _, name := range []string{"brochure.indd", "brochure.indt"} {
		doc := inddtest.Document(inddtest.Packet("Spring brochure", "Ada Lovelace", thumbs), 40)
		md, err := extractBytes(t, doc, name)
		require.NoError(t, err)
		m := md.Map()
		require.Equal(t, "application/x-indesign", m["dc:format"])
		require.Equal(t, "Spring brochure", m["dc:title"])
		require.Equal(t, []any{"Ada Lovelace"}, m["dc:creator"])
		require.Equal(t, "Adobe InDesign 18.0 (Macintosh)", m["xmp:CreatorTool"])
		out, err := json.Marshal(m)
		require.NoError(t, err)
		require.NotContains(t, string(out), "xmpGImg:image")
		require.Less(t, len(out), 4000, "no thumbnail base64 in %s", out)
	}
}

// TestInDesignXMPBadInput: a document cut inside its packet, one with no
// packet, and a file that only claims the extension.
func TestInDesignXMPBadInput(t *testing.T) {
	doc := inddtest.Document(inddtest.Packet("T", "A", nil), 4)
	i := bytes.Index(doc, []byte("<dc:title>"))
	_, err := extractBytes(t, doc[:i], "cut.indd")
	var ae *api.Error
	require.True(t, errors.As(err, &ae), "%v", err)
	require.Equal(t, api.ReasonSourceCorrupt, ae.Reason, ae.Message)

	md, err := extractBytes(t, doc[:4*4096], "empty.indd")
	require.NoError(t, err)
	require.Equal(t, "application/x-indesign", get(md, "dc:format"))

	_, err = extractBytes(t, []byte("not an InDesign document at all"), "fake.indd")
	require.True(t, errors.As(err, &ae), "%v", err)
	require.NotEqual(t, "application/x-indesign", ae.Message)
}

// TestIDMLMetadata reads META-INF/metadata.xml of an IDML package.
func TestIDMLMetadata(t *testing.T) {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	fw, err := w.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	require.NoError(t, err)
	_, _ = fw.Write([]byte("application/vnd.adobe.indesign-idml-package"))
	fw, _ = w.Create("META-INF/metadata.xml")
	_, _ = fw.Write([]byte(inddtest.Packet("Annual report", "Grace Hopper", nil)))
	fw, _ = w.Create("designmap.xml")
	_, _ = fw.Write([]byte(`<Document/>`))
	require.NoError(t, w.Close())
	md, err := extractBytes(t, b.Bytes(), "report.idml")
	require.NoError(t, err)
	m := md.Map()
	require.Equal(t, "application/vnd.adobe.indesign-idml-package", m["dc:format"])
	require.Equal(t, "Annual report", m["dc:title"])
	require.Equal(t, []any{"Grace Hopper"}, m["dc:creator"])
}

// TestRasterTailMetadata reads the size of the long-tail raster formats
// from headers written here.
func TestRasterTailMetadata(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	tga := make([]byte, 18+7*5*3)
	tga[2], tga[16] = 2, 24
	le.PutUint16(tga[12:], 7)
	le.PutUint16(tga[14:], 5)
	sgi := make([]byte, 512+7*5)
	be.PutUint16(sgi, 474)
	sgi[3] = 1
	be.PutUint16(sgi[4:], 2)
	be.PutUint16(sgi[6:], 7)
	be.PutUint16(sgi[8:], 5)
	be.PutUint16(sgi[10:], 1)
	for _, c := range []struct {
		name string
		data []byte
		mime string
		ch   float64
	}{
		{"a.ppm", []byte("P6\n7 5\n255\n" + strings.Repeat("\x00", 105)), "image/x-portable-pixmap", 3},
		{"a.pgm", []byte("P5\n# comment\n7 5\n255\n" + strings.Repeat("\x00", 35)), "image/x-portable-graymap", 1},
		{"a.pfm", []byte("PF\n7 5\n-1.0\n" + strings.Repeat("\x00", 420)), "image/x-portable-floatmap", 3},
		{"a.tga", tga, "image/x-tga", 3},
		{"a.sgi", sgi, "image/sgi", 1},
		{"a.hdr", []byte("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 5 +X 7\n" + strings.Repeat("\x00", 140)), "image/vnd.radiance", 3},
	} {
		md, err := extractBytes(t, c.data, c.name)
		require.NoError(t, err, c.name)
		m := md.Map()
		require.Equal(t, c.mime, m["dc:format"], c.name)
		require.EqualValues(t, 7, m["tiff:ImageWidth"], c.name)
		require.EqualValues(t, 5, m["tiff:ImageLength"], c.name)
		require.EqualValues(t, c.ch, m["acs:Channels"], c.name)
	}
	_, err := extractBytes(t, []byte("P6\n7"), "cut.ppm")
	var ae *api.Error
	require.True(t, errors.As(err, &ae), "%v", err)
}

package image

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
)

func TestSniffBytes(t *testing.T) {
	tests := []struct {
		name string
		head string
		want SourceType
	}{
		{"JPEG", "\xff\xd8\xff\xe0\x00\x10JFIF", TypeJPEG},
		{"PNG", "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", TypePNG},
		{"GIF87a", "GIF87a\x01\x00", TypeGIF},
		{"GIF89a", "GIF89a\x01\x00", TypeGIF},
		{"WebP", "RIFF\x24\x00\x00\x00WEBPVP8 ", TypeWebP},
		{"RIFF that is not WebP", "RIFF\x24\x00\x00\x00WAVEfmt ", TypeUnknown},
		{"TIFF little-endian", "II*\x00\x08\x00\x00\x00", TypeTIFF},
		{"TIFF big-endian", "MM\x00*\x00\x00\x00\x08", TypeTIFF},
		{"BigTIFF", "II+\x00\x08\x00\x00\x00", TypeTIFF},
		{"HEIC", "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", TypeHEIF},
		{"HEIF by compatible brand", "\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf", TypeHEIF},
		{"AVIF", "\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", TypeAVIF},
		{"AVIF by compatible brand", "\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf", TypeAVIF},
		{"MP4", "\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", TypeUnknown},
		{"JPEG 2000", "\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00", TypeJP2},
		{"JPEG 2000 codestream", "\xff\x4f\xff\x51\x00\x2f", TypeJP2},
		{"JPEG XL codestream", "\xff\x0a\xfa\x7f", TypeJXL},
		{"JPEG XL container", "\x00\x00\x00\x0cJXL \r\n\x87\n", TypeJXL},
		{"PSD", "8BPS\x00\x01", TypePSD},
		{"PDF", "%PDF-1.7\n", TypePDF},
		{"BMP", string(bmpStub()), TypeBMP},
		{"BM that is not a BMP", "BM, or a note about it", TypeUnknown},
		{"SVG", `<svg xmlns="http://www.w3.org/2000/svg"/>`, TypeSVG},
		{"SVG after a prolog, comment and doctype", "\xef\xbb\xbf\n<?xml version=\"1.0\"?>\n<!-- drawn -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x\">\n<svg>", TypeSVG},
		{"SVG after a doctype with an internal subset", "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x\" [\n" +
			"\t<!ENTITY ns_svg \"http://www.w3.org/2000/svg\">\n\t<!ENTITY st0 'a > b ]'>\n\t<!-- ]> -->\n]>\n<svg xmlns=\"&ns_svg;\">", TypeSVG},
		{"a doctype cut inside its internal subset", "<!DOCTYPE svg [<!ENTITY a \"b\">", TypeUnknown},
		{"a doctype with a subset, then another root", "<!DOCTYPE html [<!ENTITY a \"]>\">]><html><svg/></html>", TypeUnknown},
		{"XML that is not SVG", `<?xml version="1.0"?><html><svg/></html>`, TypeUnknown},
		{"svgfoo is not svg", `<svgfoo/>`, TypeUnknown},
		{"plain text", "hello world", TypeUnknown},
		{"empty", "", TypeUnknown},
		{"a lone byte", "\xff", TypeUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, SniffBytes([]byte(tc.head)))
		})
	}
}

func TestSniffCorpusByContentNotName(t *testing.T) {
	tests := []struct {
		file string
		want SourceType
	}{
		{"Portrait_1.jpg", TypeJPEG},
		{"with-alpha.png", TypePNG},
		{"animated-loop-3.gif", TypeGIF},
		{"animated-loop-3.webp", TypeWebP},
		{"G31D_MULTI.TIF", TypeTIFF},
		{"pitm.avif", TypeAVIF},
		{"relax.jp2", TypeJP2},
		{"circle.svg", TypeSVG},
		{"struct-image-04-t.svg", TypeSVG},
		{"corrupt-header.jpg", TypeJPEG}, // a JPEG whose header is broken
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, err := Sniff(corpus(t, tc.file))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.True(t, got.Decodable())
			assert.NotEqual(t, "application/octet-stream", got.MimeType())
		})
	}

	t.Run("a PNG named .jpg is a PNG", func(t *testing.T) {
		data := []byte("\x89PNG\r\n\x1a\n")
		got, err := Sniff(writeTemp(t, "photo.jpg", data))
		require.NoError(t, err)
		assert.Equal(t, TypePNG, got)
	})
	t.Run("text is unsupported", func(t *testing.T) {
		_, err := Sniff(writeTemp(t, "a.png", []byte("just text")))
		assert.Equal(t, api.ReasonSourceFormatUnsupported, api.ReasonOf(err))
	})
	t.Run("empty is corrupt", func(t *testing.T) {
		_, err := Sniff(writeTemp(t, "a.png", nil))
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err))
		assert.Equal(t, "source is empty (0 bytes)", api.MessageOf(err))
	})
	t.Run("an SVG whose svg element starts after the first 4 KiB", func(t *testing.T) {
		got, err := Sniff(writeTemp(t, "a.svg", []byte(illustratorSVG(80))))
		require.NoError(t, err)
		assert.Equal(t, TypeSVG, got)
	})
	t.Run("XML whose prolog goes on past 64 KiB", func(t *testing.T) {
		_, err := Sniff(writeTemp(t, "a.xml", []byte("<?xml version='1.0'?><!-- "+strings.Repeat("x", 70<<10)+" --><svg/>")))
		assert.Equal(t, api.ReasonSourceFormatUnsupported, api.ReasonOf(err), "nothing says it is an SVG")
		got, err := Sniff(writeTemp(t, "a.svg", []byte("<?xml version='1.0'?><!DOCTYPE svg [<!-- "+strings.Repeat("x", 70<<10)+" -->]><svg/>")))
		require.NoError(t, err)
		assert.Equal(t, TypeSVG, got, "its document type says so; the engine then refuses the prolog")
	})
	t.Run("a JPEG cut after its SOI marker, named .jpg, is a JPEG", func(t *testing.T) {
		got, err := Sniff(writeTemp(t, "cut.jpg", []byte{0xFF, 0xD8}))
		require.NoError(t, err)
		assert.Equal(t, TypeJPEG, got, "a truncated JPEG, which decoding reports as SourceCorrupt")
		_, err = Sniff(writeTemp(t, "cut", []byte{0xFF, 0xD8}))
		assert.Equal(t, api.ReasonSourceFormatUnsupported, api.ReasonOf(err), "without a name, two bytes say nothing")
	})
	t.Run("a PDF whose header follows junk", func(t *testing.T) {
		got, err := Sniff(writeTemp(t, "doc", append(bytes.Repeat([]byte{0, 1, 2, 3}, 150), "%PDF-1.7\n"...)))
		require.NoError(t, err)
		assert.Equal(t, TypePDF, got)
	})
	t.Run("a missing file is a generic error", func(t *testing.T) {
		_, err := Sniff(t.TempDir() + "/missing")
		assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
	})
}

// TestSourceTypesMatchTheRegistry: the engine has a decodable source type
// for exactly the formats the registry says it reads.
func TestSourceTypesMatchTheRegistry(t *testing.T) {
	for _, f := range format.All() {
		st := sourceTypeOf(f)
		if f.Engines.Has(format.ImageRead) != (st != TypeUnknown) {
			t.Errorf("%s: registry image-read %v, source type %q", f, f.Engines.Has(format.ImageRead), st)
		}
		if st != TypeUnknown && !st.Decodable() {
			t.Errorf("%s: source type %s is not decodable", f, st)
		}
	}
}

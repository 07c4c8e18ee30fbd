package meta

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/stretchr/testify/require"
)

// damageSamples returns a valid file of every format Extract reads, by
// file name: built here, from testdata, and (with exiftool) the generated
// sample set.
func damageSamples(t *testing.T) map[string][]byte {
	t.Helper()
	le := binary.LittleEndian
	img := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	exif := buildTIFF(le, []testEntry{{0x010F, tASCII, 6, []byte("Canon\x00")}, {0x0112, tSHORT, 1, le16(6)}})
	xmp := fmt.Sprintf(testXMP, "Damage")

	var jb bytes.Buffer
	require.NoError(t, jpeg.Encode(&jb, img, nil))
	jpg := append([]byte{0xFF, 0xD8}, segment(0xE1, append([]byte("Exif\x00\x00"), exif...))...)
	jpg = append(jpg, segment(0xE1, append([]byte(xmpSig), xmp...))...)
	jpg = append(jpg, jb.Bytes()[2:]...)

	var pb bytes.Buffer
	require.NoError(t, png.Encode(&pb, img))
	pngData := append([]byte{}, pb.Bytes()[:33]...) // signature and IHDR
	pngData = append(pngData, chunk("tEXt", []byte("Title\x00PNG title"))...)
	pngData = append(pngData, chunk("zTXt", append([]byte("Comment\x00\x00"), zlibOf(t, []byte("a comment"))...))...)
	pngData = append(pngData, chunk("iTXt", append([]byte("XML:com.adobe.xmp\x00\x01\x00\x00\x00"), zlibOf(t, []byte(xmp))...))...)
	pngData = append(pngData, chunk("eXIf", exif)...)
	pngData = append(pngData, pb.Bytes()[33:]...)

	var gb bytes.Buffer
	pal := image.NewPaletted(image.Rect(0, 0, 16, 8), palette.Plan9)
	require.NoError(t, gif.EncodeAll(&gb, &gif.GIF{Image: []*image.Paletted{pal, pal}, Delay: []int{5, 5}, LoopCount: 2}))

	bmp := append([]byte("BM"), le.AppendUint32(nil, 54+16*8*4)...)
	bmp = append(bmp, 0, 0, 0, 0, 54, 0, 0, 0)
	bmp = append(bmp, le.AppendUint32(nil, 40)...)
	bmp = append(bmp, le.AppendUint32(nil, 16)...)
	bmp = append(bmp, le.AppendUint32(nil, 8)...)
	bmp = append(bmp, 1, 0, 32, 0)
	bmp = append(bmp, make([]byte, 24)...)
	bmp = append(bmp, make([]byte, 16*8*4)...)

	siz := append([]byte{0xFF, 0x4F, 0xFF, 0x51}, be16(41)...)
	siz = append(siz, 0, 0)
	siz = append(siz, be32(16)...)
	siz = append(siz, be32(8)...)
	siz = append(siz, make([]byte, 24)...)
	siz = append(siz, be16(1)...)
	siz = append(siz, 7, 1, 1)
	j2c := append(append([]byte{}, siz...), 0xFF, 0x90, 0, 10, 0, 0, 0, 0, 0, 0, 0, 1)
	jp2 := append(isoBox("jP  ", []byte("\r\n\x87\n")), isoBox("ftyp", []byte("jp2 "), be32(0), []byte("jp2 "))...)
	jp2 = append(jp2, isoBox("jp2h", isoBox("ihdr", be32(8), be32(16), be16(1), []byte{7, 7, 0, 0}))...)
	jp2 = append(jp2, isoBox("uuid", []byte("\xBE\x7A\xCF\xCB\x97\xA9\x42\xE8\x9C\x71\x99\x94\x91\xE3\xAF\xAC"), []byte(xmp))...)
	jp2 = append(jp2, isoBox("jp2c", j2c)...)

	vp8x := isoBoxLE("VP8X", []byte{0x04 | 0x08, 0, 0, 0, 63, 0, 0, 47, 0, 0})
	webpExt := append(append(vp8x, webpLossy[12:]...), isoBoxLE("EXIF", exif)...)
	webpExt = append(webpExt, isoBoxLE("XMP ", []byte(xmp))...)
	webpExt = append(append([]byte("RIFF"), le.AppendUint32(nil, uint32(4+len(webpExt)))...), append([]byte("WEBP"), webpExt...)...)

	s := map[string][]byte{
		"image.jpg":     jpg,
		"image.png":     pngData,
		"anim.gif":      gb.Bytes(),
		"lossy.webp":    webpLossy,
		"lossless.webp": webpLossless,
		"extended.webp": webpExt,
		"raw.dng":       exif,
		"item.heic":     heifWithItems(append([]byte("-"), xmp...), [2][2]uint64{{1, uint64(len(xmp))}, {0, 1}}),
		"image.bmp":     bmp,
		"image.j2c":     j2c,
		"image.jp2":     jp2,
		"min.docx":      minimalOOXML(t, "word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "<w/>"),
		"doc.pdf": testPDF("/Root 1 0 R /Info 4 0 R",
			"<< /Type /Catalog /Pages 2 0 R /Metadata 3 0 R >>", "<< /Type /Pages /Kids [] /Count 2 >>",
			pdfStreamObj("/Type /Metadata /Subtype /XML /Filter /FlateDecode", zlibOf(t, []byte(xmp))), "<< /Title (PDF title) >>"),
	}
	for _, name := range []string{"enc-rc4-40.pdf", "enc-objstm-aes-256.pdf"} {
		data, err := os.ReadFile(filepath.Join("testdata", "pdf", name))
		require.NoError(t, err)
		s[name] = data
	}
	s["codestream.jxl"] = readJXLSample(t, "vips-alpha.jxl")
	s["container.jxl"] = readJXLSample(t, "libjxl-jxlp-exif-xml.jxl")
	if _, err := os.Stat(exiftoolPath); err == nil && !testing.Short() {
		dir := generated(t)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			s["gen-"+e.Name()] = data
		}
	} else {
		t.Log("exiftool not installed, or -short: the generated sample set is not damaged")
	}
	return s
}

// isoBoxLE is a RIFF chunk: a little-endian size, padded to even length.
func isoBoxLE(fourcc string, data []byte) []byte {
	b := append([]byte(fourcc), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// checkDamaged runs Extract on a damaged source: it must end with
// metadata (well-formed in both renditions, without a recovered panic)
// or with one of the allowed reasons.
func checkDamaged(t *testing.T, name string, data []byte, what string, allowed ...api.Reason) {
	t.Helper()
	md, err := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), name, Options{})
	if err != nil {
		r := api.ReasonOf(err)
		for _, a := range allowed {
			if r == a {
				return
			}
		}
		t.Fatalf("%s %s: reason %s: %v", name, what, r, err)
	}
	for _, w := range md.Warnings {
		if strings.Contains(w, "failed:") {
			t.Fatalf("%s %s: a parser panicked: %s", name, what, w)
		}
	}
	checkOutput(t, md)
}

// TestDamagedSourcesOfEveryFormat cuts a file of every format at many
// points, and changes random bytes of it: the result is metadata or a
// reasoned failure (SourceCorrupt for a cut file), never a panic, a hang
// or another reason.
func TestDamagedSourcesOfEveryFormat(t *testing.T) {
	for name, data := range damageSamples(t) {
		t.Run(name, func(t *testing.T) {
			md, err := extractBytes(t, data, name)
			require.NoError(t, err, "the undamaged sample")
			require.NotEmpty(t, md.Properties)
			for cut := 0; cut < len(data); {
				checkDamaged(t, name, data[:cut], fmt.Sprintf("cut at %d of %d", cut, len(data)), api.ReasonSourceCorrupt)
				if cut < 64 {
					cut++
				} else {
					cut += max(cut/10, 1)
				}
			}
			rng := rand.New(rand.NewPCG(uint64(len(data)), 12))
			for i := 0; i < 120; i++ {
				m := append([]byte{}, data...)
				switch i % 3 {
				case 0: // a few random bytes
					for k := rng.IntN(8) + 1; k > 0; k-- {
						m[rng.IntN(len(m))] = byte(rng.Uint32())
					}
				case 1: // a run of 0xFF or 0x00
					at := rng.IntN(len(m))
					fill := byte(0xFF * (i % 2))
					for j := at; j < min(len(m), at+rng.IntN(64)+1); j++ {
						m[j] = fill
					}
				case 2: // a 32-bit length field set to a large value
					at := rng.IntN(max(len(m)-4, 1))
					binary.BigEndian.PutUint32(m[at:], 0x7FFFFFF0-uint32(rng.IntN(1<<16)))
				}
				checkDamaged(t, name, m, fmt.Sprintf("mutant %d", i),
					api.ReasonSourceCorrupt, api.ReasonSourceFormatUnsupported, api.ReasonSourceTooLarge, api.ReasonSourceUnsupported)
			}
		})
	}
}

// TestCyclicStructures: structures that point back to themselves are
// walked once: a PDF cross-reference chain whose /Prev is itself,
// reference cycles between objects, a stream whose /Length is itself, a
// TIFF page chain that loops.
func TestCyclicStructures(t *testing.T) {
	t.Run("PDF", func(t *testing.T) {
		objs := []string{
			"<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>",
			"<< /Type /Pages /Kids [] /Count 3 0 R >>",
			"4 0 R", // the page count: a reference cycle
			"3 0 R",
			"<< /Type /Metadata /Length 5 0 R >>\nstream\nabc\nendstream", // its length is itself
			"<< /Title (Loops) /Author 6 0 R >>",
		}
		first := testPDF("/Root 1 0 R /Info 6 0 R", objs...)
		i := bytes.LastIndex(first, []byte("startxref\n"))
		var xref int
		fmt.Sscanf(string(first[i+10:]), "%d", &xref)
		data := testPDF(fmt.Sprintf("/Root 1 0 R /Info 6 0 R /Prev %d", xref), objs...)
		md, err := extractBytes(t, data, "loops.pdf")
		require.NoError(t, err)
		require.Equal(t, "Loops", get(md, "dc:title"))
		w := strings.Join(md.Warnings, "\n")
		require.Contains(t, w, "cross-reference chain loops")
		require.Contains(t, w, "metadata stream: stream without a length")
		require.Nil(t, get(md, "xmpTPg:NPages"))
	})
	t.Run("TIFF pages", func(t *testing.T) {
		le := binary.LittleEndian
		ifd0 := buildIFD(le, 8, []testEntry{{0x0100, tSHORT, 1, le16(4)}, {0x0101, tSHORT, 1, le16(3)}}, 8+18+12)
		ifd1 := buildIFD(le, 8+uint32(len(ifd0)), []testEntry{{0x0100, tSHORT, 1, le16(2)}}, 8) // back to IFD0
		data := append(append([]byte("II*\x00\x08\x00\x00\x00"), ifd0...), ifd1...)
		md, err := extractBytes(t, data, "loop.tif")
		require.NoError(t, err)
		require.Equal(t, 4.0, get(md, "tiff:ImageWidth"))
		require.Nil(t, get(md, "xmpTPg:NPages"))
		require.Contains(t, strings.Join(md.Warnings, "\n"), "cycle")
	})
}

// TestManyTinyStructures: a file made of millions of minimal structures
// (JPEG fill bytes or empty segments, empty RIFF chunks, empty boxes) is
// walked in a bounded number of reads, instead of one small read per
// structure up to MaxBytes.
func TestManyTinyStructures(t *testing.T) {
	sof := segment(0xC0, []byte{8, 0, 10, 0, 20, 1, 1, 0x11, 0})
	emptyRIFF := func(n int) []byte { return bytes.Repeat([]byte("JUNK\x00\x00\x00\x00"), n) }
	webp := append(emptyRIFF(1<<20), webpLossy[12:]...)
	webp = append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(webp)))...), append([]byte("WEBP"), webp...)...)
	free := bytes.Repeat(isoBox("free"), 1<<20)
	for _, tc := range []struct {
		name string
		data []byte
		ok   bool // metadata is still read (else SourceCorrupt)
	}{
		{"fill.jpg", append(append([]byte{0xFF, 0xD8}, bytes.Repeat([]byte{0xFF}, 24<<20)...), sof...), true},
		{"segments.jpg", append(append([]byte{0xFF, 0xD8}, bytes.Repeat([]byte{0xFF, 0xEF, 0, 2}, 1<<20)...), sof...), false},
		{"chunks.webp", webp, false},
		{"boxes.heic", append(append(isoBox("ftyp", []byte("heic"), be32(0), []byte("mif1heic")), free...), heifWithItems(nil, [2][2]uint64{})[24:]...), false},
		{"boxes.jp2", append(append(isoBox("jP  ", []byte("\r\n\x87\n")), free...), isoBox("jp2h", isoBox("ihdr", be32(8), be32(16), be16(1), []byte{7, 7, 0, 0}))...), false},
		{"boxes.jxl", append(jxlContainerOf(free), isoBox("jxlc", readJXLSample(t, "vips-copy.jxl"))...), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &countingReaderAt{r: bytes.NewReader(tc.data)}
			md, err := Extract(context.Background(), c, int64(len(tc.data)), tc.name, Options{})
			t.Logf("%d bytes: %d reads", len(tc.data), c.calls.Load())
			if tc.ok {
				require.NoError(t, err)
				require.NotEmpty(t, md.Properties)
			} else {
				require.Error(t, err)
				require.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), err.Error())
			}
			require.Less(t, c.calls.Load(), int64(120000))
		})
	}
}

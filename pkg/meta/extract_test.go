package meta

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptions(t *testing.T) {
	require.NoError(t, Options{}.Validate())
	d := DefaultOptions()
	assert.EqualValues(t, DefaultMaxBytes, d.MaxBytes)
	assert.Equal(t, DefaultMaxIFDEntries, d.MaxIFDEntries)
	err := Options{MaxXMPBytes: -1}.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MaxXMPBytes")
	_, err = Extract(context.Background(), bytes.NewReader([]byte("x")), 1, "", Options{MaxBytes: -5})
	require.Error(t, err)
}

// TestCorpus pins what each reader finds in the shared sample files.
func TestCorpus(t *testing.T) {
	needCorpus(t)
	for _, tc := range []struct {
		file string
		want map[string]any
		warn bool
	}{
		{"Portrait_6.jpg", map[string]any{"dc:format": "image/jpeg", "tiff:ImageWidth": 600.0, "tiff:ImageLength": 450.0, "tiff:Orientation": 6.0, "photoshop:ICCProfile": "Generic RGB Profile"}, false},
		{"Channel_digital_image_CMYK_color.jpg", map[string]any{"tiff:Make": "Canon", "tiff:Model": "Canon EOS 300D DIGITAL", "acs:ColorSpace": "CMYK", "acs:Channels": 4.0, "exif:FNumber": 5.6, "exif:ExposureTime": 0.0015625}, false},
		{"giant-image.jpg", map[string]any{"tiff:ImageWidth": 20000.0, "tiff:ImageLength": 14000.0, "acs:ColorSpace": "Gray"}, false},
		{"16-bit-grey-alpha.png", map[string]any{"tiff:BitsPerSample": []any{16.0, 16.0}, "acs:HasAlpha": true, "photoshop:ICCProfile": "Greyscale D50"}, false},
		{"prophoto.png", map[string]any{"photoshop:ICCProfile": "ProPhoto RGB", "acs:ColorSpace": "RGB"}, false},
		{"truncated.png", map[string]any{"tiff:ImageWidth": 294.0, "tiff:ImageLength": 240.0}, true},
		{"truncated.jpg", map[string]any{"tiff:ImageWidth": 2725.0}, false},
		{"G31D_MULTI.TIF", map[string]any{"tiff:ImageWidth": 2464.0, "tiff:ImageLength": 3248.0, "xmpTPg:NPages": 2.0, "tiff:Compression": 3.0}, false},
		{"tifftag-photoshop.tiff", map[string]any{"tiff:Make": "FUJIFILM", "dc:creator": []any{"Boudewijn Vermeulen"}, "tiff:BitsPerSample": []any{16.0, 16.0, 16.0}}, false},
		{"animated-loop-3.gif", map[string]any{"acs:FrameCount": 10.0, "tiff:ImageWidth": 370.0}, false},
		{"rotating-squares.gif", map[string]any{"acs:FrameCount": 30.0, "acs:Duration": 0.9}, false},
		{"animated-loop-3.webp", map[string]any{"acs:FrameCount": 10.0, "tiff:ImageWidth": 370.0, "tiff:ImageLength": 285.0}, false},
		{"pitm.avif", map[string]any{"dc:format": "image/avif", "tiff:ImageWidth": 4096.0, "tiff:ImageLength": 800.0, "xmp:CreatorTool": "Paint.NET 5.1.11"}, false},
		{"relax.jp2", map[string]any{"tiff:ImageWidth": 320.0, "tiff:ImageLength": 240.0}, false},
		{"circle.svg", map[string]any{"dc:format": "image/svg+xml", "tiff:ImageWidth": 8.0}, false},
		{"struct-image-04-t.svg", map[string]any{"dc:title": "$RCSfile: struct-image-04-t.svg,v $", "tiff:ImageWidth": 480.0}, false},
		{"corrupt-header.jpg", map[string]any{"tiff:Make": "Canon"}, true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			md, err := extractFile(t, filepath.Join(corpusDir, tc.file))
			require.NoError(t, err)
			m := md.Map()
			for k, v := range tc.want {
				assert.Equal(t, v, m[k], k)
			}
			if tc.warn {
				assert.NotEmpty(t, md.Warnings)
			} else {
				assert.Empty(t, md.Warnings)
			}
			checkOutput(t, md)
		})
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   []byte
		reason api.Reason
	}{
		{"empty", nil, api.ReasonSourceCorrupt},
		{"plain text", []byte("just some words\n"), api.ReasonSourceFormatUnsupported},
		{"mp4 without moov", append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), make([]byte, 64)...), api.ReasonSourceCorrupt},
		{"avi without headers", append([]byte("RIFF\x00\x01\x00\x00AVI LIST"), make([]byte, 64)...), api.ReasonSourceCorrupt},
		{"7z", append([]byte("7z\xBC\xAF\x27\x1C"), make([]byte, 64)...), api.ReasonSourceFormatUnsupported},
		{"jpeg without frame", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"), api.ReasonSourceCorrupt},
		{"png without IHDR", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x00IEND\xaeB`\x82"), api.ReasonSourceCorrupt},
		{"tiff with bad IFD", []byte("II*\x00\xff\xff\xff\x00"), api.ReasonSourceCorrupt},
		{"gif header only", []byte("GIF89a\x01"), api.ReasonSourceCorrupt},
		{"pdf without xref", []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"), api.ReasonSourceCorrupt},
		{"plain zip", zipOf(t, map[string]string{"a.txt": "x"}), api.ReasonSourceFormatUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Extract(context.Background(), bytes.NewReader(tc.data), int64(len(tc.data)), "", Options{})
			require.Error(t, err)
			assert.Equal(t, tc.reason, api.ReasonOf(err), err.Error())
		})
	}
}

func TestContextDeadline(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	data := []byte("\x89PNG\r\n\x1a\n")
	_, err := Extract(ctx, bytes.NewReader(data), int64(len(data)), "", Options{})
	require.Error(t, err)
	assert.Equal(t, api.ReasonTimeout, api.ReasonOf(err))
}

// TestReadsOnlyWhatItNeeds checks that metadata from a multi-gigabyte file
// costs kilobytes of reads: the ranged-read contract of a remote source.
func TestReadsOnlyWhatItNeeds(t *testing.T) {
	const huge = 2 << 30
	jpegHead := func() []byte {
		// A JPEG up to its first scan, then (virtually) 2 GB of scan data.
		b := []byte("\xFF\xD8")
		exif := buildTIFF(binary.LittleEndian, []testEntry{{0x010F, tASCII, 6, []byte("Canon\x00")}})
		b = append(b, segment(0xE1, append([]byte("Exif\x00\x00"), exif...))...)
		b = append(b, segment(0xC0, []byte{8, 0x3E, 0x80, 0x5D, 0xC0, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1})...)
		b = append(b, 0xFF, 0xDA)
		return b
	}()
	pngHead := func() []byte {
		b := []byte("\x89PNG\r\n\x1a\n")
		b = append(b, chunk("IHDR", []byte{0, 0, 0x40, 0, 0, 0, 0x40, 0, 8, 2, 0, 0, 0})...)
		// An IDAT chunk of almost 2 GB (only its header is real) ...
		idat := make([]byte, 8)
		binary.BigEndian.PutUint32(idat, huge-200)
		copy(idat[4:], "IDAT")
		return append(b, idat...)
	}()
	// ... followed by a text chunk and IEND at the very end.
	pngTail := append(append(make([]byte, 4), chunk("tEXt", []byte("Title\x00Far away"))...), chunk("IEND", nil)...)
	pngSize := int64(len(pngHead)) + huge - 200 + int64(len(pngTail))
	// A TIFF whose IFD is at the end of a 2 GB file.
	tiffEntries := []testEntry{{0x0100, tSHORT, 1, le16(5000)}, {0x0101, tSHORT, 1, le16(4000)}, {0x010F, tASCII, 4, []byte("Sny\x00")}}
	tiffSize := int64(huge)
	ifdOff := tiffSize - int64(len(buildIFD(binary.LittleEndian, 0, tiffEntries, 0)))
	tiffFile := buildIFD(binary.LittleEndian, uint32(ifdOff), tiffEntries, 0)
	tiffHead := []byte("II*\x00\x00\x00\x00\x00")
	binary.LittleEndian.PutUint32(tiffHead[4:], uint32(ifdOff))

	for _, tc := range []struct {
		name string
		f    *virtualFile
		key  string
		want any
	}{
		{"jpeg", &virtualFile{prefix: jpegHead, size: huge}, "tiff:Make", "Canon"},
		{"png", &virtualFile{prefix: pngHead, suffix: pngTail, size: pngSize}, "dc:title", "Far away"},
		{"tiff", &virtualFile{prefix: tiffHead, suffix: tiffFile, size: tiffSize}, "tiff:Make", "Sny"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &countingReaderAt{r: tc.f}
			md, err := Extract(context.Background(), c, tc.f.size, "big."+tc.name, Options{})
			require.NoError(t, err)
			assert.Equal(t, tc.want, get(md, tc.key))
			assert.Less(t, c.bytes.Load(), int64(16<<10), "bytes read")
			t.Logf("%s: %d bytes in %d reads from a %d-byte file", tc.name, c.bytes.Load(), c.calls.Load(), tc.f.size)
		})
	}
}

func TestReadLimit(t *testing.T) {
	// A GIF of many frames walked under a tiny read budget: what was read is
	// kept, the frame count (which needs the whole file) is not guessed.
	var b bytes.Buffer
	b.WriteString("GIF89a\x10\x00\x10\x00\x00\x00\x00")
	for i := 0; i < 5000; i++ {
		b.Write([]byte{0x2C, 0, 0, 0, 0, 16, 0, 16, 0, 0, 2, 4, 1, 2, 3, 4, 0})
	}
	b.WriteByte(0x3B)
	data := b.Bytes()
	md, err := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), "", Options{MaxBytes: 40 << 10})
	require.NoError(t, err)
	assert.Equal(t, 16.0, get(md, "tiff:ImageWidth"))
	assert.Nil(t, get(md, "acs:FrameCount"))
	assert.NotEmpty(t, md.Warnings)
	md, err = Extract(context.Background(), bytes.NewReader(data), int64(len(data)), "", Options{})
	require.NoError(t, err)
	assert.Equal(t, 5000.0, get(md, "acs:FrameCount"))
}

func TestJSONOutput(t *testing.T) {
	b := newBuilder(DefaultOptions())
	b.format = "image/jpeg"
	b.set("exif:GPSLatitude", Value{Kind: KindNumber, Num: -33.5, Text: "33,30.0S"}, prioEXIF)
	b.set("dc:title", Value{Kind: KindLangAlt, Alt: []LangText{{"fr", "Bonjour"}, {"x-default", "Hello"}}}, prioXMP)
	b.set("dc:subject", TextBag("b", "a"), prioXMP)
	r, _ := Rational(1, 250)
	b.set("exif:ExposureTime", r, prioEXIF)
	b.set("exif:Flash/exif:Fired", Bool(true), prioEXIF)
	b.set("xmp:CreateDate", Date("2021-06-15T10:20:30+02:00"), prioEXIF)
	b.set("tiff:Orientation", Number(6), prioEXIF)
	md := b.finish()
	js, err := md.JSON()
	require.NoError(t, err)
	assert.Equal(t, `{"dc:format":"image/jpeg","dc:subject":["b","a"],"dc:title":"Hello","dc:title@fr":"Bonjour",`+
		`"xmp:CreateDate":"2021-06-15T10:20:30+02:00","tiff:Orientation":6,"exif:ExposureTime":0.004,`+
		`"exif:Flash/exif:Fired":true,"exif:GPSLatitude":-33.5}`, string(js))
	var m map[string]any
	require.NoError(t, json.Unmarshal(js, &m))
	// Same output for the same input: the order does not depend on map order.
	for i := 0; i < 5; i++ {
		again, _ := b.finish().JSON()
		assert.Equal(t, js, again)
	}
}

// TestXMPRoundTrip writes a packet and reads it back with this package's
// own XMP parser: every kind survives.
func TestXMPRoundTrip(t *testing.T) {
	b := newBuilder(DefaultOptions())
	b.set("dc:title", Value{Kind: KindLangAlt, Alt: []LangText{{"x-default", "A <b> & \"c\""}, {"de-DE", "Grüße"}}}, prioXMP)
	b.set("dc:creator", TextSeq("Zoë", "Ann"), prioXMP)
	b.set("dc:subject", TextBag("x", "y & z"), prioXMP)
	b.set("xmp:Rating", Number(4), prioXMP)
	b.set("exif:GPSLongitude", Value{Kind: KindNumber, Num: -70.5, Text: gpsText(-70.5, 'E', 'W')}, prioXMP)
	r, _ := Rational(28, 10)
	b.set("exif:FNumber", r, prioXMP)
	b.set("exif:Flash/exif:Fired", Bool(false), prioXMP)
	b.set("exif:Flash/exif:Mode", Number(2), prioXMP)
	b.set("xmp:CreateDate", Date("2020-01-02T03:04:05.5Z"), prioXMP)
	b.set("tiff:BitsPerSample", Seq(Number(8), Number(8)), prioXMP)
	b.set("dc:description", LangAlt("control\x01char and \uFFFE"), prioXMP)
	md := b.finish()
	packet, err := md.XMP()
	require.NoError(t, err)
	b2 := newBuilder(DefaultOptions())
	parseXMP(b2, packet, prioXMP, "test")
	assert.Empty(t, b2.warnings)
	md2 := b2.finish()
	assert.Equal(t, md.Map(), md2.Map())
}

func TestPrecedence(t *testing.T) {
	b := newBuilder(DefaultOptions())
	b.set("dc:title", LangAlt("exif"), prioEXIF)
	b.set("dc:title", LangAlt("xmp"), prioXMP)
	b.set("dc:title", LangAlt("iptc"), prioIPTC)
	b.set("dc:creator", TextSeq("exif"), prioEXIF)
	b.set("dc:creator", TextSeq("iptc"), prioIPTC)
	b.set("tiff:ImageWidth", Number(10), prioXMP)
	b.set("tiff:ImageWidth", Number(20), prioFile)
	b.set("photoshop:City", Text("xmp"), prioXMP)
	b.set("photoshop:City", Text("newer iptc"), prioIPTCNewer)
	m := b.finish().Map()
	assert.Equal(t, "xmp", m["dc:title"])
	assert.Equal(t, []any{"iptc"}, m["dc:creator"])
	assert.Equal(t, 20.0, m["tiff:ImageWidth"])
	assert.Equal(t, "newer iptc", m["photoshop:City"])
}

func TestIPTCDigest(t *testing.T) {
	iptc := []byte("\x1c\x02\x05\x00\x04Edit")
	stale := irb{iptc: iptc, digest: bytes.Repeat([]byte{1}, 16)}
	assert.Equal(t, prioIPTCNewer, stale.iptcPrio())
	assert.Equal(t, prioIPTC, irb{iptc: iptc}.iptcPrio())
}

func TestIPTCCharsets(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want string
	}{
		{"utf-8 declared", "\x1c\x01\x5a\x00\x03\x1b%G\x1c\x02\x05\x00\x05Caf\xc3\xa9", "Café"},
		{"utf-8 undeclared", "\x1c\x02\x05\x00\x05Caf\xc3\xa9", "Café"},
		{"latin-1", "\x1c\x02\x05\x00\x04Caf\xe9", "Café"},
		{"cp1252 quote", "\x1c\x02\x05\x00\x03\x93a\x94", "\u201ca\u201d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder(DefaultOptions())
			parseIPTC(b, []byte(tc.data), prioIPTC, "test")
			assert.Equal(t, tc.want, b.finish().Map()["dc:title"])
		})
	}
}

func TestDates(t *testing.T) {
	for _, tc := range []struct {
		fn     func() (string, bool)
		want   string
		wantOK bool
	}{
		{func() (string, bool) { return exifDate("2021:06:15 10:20:30", "25", "+02:00") }, "2021-06-15T10:20:30.25+02:00", true},
		{func() (string, bool) { return exifDate("0000:00:00 00:00:00", "", "") }, "", false},
		{func() (string, bool) { return exifDate("    :  :     :  :  ", "", "") }, "", false},
		{func() (string, bool) { return xmpDate("2020-02-29T12:34:56+0100") }, "2020-02-29T12:34:56+01:00", true},
		{func() (string, bool) { return xmpDate("2020") }, "2020", true},
		{func() (string, bool) { return xmpDate("yesterday") }, "", false},
		{func() (string, bool) { return pdfDate("D:20240102030405+01'00'") }, "2024-01-02T03:04:05+01:00", true},
		{func() (string, bool) { return pdfDate("D:2024") }, "2024", true},
		{func() (string, bool) { return iptcDate("20200229", "123456+0100") }, "2020-02-29T12:34:56+01:00", true},
	} {
		got, ok := tc.fn()
		assert.Equal(t, tc.wantOK, ok)
		if ok {
			assert.Equal(t, tc.want, got)
		}
	}
}

func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var entries [][2]string
	for k, v := range files {
		entries = append(entries, [2]string{k, v})
	}
	return zipEntries(t, entries)
}

func TestExampleFilesAreSmall(t *testing.T) {
	// The committed fuzz corpus stays small.
	var total int64
	_ = filepath.Walk("testdata", func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			total += fi.Size()
		}
		return nil
	})
	assert.Less(t, total, int64(1<<20))
}

var _ = errors.New
var _ = strings.Contains

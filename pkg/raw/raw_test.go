package raw

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/tiff"

	"github.com/assetcompute/assetcompute/internal/rawtest"
	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r     *bytes.Reader
	bytes atomic.Int64
	reads atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.reads.Add(1)
	n, err := c.r.ReadAt(p, off)
	c.bytes.Add(int64(n))
	return n, err
}

func source(b []byte) (Source, *countingReader) {
	c := &countingReader{r: bytes.NewReader(b)}
	return Source{Reader: c, Size: int64(len(b))}, c
}

func inspect(t *testing.T, b []byte) *Info {
	t.Helper()
	info, err := Inspect(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	return info
}

func names(info *Info) []string {
	var out []string
	for _, p := range info.Previews {
		out = append(out, p.String())
	}
	return out
}

func TestInspectLayouts(t *testing.T) {
	tiffRaw := rawtest.TIFFRaw{Width: 1200, Height: 800, Orientation: 8, PreviewWidth: 600, PreviewHeight: 400}
	for _, c := range []struct {
		name        string
		file        []byte
		layout      string
		orientation int
		sensor      [2]int
		crop        [2]int
		previews    []string
	}{
		{"dng", rawtest.DNG{Width: 256, Height: 192, Orientation: 6, PreviewWidth: 128, PreviewHeight: 96, CropWidth: 240, CropHeight: 180}.Bytes(),
			"tiff", 6, [2]int{256, 192}, [2]int{240, 180}, []string{"DNG preview 128x96 JPEG", "ThumbnailImage 8x8 RGB"}},
		{"nef", tiffRaw.NEF(), "tiff", 8, [2]int{1200, 800}, [2]int{1200, 800},
			[]string{"JpgFromRaw 600x400 JPEG", "ThumbnailImage 160x120 RGB"}},
		{"arw", tiffRaw.ARW(), "tiff", 8, [2]int{1200, 800}, [2]int{1200, 800},
			[]string{"PreviewImage 600x400 JPEG", "ThumbnailImage 160x120 JPEG"}},
		{"cr2", tiffRaw.CR2(), "tiff", 8, [2]int{1200, 800}, [2]int{1200, 800},
			[]string{"PreviewImage 600x400 JPEG", "ThumbnailImage 160x120 JPEG", "IFD2 RGB image 96x64 RGB"}},
		{"raf", rawtest.RAF(6000, 4000, 1920, 1280, 3), "raf", 3, [2]int{6000, 4000}, [2]int{6000, 4000},
			[]string{"RAF JPEG 1920x1280 JPEG"}},
		{"cr3", rawtest.CR3{Width: 6000, Height: 4000, Orientation: 6, PreviewWidth: 1620, PreviewHeight: 1080, FullWidth: 3000, FullHeight: 2000}.Bytes(),
			"cr3", 6, [2]int{6000, 4000}, [2]int{6000, 4000},
			[]string{"CR3 JPEG 3000x2000 JPEG", "CR3 PRVW 1620x1080 JPEG", "CR3 THMB 160x120 JPEG"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			info := inspect(t, c.file)
			assert.Equal(t, c.layout, info.Layout)
			assert.Equal(t, c.orientation, info.Orientation)
			assert.Equal(t, c.sensor, [2]int{info.SensorWidth, info.SensorHeight})
			assert.Equal(t, c.crop, [2]int{info.CropWidth, info.CropHeight})
			assert.Equal(t, c.previews, names(info))
			assert.Empty(t, info.RawMissing)
			if c.name == "cr2" {
				// The raw data, a lossless JPEG in IFD3, is no preview.
				assert.Len(t, info.Rejected, 1)
				assert.Contains(t, info.Rejected[0], "SOF3")
			}
		})
	}
}

// noDevelop is an engine without LibRaw.
func noDevelop(t *testing.T) *Engine {
	e, err := New(Options{DcrawEmu: "/nonexistent/dcraw_emu"})
	require.NoError(t, err)
	require.False(t, e.CanDevelop())
	return e
}

func TestPictureChoosesTheSmallestPreviewThatCovers(t *testing.T) {
	cr3 := rawtest.CR3{Width: 1200, Height: 800, Orientation: 6, PreviewWidth: 324, PreviewHeight: 216, FullWidth: 600, FullHeight: 400}.Bytes()
	e := noDevelop(t)
	for _, c := range []struct {
		w, h int
		want string
	}{
		{100, 0, "CR3 THMB"},     // upright 100 wide: 150x100 stored, THMB's 160x120 covers it
		{0, 150, "CR3 THMB"},     // upright 150 high: 150 stored wide
		{0, 200, "CR3 PRVW"},     // 200 stored wide: more than THMB's 160
		{319, 319, "CR3 PRVW"},   // 319 long side: PRVW's 324
		{500, 500, "CR3 JPEG"},   // more than PRVW
		{5000, 5000, "CR3 JPEG"}, // nothing covers it, no LibRaw: the largest (half the sensor: no postage stamp)
		{0, 0, "CR3 JPEG"},       // full size
	} {
		src, _ := source(cr3)
		pic, err := e.Picture(context.Background(), src, Request{Width: c.w, Height: c.h}, t.TempDir())
		require.NoError(t, err, "%dx%d", c.w, c.h)
		assert.Equal(t, c.want, pic.Preview.Name, "%dx%d", c.w, c.h)
		assert.False(t, pic.Developed)
		assert.Equal(t, 6, pic.Orientation)
	}
}

// jpegOrientation reads the EXIF orientation of a JPEG file.
func jpegOrientation(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	j, err := readJPEGInfo(bytes.NewReader(b), 0, int64(len(b)))
	require.NoError(t, err)
	return j.orientation
}

func TestPreviewCarriesTheRawOrientation(t *testing.T) {
	e := noDevelop(t)
	for _, c := range []struct {
		name string
		file []byte
		want int
	}{
		{"nef orientation 8", rawtest.TIFFRaw{Width: 1200, Height: 800, Orientation: 8, PreviewWidth: 600, PreviewHeight: 400}.NEF(), 8},
		{"arw orientation 1", rawtest.TIFFRaw{Width: 1200, Height: 800, PreviewWidth: 600, PreviewHeight: 400}.ARW(), 1},
		// The RAF's JPEG has its own EXIF (orientation 3): kept.
		{"raf orientation 3", rawtest.RAF(6000, 4000, 1920, 1280, 3), 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, _ := source(c.file)
			pic, err := e.Picture(context.Background(), src, Request{Width: 319, Height: 319}, t.TempDir())
			require.NoError(t, err)
			assert.Equal(t, c.want, jpegOrientation(t, pic.Path))
			f, err := os.Open(pic.Path)
			require.NoError(t, err)
			defer f.Close()
			img, err := jpeg.Decode(f)
			require.NoError(t, err, "the preview with its new EXIF is a valid JPEG")
			assert.Equal(t, image.Pt(pic.Width, pic.Height), img.Bounds().Size())
		})
	}
}

func TestRGBThumbnailIsTurnedUpright(t *testing.T) {
	// The NEF's IFD0 thumbnail (160x120 RGB, all black here) covers a
	// 100-pixel request; a DNG thumbnail of the scene is checked for its
	// pixels.
	dng := rawtest.DNG{Width: 400, Height: 300, Orientation: 6, ThumbWidth: 160, ThumbHeight: 120}.Bytes()
	src, _ := source(dng)
	pic, err := noDevelop(t).Picture(context.Background(), src, Request{Width: 100, Height: 100}, t.TempDir())
	require.NoError(t, err)
	require.True(t, pic.Preview.RGB)
	f, err := os.Open(pic.Path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	require.Equal(t, image.Pt(120, 160), img.Bounds().Size())
	assertUpright(t, img, 6)
}

// assertUpright checks the quadrants of the scene shot with orientation
// o, as they must look upright: for 6 (turned 90° clockwise for display),
// blue top left, red top right, white bottom left, green bottom right.
func assertUpright(t *testing.T, img image.Image, o int) {
	t.Helper()
	b := img.Bounds()
	at := func(fx, fy float64) [3]uint32 {
		r, g, bl, _ := img.At(b.Min.X+int(fx*float64(b.Dx())), b.Min.Y+int(fy*float64(b.Dy()))).RGBA()
		return [3]uint32{r >> 8, g >> 8, bl >> 8}
	}
	dominant := func(c [3]uint32) string {
		switch {
		case c[0] > 150 && c[1] > 150 && c[2] > 150:
			return "white"
		case c[0] > c[1]+60 && c[0] > c[2]+60:
			return "red"
		case c[1] > c[0]+60 && c[1] > c[2]+60:
			return "green"
		case c[2] > c[0]+60 && c[2] > c[1]+60:
			return "blue"
		}
		return "other"
	}
	want := map[int][4]string{
		1: {"red", "green", "blue", "white"},
		6: {"blue", "red", "white", "green"},
		8: {"green", "white", "red", "blue"},
		3: {"white", "blue", "green", "red"},
	}[o]
	got := [4]string{dominant(at(0.2, 0.2)), dominant(at(0.8, 0.2)), dominant(at(0.2, 0.8)), dominant(at(0.8, 0.8))}
	assert.Equal(t, want, got, "quadrants top-left, top-right, bottom-left, bottom-right")
}

func TestDevelopDNGWithLibRaw(t *testing.T) {
	testutil.NeedTool(t, "dcraw_emu")
	testutil.NeedTool(t, "prlimit")
	e, err := New(Options{})
	require.NoError(t, err)
	require.True(t, e.CanDevelop())
	// No preview but the 8x8 thumbnail: a 100-pixel rendition of a
	// 640x480 sensor needs the raw data, and half size suffices.
	dng := rawtest.DNG{Width: 640, Height: 480, Orientation: 6}.Bytes()
	for _, c := range []struct {
		name      string
		req       Request
		half      bool
		size      image.Point
		fromLocal bool
	}{
		{"half size", Request{Width: 100, Height: 100}, true, image.Pt(240, 320), false},
		{"full size", Request{Width: 400, Height: 400}, false, image.Pt(480, 640), true},
		{"develop asked", Request{Width: 10, Mode: ModeDevelop}, true, image.Pt(240, 320), false},
		// The DNG default crop (600x440 of 640x480, centred) is applied.
		{"default crop", Request{Mode: ModeDevelop}, false, image.Pt(440, 600), false},
		// Raw data in a lossless JPEG, as most DNG writers store it.
		{"lossless jpeg", Request{Width: 400, Height: 400}, false, image.Pt(480, 640), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src, _ := source(dng)
			switch c.name {
			case "default crop":
				src, _ = source(rawtest.DNG{Width: 640, Height: 480, Orientation: 6, CropWidth: 600, CropHeight: 440}.Bytes())
			case "lossless jpeg":
				src, _ = source(rawtest.DNG{Width: 640, Height: 480, Orientation: 6, Lossless: true}.Bytes())
			}
			if c.fromLocal {
				src.Path = dir + "/file.dng"
				require.NoError(t, os.WriteFile(src.Path, dng, 0o600))
			}
			pic, err := e.Picture(context.Background(), src, c.req, dir)
			require.NoError(t, err)
			assert.True(t, pic.Developed)
			assert.Equal(t, c.half, pic.HalfSize)
			assert.Equal(t, 1, pic.Orientation)
			f, err := os.Open(pic.Path)
			require.NoError(t, err)
			defer f.Close()
			img, err := tiff.Decode(f)
			require.NoError(t, err)
			assert.Equal(t, c.size, img.Bounds().Size(), "LibRaw turns the picture upright")
			assertUpright(t, img, 6)
		})
	}
}

func TestPostageStampIsRefused(t *testing.T) {
	// The case of a DNG whose raw data cannot be read: an 8x8 thumbnail
	// of a 3516x2328 sensor must not pass for a rendition.
	cut := rawtest.DNG{Width: 3516, Height: 2328, CutRawData: true}.Bytes()
	whole := rawtest.DNG{Width: 352, Height: 234}.Bytes()
	for _, c := range []struct {
		name   string
		file   []byte
		engine *Engine
		req    Request
		reason api.Reason
		msg    []string
	}{
		{"raw data missing", cut, noDevelop(t), Request{Width: 319, Height: 319}, api.ReasonSourceCorrupt,
			[]string{"8x8", "3516x2328", "file is"}},
		{"raw data missing, preview asked", cut, noDevelop(t), Request{Width: 319, Mode: ModePreview}, api.ReasonSourceCorrupt,
			[]string{"8x8", "3516x2328", "truncated"}},
		{"preview asked, only a postage stamp", whole, noDevelop(t), Request{Width: 319, Mode: ModePreview}, api.ReasonSourceUnsupported,
			[]string{"8x8", "352x234", "raw: preview"}},
		{"no LibRaw", whole, noDevelop(t), Request{Width: 319, Height: 319}, api.ReasonSourceUnsupported,
			[]string{"8x8", "352x234", "dcraw_emu"}},
		{"develop asked without LibRaw", whole, noDevelop(t), Request{Mode: ModeDevelop}, api.ReasonSourceUnsupported,
			[]string{"dcraw_emu"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, _ := source(c.file)
			dir := t.TempDir()
			_, err := c.engine.Picture(context.Background(), src, c.req, dir)
			require.Error(t, err)
			assert.Equal(t, c.reason, api.ReasonOf(err), err.Error())
			for _, m := range c.msg {
				assert.Contains(t, api.MessageOf(err), m)
			}
			left, _ := os.ReadDir(dir)
			assert.Empty(t, left)
		})
	}
	// A file that declares no sensor size (an IIQ whose raw data is in
	// Phase One's own block): the request alone decides.
	noSensor := rawtest.TIFF(&rawtest.IFD{Entries: []rawtest.Entry{
		rawtest.Longs(tagImageWidth, 1), rawtest.Longs(tagImageLength, 1),
		rawtest.Shorts(tagBitsPerSample, 8, 8, 8), rawtest.Shorts(tagCompression, 1), rawtest.Shorts(tagPhotometric, 2),
		rawtest.Shorts(tagSamplesPerPixel, 3), rawtest.BlobAt(tagStripOffsets, []byte{1, 2, 3}), rawtest.Longs(tagStripByteCounts, 3),
	}}, 42)
	src, _ := source(noSensor)
	_, err := noDevelop(t).Picture(context.Background(), src, Request{Width: 319, Height: 319}, t.TempDir())
	require.Error(t, err)
	assert.Equal(t, api.ReasonSourceUnsupported, api.ReasonOf(err))
	assert.Contains(t, api.MessageOf(err), "1x1")

	// A postage stamp is still fine for a rendition of its own size.
	src, _ = source(whole)
	pic, err := noDevelop(t).Picture(context.Background(), src, Request{Width: 8, Height: 8}, t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, "ThumbnailImage", pic.Preview.Name)
}

func TestPixelLimitBeforeLibRaw(t *testing.T) {
	testutil.NeedTool(t, "dcraw_emu")
	e, err := New(Options{Limits: Limits{MaxSensorPixels: 1000}})
	require.NoError(t, err)
	src, _ := source(rawtest.DNG{Width: 64, Height: 32}.Bytes())
	_, err = e.Picture(context.Background(), src, Request{Mode: ModeDevelop}, t.TempDir())
	require.Error(t, err)
	assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err))
	assert.Contains(t, api.MessageOf(err), "64x32")
}

func TestCorruptAndTruncated(t *testing.T) {
	nef := rawtest.TIFFRaw{Width: 1200, Height: 800, PreviewWidth: 600, PreviewHeight: 400}.NEF()
	cr3 := rawtest.CR3{Width: 6000, Height: 4000, PreviewWidth: 1620, PreviewHeight: 1080}.Bytes()
	raf := rawtest.RAF(6000, 4000, 1920, 1280, 1)
	for _, c := range []struct {
		name   string
		file   []byte
		reason api.Reason
	}{
		{"tiff header only", nef[:8], api.ReasonSourceCorrupt},
		{"tiff cut inside IFD0", nef[:20], api.ReasonSourceCorrupt},
		{"nef cut inside its preview", nef[:bytes.Index(nef, []byte{0xFF, 0xD8, 0xFF})+300], api.ReasonSourceCorrupt},
		{"cr3 cut after ftyp", cr3[:40], api.ReasonSourceCorrupt},
		{"raf cut inside the header", raf[:60], api.ReasonSourceCorrupt},
		{"raf cut inside the JPEG", raf[:600], api.ReasonSourceCorrupt},
		{"not a raw file", []byte("hello, this is plain text and nothing else"), api.ReasonSourceFormatUnsupported},
		{"four bytes", []byte("II*\x00"), api.ReasonSourceCorrupt},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, _ := source(c.file)
			_, err := noDevelop(t).Picture(context.Background(), src, Request{Width: 319, Height: 319}, t.TempDir())
			require.Error(t, err)
			assert.Equal(t, c.reason, api.ReasonOf(err), err.Error())
		})
	}
}

// le builds little-endian TIFF bytes by hand.
func le(parts ...any) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		_ = binary.Write(&b, binary.LittleEndian, p)
	}
	return b.Bytes()
}

func TestHostileStructuresAreBounded(t *testing.T) {
	// IFD0 at 8 whose next IFD is itself, and whose SubIFDs point to
	// itself too.
	loop := le([]byte("II"), uint16(42), uint32(8),
		uint16(2),
		uint16(tagSubIFDs), uint16(4), uint32(1), uint32(8),
		uint16(tagOrientation), uint16(3), uint32(1), uint32(6),
		uint32(8))
	// An IFD declaring 65535 entries.
	huge := le([]byte("II"), uint16(42), uint32(8), uint16(65535), make([]byte, 64))
	// A chain of 10,000 IFDs, each pointing to the next.
	var chain bytes.Buffer
	chain.Write(le([]byte("II"), uint16(42), uint32(8)))
	for i := 0; i < 10000; i++ {
		next := uint32(8 + 18*(i+1))
		chain.Write(le(uint16(1), uint16(tagOrientation), uint16(3), uint32(1), uint32(1), next))
	}
	// SubIFDs with a count of 4 billion.
	bigCount := le([]byte("II"), uint16(42), uint32(8), uint16(1),
		uint16(tagSubIFDs), uint16(4), uint32(0xFFFFFFFF), uint32(8), uint32(0))
	// A JPEG preview pointer with a length of 4 GB.
	bigJPEG := le([]byte("II"), uint16(42), uint32(8), uint16(2),
		uint16(tagJPEGOffset), uint16(4), uint32(1), uint32(8),
		uint16(tagJPEGLength), uint16(4), uint32(1), uint32(0xFFFFFFF0), uint32(0))
	// CR3 whose box sizes nest deeper and deeper, and a box claiming 1 TB.
	cr3 := append(le([]byte{0, 0, 0, 16}, []byte("ftypcrx "), uint32(1)), le(uint32(1), []byte("moov"), uint64(1<<40))...)
	for _, c := range []struct {
		name string
		file []byte
	}{
		{"ifd loop", loop}, {"65535 entries", huge}, {"10000 ifds", chain.Bytes()},
		{"4 billion subifds", bigCount}, {"4 GB jpeg", bigJPEG}, {"1 TB box", cr3},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, counter := source(c.file)
			_, err := noDevelop(t).Picture(context.Background(), src, Request{Width: 319, Height: 319}, t.TempDir())
			require.Error(t, err, "nothing usable in it")
			assert.Contains(t, []api.Reason{api.ReasonSourceCorrupt, api.ReasonSourceUnsupported}, api.ReasonOf(err), err.Error())
			assert.Less(t, counter.reads.Load(), int64(400), "reads are bounded")
			assert.Less(t, counter.bytes.Load(), int64(1<<20), "bytes read are bounded")
		})
	}
}

func TestPreviewIsReadInRanges(t *testing.T) {
	// A 6 MB NEF: a 319-pixel rendition reads its directories and the
	// 600x400 preview, a small part of the file.
	nef := rawtest.TIFFRaw{Width: 2000, Height: 1500, PreviewWidth: 600, PreviewHeight: 400}.NEF()
	src, counter := source(nef)
	pic, err := noDevelop(t).Picture(context.Background(), src, Request{Width: 319, Height: 319}, t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, "JpgFromRaw", pic.Preview.Name)
	assert.Less(t, counter.bytes.Load(), int64(len(nef)/20), "read %d of %d bytes", counter.bytes.Load(), len(nef))
}

func TestLibRawCannotRead(t *testing.T) {
	testutil.NeedTool(t, "dcraw_emu")
	testutil.NeedTool(t, "prlimit")
	e, err := New(Options{})
	require.NoError(t, err)
	// A DNG whose raw data is JPEG XL compressed, which LibRaw 0.20 does
	// not read ("Unsupported file format"): dcraw_emu exits 0 then, with
	// no picture.
	dng := rawtest.DNG{Width: 1200, Height: 800, PreviewWidth: 200, PreviewHeight: 133, Compression: 52546}.Bytes()

	// Far larger than every preview: a postage stamp is refused, saying
	// what LibRaw said and what the file holds.
	src, _ := source(dng)
	_, err = e.Picture(context.Background(), src, Request{Width: 1000, Height: 1000}, t.TempDir())
	require.Error(t, err)
	assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err))
	for _, m := range []string{"LibRaw", "Unsupported file format", "DNG preview 200x133", "1200x800"} {
		assert.Contains(t, api.MessageOf(err), m)
	}

	// Somewhat larger than the best preview: that preview, not an error.
	src, _ = source(dng)
	pic, err := e.Picture(context.Background(), src, Request{Width: 300, Height: 300}, t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, "DNG preview", pic.Preview.Name)
	assert.False(t, pic.Developed)
}

func TestDevelopUnderItsMemoryLimit(t *testing.T) {
	testutil.NeedTool(t, "dcraw_emu")
	testutil.NeedTool(t, "prlimit")
	// 40 MiB of address space cannot hold LibRaw and a 2000x1500 image.
	e, err := New(Options{Limits: Limits{MemoryBytes: 40 << 20}})
	require.NoError(t, err)
	src, _ := source(rawtest.DNG{Width: 2000, Height: 1500}.Bytes())
	dir := t.TempDir()
	_, err = e.Picture(context.Background(), src, Request{Mode: ModeDevelop}, dir)
	require.Error(t, err)
	assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), err.Error())
	assert.Contains(t, api.MessageOf(err), "memory")
	left, _ := os.ReadDir(dir)
	for _, f := range left {
		assert.NotEqual(t, "developed.tif", f.Name(), "no picture is left on failure")
	}
}

func TestNikonMakerNotePreview(t *testing.T) {
	// A NEF whose only preview is the maker note's PreviewIFD: offsets
	// relative to the maker note's own TIFF header, 10 bytes into it.
	j := rawtest.JPEG(640, 424)
	inner := rawtest.TIFF(&rawtest.IFD{Entries: []rawtest.Entry{
		rawtest.SubIFDs(0x0011, &rawtest.IFD{Entries: []rawtest.Entry{
			rawtest.BlobAt(tagJPEGOffset, j),
			rawtest.Longs(tagJPEGLength, uint32(len(j))),
		}}),
	}}, 42)
	mn := append([]byte("Nikon\x00\x02\x10\x00\x00"), inner...)
	nef := rawtest.TIFF(&rawtest.IFD{Entries: []rawtest.Entry{
		rawtest.String(tagMake, "NIKON CORPORATION"),
		rawtest.Shorts(tagOrientation, 1),
		rawtest.SubIFDs(tagExifIFD, &rawtest.IFD{Entries: []rawtest.Entry{
			{Tag: tagMakerNote, Type: rawtest.Undefined, Count: uint32(len(mn)), Value: mn},
			rawtest.Longs(tagPixelXDimension, 6000),
			rawtest.Longs(tagPixelYDimension, 4000),
		}}),
	}}, 42)
	info := inspect(t, nef)
	assert.Equal(t, []string{"PreviewImage (Nikon maker note) 640x424 JPEG"}, names(info))
	assert.Equal(t, [2]int{6000, 4000}, [2]int{info.SensorWidth, info.SensorHeight}, "the EXIF pixel dimensions when no raw IFD says")
}

func TestOlympusMakerNotePreview(t *testing.T) {
	// An ORF ("IIRO") whose preview is in the maker note's CameraSettings
	// IFD, offsets relative to the maker note, whose IFD starts at 12
	// after "OLYMPUS\0II\x03\x00".
	j := rawtest.JPEG(640, 480)
	mn := rawtest.TIFFAfter(&rawtest.IFD{Entries: []rawtest.Entry{
		rawtest.SubIFDs(0x2020, &rawtest.IFD{Entries: []rawtest.Entry{
			rawtest.Longs(0x0100, 1), // PreviewImageValid
			rawtest.BlobAt(0x0101, j),
			rawtest.Longs(0x0102, uint32(len(j))),
		}}),
	}}, 42, make([]byte, 4))
	copy(mn, "OLYMPUS\x00II\x03\x00")
	orf := rawtest.TIFF(&rawtest.IFD{Entries: []rawtest.Entry{
		rawtest.String(tagMake, "OLYMPUS CORPORATION"),
		rawtest.Shorts(tagOrientation, 6),
		rawtest.SubIFDs(tagExifIFD, &rawtest.IFD{Entries: []rawtest.Entry{
			{Tag: tagMakerNote, Type: rawtest.Undefined, Count: uint32(len(mn)), Value: mn},
		}}),
	}}, 0x4F52)
	info := inspect(t, orf)
	assert.Equal(t, []string{"PreviewImage (Olympus maker note) 640x480 JPEG"}, names(info))
	assert.Equal(t, 6, info.Orientation)
}

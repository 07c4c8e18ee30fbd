package image

import (
	"context"
	"encoding/binary"
	"errors"
	goimage "image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// imageMagickTool returns ImageMagick's convert for making samples: the
// versioned Debian name first, since a plain "convert" on PATH may be
// something else.
func imageMagickTool(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"convert-im6.q16", "magick"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return testutil.NeedTool(t, "convert-im6.q16")
}

// twoColourSample writes a 64x48 PNG, red on its left half and blue on
// its right, and converts it with ImageMagick's coder to dir/name.
func twoColourSample(t testing.TB, dir, coder, name string) string {
	t.Helper()
	im := imageMagickTool(t)
	png := filepath.Join(dir, "two.png")
	runOracle(t, im, "-size", "64x48", "xc:#ff0000", "-fill", "#0000ff", "-draw", "rectangle 32,0 63,47", png)
	out := filepath.Join(dir, name)
	args := []string{png}
	if strings.HasPrefix(name, "deep.") {
		args = append(args, "-depth", "16") // 16 bits per sample
	}
	if strings.HasPrefix(name, "grey.") {
		args = append(args, "-type", "Grayscale") // one channel
	}
	runOracle(t, im, append(args, coder+":"+out)...)
	return out
}

func assertRedBlue(t testing.TB, path string, w, h int) {
	t.Helper()
	img := decodeFile(t, path)
	require.Equal(t, w, img.Bounds().Dx())
	require.Equal(t, h, img.Bounds().Dy())
	left, right := rgbAt(img, w/8, h/2), rgbAt(img, w-w/8, h/2)
	for i, want := range [3]float64{255, 0, 0} {
		require.InDelta(t, want, left[i], 16, "left half %v, want red", left)
	}
	for i, want := range [3]float64{0, 0, 255} {
		require.InDelta(t, want, right[i], 16, "right half %v, want blue", right)
	}
}

// TestRenderLongTailFormats renders a sample of every long-tail raster
// format, written by ImageMagick, and checks its size and colours.
func TestRenderLongTailFormats(t *testing.T) {
	e := testEngine(t)
	for _, c := range []struct {
		coder, name string
		want        SourceType
	}{
		{"ppm", "a.ppm", TypeNetpbm}, {"pfm", "a.pfm", TypePFM}, {"hdr", "a.hdr", TypeRadiance},
		{"exr", "a.exr", TypeEXR}, {"sgi", "a.sgi", TypeSGI}, {"pam", "a.pam", TypePAM},
		{"ppm", "deep.ppm", TypeNetpbm}, {"sgi", "deep.sgi", TypeSGI},
		{"tga", "a.tga", TypeTGA}, {"ico", "a.ico", TypeICO}, {"pcx", "a.pcx", TypePCX},
		{"dds", "a.dds", TypeDDS}, {"pict", "a.pct", TypePICT},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := twoColourSample(t, t.TempDir(), c.coder, c.name)
			for _, fmt := range []string{"png", "jpg", "webp"} {
				res, out := render(t, e, src, api.Rendition{Fmt: fmt, Width: intp(32)})
				require.Equal(t, c.want, res.Source)
				require.Equal(t, [2]int{32, 24}, [2]int{res.Width, res.Height})
				if fmt != "webp" {
					assertRedBlue(t, out, 32, 24)
				}
			}
		})
	}
}

// TestRenderGreyLongTail checks a one-channel source comes out grey.
func TestRenderGreyLongTail(t *testing.T) {
	e := testEngine(t)
	for _, coder := range []string{"pgm", "pbm", "sgi", "pam"} {
		src := twoColourSample(t, t.TempDir(), coder, "grey."+coder)
		res, out := render(t, e, src, api.Rendition{Fmt: "png"})
		require.Equal(t, [2]int{64, 48}, [2]int{res.Width, res.Height})
		img := decodeFile(t, out)
		_, grey := img.(*goimage.Gray)
		require.True(t, grey, "%s: a grey rendition, got %T", coder, img)
		l, r := rgbAt(img, 4, 24), rgbAt(img, 60, 24)
		require.Equal(t, l[0], l[1], coder)
		require.NotEqual(t, l, r, "%s: the two halves differ", coder)
	}
}

// TestHDRToneMapped renders a Radiance file whose values go up to 8.0:
// the brightest part becomes white instead of every part above 1.0
// clipping to it, and a darker part keeps a visible difference.
func TestHDRToneMapped(t *testing.T) {
	e := testEngine(t)
	dir := t.TempDir()
	pfm := writePFM(t, dir, 30, 30, func(x, y int) float32 { return []float32{0.5, 2, 8}[y/10] })
	res, out := render(t, e, pfm, api.Rendition{Fmt: "png"})
	require.Equal(t, [2]int{30, 30}, [2]int{res.Width, res.Height})
	img := decodeFile(t, out)
	a, b, c := rgbAt(img, 15, 5)[0], rgbAt(img, 15, 15)[0], rgbAt(img, 15, 25)[0]
	require.InDelta(t, 255, c, 1, "the brightest band is white")
	require.Less(t, b, c-20, "2.0 stays below white: %v %v %v", a, b, c)
	require.Less(t, a, b-20, "0.5 stays below 2.0: %v %v %v", a, b, c)
	require.Greater(t, a, 60.0, "0.5 is not crushed to black")
}

// writePFM writes a grey PFM ("Pf", little-endian, rows bottom to top).
func writePFM(t testing.TB, dir string, w, h int, v func(x, y int) float32) string {
	t.Helper()
	b := []byte("Pf\n" + itoa(w) + " " + itoa(h) + "\n-1.0\n")
	for y := h - 1; y >= 0; y-- {
		for x := 0; x < w; x++ {
			b = binary.LittleEndian.AppendUint32(b, mathFloat32bits(v(x, y)))
		}
	}
	p := filepath.Join(dir, "grey.pfm")
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

// TestLongTailTruncated cuts samples short: SourceCorrupt, whether the
// decoder notices (ImageMagick, libvips) or fills the rest with black
// (SGI, caught by the header check).
func TestLongTailTruncated(t *testing.T) {
	e := testEngine(t)
	for _, c := range []struct{ coder, name string }{
		{"sgi", "a.sgi"}, {"tga", "a.tga"}, {"ppm", "a.ppm"}, {"exr", "a.exr"}, {"hdr", "a.hdr"},
		{"pcx", "a.pcx"}, {"dds", "a.dds"}, {"ico", "a.ico"}, {"pam", "a.pam"}, {"pict", "a.pct"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := twoColourSample(t, dir, c.coder, c.name)
			data, err := os.ReadFile(src)
			require.NoError(t, err)
			cut := filepath.Join(dir, "cut-"+c.name)
			require.NoError(t, os.WriteFile(cut, data[:len(data)*2/3], 0o644))
			out := filepath.Join(dir, "out.png")
			_, err = e.Render(context.Background(), cut, api.Rendition{Fmt: "png", Width: intp(32)}, out, RenderOptions{})
			var ae *api.Error
			require.True(t, errors.As(err, &ae), "%v", err)
			require.Equal(t, api.ReasonSourceCorrupt, ae.Reason, "%v", err)
			require.NotContains(t, ae.Message, dir, "no local path in the message")
			require.NoFileExists(t, out)
		})
	}
}

// TestLongTailDeclaredTooLarge writes headers that declare a huge image
// over a few bytes: SourceTooLarge before any decoder runs.
func TestLongTailDeclaredTooLarge(t *testing.T) {
	e := testEngine(t)
	le, be := binary.LittleEndian, binary.BigEndian
	tga := make([]byte, 18+64)
	tga[2], tga[16] = 2, 24
	le.PutUint16(tga[12:], 60000)
	le.PutUint16(tga[14:], 60000)
	sgi := make([]byte, 512+64)
	be.PutUint16(sgi, 474)
	sgi[3] = 1
	be.PutUint16(sgi[4:], 3)
	be.PutUint16(sgi[6:], 65000)
	be.PutUint16(sgi[8:], 65000)
	be.PutUint16(sgi[10:], 3)
	pcx := make([]byte, 128+64)
	pcx[0], pcx[1], pcx[2], pcx[3], pcx[65] = 0x0A, 5, 1, 8, 3
	le.PutUint16(pcx[8:], 40000)
	le.PutUint16(pcx[10:], 40000)
	dds := make([]byte, 128+64)
	copy(dds, "DDS ")
	le.PutUint32(dds[4:], 124)
	le.PutUint32(dds[12:], 100000)
	le.PutUint32(dds[16:], 100000)
	// An icon whose directory says 16x16 and whose PNG entry says more.
	ico := []byte{0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0}
	ico = le.AppendUint32(ico, 33)
	ico = le.AppendUint32(ico, 22)
	ico = append(ico, "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"...)
	ico = be.AppendUint32(ico, 50000)
	ico = be.AppendUint32(ico, 50000)
	ico = append(ico, 8, 6, 0, 0, 0, 0, 0, 0, 0)
	exr := []byte("\x76\x2F\x31\x01\x02\x00\x00\x00dataWindow\x00box2i\x00")
	exr = le.AppendUint32(exr, 16)
	for _, v := range []uint32{0, 0, 99999, 99999} {
		exr = le.AppendUint32(exr, v)
	}
	exr = append(exr, 0)
	pict := make([]byte, 600)
	be.PutUint16(pict[518:], 30000)
	be.PutUint16(pict[520:], 30000)
	be.PutUint16(pict[522:], 0x0011)
	be.PutUint16(pict[524:], 0x02FF)
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"huge.ico", ico}, {"huge.exr", exr}, {"huge.pct", pict},
		{"huge.pam", []byte("P7\nWIDTH 90000\nHEIGHT 90000\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n\x00")},
		{"huge.tga", tga}, {"huge.sgi", sgi}, {"huge.pcx", pcx}, {"huge.dds", dds},
		{"huge.ppm", []byte("P6\n100000 100000\n255\n\x00\x00\x00")},
		{"huge.pfm", []byte("PF\n100000 100000\n-1.0\n\x00\x00\x00")},
		{"huge.hdr", []byte("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 100000 +X 100000\n\x00\x00")},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), c.name)
			require.NoError(t, os.WriteFile(src, c.data, 0o644))
			step, err := refusingStep(t, e, src, api.Rendition{Fmt: "png", Width: intp(100)})
			var ae *api.Error
			require.True(t, errors.As(err, &ae), "%v", err)
			require.Equal(t, api.ReasonSourceTooLarge, ae.Reason, "%v", err)
			require.Equal(t, "checking the source", step, "refused by the Go header check")
			assertRefusedBeforeDecoding(t, step)
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func mathFloat32bits(f float32) uint32 { return math.Float32bits(f) }

// TestImageMagickOnlyForItsAllowList gives the engine files ImageMagick
// reads but the allow-list does not name (MIFF, XBM, a Sun raster), some
// of them named like an allowed format: each is refused as unsupported,
// not rendered.
func TestImageMagickOnlyForItsAllowList(t *testing.T) {
	e := testEngine(t)
	for _, c := range []struct{ coder, name string }{
		{"miff", "a.miff"}, {"miff", "a.tga"}, {"xbm", "a.xbm"}, {"sun", "a.ras"}, {"sun", "a.pcx"},
	} {
		src := twoColourSample(t, t.TempDir(), c.coder, c.name)
		out := filepath.Join(t.TempDir(), "out.png")
		_, err := e.Render(context.Background(), src, api.Rendition{Fmt: "png"}, out, RenderOptions{})
		var ae *api.Error
		require.True(t, errors.As(err, &ae), "%s as %s: %v", c.coder, c.name, err)
		require.Equal(t, api.ReasonSourceFormatUnsupported, ae.Reason, "%s as %s: %v", c.coder, c.name, err)
		require.NoFileExists(t, out)
	}
}

// slowPCX returns a PCX of w x h black pixels, 24-bit in three planes,
// run-length encoded: a few MB that take ImageMagick a while to decode.
func slowPCX(w, h int) []byte {
	le := binary.LittleEndian
	b := make([]byte, 128)
	b[0], b[1], b[2], b[3], b[65] = 0x0A, 5, 1, 8, 3
	le.PutUint16(b[8:], uint16(w-1))
	le.PutUint16(b[10:], uint16(h-1))
	le.PutUint16(b[66:], uint16(w))
	line := make([]byte, 0, 3*w/63*2+8)
	for p := 0; p < 3; p++ {
		for left := w; left > 0; left -= 63 {
			line = append(line, 0xC0|byte(min(left, 63)), 0)
		}
	}
	for y := 0; y < h; y++ {
		b = append(b, line...)
	}
	return b
}

// TestImageMagickStoppedWithTheRendition cancels a rendition while
// ImageMagick decodes: the rendition ends with the context's error and
// no ImageMagick process is left.
func TestImageMagickStoppedWithTheRendition(t *testing.T) {
	imageMagickTool(t)
	e := testEngine(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "slow-imagemagick-marker.pcx")
	require.NoError(t, os.WriteFile(src, slowPCX(9000, 9000), 0o644))
	out := filepath.Join(dir, "out.png")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := e.Render(ctx, src, api.Rendition{Fmt: "png", Width: intp(100)}, out, RenderOptions{})
		done <- err
	}()
	testutil.WaitForProcesses(t, "slow-imagemagick-marker", 1, done)
	cancel()
	err := <-done
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, testutil.Processes(t, "slow-imagemagick-marker"), "ImageMagick was left running")
	require.NoFileExists(t, out)
}

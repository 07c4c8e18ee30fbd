package image

import (
	"bytes"
	"encoding/binary"
	goimage "image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// builtinProfile returns the ICC profile libvips embeds for one of its
// built-in profile names ("srgb", "p3"), as a saver writes it.
func builtinProfile(t *testing.T, name string) []byte {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name+".png")
	vipsCLI(t, "copy", pngFile(t, gradient(8, 8)), dst+"[profile="+name+"]")
	icc := iccOf(t, dst)
	require.NotEmpty(t, icc, "libvips embeds its %s profile", name)
	return icc
}

func TestIsSRGB(t *testing.T) {
	ours := srgbProfile()
	assert.True(t, isSRGB(ours), "the engine's compact sRGB profile")
	assert.True(t, isSRGB(builtinProfile(t, "srgb")), "libvips' sRGB profile")
	assert.False(t, isSRGB(builtinProfile(t, "p3")), "Display P3: other primaries, the sRGB curve")
	if gs, err := os.ReadFile("/usr/share/color/icc/ghostscript/srgb.icc"); err == nil {
		assert.True(t, isSRGB(gs), "Ghostscript's sRGB profile")
	}
	if a98, err := os.ReadFile("/usr/share/color/icc/ghostscript/a98.icc"); err == nil {
		assert.False(t, isSRGB(a98), "Adobe RGB (1998)")
	}

	tags := iccTags(ours)
	// A red colorant a little off.
	shifted := bytes.Clone(ours)
	x := tags["rXYZ"].off + 8
	binary.BigEndian.PutUint32(shifted[x:], uint32(int32(math.Round((s15(ours[x:])+0.01)*65536))))
	assert.False(t, isSRGB(shifted), "red colorant 0.01 off")
	// The sRGB primaries with a plain 2.2 gamma curve.
	gamma := bytes.Clone(ours)
	for _, sig := range []string{"rTRC", "gTRC", "bTRC"} {
		d := gamma[tags[sig].off:]
		n := int(binary.BigEndian.Uint32(d[8:]))
		for i := 0; i < n; i++ {
			binary.BigEndian.PutUint16(d[12+2*i:], uint16(math.Round(math.Pow(float64(i)/float64(n-1), 2.2)*65535)))
		}
	}
	assert.False(t, isSRGB(gamma), "gamma 2.2 curves")
	// A device link, and a grey profile.
	link := bytes.Clone(ours)
	copy(link[12:16], "link")
	assert.False(t, isSRGB(link))
	grey := bytes.Clone(ours)
	copy(grey[16:20], "GRAY")
	assert.False(t, isSRGB(grey))

	// Cut anywhere, the profile is never taken for sRGB, and nothing panics.
	for n := 0; n < len(ours); n++ {
		assert.False(t, isSRGB(ours[:n]), "cut at %d bytes", n)
	}
	assert.False(t, isSRGB(nil))
}

// TestSRGBTaggedSourceIsNotTransformed: a source tagged with an sRGB
// profile renders to the same pixels as the same source untagged (no
// round trip through Lab, whose rounding would move some values), and the
// rendition is still tagged sRGB; a source tagged with another profile is
// still transformed.
func TestSRGBTaggedSourceIsNotTransformed(t *testing.T) {
	e := testEngine(t)
	// A gradient with texture, so that a resize does not only average.
	g := gradient(600, 400)
	for y := 0; y < 400; y++ {
		for x := 0; x < 600; x++ {
			c := g.NRGBAAt(x, y)
			c.B = uint8((x*7 + y*13) % 256)
			g.SetNRGBA(x, y, c)
		}
	}
	var plain bytes.Buffer
	require.NoError(t, png.Encode(&plain, g))
	tagged := func(name string, icc []byte) string {
		var b bytes.Buffer
		require.NoError(t, writePNG(&b, plain.Bytes(), embedding{ICC: icc}))
		return writeTemp(t, name, b.Bytes())
	}
	r := api.Rendition{Fmt: "png", Width: intp(300)}
	_, untaggedOut := render(t, e, writeTemp(t, "plain.png", plain.Bytes()), r)
	want := decodeFile(t, untaggedOut)

	for _, name := range []string{"srgb"} {
		_, out := render(t, e, tagged(name+".png", builtinProfile(t, name)), r)
		got := decodeFile(t, out)
		require.Equal(t, want.Bounds(), got.Bounds())
		assert.Equal(t, 0, differingSamples(want, got), "%s-tagged source: the same pixels as untagged", name)
		assert.Equal(t, srgbProfile(), iccOf(t, out), "%s-tagged source: the rendition is tagged sRGB", name)
	}
	_, out := render(t, e, tagged("p3.png", builtinProfile(t, "p3")), r)
	got := decodeFile(t, out)
	assert.Greater(t, meanAbsDiff(t, want, got), 1.0, "a Display P3 source is transformed to sRGB")
	assert.Equal(t, srgbProfile(), iccOf(t, out))
}

// differingSamples counts the RGB samples in which a and b differ.
func differingSamples(a, b goimage.Image) int {
	n := 0
	ab := a.Bounds()
	for y := ab.Min.Y; y < ab.Max.Y; y++ {
		for x := ab.Min.X; x < ab.Max.X; x++ {
			ra, ga, ba, _ := a.At(x, y).RGBA()
			rb, gb, bb, _ := b.At(x, y).RGBA()
			for _, d := range [][2]uint32{{ra, rb}, {ga, gb}, {ba, bb}} {
				if d[0]>>8 != d[1]>>8 {
					n++
				}
			}
		}
	}
	return n
}

// TestSRGBExportOnlyForOtherProfiles: the transform to sRGB is asked for
// a source with a profile other than sRGB, not for one tagged sRGB or
// untagged, nor for CMYK (which libvips imports itself).
func TestSRGBExportOnlyForOtherProfiles(t *testing.T) {
	headerOf := func(icc []byte) header {
		var b bytes.Buffer
		require.NoError(t, png.Encode(&b, gradient(16, 16)))
		var tagged bytes.Buffer
		require.NoError(t, writePNG(&tagged, b.Bytes(), embedding{ICC: icc}))
		return readBack(t, writeTemp(t, "src.png", tagged.Bytes()))
	}
	assert.False(t, needsSRGBExport(headerOf(nil)), "untagged")
	assert.False(t, needsSRGBExport(headerOf(builtinProfile(t, "srgb"))), "libvips' sRGB")
	assert.False(t, needsSRGBExport(headerOf(srgbProfile())), "the compact sRGB")
	assert.True(t, needsSRGBExport(headerOf(builtinProfile(t, "p3"))), "Display P3")
	h := headerOf(builtinProfile(t, "p3"))
	h.Space = spaceCMYK
	assert.False(t, needsSRGBExport(h), "CMYK")
}

package image

import (
	"context"
	"fmt"
	goimage "image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// formatSource is one source of the format matrix.
type formatSource struct {
	name string
	path string
	typ  SourceType
	// w, h is its upright size; vector sources are drawn at any size.
	w, h   int
	vector bool
}

// allOutputFormats is every image fmt of the contract.
var allOutputFormats = []string{"png", "jpg", "webp", "gif", "tiff", "avif", "heic", "jxl"}

// matrixSources returns every readable source of the shared corpus plus
// generated files of the formats the corpus lacks (BMP, PSD, PDF, HEIC,
// JPEG XL).
func matrixSources(t *testing.T, e *Engine) []formatSource {
	t.Helper()
	srcs := []formatSource{
		{"16-bit-grey-alpha.png", "", TypePNG, 109, 96, false},
		{"2569067123_aca715a2ee_o.jpg", "", TypeJPEG, 2725, 2225, false},
		{"Channel_digital_image_CMYK_color.jpg", "", TypeJPEG, 500, 333, false},
		{"Flag_of_the_Netherlands-16bit.png", "", TypePNG, 900, 600, false},
		{"G31D_MULTI.TIF", "", TypeTIFF, 2464, 3248, false},
		{"animated-loop-3.gif", "", TypeGIF, 370, 285, false},
		{"animated-loop-3.webp", "", TypeWebP, 370, 285, false},
		{"rotating-squares.gif", "", TypeGIF, 80, 80, false},
		{"circle.svg", "", TypeSVG, 8, 8, true},
		{"struct-image-04-t.svg", "", TypeSVG, 480, 360, true},
		{"p3.png", "", TypePNG, 8, 8, false},
		{"prophoto.png", "", TypePNG, 1, 1, false},
		{"pitm.avif", "", TypeAVIF, 4096, 800, false},
		{"relax.jp2", "", TypeJP2, 320, 240, false},
		{"tifftag-photoshop.tiff", "", TypeTIFF, 317, 211, false},
		{"uncompressed_tiff.tiff", "", TypeTIFF, 246, 345, false},
		{"with-alpha.png", "", TypePNG, 256, 192, false},
	}
	for n := 1; n <= 8; n++ {
		srcs = append(srcs, formatSource{fmt.Sprintf("Portrait_%d.jpg", n), "", TypeJPEG, 450, 600, false})
	}
	for i := range srcs {
		srcs[i].path = corpus(t, srcs[i].name)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	srcs = append(srcs,
		formatSource{"gradient.bmp", write("gradient.bmp", encodeBMP(t, 120, 80)), TypeBMP, 120, 80, false},
		formatSource{"gradient-rle.psd", write("gradient-rle.psd", encodePSD(t, psdSpec{mode: psdRGB, depth: 8, w: 120, h: 80, rle: true})), TypePSD, 120, 80, false},
		formatSource{"gradient-cmyk16.psd", write("gradient-cmyk16.psd", encodePSD(t, psdSpec{mode: psdCMYK, depth: 16, w: 120, h: 80})), TypePSD, 120, 80, false},
		formatSource{"two-pages.pdf", write("two-pages.pdf", buildPDF([]pdfPage{{200, 100, "1 0 0"}, {100, 300, "0 0 1"}})), TypePDF, 200, 100, true},
	)
	// HEIC and JPEG XL sources, made by the engine from the gradient.
	grad := pngFile(t, gradient(120, 80))
	for _, f := range []struct {
		fmt string
		typ SourceType
	}{{"heic", TypeHEIF}, {"jxl", TypeJXL}} {
		if !canWrite(f.fmt) {
			t.Logf("no %s source: this libvips build cannot write it", f.fmt)
			continue
		}
		out := filepath.Join(dir, "gradient."+f.fmt)
		_, err := e.Render(context.Background(), grad, api.Rendition{Fmt: f.fmt, Quality: intp(90)}, out, RenderOptions{})
		require.NoError(t, err)
		srcs = append(srcs, formatSource{"gradient." + f.fmt, out, f.typ, 120, 80, false})
	}
	return srcs
}

// expectedFit is the size of a source fitted inside a box of side n,
// never enlarged unless it is a drawing.
func expectedFit(s formatSource, n int) (int, int) {
	scale := math.Min(float64(n)/float64(s.w), float64(n)/float64(s.h))
	if !s.vector {
		scale = math.Min(scale, 1)
	}
	return max(1, int(math.Round(float64(s.w)*scale))), max(1, int(math.Round(float64(s.h)*scale)))
}

// flatPNG decodes any rendition by rendering it, flattened onto white, as
// PNG: the common ground to compare formats Go cannot decode (AVIF, HEIC,
// JPEG XL, TIFF).
func flatPNG(t testing.TB, e *Engine, path string) goimage.Image {
	t.Helper()
	out := filepath.Join(t.TempDir(), "flat.png")
	_, err := e.Render(context.Background(), path, api.Rendition{Fmt: "png", Background: "#ffffff"}, out, RenderOptions{})
	require.NoError(t, err, "reading back %s", path)
	return decodeFile(t, out)
}

// Tolerances of the pixel comparison against the PNG rendition, in mean
// absolute difference per channel on a 0-255 scale: lossless formats are
// exact but for rounding, lossy ones at their default quality are close,
// GIF pays for its 256-colour palette.
var formatTolerance = map[string]float64{
	"png": 0.01, "tiff": 0.5, "jpg": 6, "webp": 6, "avif": 8, "heic": 8, "jxl": 8, "gif": 12,
}

// partialAlpha are the sources with translucent (not only opaque or
// transparent) pixels.
var partialAlpha = map[string]bool{"with-alpha.png": true, "16-bit-grey-alpha.png": true}

// TestEveryFormatToEveryFormat renders every source of the corpus, and
// generated BMP, PSD, PDF, HEIC and JPEG XL files, into every output
// format inside a 48x48 box, and checks the size, the format and the
// pixels: against the same source's PNG rendition for every format, and
// for Portrait_1..8 against Portrait_1 (all eight must come out upright).
func TestEveryFormatToEveryFormat(t *testing.T) {
	e := testEngine(t)
	srcs := matrixSources(t, e)
	formats, err := OutputFormats()
	require.NoError(t, err)
	const box = 48

	var mu sync.Mutex
	refs := map[string]goimage.Image{} // source name -> its PNG rendition, flattened
	ref := func(t *testing.T, s formatSource) goimage.Image {
		mu.Lock()
		defer mu.Unlock()
		if img, ok := refs[s.name]; ok {
			return img
		}
		_, out := render(t, e, s.path, api.Rendition{Fmt: "png", Width: intp(box), Height: intp(box)})
		img := flatPNG(t, e, out)
		refs[s.name] = img
		return img
	}
	upright := ref(t, srcs[indexOf(srcs, "Portrait_1.jpg")])

	for _, s := range srcs {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			w, h := expectedFit(s, box)
			want := ref(t, s)
			require.Equal(t, goimage.Pt(w, h), want.Bounds().Size(), "PNG reference size")
			if strings.HasPrefix(s.name, "Portrait_") {
				assert.Less(t, meanAbsDiff(t, upright, want), 8.0, "upright like Portrait_1")
			}
			for _, f := range allOutputFormats {
				if !contains(formats, f) {
					continue
				}
				res, out := render(t, e, s.path, api.Rendition{Fmt: f, Width: intp(box), Height: intp(box)})
				assert.Equal(t, s.typ, res.Source, "%s: source type", f)
				assert.Equal(t, [2]int{w, h}, [2]int{res.Width, res.Height}, "%s: size", f)
				data := readFile(t, out)
				assert.Equal(t, f, outputType(data), "%s: the file is what its fmt says", f)
				got := flatPNG(t, e, out)
				if !assert.Equal(t, goimage.Pt(w, h), got.Bounds().Size(), "%s: the file's size", f) {
					continue
				}
				if f == "gif" && partialAlpha[s.name] {
					// GIF transparency is all or nothing: a pixel at least
					// half opaque becomes opaque, so it cannot match the
					// PNG flattened onto white.
					continue
				}
				assert.LessOrEqual(t, meanAbsDiff(t, want, got), formatTolerance[f], "%s: pixels match the PNG rendition", f)
			}
		})
	}
}

func indexOf(srcs []formatSource, name string) int {
	for i, s := range srcs {
		if s.name == name {
			return i
		}
	}
	panic("no source " + name)
}

// outputType names the format of an encoded rendition by its magic bytes.
func outputType(b []byte) string {
	switch t := SniffBytes(b); t {
	case TypeJPEG:
		return "jpg"
	case TypeAVIF:
		return "avif"
	case TypeHEIF:
		return "heic"
	case TypeUnknown:
		return "unknown"
	default:
		return string(t)
	}
}

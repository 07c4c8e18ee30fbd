package image

import (
	"context"
	goimage "image"
	"image/color"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	_ "golang.org/x/image/webp"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// corpusDir is the shared sample files, relative to this package: the repo
// is <root>/main and the corpus <root>/shared/corpus.
const corpusDir = "../../../shared/corpus/images"

// corpus returns the path of a shared sample file, skipping the test when
// the corpus is not there (failing it in CI: see testutil.NeedCorpus).
func corpus(t testing.TB, name string) string {
	t.Helper()
	return testutil.NeedCorpus(t, "images", name)
}

// testEngine returns an engine with default limits.
func testEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := New(Options{})
	require.NoError(t, err)
	return e
}

func intp(n int) *int { return &n }

// render renders src into a temp dir and returns the result and the
// output path.
func render(t testing.TB, e *Engine, src string, r api.Rendition) (*Result, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out."+r.Fmt)
	res, err := e.Render(context.Background(), src, r, out, RenderOptions{})
	require.NoError(t, err)
	return res, out
}

// decodeFile decodes an output with Go's image package.
func decodeFile(t testing.TB, path string) goimage.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, _, err := goimage.Decode(f)
	require.NoError(t, err, "Go cannot decode %s", path)
	return img
}

// rgbAt returns the 8-bit RGB of a pixel.
func rgbAt(img goimage.Image, x, y int) [3]float64 {
	c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	return [3]float64{float64(c.R), float64(c.G), float64(c.B)}
}

// meanColour returns the mean RGB of an image.
func meanColour(img goimage.Image) [3]float64 {
	var sum [3]float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := rgbAt(img, x, y)
			for i := range sum {
				sum[i] += c[i]
			}
		}
	}
	n := float64(b.Dx() * b.Dy())
	return [3]float64{sum[0] / n, sum[1] / n, sum[2] / n}
}

// meanAbsDiff compares two images of the same size, channel by channel, on
// a 0-255 scale.
func meanAbsDiff(t testing.TB, a, b goimage.Image) float64 {
	t.Helper()
	require.Equal(t, a.Bounds().Size(), b.Bounds().Size())
	var sum float64
	ab, bb := a.Bounds(), b.Bounds()
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			ca, cb := rgbAt(a, ab.Min.X+x, ab.Min.Y+y), rgbAt(b, bb.Min.X+x, bb.Min.Y+y)
			for i := range ca {
				sum += math.Abs(ca[i] - cb[i])
			}
		}
	}
	return sum / float64(3*ab.Dx()*ab.Dy())
}

// runOracle runs a reference tool (never a runtime dependency).
func runOracle(t testing.TB, tool string, args ...string) {
	t.Helper()
	out, err := exec.Command(tool, args...).CombinedOutput()
	require.NoError(t, err, "%s %v: %s", tool, args, out)
}

// refusingStep runs the rendition pipeline of e on src, as Render does,
// and returns the name of the step that failed and its error ("" and nil
// when none did). Tests use it to show that a source is refused before
// its pixels are decoded, without timing the refusal.
func refusingStep(t testing.TB, e *Engine, src string, r api.Rendition) (string, error) {
	t.Helper()
	j := &job{limits: e.limits, src: src, r: r, fmt: api.CanonicalFormat(r.Fmt), tmpDir: t.TempDir()}
	t.Cleanup(j.close)
	for _, s := range pipeline {
		if err := s.run(context.Background(), j); err != nil {
			return s.name, err
		}
	}
	return "", nil
}

// assertRefusedBeforeDecoding checks that step, as refusingStep returns
// it, comes before the pipeline makes or decodes any pixel.
func assertRefusedBeforeDecoding(t testing.TB, step string) {
	t.Helper()
	for _, s := range pipeline {
		switch s.name {
		case step:
			return
		case "shrinking the source":
			t.Errorf("refused at %q, after the pixels were decoded", step)
			return
		}
	}
	t.Errorf("refused at %q, not a step of the pipeline", step)
}

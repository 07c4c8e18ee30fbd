package image

import (
	goimage "image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// mappedLibraries returns the shared objects mapped into this process.
func mappedLibraries(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/maps")
	require.NoError(t, err)
	return string(b)
}

// TestFormatModulesLoadOnDemand runs in a fresh process (libvips starts
// once per process): a JPEG thumbnail does not load libvips' format
// modules, a HEIC rendition loads the HEIF one, and a HEIC source then
// renders; the ImageMagick and OpenSlide modules are never loaded.
func TestFormatModulesLoadOnDemand(t *testing.T) {
	if os.Getenv("ACS_TEST_MODULES_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFormatModulesLoadOnDemand$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "ACS_TEST_MODULES_CHILD=1")
		cmd.Env = append(cmd.Env, "VIPSHOME=") // unset below: an operator's VIPSHOME keeps libvips' own loading
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Contains(t, string(out), "--- PASS: TestFormatModulesLoadOnDemand")
		return
	}
	os.Unsetenv("VIPSHOME")
	if !strings.Contains(mappedLibraries(t), "libvips") {
		t.Fatal("libvips is not linked into the test binary")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "in.jpg")
	img := goimage.NewRGBA(goimage.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	f, err := os.Create(src)
	require.NoError(t, err)
	require.NoError(t, jpeg.Encode(f, img, nil))
	require.NoError(t, f.Close())

	e := testEngine(t)
	res, _ := render(t, e, src, api.Rendition{Fmt: "jpg", Width: intp(32)})
	require.Equal(t, 32, res.Width)
	maps := mappedLibraries(t)
	for _, lib := range []string{"vips-modules", "libheif", "libjxl", "libMagickCore", "libopenslide"} {
		require.NotContains(t, maps, lib, "a JPEG thumbnail loaded %s", lib)
	}
	require.Equal(t, modulesDeferred, modules.Load())

	if !canWrite("heic") {
		testutil.Missing(t, "this libheif cannot encode HEIC (Debian's libheif1 with its x265 plugin can)")
	}
	_, heic := render(t, e, src, api.Rendition{Fmt: "heic", Width: intp(32)})
	maps = mappedLibraries(t)
	require.Contains(t, maps, "vips-heif")
	require.NotContains(t, maps, "vips-magick")
	require.NotContains(t, maps, "vips-openslide")
	res, out := render(t, e, heic, api.Rendition{Fmt: "png", Width: intp(16)})
	require.Equal(t, 16, res.Width)
	require.Equal(t, 16, decodeFile(t, out).Bounds().Dx())
}

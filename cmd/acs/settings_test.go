package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sparsePNG writes a small valid PNG at path and extends the file to size
// bytes with a hole, which costs no disk space: a source that is huge by
// its size, cheap to render.
func sparsePNG(t *testing.T, path string, size int64) {
	t.Helper()
	writeSolidPNG(t, path, 40, 30, color.NRGBA{200, 10, 10, 255})
	require.NoError(t, os.Truncate(path, size))
}

// TestSourceSizeSettingRaisesTransferAndImageLimits renders, through the
// worker lifecycle and image engine of acs batch, two sources larger than
// the image engine's default limit (1 GiB), one of them larger than the
// transfer's (2 GiB). By default the first is refused by the engine and the
// second by the transfer; one setting, from the environment or a flag,
// raises both limits, and lowers both too.
func TestSourceSizeSettingRaisesTransferAndImageLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("sparse multi-GiB sources: skipped with -short")
	}
	for _, k := range []string{"ACS_MAX_SOURCE_BYTES", "ACS_IMAGE_MAX_SOURCE_PIXELS"} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	mid := filepath.Join(dir, "mid.png")   // above the image default
	large := filepath.Join(dir, "big.png") // above the transfer default
	sparsePNG(t, mid, 3<<29)               // 1.5 GiB
	sparsePNG(t, large, 5<<29)             // 2.5 GiB
	profile := writeProfile(t, `[{"name": "t.png", "fmt": "png", "width": 20}]`)

	t.Run("defaults", func(t *testing.T) {
		code, stderr := batch(t, "--profile", profile, "--out", t.TempDir(), mid, large)
		assert.Equal(t, exitFailed, code)
		assert.Contains(t, stderr, fmt.Sprintf("mid.png/t.png: SourceTooLarge: source is %d bytes, more than the limit of %d bytes", int64(3<<29), int64(1<<30)),
			"the image engine's 1 GiB")
		assert.Contains(t, stderr, fmt.Sprintf("big.png/t.png: SourceTooLarge: source is %d bytes, more than the limit of %d bytes", int64(5<<29), int64(2<<30)),
			"the transfer's 2 GiB")
	})
	raised := func(t *testing.T, args ...string) {
		out := t.TempDir()
		code, stderr := batch(t, append(append([]string{"--profile", profile, "--out", out}, args...), mid, large)...)
		require.Equal(t, exitOK, code, stderr)
		assert.Contains(t, stderr, "2 sources, 2 renditions: 2 created, 0 failed")
		for _, name := range []string{"mid.png", "big.png"} {
			cfg, format := decodeConfig(t, filepath.Join(out, name, "t.png"))
			assert.Equal(t, "png", format)
			assert.Equal(t, 20, cfg.Width)
			assert.Equal(t, 15, cfg.Height)
		}
	}
	t.Run("environment", func(t *testing.T) {
		t.Setenv("ACS_MAX_SOURCE_BYTES", fmt.Sprint(3<<30))
		raised(t)
	})
	t.Run("flag", func(t *testing.T) {
		raised(t, "--setting", fmt.Sprintf("maxSourceBytes=%d", 3<<30))
	})
	t.Run("flag wins over the environment", func(t *testing.T) {
		t.Setenv("ACS_MAX_SOURCE_BYTES", "1000")
		raised(t, "--setting", fmt.Sprintf("maxSourceBytes=%d", 3<<30))
	})
	t.Run("lowered", func(t *testing.T) {
		code, stderr := batch(t, "--profile", profile, "--out", t.TempDir(), "--setting", "maxSourceBytes=1048576", mid, large)
		assert.Equal(t, exitFailed, code)
		assert.Contains(t, stderr, "mid.png/t.png: SourceTooLarge: source is 1610612736 bytes, more than the limit of 1048576 bytes")
		assert.Contains(t, stderr, "big.png/t.png: SourceTooLarge: source is 2684354560 bytes, more than the limit of 1048576 bytes")
	})
}

// TestEngineLimitSettings checks that an engine limit set in the
// environment or by a flag reaches the image engine of acs batch.
func TestEngineLimitSettings(t *testing.T) {
	t.Setenv("ACS_IMAGE_MAX_SOURCE_PIXELS", "")
	dir := t.TempDir()
	src := filepath.Join(dir, "a.png")
	writeSolidPNG(t, src, 40, 30, color.NRGBA{1, 2, 3, 255}) // 1200 pixels
	profile := writeProfile(t, `[{"name": "t.png", "fmt": "png", "width": 20}]`)

	code, stderr := batch(t, "--profile", profile, "--out", t.TempDir(), "--setting", "imageMaxSourcePixels=1000", src)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, stderr, "a.png/t.png: SourceTooLarge")

	t.Setenv("ACS_IMAGE_MAX_SOURCE_PIXELS", "1000")
	code, stderr = batch(t, "--profile", profile, "--out", t.TempDir(), src)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, stderr, "a.png/t.png: SourceTooLarge")

	code, stderr = batch(t, "--profile", profile, "--out", t.TempDir(), "--setting", "imageMaxSourcePixels=1200", src)
	assert.Equal(t, exitOK, code, stderr)
}

// TestInvalidSettingsAreRefusedNamingThem checks that acs process and acs
// batch refuse a setting they cannot use, from a flag or the environment,
// before any work, with a message naming it.
func TestInvalidSettingsAreRefusedNamingThem(t *testing.T) {
	profile := writeProfile(t, `[{"name": "t.png", "fmt": "png", "width": 20}]`)
	src := filepath.Join(t.TempDir(), "a.png")
	writeSolidPNG(t, src, 4, 4, color.NRGBA{1, 2, 3, 255})
	request := `{"source":"` + src + `","renditions":[{"fmt":"png","target":"` + filepath.Join(t.TempDir(), "o.png") + `"}]}`

	code, stderr := batch(t, "--profile", profile, "--out", t.TempDir(), "--setting", "imageMaxFrames=lots", src)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stderr, `setting imageMaxFrames (ACS_IMAGE_MAX_FRAMES): want a positive whole number`)

	code, _, stderr = processArgs(t, request, "-f", "-", "--setting", "maxSourceBites=5")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stderr, `unknown setting "maxSourceBites"`)

	t.Setenv("ACS_TRANSFER_TIMEOUT", "60")
	code, stderr = batch(t, "--profile", profile, "--out", t.TempDir(), src)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stderr, `environment variable ACS_TRANSFER_TIMEOUT: want a positive duration such as 60s, got "60"`)
	code, _, stderr = processArgs(t, request, "-f", "-")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stderr, "ACS_TRANSFER_TIMEOUT")
}

package image

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// writeTemp writes data to a file in a temp dir and returns its path.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

func TestRenderFailsWithTheContractReason(t *testing.T) {
	e := testEngine(t)
	small, err := New(Options{Limits: Limits{MaxSourceBytes: 1000, MaxSourcePixels: 1000 * 1000, MaxOutputPixels: 100 * 100}})
	require.NoError(t, err)
	portrait := corpus(t, "Portrait_1.jpg")

	tests := []struct {
		name   string
		engine *Engine
		src    string
		r      api.Rendition
		want   api.Reason
		msg    string
	}{
		{"a text file is not an image", e, writeTemp(t, "notes.jpg", []byte("hello, this is plain text\n")), api.Rendition{Fmt: "png"},
			api.ReasonSourceFormatUnsupported, "not an image"},
		{"an empty file is not an image", e, writeTemp(t, "empty.png", nil), api.Rendition{Fmt: "png"},
			api.ReasonSourceFormatUnsupported, "empty"},
		{"an MP4 is not an image", e, writeTemp(t, "movie.heic", []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")), api.Rendition{Fmt: "png"},
			api.ReasonSourceFormatUnsupported, "not an image"},
		{"BMP is recognised but not decoded", e, writeTemp(t, "a.bmp", bmpHeader()), api.Rendition{Fmt: "png"},
			api.ReasonSourceFormatUnsupported, "image/bmp"},
		{"truncated JPEG", e, corpus(t, "truncated.jpg"), api.Rendition{Fmt: "jpg"},
			api.ReasonSourceCorrupt, "truncated or corrupt"},
		{"truncated JPEG, shrunk on load", e, corpus(t, "truncated.jpg"), api.Rendition{Fmt: "png", Width: intp(64)},
			api.ReasonSourceCorrupt, "truncated or corrupt"},
		{"truncated PNG", e, corpus(t, "truncated.png"), api.Rendition{Fmt: "webp", Width: intp(100)},
			api.ReasonSourceCorrupt, "truncated or corrupt"},
		{"JPEG with a corrupt header", e, corpus(t, "corrupt-header.jpg"), api.Rendition{Fmt: "png"},
			api.ReasonSourceCorrupt, "corrupt"},
		{"PNG signature and nothing else", e, writeTemp(t, "sig.png", []byte("\x89PNG\r\n\x1a\n")), api.Rendition{Fmt: "png"},
			api.ReasonSourceCorrupt, "corrupt"},
		{"an fmt that is not an image format", e, portrait, api.Rendition{Fmt: "bmp"},
			api.ReasonRenditionFormatUnsupported, `"bmp"`},
		{"a metadata fmt", e, portrait, api.Rendition{Fmt: "xmp"},
			api.ReasonRenditionFormatUnsupported, `"xmp"`},
		{"source over the byte limit", small, portrait, api.Rendition{Fmt: "png"},
			api.ReasonSourceTooLarge, "bytes"},
		{"a small source within small limits renders", small, corpus(t, "circle.svg"), api.Rendition{Fmt: "png", Width: intp(10)},
			"", ""},
		{"rendition over the pixel limit", e, portrait, api.Rendition{Fmt: "png", Width: intp(100000), Upscale: true},
			api.ReasonRenditionTooLarge, "smaller width"},
		{"crop is refused, not ignored", e, portrait, api.Rendition{Fmt: "png", Crop: &api.Crop{W: 10, H: 10}},
			api.ReasonGeneric, "crop: is not supported"},
		{"a later page is refused, not ignored", e, portrait, api.Rendition{Fmt: "png", Page: intp(2)},
			api.ReasonGeneric, "page: is not supported"},
		{"page 1 is the default", e, portrait, api.Rendition{Fmt: "png", Page: intp(1), Width: intp(10)},
			"", ""},
		{"missing source", e, filepath.Join(t.TempDir(), "nope.jpg"), api.Rendition{Fmt: "png"},
			api.ReasonGeneric, "cannot be read"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			require.NoError(t, os.WriteFile(out, []byte("stale"), 0o600))
			res, err := tc.engine.Render(context.Background(), tc.src, tc.r, out)
			if tc.want == "" {
				require.NoError(t, err)
				assert.NotNil(t, res)
				return
			}
			require.Error(t, err)
			assert.Nil(t, res)
			assert.Equal(t, tc.want, api.ReasonOf(err), "error: %v", err)
			assert.Contains(t, api.MessageOf(err), tc.msg)
			assert.NoFileExists(t, out, "no rendition is left behind")
			entries, err := os.ReadDir(filepath.Dir(out))
			require.NoError(t, err)
			assert.Empty(t, entries, "no temporary file is left behind")
		})
	}

	t.Run("an image fmt this build cannot write", func(t *testing.T) {
		saved := writable["heic"]
		writable["heic"] = false
		t.Cleanup(func() { writable["heic"] = saved })
		_, err := e.Render(context.Background(), portrait, api.Rendition{Fmt: "heic"}, filepath.Join(t.TempDir(), "o.heic"))
		assert.Equal(t, api.ReasonRenditionFormatUnsupported, api.ReasonOf(err))
		assert.Contains(t, api.MessageOf(err), `"heic" cannot be written by this build`)
		assert.Contains(t, api.MessageOf(err), "png, jpg, webp", "it lists what can be written")
	})

	t.Run("source over the pixel limit, from its header", func(t *testing.T) {
		tiny, err := New(Options{Limits: Limits{MaxSourcePixels: 450*600 - 1}})
		require.NoError(t, err)
		_, err = tiny.Render(context.Background(), portrait, api.Rendition{Fmt: "png", Width: intp(10)}, filepath.Join(t.TempDir(), "o.png"))
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), "error: %v", err)
		assert.Contains(t, api.MessageOf(err), "450x600")
	})
}

func TestRenderStopsWhenTheContextEnds(t *testing.T) {
	e := testEngine(t)
	src := corpus(t, "Portrait_2.jpg")
	out := filepath.Join(t.TempDir(), "o.png")

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.Render(cancelled, src, api.Rendition{Fmt: "png"}, out)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NoFileExists(t, out)

	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = e.Render(expired, src, api.Rendition{Fmt: "png"}, out)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, api.ReasonTimeout, api.ReasonOf(err))
	assert.NoFileExists(t, out)
}

// A deadline in the middle of a long decode kills the libvips pipeline
// instead of waiting for it.
func TestRenderKillsLibvipsAtTheDeadline(t *testing.T) {
	e := testEngine(t)
	src := corpus(t, "2569067123_aca715a2ee_o.jpg")
	r := api.Rendition{Fmt: "png", Width: intp(4000), Upscale: true} // a slow upscale to 4000x3266
	start := time.Now()
	_, err := e.Render(context.Background(), src, r, filepath.Join(t.TempDir(), "full.png"))
	require.NoError(t, err)
	full := time.Since(start)

	ctx, cancel := context.WithTimeout(context.Background(), full/10)
	defer cancel()
	out := filepath.Join(t.TempDir(), "o.png")
	start = time.Now()
	_, err = e.Render(ctx, src, r, out)
	took := time.Since(start)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "error: %v", err)
	assert.Equal(t, api.ReasonTimeout, api.ReasonOf(err))
	t.Logf("stopped after %v of %v: %v", took, full, err)
	assert.Less(t, took, full/2, "stopped early (%v of %v)", took, full)
	assert.NoFileExists(t, out)
}

func TestNewValidatesOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		err  string
	}{
		{"defaults", Options{}, ""},
		{"explicit limits", Options{Limits: Limits{MaxSourceBytes: 1, MaxSourcePixels: 1, MaxOutputPixels: 1}, Threads: 2}, ""},
		{"negative bytes", Options{Limits: Limits{MaxSourceBytes: -1}}, "MaxSourceBytes"},
		{"negative source pixels", Options{Limits: Limits{MaxSourcePixels: -1}}, "MaxSourcePixels"},
		{"negative output pixels", Options{Limits: Limits{MaxOutputPixels: -5}}, "MaxOutputPixels"},
		{"negative threads", Options{Threads: -1}, "Threads"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(tc.opts)
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				assert.Nil(t, e)
				return
			}
			require.NoError(t, err)
			l := e.Limits()
			assert.Positive(t, l.MaxSourceBytes)
			assert.Positive(t, l.MaxSourcePixels)
			assert.Positive(t, l.MaxOutputPixels)
		})
	}
	e, err := New(Options{})
	require.NoError(t, err)
	assert.Equal(t, Limits{DefaultMaxSourceBytes, DefaultMaxSourcePixels, DefaultMaxOutputPixels}, e.Limits())
}

// bmpHeader returns the start of a BMP file: magic and a 40-byte info header.
func bmpHeader() []byte {
	b := make([]byte, 64)
	copy(b, "BM")
	b[14] = 40
	return b
}

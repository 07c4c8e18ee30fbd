package image

import (
	"context"
	"encoding/base64"
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
		{"an empty file is corrupt", e, writeTemp(t, "empty.png", nil), api.Rendition{Fmt: "png"},
			api.ReasonSourceCorrupt, "empty"},
		{"an MP4 is not an image", e, writeTemp(t, "movie.heic", []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")), api.Rendition{Fmt: "png"},
			api.ReasonSourceFormatUnsupported, "not an image"},
		{"a BMP variant that is not read", e, writeTemp(t, "a.bmp", bmpStub()), api.Rendition{Fmt: "png"},
			api.ReasonSourceFormatUnsupported, "BMP variant"},
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
		{"a crop outside the image", e, portrait, api.Rendition{Fmt: "png", Crop: &api.Crop{X: 400, Y: 10, W: 100, H: 10}},
			api.ReasonGeneric, "crop: the rectangle x=400 y=10 w=100 h=10 is not inside the 450x600 source"},
		{"a crop below the image", e, portrait, api.Rendition{Fmt: "png", Crop: &api.Crop{X: 0, Y: 600, W: 1, H: 1}},
			api.ReasonGeneric, "crop:"},
		{"a smart crop without a box", e, portrait, api.Rendition{Fmt: "png", Width: intp(10), Crop: &api.Crop{Smart: true}},
			api.ReasonGeneric, `crop: "smart" needs both width and height`},
		{"a page the source does not have", e, portrait, api.Rendition{Fmt: "png", Page: intp(2)},
			api.ReasonGeneric, "page: the source has 1 page(s), there is no page 2"},
		{"a page past the end of a PDF", e, testPDF(t), api.Rendition{Fmt: "png", Page: intp(3)},
			api.ReasonGeneric, "page: the source has 2 page(s)"},
		{"a watermark without a way to fetch it", e, portrait, api.Rendition{Fmt: "png", Watermark: &api.Watermark{Image: "https://example.com/logo.png", Scale: 1}},
			api.ReasonGeneric, "watermark:"},
		{"xmp in a format without XMP", e, portrait, api.Rendition{Fmt: "gif", XMP: base64.StdEncoding.EncodeToString([]byte("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>"))},
			api.ReasonGeneric, "xmp: cannot be embedded in a gif rendition"},
		{"xmp that is not XML", e, portrait, api.Rendition{Fmt: "jpg", XMP: base64.StdEncoding.EncodeToString([]byte("<x:xmpmeta>"))},
			api.ReasonGeneric, "xmp: the packet is not well-formed XML"},
		{"dpi in a format without a resolution", e, portrait, api.Rendition{Fmt: "gif", DPI: &api.DPI{X: 300, Y: 300}},
			api.ReasonGeneric, "dpi: a gif rendition cannot record a resolution"},
		{"jpegSize for a png", e, portrait, api.Rendition{Fmt: "png", JPEGSize: int64p(1000)},
			api.ReasonGeneric, "jpegSize: applies to jpg renditions only"},
		{"jpegSize smaller than quality 1 makes", e, portrait, api.Rendition{Fmt: "jpg", JPEGSize: int64p(300)},
			api.ReasonRenditionTooLarge, "jpegSize: even at quality 1"},
		{"a PNG claiming 100000x100000", e, writeTemp(t, "huge.png", pngClaiming(100000, 100000)), api.Rendition{Fmt: "jpg", Width: intp(100)},
			api.ReasonSourceTooLarge, "100000x100000"},
		{"a PNG with too few pixels for its size", e, writeTemp(t, "short.png", pngClaiming(1000, 1000)), api.Rendition{Fmt: "jpg"},
			api.ReasonSourceCorrupt, "truncated or corrupt"},
		{"a truncated PSD", e, writeTemp(t, "cut.psd", truncate(encodePSD(t, psdSpec{mode: psdRGB, depth: 8, w: 40, h: 30, rle: true}), 200)), api.Rendition{Fmt: "png"},
			api.ReasonSourceCorrupt, "PSD"},
		{"a truncated BMP", e, writeTemp(t, "cut.bmp", truncate(encodeBMP(t, 40, 30), 300)), api.Rendition{Fmt: "png"},
			api.ReasonSourceCorrupt, "BMP"},
		{"a zero-byte file named like an image", e, writeTemp(t, "zero.jpg", []byte{}), api.Rendition{Fmt: "jpg"},
			api.ReasonSourceCorrupt, "empty"},
		{"page 1 is the default", e, portrait, api.Rendition{Fmt: "png", Page: intp(1), Width: intp(10)},
			"", ""},
		{"missing source", e, filepath.Join(t.TempDir(), "nope.jpg"), api.Rendition{Fmt: "png"},
			api.ReasonGeneric, "cannot be read"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			require.NoError(t, os.WriteFile(out, []byte("stale"), 0o600))
			res, err := tc.engine.Render(context.Background(), tc.src, tc.r, out, RenderOptions{})
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
		saved := canWrite("heic")
		writableMu.Lock()
		writable["heic"] = false
		writableMu.Unlock()
		t.Cleanup(func() {
			writableMu.Lock()
			writable["heic"] = saved
			writableMu.Unlock()
		})
		_, err := e.Render(context.Background(), portrait, api.Rendition{Fmt: "heic"}, filepath.Join(t.TempDir(), "o.heic"), RenderOptions{})
		assert.Equal(t, api.ReasonRenditionFormatUnsupported, api.ReasonOf(err))
		assert.Contains(t, api.MessageOf(err), `"heic" cannot be written by this build`)
		assert.Contains(t, api.MessageOf(err), "png, jpg, webp", "it lists what can be written")
	})

	t.Run("a PNG claiming 100000x100000 is refused before decoding", func(t *testing.T) {
		src := writeTemp(t, "bomb.png", pngClaiming(100000, 100000))
		r := api.Rendition{Fmt: "png", Width: intp(10)}
		_, err := e.Render(context.Background(), src, r, filepath.Join(t.TempDir(), "o.png"), RenderOptions{})
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), "error: %v", err)
		assert.Contains(t, api.MessageOf(err), "10000.0 MP")
		step, err := refusingStep(t, e, src, r)
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), "error: %v", err)
		assertRefusedBeforeDecoding(t, step)
	})

	t.Run("more pages than the limit", func(t *testing.T) {
		onePage, err := New(Options{Limits: Limits{MaxPages: 1}})
		require.NoError(t, err)
		_, err = onePage.Render(context.Background(), testPDF(t), api.Rendition{Fmt: "png"}, filepath.Join(t.TempDir(), "o.png"), RenderOptions{})
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err))
		assert.Contains(t, api.MessageOf(err), "2 pages, more than the limit of 1")
	})

	t.Run("source over the pixel limit, from its header", func(t *testing.T) {
		tiny, err := New(Options{Limits: Limits{MaxSourcePixels: 450*600 - 1}})
		require.NoError(t, err)
		_, err = tiny.Render(context.Background(), portrait, api.Rendition{Fmt: "png", Width: intp(10)}, filepath.Join(t.TempDir(), "o.png"), RenderOptions{})
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
	_, err := e.Render(cancelled, src, api.Rendition{Fmt: "png"}, out, RenderOptions{})
	assert.ErrorIs(t, err, context.Canceled)
	assert.NoFileExists(t, out)

	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = e.Render(expired, src, api.Rendition{Fmt: "png"}, out, RenderOptions{})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, api.ReasonTimeout, api.ReasonOf(err))
	assert.NoFileExists(t, out)
}

// A deadline in the middle of a long decode kills the libvips pipeline
// instead of waiting for it.
func TestRenderKillsLibvipsAtTheDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("renders a 13 MP upscale in full first: skipped in -short mode")
	}
	e := testEngine(t)
	src := corpus(t, "2569067123_aca715a2ee_o.jpg")
	r := api.Rendition{Fmt: "png", Width: intp(4000), Upscale: true} // a slow upscale to 4000x3266
	start := time.Now()
	_, err := e.Render(context.Background(), src, r, filepath.Join(t.TempDir(), "full.png"), RenderOptions{})
	require.NoError(t, err)
	full := time.Since(start)

	ctx, cancel := context.WithTimeout(context.Background(), full/10)
	defer cancel()
	out := filepath.Join(t.TempDir(), "o.png")
	start = time.Now()
	_, err = e.Render(ctx, src, r, out, RenderOptions{})
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
	assert.Equal(t, Limits{
		MaxSourceBytes: DefaultMaxSourceBytes, MaxSourcePixels: DefaultMaxSourcePixels,
		MaxFullDecodePixels: DefaultMaxFullDecodePixels, MaxOutputPixels: DefaultMaxOutputPixels,
		MaxFrames: DefaultMaxFrames, MaxPages: DefaultMaxPages, MaxPDFPageBytes: DefaultMaxPDFPageBytes,
	}, e.Limits())
}

// bmpHeader returns the start of a BMP file: magic and a 40-byte info header.
func bmpStub() []byte {
	b := make([]byte, 64)
	copy(b, "BM")
	b[14] = 40
	return b
}

package image

import (
	"bytes"
	"context"
	"fmt"
	goimage "image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/bmp"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Hostile and unlucky sources: truncated and garbled files of every type,
// files libvips' own detection rejects, encrypted PDFs. Every input is
// generated here. See also precheck_test.go and svg_test.go.

// noise is a deterministic picture with little redundancy, so that its
// encodings are large enough to cut in several places.
func noise(w, h int) *goimage.NRGBA {
	img := goimage.NewNRGBA(goimage.Rect(0, 0, w, h))
	x := uint32(1)
	for i := range img.Pix {
		x = x*1664525 + 1013904223
		img.Pix[i] = byte(x >> 24)
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

// renderErr renders src to png and returns the error, checking that a
// failure leaves nothing behind in the output directory.
func renderErr(t *testing.T, e *Engine, src string, r api.Rendition) (*Result, string, error) {
	t.Helper()
	if r.Fmt == "" {
		r.Fmt = "png"
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out."+r.Fmt)
	res, err := e.Render(context.Background(), src, r, out, RenderOptions{})
	if err != nil {
		assert.Nil(t, res)
		entries, rerr := os.ReadDir(dir)
		require.NoError(t, rerr)
		assert.Empty(t, entries, "nothing is left in the output directory after a failure")
	} else {
		entries, rerr := os.ReadDir(dir)
		require.NoError(t, rerr)
		assert.Len(t, entries, 1, "only the rendition is left in the output directory")
	}
	return res, out, err
}

// encryptedPDF returns a one-page PDF encrypted with the standard security
// handler under a user password that is not empty, so that it cannot be
// opened without it.
func encryptedPDF() []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>")
	obj("<< /Length 10 >>\nstream\n0123456789\nendstream")
	key := strings.Repeat("5a", 32) // neither the empty user nor owner password opens it
	obj("<< /Filter /Standard /V 1 /R 2 /O <" + strings.Repeat("a5", 32) + "> /U <" + key + "> /P -4 >>")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	id := strings.Repeat("0123456789abcdef", 2)
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Encrypt 5 0 R /ID [<%s><%s>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(offsets)+1, id, id, xref)
	return b.Bytes()
}

// A PDF that needs a password is SourceUnsupported, not corrupt; an
// encrypted PDF that opens without one renders.
func TestPasswordProtectedPDF(t *testing.T) {
	e := testEngine(t)
	_, _, err := renderErr(t, e, writeTemp(t, "locked.pdf", encryptedPDF()), api.Rendition{Width: intp(32)})
	require.Error(t, err)
	assert.Equal(t, api.ReasonSourceUnsupported, api.ReasonOf(err), "error: %v", err)
	assert.Contains(t, api.MessageOf(err), "encrypted (password protected)")
	// A plain PDF renders.
	_, _, err = renderErr(t, e, testPDF(t), api.Rendition{Width: intp(32)})
	require.NoError(t, err)
}

// sourcesOfEveryType returns a small source of every type the engine
// reads, generated (JP2 comes from the shared corpus, when present).
func sourcesOfEveryType(t *testing.T, e *Engine) map[string][]byte {
	t.Helper()
	img := noise(96, 64)
	out := map[string][]byte{}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	out["png"] = append([]byte{}, b.Bytes()...)
	pngPath := writeTemp(t, "noise.png", out["png"])
	b.Reset()
	require.NoError(t, jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}))
	out["jpeg"] = append([]byte{}, b.Bytes()...)
	b.Reset()
	require.NoError(t, gif.Encode(&b, img, nil))
	out["gif"] = append([]byte{}, b.Bytes()...)
	out["bmp"] = encodeBMPOf(t, img)
	out["psd"] = encodePSD(t, psdSpec{mode: psdRGB, depth: 8, w: 96, h: 64, rle: true})
	out["svg"] = []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64"><rect width="48" height="64" fill="red"/><circle cx="72" cy="32" r="20" fill="blue"/></svg>`)
	for _, f := range []string{"webp", "tiff", "avif", "heic", "jxl"} {
		if !canWrite(f) {
			continue
		}
		_, p := render(t, e, pngPath, api.Rendition{Fmt: f, Quality: intp(95)})
		out[f] = readFile(t, p)
	}
	if _, err := os.Stat(filepath.Join(corpusDir, "relax.jp2")); err == nil {
		out["jp2"] = readFile(t, filepath.Join(corpusDir, "relax.jp2"))
	}
	return out
}

// Truncated files of every type fail as SourceCorrupt, cut anywhere; cut
// so short that the type cannot be told, as SourceFormatUnsupported.
// Garbled files fail as SourceCorrupt or render; nothing crashes or
// hangs, nothing else is reported.
func TestTruncatedAndGarbledSources(t *testing.T) {
	e := testEngine(t)
	srcs := sourcesOfEveryType(t, e)
	for name, data := range srcs {
		t.Run(name, func(t *testing.T) {
			for _, cut := range []int{16, len(data) / 10, len(data) / 2, len(data) * 9 / 10} {
				t.Run(fmt.Sprintf("cut to %d of %d bytes", cut, len(data)), func(t *testing.T) {
					_, _, err := renderErr(t, e, writeTemp(t, "src", data[:cut]), api.Rendition{Width: intp(40)})
					require.Error(t, err)
					want := api.ReasonSourceCorrupt
					if name == "bmp" && cut < 26 {
						want = api.ReasonSourceFormatUnsupported // "BM" and 14 bytes: too little to tell
					}
					assert.Equal(t, want, api.ReasonOf(err), "error: %v", err)
				})
			}
			t.Run("garbled after its first third", func(t *testing.T) {
				garbled := append([]byte{}, data...)
				x := uint32(7)
				for i := len(garbled) / 3; i < len(garbled); i++ {
					x = x*1103515245 + 12345
					garbled[i] = byte(x >> 16)
				}
				_, _, err := renderErr(t, e, writeTemp(t, "src", garbled), api.Rendition{Width: intp(40)})
				if err != nil {
					assert.Contains(t, []api.Reason{api.ReasonSourceCorrupt, api.ReasonSourceFormatUnsupported}, api.ReasonOf(err), "error: %v", err)
				}
			})
		})
	}
	assert.GreaterOrEqual(t, len(srcs), 8, "sources of most types were made")
}

// encodeBMPOf encodes img as a 24-bit BMP.
func encodeBMPOf(t testing.TB, img goimage.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, bmp.Encode(&b, img))
	return b.Bytes()
}

// A file libvips' own detection rejects is corrupt when this build has
// the loader of its type, and unsupported only when it has not.
func TestEveryLoaderIsInThisBuild(t *testing.T) {
	testEngine(t) // starts libvips
	for typ, loader := range loaders {
		assert.True(t, hasOperation(loader), "%s: %s", typ, loader)
	}
	assert.False(t, hasOperation("nosuchformatload_source"))
	for typ := range sourceTypes {
		if goDecoders[typ] == nil {
			assert.NotEmpty(t, loaders[typ], "%s has a libvips loader", typ)
		}
	}
}

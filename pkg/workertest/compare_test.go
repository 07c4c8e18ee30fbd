package workertest

import (
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gradient draws a w x h gradient; flip mirrors it.
func gradient(w, h int, flip bool) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(255 * x / w)
			if flip {
				v = 255 - v
			}
			img.Set(x, y, color.RGBA{v, uint8(255 * y / h), 128, 255})
		}
	}
	return img
}

func writeImage(t *testing.T, dir, name string, img image.Image) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	require.NoError(t, err)
	defer f.Close()
	if strings.HasSuffix(name, ".jpg") {
		require.NoError(t, jpeg.Encode(f, img, &jpeg.Options{Quality: 70}))
	} else {
		require.NoError(t, png.Encode(f, img))
	}
	return p
}

func writeText(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func TestCompare(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	png1 := writeImage(t, dir, "a.png", gradient(200, 100, false))
	jpg1 := writeImage(t, dir, "b.jpg", gradient(200, 100, false))
	flipped := writeImage(t, dir, "c.png", gradient(200, 100, true))
	smaller := writeImage(t, dir, "d.png", gradient(199, 100, false))
	c := comparer{minPSNR: DefaultMinPSNR, ignore: DefaultIgnoreKeys}
	tests := []struct {
		name             string
		expected, actual string
		differs          string // "" for a match
	}{
		{"the same picture re-encoded as JPEG matches", png1, jpg1, ""},
		{"a mirrored picture does not", png1, flipped, "PSNR"},
		{"dimensions must be equal", png1, smaller, "dimensions differ"},
		{"JSON keys in any order, volatile keys ignored",
			writeText(t, dir, "e1.json", `{"a":1,"b":[1,2],"repo:sha1":"x","xmp:MetadataDate":"2020"}`),
			writeText(t, dir, "a1.json", `{"b":[1,2],"a":1.0000000001,"repo:sha1":"y","xmp:MetadataDate":"2026"}`), ""},
		{"a JSON value that differs is named",
			writeText(t, dir, "e2.json", `{"a":{"b":[1,2]}}`), writeText(t, dir, "a2.json", `{"a":{"b":[1,3]}}`), "$.a.b[1]: expected 2, got 3"},
		{"an extra JSON key is reported",
			writeText(t, dir, "e3.json", `{"a":1}`), writeText(t, dir, "a3.json", `{"a":1,"z":true}`), "$.z: unexpected"},
		{"text after white space normalisation",
			writeText(t, dir, "e4.txt", "Hello  world\n\nsecond line"), writeText(t, dir, "a4.txt", "Hello world\r\nsecond\tline\n"), ""},
		{"text that differs says where",
			writeText(t, dir, "e5.txt", "Hello world"), writeText(t, dir, "a5.txt", "Hello there"), "character 6"},
		{"XMP without the volatile properties",
			writeText(t, dir, "e6.xmp", `<x><dc:format>image/png</dc:format><xmp:MetadataDate>2020</xmp:MetadataDate><d xmpMM:InstanceID="1"/></x>`),
			writeText(t, dir, "a6.xmp", "<x>\n <dc:format>image/png</dc:format>\n <xmp:MetadataDate>2026</xmp:MetadataDate><d xmpMM:InstanceID=\"2\"/></x>"), ""},
		{"XMP that differs",
			writeText(t, dir, "e7.xmp", `<x><dc:format>image/png</dc:format></x>`), writeText(t, dir, "a7.xmp", `<x><dc:format>image/gif</dc:format></x>`), "text differs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := c.compare(tc.expected, tc.actual)
			require.NoError(t, err)
			if tc.differs == "" {
				assert.Empty(t, d)
			} else {
				assert.Contains(t, d, tc.differs)
			}
		})
	}
}

func TestMetadataIsASubset(t *testing.T) {
	t.Parallel()
	c := comparer{ignore: DefaultIgnoreKeys}
	want := map[string]any{"tagger:labels": []any{"cat"}}
	assert.Empty(t, c.diffJSON("metadata", want, map[string]any{"tagger:labels": []any{"cat"}, "repo:size": 3.0}, true))
	assert.NotEmpty(t, c.diffJSON("metadata", want, map[string]any{"tagger:labels": []any{"dog"}}, true))
}

func TestMockRoutes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := writeText(t, dir, "mock-api.example.com.json", `{"routes": [
		{"method": "POST", "path": "/v1/*", "requestHeaders": {"Authorization": "Bearer k"}, "status": 201, "headers": {"X-A": "b"}, "body": {"ok": true}},
		{"path": "/text", "body": "plain"}]}`)
	m, err := startMock("api.example.com", file)
	require.NoError(t, err)
	defer m.close()

	assert.Equal(t, m.srv.URL+"/v1/x and "+m.srv.URL+"/text", m.rewrite("https://api.example.com/v1/x and http://api.example.com/text"))

	req, _ := http.NewRequest(http.MethodPost, m.srv.URL+"/v1/tags", nil)
	req.Header.Set("Authorization", "Bearer k")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 201, resp.StatusCode)
	assert.Equal(t, "b", resp.Header.Get("X-A"))

	resp, err = http.Post(m.srv.URL+"/v1/tags", "image/jpeg", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotImplemented, resp.StatusCode, "a request without the header matches no route")
	assert.Contains(t, m.problems(), "POST /v1/tags")
}

// PSNR is the image measure of the comparisons: infinite for identical
// pictures, high for re-encodings, low for different pictures.
func ExamplePSNR() {
	a := gradient(120, 80, false)
	b := gradient(120, 80, true)
	fmt.Println(PSNR(a, a))
	fmt.Printf("%.0f dB\n", PSNR(a, b))
	// Output:
	// +Inf
	// 10 dB
}

func TestCompareAcceptsIdenticalFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// aio compares with diff: identical files pass even when no measure
	// can read them.
	want := writeText(t, dir, "rendition.jpg", "not a jpeg")
	same := writeText(t, dir, "same.jpg", "not a jpeg")
	other := writeText(t, dir, "other.jpg", "not a jpeg either")
	c := comparer{minPSNR: DefaultMinPSNR}
	d, err := c.compare(want, same)
	assert.NoError(t, err)
	assert.Empty(t, d)
	_, err = c.compare(want, other)
	assert.Error(t, err, "different files are measured, and the expected one is not an image")
}

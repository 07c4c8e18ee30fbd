package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/devserver"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// TestWebProfileThroughOpenWhiskReadsTheSourceOnce runs the OpenWhisk path
// with the real binaries: acs serve's controller (package devserver) with
// the process action and this thumbnail action, process invoked with the
// 5-size web profile of one JPEG served over http. The image renditions of
// the source go to one thumbnail activation (so the worker plans them as
// one image.Pyramid, one decode), the source's bytes are fetched once
// (counted by the storage stand-in, whatever ranges it is asked for), and a
// rendition whose upload is refused fails alone, with its own event.
func TestWebProfileThroughOpenWhiskReadsTheSourceOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the process and thumbnail action binaries")
	}
	dir := t.TempDir()
	thumbZip := buildActionZip(t, ".", filepath.Join(dir, "thumbnail"), true)
	procZip := buildActionZip(t, "../process", filepath.Join(dir, "process"), false)

	src := photoJPEG(t, 3000, 2000)
	require.Greater(t, len(src), 2<<20, "the source must be larger than the ranged reader's cache")
	st := newCountingStorage(src)
	storage := httptest.NewServer(st)
	defer storage.Close()

	srv, err := devserver.New(context.Background(), devserver.Options{
		TempDir: t.TempDir(),
		// The storage stand-in listens on loopback over http, which
		// production refuses.
		ActionEnv: map[string]string{"ACS_ALLOW_HTTP": "true", "ACS_ALLOW_PRIVATE_NETWORKS": "true"},
	})
	require.NoError(t, err)
	ctl := httptest.NewServer(srv)
	defer func() {
		ctl.Close()
		_ = srv.Close()
	}()
	put := func(name string, body map[string]any) {
		b, _ := json.Marshal(body)
		status, out := call(t, ctl.URL, srv.Auth(), "PUT", "/api/v1/namespaces/_/actions/"+name, b)
		require.Equal(t, http.StatusOK, status, "create %s: %s", name, out)
	}
	put("thumbnail", map[string]any{"exec": map[string]any{"kind": "go:1.24", "code": thumbZip, "binary": true}})
	put("process", map[string]any{"exec": map[string]any{"kind": "go:1.24", "code": procZip, "binary": true},
		"annotations": []map[string]any{{"key": "provide-api-key", "value": true}}})

	sizes := []int{2048, 1280, 640, 319, 48}
	var renditions []map[string]any
	for _, s := range sizes {
		renditions = append(renditions, map[string]any{"name": fmt.Sprintf("%d.jpg", s), "fmt": "jpg", "width": s, "height": s, "quality": 80,
			"target": fmt.Sprintf("%s/out/%d.jpg?X-Amz-Signature=secret", storage.URL, s)})
	}
	// Its upload is refused: it fails, and only it.
	renditions = append(renditions, map[string]any{"name": "refused.jpg", "fmt": "jpg", "width": 100, "height": 100,
		"target": storage.URL + "/refused/r.jpg"})
	req, _ := json.Marshal(map[string]any{"requestId": "web-1", "source": storage.URL + "/src/photo.jpg", "renditions": renditions})
	status, out := call(t, ctl.URL, srv.Auth(), "POST", "/api/v1/namespaces/_/actions/process?blocking=true&result=true", req)
	require.Equal(t, http.StatusOK, status, "%s", out)

	var res struct {
		Events []struct {
			Type      api.EventType `json:"type"`
			Rendition struct {
				Name string `json:"name"`
			} `json:"rendition"`
			ErrorReason  api.Reason `json:"errorReason"`
			ErrorMessage string     `json:"errorMessage"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal(out, &res), "%s", out)
	require.Len(t, res.Events, len(renditions), "one event per rendition: %s", out)
	for i, ev := range res.Events[:len(sizes)] {
		require.Equal(t, api.EventRenditionCreated, ev.Type, "%s: %s %s", ev.Rendition.Name, ev.ErrorReason, ev.ErrorMessage)
		body := st.uploaded(fmt.Sprintf("/out/%d.jpg", sizes[i]))
		cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
		require.NoError(t, err, "rendition %d", sizes[i])
		assert.Equal(t, "jpeg", format)
		assert.Equal(t, min(sizes[i], 3000), max(cfg.Width, cfg.Height), "rendition %d fits its box", sizes[i])
	}
	last := res.Events[len(sizes)]
	assert.Equal(t, api.EventRenditionFailed, last.Type)
	assert.Equal(t, "refused.jpg", last.Rendition.Name)
	assert.NotContains(t, string(out), "X-Amz-Signature=secret", "presigned queries stay out of the result")

	// One thumbnail activation made every image rendition.
	status, out = call(t, ctl.URL, srv.Auth(), "GET", "/api/v1/namespaces/_/activations?name=thumbnail&limit=50", nil)
	require.Equal(t, http.StatusOK, status, "%s", out)
	var acts []map[string]any
	require.NoError(t, json.Unmarshal(out, &acts))
	assert.Len(t, acts, 1, "the renditions of one source go to one thumbnail activation")

	// Every byte of the source was fetched once.
	gets, bytesServed := st.sourceReads()
	assert.Equal(t, int64(len(src)), bytesServed, "source bytes served (in %d requests) for a %d-byte source", gets, len(src))
}

// buildActionZip builds the action in pkg (with cgo when cgo is true) and
// returns its zip, base64, as an action create request carries it.
func buildActionZip(t *testing.T, pkg, bin string, cgo bool) string {
	t.Helper()
	require.NoError(t, testutil.GoBuild(bin, pkg, cgo))
	zip, err := owaction.ZipAction(bin, "openwhisk/action-golang-v1.24")
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(zip)
}

// call sends one request to the controller with the namespace key.
func call(t *testing.T, base, auth, method, path string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	user, pass, _ := strings.Cut(auth, ":")
	req.SetBasicAuth(user, pass)
	c := &http.Client{Timeout: 5 * time.Minute}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, out
}

// photoJPEG is a w x h JPEG of gradients with seeded noise, which
// compresses like a photograph: larger than the ranged reader's block
// cache (2 MiB), as camera JPEGs are.
func photoJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	seed := uint32(17)
	noise := func() uint8 {
		seed = seed*1664525 + 1013904223
		return uint8(seed >> 26) // 0..63
	}
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x*191/w) + noise(), uint8(y*191/h) + noise(), uint8((x+y)*191/(w+h)) + noise(), 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}))
	return buf.Bytes()
}

// countingStorage serves the source under /src/ with byte ranges, counting
// its requests and the bytes sent, keeps the PUT bodies under /out/ and
// refuses those under /refused/.
type countingStorage struct {
	src []byte

	mu    sync.Mutex
	gets  int
	bytes int64
	puts  map[string][]byte
}

func newCountingStorage(src []byte) *countingStorage {
	return &countingStorage{src: src, puts: map[string][]byte{}}
}

func (s *countingStorage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/src/"):
		cw := &countingWriter{ResponseWriter: w}
		http.ServeContent(cw, r, "photo.jpg", time.Unix(1700000000, 0), bytes.NewReader(s.src))
		s.mu.Lock()
		s.gets++
		s.bytes += cw.n
		s.mu.Unlock()
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/out/"):
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.puts[r.URL.Path] = b
		s.mu.Unlock()
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/refused/"):
		http.Error(w, "access denied", http.StatusForbidden)
	default:
		http.NotFound(w, r)
	}
}

func (s *countingStorage) sourceReads() (int, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets, s.bytes
}

func (s *countingStorage) uploaded(path string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.puts[path]
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

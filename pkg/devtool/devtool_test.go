package devtool

import (
	"bytes"
	"context"
	"encoding/json"
	goimage "image"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/process"
)

func TestValidateNamesTheFieldLineAndAllowedValues(t *testing.T) {
	s := newTestServer(t, nil)
	text := "{\n  \"renditions\": [\n    {\"fmt\": \"jpg\", \"width\": 100},\n    {\"fmt\": \"jpg\",\n     \"quality\": 500},\n    {\"fmt\": \"bogus\"},\n    {\"fmt\": \"png\",\n     \"quality\": 80}\n  ]\n}"
	var v validation
	require.Equal(t, http.StatusOK, s.post("/api/validate", map[string]string{"request": text}, &v))
	assert.False(t, v.OK)
	assert.Equal(t, 4, v.Renditions)
	byPath := map[string]fieldProblem{}
	for _, p := range v.Errors {
		byPath[p.Path] = p
	}
	require.Len(t, byPath, 3, "%+v", v.Errors)
	q := byPath["renditions[1].quality"]
	assert.Equal(t, 5, q.Line)
	assert.Contains(t, q.Message, "from 1 to 100")
	assert.Equal(t, []string{"1…100"}, q.Allowed)
	f := byPath["renditions[2].fmt"]
	assert.Equal(t, 6, f.Line)
	assert.Equal(t, string(api.ReasonRenditionFormatUnsupported), f.Reason)
	assert.Equal(t, api.BuiltinFormats(), f.Allowed)
	png := byPath["renditions[3].quality"] // quality does not apply to png
	assert.Equal(t, 8, png.Line)
	assert.Contains(t, png.Message, "png")

	// The request as a whole.
	require.Equal(t, http.StatusOK, s.post("/api/validate", map[string]string{"request": "{\"renditions\": []}"}, &v))
	require.Len(t, v.Errors, 1)
	assert.Equal(t, "renditions", v.Errors[0].Path)
	assert.Equal(t, 1, v.Errors[0].Line)
	require.Equal(t, http.StatusOK, s.post("/api/validate", map[string]string{"request": "{\n\"renditions\": [\n{\"fmt\": \"png\",}]}"}, &v))
	require.Len(t, v.Errors, 1)
	assert.Equal(t, 3, v.Errors[0].Line)
	assert.Contains(t, v.Errors[0].Message, "JSON")

	require.Equal(t, http.StatusOK, s.post("/api/validate", map[string]string{"request": `{"renditions": [{"fmt": "png", "width": 10}]}`}, &v))
	assert.True(t, v.OK)
	assert.Empty(t, v.Errors)
}

func TestJSONPaths(t *testing.T) {
	text := `{"a": 1, "renditions": [{"fmt": "png", "crop": {"x": 1}}, {"fmt": "jpg"}], "z": [[1], 2]}`
	p := jsonPaths(text)
	for path, want := range map[string]string{
		"a": `"a"`, "renditions": `"renditions"`, "renditions[0]": `{"fmt": "png"`, "renditions[0].crop.x": `"x"`,
		"renditions[1].fmt": `"fmt": "jpg"`, "z[0][0]": `1]`, "z[1]": `2]`,
	} {
		off, ok := p[path]
		if assert.True(t, ok, path) {
			assert.True(t, strings.HasPrefix(text[off:], want), "%s at %d: %q", path, off, text[off:])
		}
	}
}

func TestUploadOverTheCapIsRefusedAndNothingKept(t *testing.T) {
	s := newTestServer(t, func(o *Options) { o.MaxUploadBytes = 1000 })
	resp := s.do(http.MethodPost, "/api/sources?name=big.jpg", bytes.NewReader(make([]byte, 1001)), nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	// Without a length: refused while reading.
	resp = s.do(http.MethodPost, "/api/sources?name=big.jpg", io.MultiReader(bytes.NewReader(make([]byte, 600)), bytes.NewReader(make([]byte, 600))), nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	entries, err := os.ReadDir(filepath.Join(s.dir, "sources"))
	require.NoError(t, err)
	assert.Empty(t, entries, "a refused upload leaves nothing behind")

	src := s.upload("../../etc/ok<script>.txt", []byte("small"))
	assert.Equal(t, "ok_script_.txt", src.Name)
	assert.Equal(t, int64(5), src.Size)
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	s := newTestServer(t, nil)
	body := `{"request": "{}"}`
	for name, h := range map[string]http.Header{
		"no token":    {tokenHeader: {""}},
		"wrong token": {tokenHeader: {"nope"}},
		"other site":  {"Sec-Fetch-Site": {"cross-site"}},
		"origin":      {"Origin": {"https://evil.example"}},
	} {
		resp := s.do(http.MethodPost, "/api/validate", strings.NewReader(body), h)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, name)
		var p apiProblem
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
		assert.Equal(t, "csrf", p.Error, name)
	}
	resp := s.do(http.MethodPost, "/api/validate", strings.NewReader(body), http.Header{"Origin": {s.srv.URL}, "Sec-Fetch-Site": {"same-origin"}})
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	// Another site cannot load a source into its page, but may link to the devtool.
	resp = s.do(http.MethodGet, "/api/sources/sample-photo.jpg/file", nil, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Sec-Fetch-Mode": {"no-cors"}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp = s.do(http.MethodGet, "/", nil, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Sec-Fetch-Mode": {"navigate"}})
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp = s.do(http.MethodGet, "/api/sources/sample-photo.jpg/file", nil, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	// Nothing was uploaded by the refused requests.
	resp = s.do(http.MethodPost, "/api/sources?name=x.txt", strings.NewReader("x"), http.Header{tokenHeader: {""}})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	entries, err := os.ReadDir(filepath.Join(s.dir, "sources"))
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestLoopbackBindRefusesOtherHostNames(t *testing.T) {
	s := newTestServer(t, nil)
	req, err := http.NewRequest(http.MethodGet, s.srv.URL+"/api/session", nil)
	require.NoError(t, err)
	req.Host = "rebind.evil.example"
	resp, err := s.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusMisdirectedRequest, resp.StatusCode)
	req.Host = "localhost:1234"
	resp2, err := s.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp2.Body.Close()
	assert.Equal(t, http.StatusOK, resp2.StatusCode)
}

func TestNonLoopbackAddressNeedsTheAuthKey(t *testing.T) {
	_, err := New(Options{Runner: nopRunner{}, Dir: t.TempDir(), Addr: "0.0.0.0:3234"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "auth key")

	_, err = New(Options{Runner: nopRunner{}, Dir: t.TempDir(), Addr: "0.0.0.0:3234", AuthKey: "no-colon"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "UUID:KEY")

	const key = "23bc46b1-71f6-4ed5-8c54-816aa4f8c502:secret"
	h, err := New(Options{Runner: nopRunner{}, Dir: t.TempDir(), Addr: "192.0.2.10:3234", AuthKey: key})
	require.NoError(t, err)
	get := func(user, pass string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "http://192.0.2.10:3234/api/session", nil)
		if user != "" {
			r.SetBasicAuth(user, pass)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := get("", "")
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Contains(t, w.Header().Get("WWW-Authenticate"), "Basic")
	assert.Equal(t, http.StatusUnauthorized, get("23bc46b1-71f6-4ed5-8c54-816aa4f8c502", "wrong").Code)
	user, pass, _ := strings.Cut(key, ":")
	w = get(user, pass)
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), h.Token())
}

// photoOrigin starts a server, closed when the test ends, answering
// every request with a w x h sample JPEG at quality q; it returns the
// server and the JPEG.
func photoOrigin(t *testing.T, w, h, q int) (*httptest.Server, []byte) {
	t.Helper()
	photo, err := encodeJPEG(samplePhoto(w, h), q)
	require.NoError(t, err)
	origin := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "image/jpeg")
		_, _ = rw.Write(photo)
	}))
	t.Cleanup(origin.Close)
	return origin, photo
}

func TestURLSourcesAreFetchedThroughTheAddressGuard(t *testing.T) {
	origin, photo := photoOrigin(t, 64, 48, 80)

	s := newTestServer(t, nil)
	var p apiProblem
	assert.Equal(t, http.StatusBadRequest, s.post("/api/sources/url", map[string]string{"url": origin.URL + "/a.jpg"}, &p))
	assert.Equal(t, string(api.ReasonSourceUnsupported), p.Reason, p.Message)
	entries, err := os.ReadDir(filepath.Join(s.dir, "sources"))
	require.NoError(t, err)
	assert.Empty(t, entries)
	assert.Equal(t, http.StatusBadRequest, s.post("/api/sources/url", map[string]string{"url": "file:///etc/passwd"}, &p))

	local := newTestServer(t, func(o *Options) { o.AllowPrivate = true })
	var src sourceFile
	require.Equal(t, http.StatusOK, local.post("/api/sources/url", map[string]string{"url": origin.URL + "/dir/a.jpg?sig=secret"}, &src))
	assert.Equal(t, "a.jpg", src.Name)
	assert.Equal(t, int64(len(photo)), src.Size)
	assert.NotContains(t, src.URL, "secret")
}

func TestRunShowsEachRenditionWithItsFile(t *testing.T) {
	s := newTestServer(t, nil)
	photo, err := encodeJPEG(samplePhoto(600, 400), 90)
	require.NoError(t, err)
	src := s.upload("photo.jpg", photo)
	rn := s.run(src.ID, `{"renditions": [
		{"name": "web.jpg", "fmt": "jpg", "width": 300, "height": 300, "quality": 70},
		{"name": "thumb.png", "fmt": "png", "width": 48, "height": 48},
		{"name": "meta.json", "fmt": "machine-metadata-json"},
		{"name": "bad.png", "fmt": "png", "quality": 50},
		{"name": "../escape.jpg", "fmt": "jpg", "width": 10, "target": "/tmp/elsewhere.jpg"}
	]}`)
	require.Len(t, rn.Renditions, 5)
	byName := map[string]renditionView{}
	for _, r := range rn.Renditions {
		byName[r.Name] = r
		require.NotNil(t, r.Event, r.Name)
	}
	for name, want := range map[string]goimage.Point{"web.jpg": {300, 200}, "thumb.png": {48, 32}, "../escape.jpg": {10, 7}} {
		r := byName[name]
		require.Equal(t, api.StatusCreated, r.Status, "%s: %s", name, r.Message)
		require.NotNil(t, r.Output)
		assert.Equal(t, "image", r.Output.Kind)
		assert.Equal(t, want, goimage.Point{r.Output.Width, r.Output.Height}, name)
		resp := s.do(http.MethodGet, "/"+r.Output.URL, nil, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		cfg, _, err := goimage.DecodeConfig(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, want, goimage.Point{cfg.Width, cfg.Height}, "the file served is the one described")
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
		assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "sandbox")
		_, kept, ok := s.h.lookup(rn.ID, strconv.Itoa(r.Index))
		require.True(t, ok)
		assert.True(t, strings.HasPrefix(kept.path, filepath.Join(s.dir, "runs", rn.ID)+"/"), "outputs stay in the run: %s", kept.path)
	}
	_, err = os.Stat("/tmp/elsewhere.jpg")
	assert.True(t, os.IsNotExist(err), "a target in the request is replaced")
	assert.Equal(t, 70, byName["web.jpg"].Output.Quality)
	assert.Equal(t, "json", byName["meta.json"].Output.Kind)
	bad := byName["bad.png"]
	assert.Equal(t, api.StatusFailed, bad.Status)
	assert.Equal(t, api.ReasonGeneric, bad.Reason)
	assert.Contains(t, bad.Message, "quality")
	assert.NotEmpty(t, rn.Logs, "the run's log lines are kept")

	resp := s.do(http.MethodGet, "/"+byName["web.jpg"].Output.URL+"?download=1", nil, nil)
	assert.Equal(t, "image/jpeg", resp.Header.Get("Content-Type"))
	assert.Equal(t, `attachment; filename="web.jpg"`, resp.Header.Get("Content-Disposition"))

	// A text output counts its characters.
	rn = s.run("sample-notes.txt", `{"renditions": [{"name": "t.txt", "fmt": "text"}]}`)
	require.Equal(t, api.StatusCreated, rn.Renditions[0].Status, rn.Renditions[0].Message)
	assert.Equal(t, "text", rn.Renditions[0].Output.Kind)
	assert.Greater(t, rn.Renditions[0].Output.Chars, 100)
}

func TestCorruptSampleFailsWithSourceCorrupt(t *testing.T) {
	s := newTestServer(t, nil)
	rn := s.run("sample-corrupt.jpg", `{"renditions": [{"name": "a.png", "fmt": "png", "width": 100}, {"name": "b.jpg", "fmt": "jpg", "width": 50}]}`)
	require.Len(t, rn.Renditions, 2)
	for _, r := range rn.Renditions {
		assert.Equal(t, api.StatusFailed, r.Status)
		assert.Equal(t, api.ReasonSourceCorrupt, r.Reason, r.Message)
		assert.Nil(t, r.Output)
		require.NotNil(t, r.Event)
		assert.Equal(t, api.EventRenditionFailed, r.Event.Type)
	}
}

func TestRunWithoutSourceOrWithBrokenJSON(t *testing.T) {
	s := newTestServer(t, nil)
	var p map[string]any
	assert.Equal(t, http.StatusBadRequest, s.post("/api/runs", map[string]string{"source": "nope", "request": `{"renditions":[{"fmt":"png"}]}`}, &p))
	assert.Equal(t, "source", p["error"])
	assert.Equal(t, http.StatusBadRequest, s.post("/api/runs", map[string]string{"source": "sample-photo.jpg", "request": `{"renditions":`}, &p))
	assert.Equal(t, "invalid", p["error"])
	// An empty rendition list is invalid as a whole: no renditions, one message.
	rn := s.run("sample-photo.jpg", `{"renditions": []}`)
	assert.Contains(t, rn.Error, "renditions")
}

func TestCompareComputesPSNR(t *testing.T) {
	s := newTestServer(t, nil)
	rn := s.run("sample-photo.jpg", `{"renditions": [
		{"name": "q30.jpg", "fmt": "jpg", "width": 400, "quality": 30},
		{"name": "q95.jpg", "fmt": "jpg", "width": 400, "quality": 95},
		{"name": "big.png", "fmt": "png", "width": 800},
		{"name": "square.png", "fmt": "png", "width": 100, "height": 100, "crop": "smart"}
	]}`)
	for _, r := range rn.Renditions {
		require.Equal(t, api.StatusCreated, r.Status, "%s: %s", r.Name, r.Message)
	}
	compare := func(a, b int) map[string]any {
		var out map[string]any
		require.Equal(t, http.StatusOK, s.post("/api/compare", map[string]any{"a": ref{rn.ID, a}, "b": ref{rn.ID, b}}, &out))
		return out
	}
	low := compare(0, 1)
	require.Nil(t, low["error"])
	psnrLow := low["psnr"].(float64)
	assert.Greater(t, psnrLow, 20.0)
	assert.Less(t, psnrLow, 45.0)
	// The png of twice the size is shrunk to compare: closer to q95 than q30 is.
	high := compare(2, 1)
	require.Nil(t, high["error"], high)
	assert.Greater(t, high["psnr"].(float64), psnrLow)
	assert.Equal(t, 400.0, high["comparedWidth"])
	same := compare(1, 1)
	assert.Equal(t, true, same["identical"])
	shapes := compare(0, 3)
	assert.Contains(t, shapes["error"], "different shapes")
	assert.False(t, math.IsNaN(psnrLow))
}

func TestPageIsStaticWithItsPolicy(t *testing.T) {
	s := newTestServer(t, nil)
	for _, p := range []string{"/", "/app.js", "/app.css"} {
		resp := s.do(http.MethodGet, p, nil, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, p)
		csp := resp.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "script-src 'self'", p)
		assert.NotContains(t, csp, "unsafe-eval", p)
		assert.Contains(t, csp, "frame-ancestors 'none'", p)
	}
	resp := s.do(http.MethodGet, "/app.js", nil, nil)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "innerHTML", "the page builds nodes, never HTML from strings")
}

// nopRunner fails every request: for tests that never run one.
type nopRunner struct{}

func (nopRunner) Run(context.Context, *api.Request) *process.Result { return &process.Result{} }

// countingRunner counts the requests it runs on another Runner.
type countingRunner struct {
	Runner
	n *int
}

func (c countingRunner) Run(ctx context.Context, req *api.Request) *process.Result {
	*c.n++
	return c.Runner.Run(ctx, req)
}

func TestRunWithTheDeployedRunner(t *testing.T) {
	s := newTestServer(t, nil)
	var p apiProblem
	assert.Equal(t, http.StatusBadRequest, s.post("/api/runs", map[string]string{"source": "sample-photo.jpg", "request": `{"renditions":[{"fmt":"png","width":9}]}`, "with": "deployed"}, &p))
	assert.Equal(t, "with", p.Error)

	var deployed, local int
	s = newTestServer(t, func(o *Options) {
		o.Deployed, o.DeployedName = countingRunner{o.Runner, &deployed}, "deployed asset-compute/process"
		o.Runner = countingRunner{o.Runner, &local}
	})
	var session map[string]any
	resp := s.do(http.MethodGet, "/api/session", nil, nil)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&session))
	assert.Equal(t, "deployed asset-compute/process", session["deployed"])
	var rn run
	require.Equal(t, http.StatusOK, s.post("/api/runs", map[string]string{"source": "sample-photo.jpg", "request": `{"renditions":[{"fmt":"png","width":9}]}`, "with": "deployed"}, &rn))
	assert.Equal(t, "deployed", rn.With)
	assert.Equal(t, api.StatusCreated, rn.Renditions[0].Status)
	assert.Equal(t, [2]int{1, 0}, [2]int{deployed, local})
	s.run("sample-photo.jpg", `{"renditions":[{"fmt":"png","width":9}]}`)
	assert.Equal(t, [2]int{1, 1}, [2]int{deployed, local})
}

func TestAsyncRunShowsEachRenditionAsItIsMade(t *testing.T) {
	s, open := newHeldServer(t)
	var rn run
	require.Equal(t, http.StatusOK, s.post("/api/runs", map[string]any{"source": "sample-photo.jpg", "async": true,
		"request": `{"renditions": [{"name": "held.png", "fmt": "png", "width": 50}, {"name": "meta.json", "fmt": "machine-metadata-json"}]}`}, &rn))
	assert.Equal(t, stateRunning, rn.State)
	require.Len(t, rn.Renditions, 2)
	get := func() run {
		var got run
		resp := s.do(http.MethodGet, "/api/runs/"+rn.ID, nil, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
		return got
	}
	// The metadata is made while the picture is held.
	require.Eventually(t, func() bool { return get().Renditions[1].Status == api.StatusCreated }, time.Minute, 10*time.Millisecond)
	now := get()
	assert.Equal(t, stateRunning, now.State)
	assert.Equal(t, statusRunning, now.Renditions[0].Status)
	require.NotNil(t, now.Renditions[1].Output, "a made rendition's file is served at once")
	resp := s.do(http.MethodGet, "/"+now.Renditions[1].Output.URL, nil, nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp = s.do(http.MethodGet, "/api/runs/"+rn.ID+"/files/0", nil, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "nothing is served of a running rendition")

	open()
	require.Eventually(t, func() bool { return get().State == stateDone }, time.Minute, 10*time.Millisecond)
	done := get()
	for _, r := range done.Renditions {
		assert.Equal(t, api.StatusCreated, r.Status, r.Name)
		require.NotNil(t, r.Event, r.Name)
	}
	assert.NotEmpty(t, done.Logs)
}

// TestCloseStopsTheRunsGoingOn: a run the page left goes on, but Close
// (acs devtool and acs serve exiting) stops it and waits for it, so its
// files are not removed under it; the rendition not made fails with
// Timeout, the one made stays made.
func TestCloseStopsTheRunsGoingOn(t *testing.T) {
	s, _ := newHeldServer(t) // never released: only Close ends the held rendition
	var rn run
	require.Equal(t, http.StatusOK, s.post("/api/runs", map[string]any{"source": "sample-photo.jpg", "async": true,
		"request": `{"renditions": [{"name": "held.png", "fmt": "png", "width": 50}, {"name": "meta.json", "fmt": "machine-metadata-json"}]}`}, &rn))
	get := func() run {
		var got run
		resp := s.do(http.MethodGet, "/api/runs/"+rn.ID, nil, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
		return got
	}
	require.Eventually(t, func() bool { return get().Renditions[1].Status == api.StatusCreated }, time.Minute, 10*time.Millisecond)

	s.h.Close() // returns once the run has ended
	done := get()
	assert.Equal(t, stateDone, done.State)
	require.NotNil(t, done.Renditions[0].Event)
	assert.Equal(t, api.ReasonTimeout, done.Renditions[0].Event.ErrorReason, "the held rendition is stopped")
	assert.Equal(t, api.StatusCreated, done.Renditions[1].Status)
}

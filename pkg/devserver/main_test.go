package devserver

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
)

// testAction is the test action binary built once by TestMain; not in
// -short mode, where the tests that run actions are skipped.
var testAction string

func TestMain(m *testing.M) {
	os.Exit(testutil.MainWithBuilds(m, "devserver-test-", func(dir string) error {
		testAction = filepath.Join(dir, "action")
		return testutil.GoBuild(testAction, "./testdata/action", false, "-trimpath", "-ldflags=-s -w")
	}))
}

// zips caches actionZip's results by mode.
var zips sync.Map

// actionZip returns a base64 action zip running the test action in mode.
func actionZip(t testing.TB, mode string) string {
	t.Helper()
	if testAction == "" {
		t.Skip("builds the test action: skipped in -short mode")
	}
	if z, ok := zips.Load(mode); ok {
		return z.(string)
	}
	exe, err := os.ReadFile(testAction)
	require.NoError(t, err)
	z := base64.StdEncoding.EncodeToString(zipFiles(t, map[string][]byte{
		"exec": exe, "exec.env": []byte("openwhisk/action-golang-v1.24"), "mode": []byte(mode),
	}))
	zips.Store(mode, z)
	return z
}

// zipFiles zips files; exec gets mode 0755.
func zipFiles(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(0o644)
		if name == "exec" {
			h.SetMode(0o755)
		}
		w, err := zw.CreateHeader(h)
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// testServer is a Server behind httptest.
type testServer struct {
	*Server
	url string
	t   testing.TB
}

// newTestServer starts a server with opts (fast timeouts by default).
func newTestServer(t testing.TB, opts Options) *testServer {
	t.Helper()
	if opts.AckTimeout == 0 {
		opts.AckTimeout = 5 * time.Second
	}
	opts.TempDir = t.TempDir()
	s, err := New(context.Background(), opts)
	require.NoError(t, err)
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		hs.Close()
		require.NoError(t, s.Close())
	})
	return &testServer{Server: s, url: hs.URL, t: t}
}

// do sends a request with the namespace key and returns status and body.
func (ts *testServer) do(method, path string, body any) (int, []byte) {
	ts.t.Helper()
	return ts.doAuth(method, path, body, ts.Auth())
}

// doAuth sends a request with key as Basic auth ("" for none).
func (ts *testServer) doAuth(method, path string, body any, key string) (int, []byte) {
	ts.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		js, err := json.Marshal(b)
		require.NoError(ts.t, err)
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, ts.url+path, rd)
	require.NoError(ts.t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		user, pass, _ := strings.Cut(key, ":")
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(ts.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(ts.t, err)
	return resp.StatusCode, out
}

// putAction creates an action running the test action in mode.
func (ts *testServer) putAction(name, mode string, extra map[string]any) {
	ts.t.Helper()
	body := map[string]any{"exec": map[string]any{"kind": "go:1.24", "code": actionZip(ts.t, mode), "binary": true}}
	for k, v := range extra {
		body[k] = v
	}
	status, out := ts.do("PUT", "/api/v1/namespaces/_/actions/"+name+"?overwrite=true", body)
	require.Equal(ts.t, http.StatusOK, status, "%s", out)
}

// invoke invokes name blocking with result=true and decodes the result.
func (ts *testServer) invoke(name string, params any) (int, map[string]any) {
	ts.t.Helper()
	status, out := ts.do("POST", "/api/v1/namespaces/_/actions/"+name+"?blocking=true&result=true", params)
	var m map[string]any
	require.NoError(ts.t, json.Unmarshal(out, &m), "%s", out)
	return status, m
}

// waitActivation polls until the activation id is recorded.
func (ts *testServer) waitActivation(id string) Activation {
	ts.t.Helper()
	var a Activation
	require.Eventually(ts.t, func() bool {
		status, out := ts.do("GET", "/api/v1/namespaces/_/activations/"+id, nil)
		return status == http.StatusOK && json.Unmarshal(out, &a) == nil
	}, 20*time.Second, 10*time.Millisecond, "activation %s", id)
	return a
}

// kv builds a parameter list.
func kv(pairs ...any) []map[string]any {
	var out []map[string]any
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]any{"key": pairs[i], "value": pairs[i+1]})
	}
	return out
}

// readFile returns a file's content as a string.
func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

// newRecorder returns an httptest response recorder.
func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

package devtool

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/builtin"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/process"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// testServer is a devtool handler behind an httptest server, running
// requests through the built-in workers in this process.
type testServer struct {
	t   *testing.T
	h   *Handler
	srv *httptest.Server
	dir string
}

// newTestServer starts a handler; edit changes its options first.
func newTestServer(t *testing.T, edit func(*Options)) *testServer {
	t.Helper()
	return newTestServerVia(t, nil, edit)
}

// newTestServerVia starts a handler whose workers are called through
// wrap(invoker) when wrap is not nil.
func newTestServerVia(t *testing.T, wrap func(invoke.Invoker) invoke.Invoker, edit func(*Options)) *testServer {
	t.Helper()
	dir := t.TempDir()
	logs := NewLogStore()
	logger := slog.New(logs.Handler(nil))
	client, err := transfer.New(transfer.Options{AllowLocal: true, Logger: logger})
	require.NoError(t, err)
	handlers, err := builtin.Handlers(worker.Options{Transfer: client, Logger: logger}, image.Options{})
	require.NoError(t, err)
	var invoker invoke.Invoker = invoke.NewInProcess(handlers)
	if wrap != nil {
		invoker = wrap(invoker)
	}
	p, err := process.New(process.Options{Invoker: invoker, Logger: logger,
		Scratch: process.DirScratch{Dir: dir}})
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(nil)
	opts := Options{Runner: p, Dir: dir, Addr: srv.Listener.Addr().String(), Logs: logs, Logger: logger}
	if edit != nil {
		edit(&opts)
	}
	h, err := New(opts)
	require.NoError(t, err)
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(func() { srv.Close(); h.Wait() })
	return &testServer{t: t, h: h, srv: srv, dir: dir}
}

// do sends a request; POSTs carry the session token unless noToken.
func (s *testServer) do(method, path string, body io.Reader, header http.Header) *http.Response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, body)
	require.NoError(s.t, err)
	if method != http.MethodGet {
		req.Header.Set(tokenHeader, s.h.Token())
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := s.srv.Client().Do(req)
	require.NoError(s.t, err)
	s.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// post sends v as JSON and decodes the answer into out, returning the
// status.
func (s *testServer) post(path string, v, out any) int {
	s.t.Helper()
	b, err := json.Marshal(v)
	require.NoError(s.t, err)
	resp := s.do(http.MethodPost, path, bytes.NewReader(b), nil)
	if out != nil {
		require.NoError(s.t, json.NewDecoder(resp.Body).Decode(out))
	}
	return resp.StatusCode
}

// upload uploads b as name and returns the source.
func (s *testServer) upload(name string, b []byte) sourceFile {
	s.t.Helper()
	resp := s.do(http.MethodPost, "/api/sources?name="+name, bytes.NewReader(b), nil)
	require.Equal(s.t, http.StatusOK, resp.StatusCode)
	var src sourceFile
	require.NoError(s.t, json.NewDecoder(resp.Body).Decode(&src))
	return src
}

// run runs the request text on the source id.
func (s *testServer) run(source, request string) run {
	s.t.Helper()
	var rn run
	require.Equal(s.t, http.StatusOK, s.post("/api/runs", map[string]string{"source": source, "request": request}, &rn))
	return rn
}

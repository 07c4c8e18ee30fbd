package workertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
)

// Mock is the content of a mock-<host>.json file: the routes of a local
// stand-in for the external host <host>. Example:
//
//	{"routes": [
//	  {"method": "POST", "path": "/v1/tags",
//	   "requestHeaders": {"Authorization": "Bearer test-key"},
//	   "status": 200,
//	   "headers": {"Content-Type": "application/json"},
//	   "body": {"labels": [{"name": "cat", "score": 0.9}]}}
//	]}
//
// A request is answered by the first route whose method (any when empty),
// path (exact, or a path.Match pattern such as /v1/*) and requestHeaders
// (each must be present with that exact value) match it. body is sent as
// JSON, or as is when it is a JSON string; bodyFile names a file of the
// case folder to send instead (for binary answers). status defaults to
// 200. A request no route matches gets 501 and is reported when the case
// fails.
type Mock struct {
	Routes []Route `json:"routes"`
}

// Route is one answer of a Mock.
type Route struct {
	// Method is the HTTP method to match; any when empty.
	Method string `json:"method,omitempty"`
	// Path is the URL path to match, exactly or as a path.Match pattern.
	Path string `json:"path"`
	// RequestHeaders must all be present in the request with these values.
	RequestHeaders map[string]string `json:"requestHeaders,omitempty"`
	// Status is the answer's status code; default 200.
	Status int `json:"status,omitempty"`
	// Headers are the answer's headers.
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the answer's body: JSON, or the text of a JSON string.
	Body json.RawMessage `json:"body,omitempty"`
	// BodyFile names a file of the case folder to send as the body.
	BodyFile string `json:"bodyFile,omitempty"`
}

// mockServer is a running stand-in for one host.
type mockServer struct {
	host string
	srv  *httptest.Server
	dir  string
	mock Mock
	// expectations, when set, replace mock: the file held MockServer
	// expectations (see parseExpectations).
	expectations []*msExpectation
	// tlsSrv answers https for the host's name, through the proxy.
	tlsSrv *httptest.Server

	mu        sync.Mutex
	unmatched []string
}

// startMock starts the stand-in defined by file for host.
func startMock(host, file string) (*mockServer, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("workertest: %w", err)
	}
	m := &mockServer{host: host, dir: filepath.Dir(file)}
	if isMockServerFile(b) {
		if m.expectations, err = parseExpectations(b); err != nil {
			return nil, fmt.Errorf("workertest: %s: %w", file, err)
		}
		m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
		return m, nil
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m.mock); err != nil {
		return nil, fmt.Errorf("workertest: %s: %w", file, err)
	}
	for i, r := range m.mock.Routes {
		if _, err := path.Match(r.Path, "/"); err != nil || r.Path == "" {
			return nil, fmt.Errorf("workertest: %s: route %d: invalid path %q", file, i, r.Path)
		}
	}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	return m, nil
}

func (m *mockServer) serve(w http.ResponseWriter, req *http.Request) {
	if m.expectations != nil {
		m.serveExpectations(w, req)
		return
	}
	_, _ = io.Copy(io.Discard, req.Body)
	for _, r := range m.mock.Routes {
		if !r.matches(req) {
			continue
		}
		for k, v := range r.Headers {
			w.Header().Set(k, v)
		}
		body := []byte(r.Body)
		var s string
		if json.Unmarshal(r.Body, &s) == nil {
			body = []byte(s)
		}
		if r.BodyFile != "" {
			b, err := os.ReadFile(filepath.Join(m.dir, filepath.Clean("/"+r.BodyFile)))
			if err != nil {
				http.Error(w, "mock: "+err.Error(), http.StatusInternalServerError)
				return
			}
			body = b
		}
		status := r.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	m.mu.Lock()
	m.unmatched = append(m.unmatched, req.Method+" "+req.URL.Path)
	m.mu.Unlock()
	http.Error(w, fmt.Sprintf("mock %s: no route for %s %s", m.host, req.Method, req.URL.Path), http.StatusNotImplemented)
}

// matches reports whether the route answers req.
func (r Route) matches(req *http.Request) bool {
	if r.Method != "" && !strings.EqualFold(r.Method, req.Method) {
		return false
	}
	if ok, _ := path.Match(r.Path, req.URL.Path); !ok && r.Path != req.URL.Path {
		return false
	}
	for k, v := range r.RequestHeaders {
		if req.Header.Get(k) != v {
			return false
		}
	}
	return true
}

// rewrite replaces the host's https:// and http:// origins in s with the
// stand-in's URL.
func (m *mockServer) rewrite(s string) string {
	s = strings.ReplaceAll(s, "https://"+m.host, m.srv.URL)
	return strings.ReplaceAll(s, "http://"+m.host, m.srv.URL)
}

// problems describes the requests no route matched.
func (m *mockServer) problems() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.unmatched) == 0 {
		return ""
	}
	return fmt.Sprintf("mock %s had no route for: %s", m.host, strings.Join(m.unmatched, ", "))
}

func (m *mockServer) close() {
	m.srv.Close()
	if m.tlsSrv != nil {
		m.tlsSrv.Close()
	}
}

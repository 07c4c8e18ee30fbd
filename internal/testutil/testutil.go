// Package testutil holds small helpers shared by this module's tests.
package testutil

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
)

// SyncBuffer is a bytes.Buffer safe for concurrent use: a log sink that a
// test reads while the code under test writes to it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// CountingResponseWriter is an http.ResponseWriter that adds the body bytes
// it writes to N, for tests that check how much of a source was served.
type CountingResponseWriter struct {
	http.ResponseWriter
	N *atomic.Int64
}

// Write writes p and counts it.
func (c CountingResponseWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.N.Add(int64(n))
	return n, err
}

// APIHeaders returns the headers of an Asset Compute API call: JSON, the
// bearer token, the IMS org and the API key; empty values are left out.
func APIHeaders(token, org, apiKey string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	if org != "" {
		h.Set("x-gw-ims-org-id", org)
	}
	if apiKey != "" {
		h.Set("x-api-key", apiKey)
	}
	return h
}

// SendJSON sends a request with headers h and body (as JSON; none when
// nil) to url and returns the status, headers and body of the answer,
// failing the test when the request cannot be made or read.
func SendJSON(t testing.TB, method, url string, h http.Header, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("encoding the request body: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	req.Header = h.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, out
}

// Package testutil holds small helpers shared by this module's tests.
package testutil

import (
	"bytes"
	"net/http"
	"sync"
	"sync/atomic"
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

package transfer

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// writeTemp writes data to a new file and returns its path.
func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rendition.bin")
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

// received is one request a recorder saw.
type received struct {
	method, path, contentType string
	contentLength             int64
	body                      []byte
}

// recorder is an httptest server that records every request; fail, when
// set, can answer a request with an error status instead.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
	fail func(n int, r *http.Request) int
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, received{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.ContentLength, body})
		n := len(rec.reqs)
		fail := rec.fail
		rec.mu.Unlock()
		if fail != nil {
			if code := fail(n, r); code != 0 {
				http.Error(w, "no", code)
				return
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.reqs...)
}

func TestPutPresignedURL(t *testing.T) {
	tests := []struct {
		name        string
		size        int
		contentType string
		wantType    string
	}{
		{"a rendition", 70_000, "image/png", "image/png"},
		{"an empty rendition", 0, "text/plain; charset=utf-8", "text/plain; charset=utf-8"},
		{"no content type given", 10, "", "application/octet-stream"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t)
			c, _ := newTestClient(t, nil)
			data := payload(tc.size)
			err := c.Put(context.Background(), api.Target{URL: rec.URL + "/out/r.png?X-Amz-Signature=abc"}, writeTemp(t, data), PutOptions{ContentType: tc.contentType})
			require.NoError(t, err)
			reqs := rec.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, http.MethodPut, reqs[0].method)
			assert.Equal(t, "/out/r.png", reqs[0].path)
			assert.Equal(t, tc.wantType, reqs[0].contentType)
			assert.EqualValues(t, tc.size, reqs[0].contentLength, "Content-Length is sent")
			assert.Equal(t, data, reqs[0].body)
		})
	}
}

func TestPutRetries(t *testing.T) {
	tests := []struct {
		name         string
		fail         func(n int, r *http.Request) int
		wantRequests int
		wantErr      string
	}{
		{"503 then success re-sends the whole body", func(n int, _ *http.Request) int {
			if n == 1 {
				return http.StatusServiceUnavailable
			}
			return 0
		}, 2, ""},
		{"always 500", func(int, *http.Request) int { return http.StatusInternalServerError }, 4, "failed after 4 attempts"},
		{"403 is final", func(int, *http.Request) int { return http.StatusForbidden }, 1, "access to the target was denied (403)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t)
			rec.fail = tc.fail
			c, logs := newTestClient(t, nil)
			data := payload(5000)
			err := c.Put(context.Background(), api.Target{URL: rec.URL + "/r?X-Amz-Signature=" + secret}, writeTemp(t, data), PutOptions{ContentType: "image/jpeg"})
			reqs := rec.requests()
			require.Len(t, reqs, tc.wantRequests)
			for _, r := range reqs {
				assert.Equal(t, data, r.body, "every attempt sends the file from its start")
			}
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			requireReason(t, err, api.ReasonGeneric)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, logs.String(), secret)
		})
	}
}

func TestPutMultipartForm(t *testing.T) {
	tests := []struct {
		name      string
		size      int
		urls      int
		min, max  int64
		wantParts []int
		reason    api.Reason
	}{
		{"split evenly over every URL", 1000, 4, 0, 0, []int{250, 250, 250, 250}, ""},
		{"the last part is smaller", 1000, 3, 0, 0, []int{334, 334, 332}, ""},
		{"minPartSize uses fewer URLs", 1000, 5, 400, 0, []int{400, 400, 200}, ""},
		{"a small file in one part", 100, 5, 400, 0, []int{100}, ""},
		{"within maxPartSize", 1000, 4, 100, 250, []int{250, 250, 250, 250}, ""},
		{"an empty file is one empty part", 0, 3, 100, 0, []int{0}, ""},
		{"beyond maxPartSize", 1001, 4, 100, 250, nil, api.ReasonRenditionTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t)
			c, _ := newTestClient(t, nil)
			target := api.Target{MinPartSize: tc.min, MaxPartSize: tc.max}
			for i := 0; i < tc.urls; i++ {
				target.URLs = append(target.URLs, rec.URL+"/part/"+strconv.Itoa(i+1)+"?sig=x")
			}
			data := payload(tc.size)
			err := c.Put(context.Background(), target, writeTemp(t, data), PutOptions{ContentType: "image/png"})
			reqs := rec.requests()
			if tc.reason != "" {
				requireReason(t, err, tc.reason)
				assert.Empty(t, reqs, "nothing is uploaded")
				return
			}
			require.NoError(t, err)
			require.Len(t, reqs, len(tc.wantParts))
			var joined []byte
			for i, r := range reqs {
				assert.Equal(t, "/part/"+strconv.Itoa(i+1), r.path, "parts go to their URLs in order")
				assert.Len(t, r.body, tc.wantParts[i], "part %d", i+1)
				assert.EqualValues(t, tc.wantParts[i], r.contentLength)
				assert.Equal(t, "image/png", r.contentType)
				joined = append(joined, r.body...)
			}
			assert.True(t, bytes.Equal(data, joined), "the parts make up the file")
		})
	}

	t.Run("a refused part URL fails before uploading", func(t *testing.T) {
		rec := newRecorder(t)
		c, _ := newTestClient(t, nil)
		target := api.Target{URLs: []string{rec.URL + "/1", "s3://bucket/key"}}
		err := c.Put(context.Background(), target, writeTemp(t, payload(10)), PutOptions{})
		requireReason(t, err, api.ReasonGeneric)
		assert.Contains(t, err.Error(), "urls[1]")
		assert.Empty(t, rec.requests())
	})

	t.Run("a failing part stops the upload", func(t *testing.T) {
		rec := newRecorder(t)
		rec.fail = func(_ int, r *http.Request) int {
			if r.URL.Path == "/2" {
				return http.StatusBadRequest
			}
			return 0
		}
		c, _ := newTestClient(t, nil)
		target := api.Target{URLs: []string{rec.URL + "/1", rec.URL + "/2", rec.URL + "/3"}}
		err := c.Put(context.Background(), target, writeTemp(t, payload(30)), PutOptions{})
		requireReason(t, err, api.ReasonGeneric)
		assert.Contains(t, err.Error(), "400 Bad Request")
		assert.Len(t, rec.requests(), 2)
	})
}

func TestPutLocal(t *testing.T) {
	data := payload(3000)
	src := writeTemp(t, data)

	t.Run("a path, creating directories", func(t *testing.T) {
		c, _ := newTestClient(t, func(o *Options) { o.AllowLocal = true })
		dst := filepath.Join(t.TempDir(), "a", "b", "out.png")
		require.NoError(t, c.Put(context.Background(), api.Target{URL: dst}, src, PutOptions{}))
		got, err := os.ReadFile(dst)
		require.NoError(t, err)
		assert.Equal(t, data, got)
		entries, err := os.ReadDir(filepath.Dir(dst))
		require.NoError(t, err)
		assert.Len(t, entries, 1, "no temporary file is left")
	})

	t.Run("a file URL, replacing a file", func(t *testing.T) {
		c, _ := newTestClient(t, func(o *Options) { o.AllowLocal = true })
		dst := filepath.Join(t.TempDir(), "out.png")
		require.NoError(t, os.WriteFile(dst, []byte("old"), 0o600))
		require.NoError(t, c.Put(context.Background(), api.Target{URL: "file://" + dst}, src, PutOptions{}))
		got, err := os.ReadFile(dst)
		require.NoError(t, err)
		assert.Equal(t, data, got)
	})

	t.Run("refused unless local mode", func(t *testing.T) {
		c, _ := newTestClient(t, nil)
		dst := filepath.Join(t.TempDir(), "out.png")
		for _, target := range []string{dst, "file://" + dst} {
			err := c.Put(context.Background(), api.Target{URL: target}, src, PutOptions{})
			requireReason(t, err, api.ReasonGeneric)
			assert.Contains(t, err.Error(), "local mode")
		}
		_, err := os.Stat(dst)
		assert.True(t, os.IsNotExist(err))
	})
}

func TestPutRefusals(t *testing.T) {
	c, _ := newTestClient(t, func(o *Options) { o.AllowHTTP = false })
	src := writeTemp(t, []byte("x"))
	tests := []struct {
		name    string
		target  api.Target
		path    string
		wantErr string
	}{
		{"a data URI", api.Target{URL: "data:,x"}, src, "data: URI cannot be a target"},
		{"an unknown scheme", api.Target{URL: "ftp://example.com/x"}, src, `"ftp" is not supported`},
		{"plain http", api.Target{URL: "http://example.com/x"}, src, "use https"},
		{"no target", api.Target{}, src, "must not be empty"},
		{"a missing rendition file", api.Target{URL: "https://example.com/x"}, src + ".missing", "cannot open the rendition file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Put(context.Background(), tc.target, tc.path, PutOptions{})
			requireReason(t, err, api.ReasonGeneric)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

func TestPutTooLargeStatus(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		http.Error(w, "too big", http.StatusRequestEntityTooLarge)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, nil)
	err := c.Put(context.Background(), api.Target{URL: srv.URL}, writeTemp(t, payload(10)), PutOptions{})
	requireReason(t, err, api.ReasonRenditionTooLarge)
	assert.EqualValues(t, 1, n.Load())
}

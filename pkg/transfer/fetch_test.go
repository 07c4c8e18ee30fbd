package transfer

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestFetchHTTP(t *testing.T) {
	body := payload(100_000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Token") != "t0k" {
			http.Error(w, "no token", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		if r.URL.Path == "/chunked.png" {
			// No Content-Length: flushed in pieces.
			for i := 0; i < len(body); i += 10_000 {
				_, _ = w.Write(body[i : i+10_000])
				w.(http.Flusher).Flush()
			}
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, nil)

	tests := []struct {
		name string
		src  api.Source
	}{
		{"with Content-Length", api.Source{URL: srv.URL + "/a.png?sig=x", Headers: map[string]string{"X-Token": "t0k"}}},
		{"streamed without Content-Length", api.Source{URL: srv.URL + "/chunked.png", Headers: map[string]string{"X-Token": "t0k"}}},
		{"announced size within the limit", api.Source{URL: srv.URL + "/a.png", Size: int64(len(body)), Headers: map[string]string{"X-Token": "t0k"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "not", "yet")
			got, err := c.Fetch(context.Background(), tc.src, dir)
			require.NoError(t, err)
			assert.Equal(t, dir, filepath.Dir(got.Path), "the file is in dir")
			assert.Equal(t, ".png", filepath.Ext(got.Path), "the file keeps the source's extension")
			assert.Equal(t, int64(len(body)), got.Size)
			assert.Equal(t, sha1Hex(body), got.SHA1)
			assert.Equal(t, "image/png", got.ContentType)
			data, err := os.ReadFile(got.Path)
			require.NoError(t, err)
			assert.Equal(t, body, data)
		})
	}

	t.Run("headers are sent", func(t *testing.T) {
		dir := t.TempDir()
		_, err := c.Fetch(context.Background(), api.Source{URL: srv.URL + "/a.png"}, dir)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "denied (403)")
		requireEmptyDir(t, dir)
	})
}

// hijackTruncated answers with a Content-Length of 1000, writes 500 bytes
// of body and drops the connection.
func hijackTruncated(w http.ResponseWriter) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n")
	_, _ = buf.Write(payload(500))
	_ = buf.Flush()
}

func TestFetchRetries(t *testing.T) {
	body := payload(1000)
	tests := []struct {
		name string
		// respond answers request number n (from 1).
		respond      func(w http.ResponseWriter, n int64)
		wantRequests int64
		wantErr      []string // substrings of the error; none means success
	}{
		{
			name: "503 every other request is retried and succeeds",
			respond: func(w http.ResponseWriter, n int64) {
				if n%2 == 1 {
					http.Error(w, "busy", http.StatusServiceUnavailable)
					return
				}
				_, _ = w.Write(body)
			},
			wantRequests: 2,
		},
		{
			name: "500 then success",
			respond: func(w http.ResponseWriter, n int64) {
				if n < 3 {
					http.Error(w, "oops", http.StatusInternalServerError)
					return
				}
				_, _ = w.Write(body)
			},
			wantRequests: 3,
		},
		{
			name:         "always 503 gives up after every attempt",
			respond:      func(w http.ResponseWriter, n int64) { http.Error(w, "busy", http.StatusServiceUnavailable) },
			wantRequests: 4,
			wantErr:      []string{"failed after 4 attempts", "503 Service Unavailable"},
		},
		{
			name:         "404 is not retried",
			respond:      func(w http.ResponseWriter, n int64) { http.NotFound(w, nil) },
			wantRequests: 1,
			wantErr:      []string{"source not found (404)"},
		},
		{
			name:         "403 is not retried",
			respond:      func(w http.ResponseWriter, n int64) { http.Error(w, "no", http.StatusForbidden) },
			wantRequests: 1,
			wantErr:      []string{"access to the source was denied (403)"},
		},
		{
			name:         "other 4xx is not retried",
			respond:      func(w http.ResponseWriter, n int64) { http.Error(w, "bad", http.StatusBadRequest) },
			wantRequests: 1,
			wantErr:      []string{"400 Bad Request"},
		},
		{
			name:         "a truncated body is retried, then fails",
			respond:      func(w http.ResponseWriter, n int64) { hijackTruncated(w) },
			wantRequests: 4,
			wantErr:      []string{"failed after 4 attempts", "broke off after 500 bytes"},
		},
		{
			name: "a truncated body is retried and succeeds",
			respond: func(w http.ResponseWriter, n int64) {
				if n == 1 {
					hijackTruncated(w)
					return
				}
				_, _ = w.Write(body)
			},
			wantRequests: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var requests atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tc.respond(w, requests.Add(1))
			}))
			defer srv.Close()
			c, _ := newTestClient(t, nil)
			dir := t.TempDir()
			got, err := c.Fetch(context.Background(), api.Source{URL: srv.URL + "/x.bin"}, dir)
			assert.Equal(t, tc.wantRequests, requests.Load(), "requests made")
			if len(tc.wantErr) == 0 {
				require.NoError(t, err)
				assert.Equal(t, sha1Hex(body), got.SHA1)
				assert.Equal(t, int64(len(body)), got.Size)
				entries, _ := os.ReadDir(dir)
				assert.Len(t, entries, 1, "one file, however many attempts")
				return
			}
			requireReason(t, err, api.ReasonGeneric)
			for _, want := range tc.wantErr {
				assert.Contains(t, err.Error(), want)
			}
			assert.Nil(t, got)
			requireEmptyDir(t, dir)
		})
	}
}

func TestFetchHonoursRetryAfter(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch requests.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "3")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case 2:
			w.Header().Set("Retry-After", "86400")
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		default:
			_, _ = w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	c, _ := newTestClient(t, nil) // backoff base 1 ms: any longer wait comes from Retry-After
	slept := recordSleeps(c)

	_, err := c.Fetch(context.Background(), api.Source{URL: srv.URL}, t.TempDir())
	require.NoError(t, err)
	assert.EqualValues(t, 3, requests.Load())
	assert.Equal(t, []time.Duration{3 * time.Second, maxBackoff}, slept.Slept(), "the server's wish, capped")

	assert.Equal(t, 3*time.Second, retryAfter(http.Header{"Retry-After": {"3"}}))
	assert.Equal(t, maxBackoff, retryAfter(http.Header{"Retry-After": {"86400"}}), "capped")
	assert.Zero(t, retryAfter(http.Header{"Retry-After": {"soon"}}))
	assert.Zero(t, retryAfter(http.Header{}))
}

// TestRetryPolicy checks the policy Options give: exponential from
// BackoffBase, capped at maxBackoff, full jitter, Attempts in all.
func TestRetryPolicy(t *testing.T) {
	c, _ := newTestClient(t, func(o *Options) { o.BackoffBase = 100 * time.Millisecond; o.Attempts = 6 })
	p := c.policy
	assert.Equal(t, 6, p.Attempts)
	assert.True(t, p.FitDeadline)
	for i := 1; i <= 12; i++ {
		assert.Equal(t, min(100*time.Millisecond<<(i-1), maxBackoff), p.Ceiling(i), "retry %d", i)
	}
	p.Rand = func(time.Duration) time.Duration { return 0 }
	assert.Zero(t, p.Delay(3, 0), "full jitter")
	assert.Equal(t, 3*time.Second, p.Delay(1, 3*time.Second), "a server's Retry-After wins")
}

// TestRetryGivesUpBeforeTheDeadline: a retry whose backoff would outlast
// the context's deadline is not waited for; the error names the attempts
// actually made.
func TestRetryGivesUpBeforeTheDeadline(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c, logs := newTestClient(t, func(o *Options) { o.Attempts = 4 })
	slept := recordSleeps(c)
	// The policy's clock says 3 s are left; the real deadline is far off.
	now := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), now.Add(time.Hour))
	defer cancel()
	c.policy.Now = func() time.Time { return now.Add(time.Hour - 3*time.Second) }

	_, err := c.Fetch(ctx, api.Source{URL: srv.URL}, t.TempDir())
	requireReason(t, err, api.ReasonGeneric)
	assert.EqualValues(t, 1, requests.Load())
	assert.Empty(t, slept.Slept())
	assert.Contains(t, err.Error(), "failed after 1 attempt: server returned 503 Service Unavailable")
	assert.Contains(t, logs.String(), "no time left to retry")
}

func TestFetchSizeLimit(t *testing.T) {
	const limit = 1000
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch r.URL.Path {
		case "/announced":
			w.Header().Set("Content-Length", "5000")
			_, _ = w.Write(payload(5000))
		case "/streamed":
			for i := 0; i < 10; i++ {
				_, _ = w.Write(payload(500))
				w.(http.Flusher).Flush()
			}
		case "/exact":
			_, _ = w.Write(payload(limit))
		}
	}))
	defer srv.Close()
	c, _ := newTestClient(t, func(o *Options) { o.MaxSourceBytes = limit })

	tests := []struct {
		name         string
		src          api.Source
		wantRequests int64
		wantErr      string
	}{
		{"Content-Length over the limit", api.Source{URL: srv.URL + "/announced"}, 1, "5000 bytes, more than the limit of 1000"},
		{"streamed past the limit", api.Source{URL: srv.URL + "/streamed"}, 1, "larger than the limit of 1000"},
		{"announced source size over the limit", api.Source{URL: srv.URL + "/exact", Size: 1001}, 0, "1001 bytes"},
		{"data: URI over the limit", api.Source{URL: "data:;base64," + strings.Repeat("QUFB", 400)}, 0, "limit of 1000"},
		{"data: URI one byte over the limit", api.Source{URL: "data:;base64," + strings.Repeat("QUFB", 333) + "QUE="}, 0, "1001 bytes, more than the limit of 1000"},
		{"percent-encoded data: URI over the limit", api.Source{URL: "data:," + strings.Repeat("%41", 1001)}, 0, "1001 bytes, more than the limit of 1000"},
		{"exactly the limit", api.Source{URL: srv.URL + "/exact"}, 1, ""},
		{"data: URI of exactly the limit, over many lines", api.Source{URL: "data:;base64," + strings.Repeat("QUFB\r\n", 333) + "QQ=="}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requests.Store(0)
			dir := t.TempDir()
			got, err := c.Fetch(context.Background(), tc.src, dir)
			assert.Equal(t, tc.wantRequests, requests.Load(), "a source too large is not retried")
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.EqualValues(t, limit, got.Size)
				return
			}
			requireReason(t, err, api.ReasonSourceTooLarge)
			assert.Contains(t, err.Error(), tc.wantErr)
			requireEmptyDir(t, dir)
		})
	}
}

func TestFetchDataURI(t *testing.T) {
	c, _ := newTestClient(t, nil)
	tests := []struct {
		name     string
		uri      string
		want     string
		wantType string
		reason   api.Reason
	}{
		{"base64", "data:image/png;base64,aGVsbG8gd29ybGQ=", "hello world", "image/png", ""},
		{"base64 without padding, with line breaks", "data:text/plain;base64,aGVsbG8g\nd29ybGQ", "hello world", "text/plain", ""},
		{"base64 with the URL alphabet", "data:application/octet-stream;base64,-_-_", "\xfb\xff\xbf", "application/octet-stream", ""},
		{"percent-encoded", "data:text/plain;charset=utf-8,a%20b%2Bc+d", "a b+c+d", "text/plain;charset=utf-8", ""},
		{"no media type", "data:,hi", "hi", "text/plain;charset=US-ASCII", ""},
		{"parameters only", "data:;charset=utf-8,hi", "hi", "text/plain;charset=utf-8", ""},
		{"upper-case scheme", "DATA:,x", "x", "text/plain;charset=US-ASCII", ""},
		{"empty", "data:,", "", "text/plain;charset=US-ASCII", ""},
		{"base64 with spaces, tabs and escaped padding", "data:text/plain;base64, aGVs\tbG8g d29y bGQ%3D", "hello world", "text/plain", ""},
		{"base64 with escaped letters and line breaks", "data:text/plain;base64,aGVs%62G8g%0D%0Ad29ybGQ=%0A", "hello world", "text/plain", ""},
		{"base64 with padding, then whitespace", "data:text/plain;base64,aGk=\n", "hi", "text/plain", ""},
		{"invalid base64", "data:image/png;base64,@@@@", "", "", api.ReasonSourceCorrupt},
		{"padding in the middle", "data:text/plain;base64,aGk=aGk=", "", "", api.ReasonSourceCorrupt},
		{"a dangling base64 character", "data:text/plain;base64,aGVsb", "", "", api.ReasonSourceCorrupt},
		{"an invalid escape in base64", "data:text/plain;base64,aGV%zzsbG8", "", "", api.ReasonSourceCorrupt},
		{"a truncated escape", "data:,abc%4", "", "", api.ReasonSourceCorrupt},
		{"invalid escape", "data:,%zz", "", "", api.ReasonSourceCorrupt},
		{"no comma", "data:image/png;base64", "", "", api.ReasonSourceUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			got, err := c.Fetch(context.Background(), api.Source{URL: tc.uri}, dir)
			if tc.reason != "" {
				requireReason(t, err, tc.reason)
				requireEmptyDir(t, dir)
				return
			}
			require.NoError(t, err)
			data, err := os.ReadFile(got.Path)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(data))
			assert.Equal(t, sha1Hex([]byte(tc.want)), got.SHA1)
			assert.EqualValues(t, len(tc.want), got.Size)
			assert.Equal(t, tc.wantType, got.ContentType)
		})
	}
}

func TestFetchSchemes(t *testing.T) {
	local := filepath.Join(t.TempDir(), "in put.txt")
	require.NoError(t, os.WriteFile(local, []byte("local bytes"), 0o600))

	tests := []struct {
		name      string
		url       string
		local     bool
		http      bool
		reason    api.Reason // "" means success
		wantInErr []string
	}{
		{"local path refused by default", local, false, false, api.ReasonSourceUnsupported, []string{"local mode", "https, s3, data"}},
		{"file URL refused by default", "file://" + local, false, false, api.ReasonSourceUnsupported, []string{"local mode"}},
		{"local path in local mode", local, true, false, "", nil},
		{"file URL in local mode", "file://" + strings.ReplaceAll(local, " ", "%20"), true, false, "", nil},
		{"missing local file", local + ".missing", true, false, api.ReasonGeneric, []string{"not found"}},
		{"a directory", filepath.Dir(local), true, false, api.ReasonSourceUnsupported, []string{"not a regular file"}},
		{"ftp", "ftp://example.com/a.png", false, false, api.ReasonSourceUnsupported, []string{`"ftp"`, "allowed: https, s3, data"}},
		{"gopher in local mode lists every scheme", "gopher://x/y", true, true, api.ReasonSourceUnsupported, []string{"https, http, s3, data, file, local paths"}},
		{"plain http refused by default", "http://example.com/a.png", false, false, api.ReasonSourceUnsupported, []string{"use https"}},
		{"empty", " ", false, false, api.ReasonSourceUnsupported, []string{"empty"}},
		{"bad S3 bucket", "s3://bad@host/key", false, false, api.ReasonSourceUnsupported, []string{"not a valid S3 bucket"}},
		{"S3 without key", "s3://bucket/", false, false, api.ReasonSourceUnsupported, []string{"no object key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, func(o *Options) {
				o.AllowLocal = tc.local
				o.AllowHTTP = tc.http
			})
			dir := t.TempDir()
			got, err := c.Fetch(context.Background(), api.Source{URL: tc.url}, dir)
			if tc.reason == "" {
				require.NoError(t, err)
				data, err := os.ReadFile(got.Path)
				require.NoError(t, err)
				assert.Equal(t, "local bytes", string(data))
				assert.Equal(t, sha1Hex([]byte("local bytes")), got.SHA1)
				return
			}
			requireReason(t, err, tc.reason)
			for _, want := range tc.wantInErr {
				assert.Contains(t, err.Error(), want)
			}
			requireEmptyDir(t, dir)
		})
	}
}

func TestFetchStalledTransfer(t *testing.T) {
	release := make(chan struct{})
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Length", "100")
		_, _ = w.Write(payload(10))
		w.(http.Flusher).Flush()
		select { // stall mid-body
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	t.Run("each attempt is cut off when nothing moves", func(t *testing.T) {
		requests.Store(0)
		c, _ := newTestClient(t, func(o *Options) {
			o.Timeout = 150 * time.Millisecond
			o.Attempts = 2
		})
		_, err := c.Fetch(context.Background(), api.Source{URL: srv.URL}, t.TempDir())
		requireReason(t, err, api.ReasonTimeout)
		assert.Contains(t, err.Error(), "no progress for 150ms")
		assert.EqualValues(t, 2, requests.Load())
	})

	t.Run("the caller's deadline is a Timeout", func(t *testing.T) {
		c, _ := newTestClient(t, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		dir := t.TempDir()
		_, err := c.Fetch(ctx, api.Source{URL: srv.URL}, dir)
		requireReason(t, err, api.ReasonTimeout)
		requireEmptyDir(t, dir)
	})
}

func TestFetchNeverLeaksSecrets(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/404":
			http.NotFound(w, r)
		case "/503":
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case "/truncated":
			hijackTruncated(w)
		case "/to-ftp":
			http.Redirect(w, r, "ftp://user:"+secret+"@example.com/a?X-Amz-Signature="+secret, http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop?X-Amz-Signature="+secret, http.StatusFound)
		}
	}))
	defer srv.Close()
	query := "?X-Amz-Credential=AKIA%2F" + secret + "&X-Amz-Signature=" + secret

	tests := []struct {
		name    string
		url     string
		private bool
	}{
		{"not found", srv.URL + "/404" + query, true},
		{"retries exhausted", srv.URL + "/503" + query, true},
		{"truncated", srv.URL + "/truncated" + query, true},
		{"connection refused", closedURL + "/x" + query, true},
		{"address guard", srv.URL + "/404" + query, false},
		{"redirect to a refused scheme", srv.URL + "/to-ftp" + query, true},
		{"too many redirects", srv.URL + "/loop" + query, true},
		{"user information", strings.Replace(srv.URL, "http://", "http://user:"+secret+"@", 1) + "/404", true},
		{"unparsable URL", "https://example.com/%zz" + query, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, logs := newTestClient(t, func(o *Options) {
				o.Attempts = 2
				o.AllowPrivateNetworks = tc.private
			})
			_, err := c.Fetch(context.Background(), api.Source{URL: tc.url}, t.TempDir())
			require.Error(t, err)
			for _, text := range []string{err.Error(), api.MessageOf(err), fmt.Sprintf("%+v", err), logs.String()} {
				assert.NotContains(t, text, secret)
				assert.NotContains(t, text, "X-Amz-")
			}
		})
	}
}

func TestFetchLogsRetriesWithoutQuery(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			http.Error(w, "busy", http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	c, logs := newTestClient(t, nil)
	_, err := c.Fetch(context.Background(), api.Source{URL: srv.URL + "/in/a.jpg?X-Amz-Signature=" + secret}, t.TempDir())
	require.NoError(t, err)
	lines := 0
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		lines++
		assert.Contains(t, sc.Text(), srv.URL+"/in/a.jpg", "the log names the transfer")
		assert.NotContains(t, sc.Text(), secret)
	}
	assert.Equal(t, 1, lines, "one retry logged")
}

func TestOpen(t *testing.T) {
	c, _ := newTestClient(t, nil)
	rc, err := c.Open(context.Background(), api.Source{URL: "data:image/png;base64,aGVsbG8="})
	require.NoError(t, err)
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(data))
	name := rc.(*tempFile).Name()
	require.NoError(t, rc.Close())
	_, err = os.Stat(name)
	assert.True(t, os.IsNotExist(err), "closing removes the copy")

	_, err = c.Open(context.Background(), api.Source{URL: "ftp://x/y"})
	requireReason(t, err, api.ReasonSourceUnsupported)
}

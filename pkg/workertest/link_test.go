package workertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLinkedSourceAndRendition(t *testing.T) {
	exe := copyWorker(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bucket/source", "/bucket/expected":
			_, _ = w.Write([]byte("linked content\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	root := aioSuite(t, map[string]string{
		"linked/file.txt.link":      srv.URL + "/bucket/source\n",
		"linked/rendition.txt.link": srv.URL + "/bucket/expected",
		"missing/file.link":         srv.URL + "/bucket/nothing",
		"missing/rendition.txt":     "x",
		"not-a-url/file.link":       "just words",
		"not-a-url/rendition.txt":   "x",
		"plain/file.txt":            "plain\n",
		"plain/rendition.txt":       "plain\n",
	})
	cache := t.TempDir()
	opts := Options{CasesDir: root, Action: "worker", Exec: exe, Layout: LayoutAIO, LinkCache: cache}
	suite, err := Run(context.Background(), opts)
	require.NoError(t, err)
	rs := results(suite)
	assert.True(t, rs["linked"].Passed, rs["linked"].Message)
	assert.True(t, rs["plain"].Passed, "a bad link does not stop the other cases: %s", rs["plain"].Message)
	assert.True(t, rs["missing"].Error)
	assert.Contains(t, rs["missing"].Message, "fetching the linked file")
	assert.True(t, rs["not-a-url"].Error)
	assert.Contains(t, rs["not-a-url"].Message, "must hold a URL")

	host := strings.TrimPrefix(srv.URL, "http://")
	b, err := os.ReadFile(filepath.Join(cache, host, "bucket", "source"))
	require.NoError(t, err, "the linked source is cached under <cache>/<host>/<path>, as aio caches it")
	assert.Equal(t, "linked content\n", string(b))

	// Cached files are not fetched again.
	srv.Close()
	opts.Glob = "linked"
	suite, err = Run(context.Background(), opts)
	require.NoError(t, err)
	assert.True(t, suite.Results[0].Passed, suite.Results[0].Message)
}

func TestLinkCachePath(t *testing.T) {
	p, err := linkCachePath("/c", "https://s3.amazonaws.com/bucket/../../../etc/passwd")
	require.NoError(t, err)
	assert.Equal(t, "/c/s3.amazonaws.com/etc/passwd", p, "a link cannot name a file outside the cache")
	_, err = linkCachePath("/c", "https://host/")
	assert.Error(t, err)

	for in, want := range map[string]string{
		"https://s3.amazonaws.com/bucket/dir/key":           "s3://bucket/dir/key",
		"https://bucket.s3.amazonaws.com/dir/key":           "s3://bucket/dir/key",
		"https://bucket.s3.eu-west-1.amazonaws.com/key":     "s3://bucket/key",
		"https://s3.eu-west-1.amazonaws.com/bucket/key.jpg": "s3://bucket/key.jpg",
		"s3://bucket/key":                    "s3://bucket/key",
		"https://example.com/bucket/key":     "",
		"http://s3.amazonaws.com/bucket/key": "",
	} {
		got, ok := awsS3URL(in)
		assert.Equal(t, want, got, in)
		assert.Equal(t, want != "", ok, in)
	}
}

package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// An instruction the fmt cannot honour fails at once: the source is never
// fetched, and `acs process -v` never logs "source fetched" or "source
// opened".
func TestProcessRefusesInvalidInstructionsBeforeFetching(t *testing.T) {
	jpg := sample(t, "portrait-rotated.jpg")
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		_, _ = w.Write(jpg)
	}))
	defer srv.Close()
	dir := t.TempDir()

	code, res, stderr := runProcess(t, `{"source":"`+srv.URL+`/portrait.jpg","renditions":[
		{"name":"smart.png","fmt":"png","crop":"smart","width":100,"target":"`+filepath.Join(dir, "smart.png")+`"},
		{"name":"q.png","fmt":"png","quality":80,"target":"`+filepath.Join(dir, "q.png")+`"}]}`, "-v")
	assert.Equal(t, exitFailed, code, stderr)
	require.Len(t, res.Events, 2)
	for i, field := range []string{"crop", "quality"} {
		assert.Equal(t, api.ReasonGeneric, res.Events[i].ErrorReason)
		assert.Contains(t, res.Events[i].ErrorMessage, field+": ")
	}
	assert.NotRegexp(t, `source (fetched|opened)`, stderr)
	assert.Zero(t, fetches.Load(), "the source server was never asked")

	// The same request made valid does fetch, and logs it.
	code, _, stderr = runProcess(t, `{"source":"`+srv.URL+`/portrait.jpg","renditions":[
		{"name":"smart.png","fmt":"png","crop":"smart","width":100,"height":100,"target":"`+filepath.Join(dir, "smart.png")+`"}]}`, "-v")
	assert.Equal(t, exitOK, code, stderr)
	// The thumbnail worker opens its source for ranged reads; this server
	// ignores ranges, so it is downloaded whole in one request.
	assert.Regexp(t, `source (fetched|opened)`, stderr)
	assert.EqualValues(t, 1, fetches.Load())
}

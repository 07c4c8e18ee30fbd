package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/journal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testToken  = "tok-3c9f1e0a7b5d4e2f"
	testOrg    = "ORG1@AdobeOrg"
	testAPIKey = "client-one"
)

// acResult is an API answer.
type acResult struct {
	status int
	header http.Header
	body   []byte
}

func (r acResult) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "%d %s", r.status, r.body)
	return m
}

// acDo calls the API at path (or an absolute URL).
func (ts *testServer) acDo(method, path string, h http.Header, body any) acResult {
	ts.t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = ts.url + path
	}
	status, header, out := testutil.SendJSON(ts.t, method, path, h, body)
	return acResult{status, header, out}
}

// syncBuffer is a buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newACServer starts a server with the API on and the process test action
// deployed as asset-compute/process.
func newACServer(t *testing.T, ac AssetComputeOptions, logs io.Writer) *testServer {
	t.Helper()
	if ac.Verifier == nil {
		ac.Verifier = NewStaticTokens("other-token", testToken)
	}
	opts := Options{AssetCompute: ac}
	if logs != nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	ts := newTestServer(t, opts)
	status, out := ts.do("PUT", "/api/v1/namespaces/_/packages/asset-compute", map[string]any{})
	require.Equal(t, http.StatusOK, status, "%s", out)
	ts.putAction("asset-compute/process", "process", nil)
	return ts
}

// readJournal reads url until n events arrived, following the Link next
// header, and returns them with the last next link.
func (ts *testServer) readJournal(t *testing.T, url string, n int) ([]map[string]any, string) {
	t.Helper()
	var got []map[string]any
	next := url
	var failure string
	require.Eventually(t, func() bool {
		res := ts.acDo("GET", next, testutil.APIHeaders(testToken, testOrg, ""), nil)
		if res.status != http.StatusOK && res.status != http.StatusNoContent {
			failure = fmt.Sprintf("journal read %s: %d %s", next, res.status, res.body)
			return true
		}
		next = ts.url + linkNext(t, res.header)
		if res.status == http.StatusOK {
			var page struct{ Events []map[string]any }
			if err := json.Unmarshal(res.body, &page); err != nil || len(page.Events) == 0 {
				failure = fmt.Sprintf("a 200 without events: %s", res.body)
				return true
			}
			got = append(got, page.Events...)
		}
		return len(got) >= n
	}, 30*time.Second, 5*time.Millisecond)
	require.Empty(t, failure)
	return got, next
}

// linkNext returns the absolute rel="next" link of a journal answer.
func linkNext(t *testing.T, h http.Header) string {
	t.Helper()
	link := h.Get("Link")
	assert.Regexp(t, `^<`+journalPrefix+`[0-9a-f]+\?[^>]*>; rel="next"$`, link)
	assert.NotEmpty(t, h.Get("Retry-After"))
	uri, _, _ := strings.Cut(strings.TrimPrefix(link, "<"), ">")
	return uri
}

func TestAssetComputeAuth(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	ts := newACServer(t, AssetComputeOptions{Verifier: forOrg{NewStaticTokens(testToken)}}, &logs)
	for _, tc := range []struct {
		name, path    string
		h             http.Header
		status        int
		msg           string
		authorization string
	}{
		{"no token", "/register", testutil.APIHeaders("", testOrg, testAPIKey), 401, "Authorization: Bearer <token>", ""},
		{"basic auth", "/process", testutil.APIHeaders("", testOrg, testAPIKey), 401, "Authorization: Bearer <token>", "Basic " + testToken},
		{"empty bearer", "/register", testutil.APIHeaders("", testOrg, testAPIKey), 401, "Authorization: Bearer <token>", "Bearer  "},
		{"wrong token", "/register", testutil.APIHeaders("wrong-"+testToken, testOrg, testAPIKey), 401, "not valid", ""},
		{"no api key", "/register", testutil.APIHeaders(testToken, testOrg, ""), 401, "x-api-key", ""},
		{"no org", "/unregister", testutil.APIHeaders(testToken, "", testAPIKey), 401, "x-gw-ims-org-id", ""},
		{"other org", "/register", testutil.APIHeaders(testToken, "ORG2@AdobeOrg", testAPIKey), 403, "not allowed for this organisation", ""},
	} {
		h := tc.h
		if tc.authorization != "" {
			h = h.Clone()
			h.Set("Authorization", tc.authorization)
		}
		res := ts.acDo("POST", tc.path, h, map[string]any{"renditions": []any{map[string]any{"fmt": "png"}}})
		assert.Equal(t, tc.status, res.status, "%s: %s", tc.name, res.body)
		m := res.json(t)
		assert.Equal(t, false, m["ok"], tc.name)
		assert.Contains(t, m["message"], tc.msg, tc.name)
		assert.NotEmpty(t, m["requestId"], tc.name)
		assert.NotContains(t, string(res.body), testToken, "%s: the token is never echoed", tc.name)
	}
	// Accepted, then a journal read with a bad token.
	res := ts.acDo("POST", "/register", testutil.APIHeaders(testToken, testOrg, testAPIKey), nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	jurl := res.json(t)["journal"].(string)
	res = ts.acDo("GET", jurl, testutil.APIHeaders("wrong-"+testToken, testOrg, ""), nil)
	assert.Equal(t, http.StatusUnauthorized, res.status)
	res = ts.acDo("GET", jurl, testutil.APIHeaders(testToken, "ORG2@AdobeOrg", ""), nil)
	assert.Equal(t, http.StatusForbidden, res.status, "another organisation's token")

	out := logs.String()
	assert.Contains(t, out, "status=401", "refusals are logged")
	assert.Contains(t, out, "status=403")
	assert.NotContains(t, out, testToken, "tokens are never logged")
	assert.NotContains(t, out, "tok-", "not even in part")
}

// forOrg is a verifier allowing its tokens only for testOrg.
type forOrg struct{ *StaticTokens }

func (v forOrg) Verify(ctx context.Context, token, org, apiKey string) error {
	if err := v.StaticTokens.Verify(ctx, token, org, apiKey); err != nil {
		return err
	}
	if org != testOrg {
		return ErrTokenForbidden
	}
	return nil
}

func TestAssetComputeOff(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{})
	res := ts.acDo("POST", "/register", testutil.APIHeaders(testToken, testOrg, testAPIKey), nil)
	assert.Equal(t, http.StatusNotFound, res.status, "no verifier, no API")
}

func TestAssetComputeProcessAndJournal(t *testing.T) {
	t.Parallel()
	ts := newACServer(t, AssetComputeOptions{}, nil)
	h := testutil.APIHeaders(testToken, testOrg, testAPIKey)

	res := ts.acDo("POST", "/process", h, map[string]any{"renditions": []any{map[string]any{"fmt": "png"}}})
	assert.Equal(t, http.StatusBadRequest, res.status, "process before register")
	assert.Contains(t, res.json(t)["message"], "POST /register first")

	res = ts.acDo("POST", "/register", h, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	reg := res.json(t)
	assert.Equal(t, true, reg["ok"])
	assert.NotEmpty(t, reg["requestId"])
	jurl := reg["journal"].(string)
	require.True(t, strings.HasPrefix(jurl, ts.url+journalPrefix), jurl)
	again := ts.acDo("POST", "/register", h, nil).json(t)
	assert.Equal(t, jurl, again["journal"], "registering again keeps the journal")
	other := ts.acDo("POST", "/register", testutil.APIHeaders(testToken, testOrg, "client-two"), nil).json(t)
	assert.NotEqual(t, jurl, other["journal"], "one journal per org and API key")

	// latest=true on an empty journal: 204 with the next link.
	res = ts.acDo("GET", jurl+"?latest=true", h, nil)
	require.Equal(t, http.StatusNoContent, res.status)
	latest := ts.url + linkNext(t, res.header)
	assert.Contains(t, latest, "since=0")

	for _, bad := range []map[string]any{{}, {"renditions": []any{}}, {"renditions": "png"}} {
		res = ts.acDo("POST", "/process", h, bad)
		assert.Equal(t, http.StatusBadRequest, res.status, "%v: %s", bad, res.body)
	}
	renditions := []any{
		map[string]any{"fmt": "png", "wid": 64, "hei": 64, "name": "a.png"},
		map[string]any{"fmt": "jpg", "qlt": 80, "name": "b.jpg"},
		map[string]any{"fmt": "webp", "name": "c.webp", "fail": true},
	}
	res = ts.acDo("POST", "/process", h, map[string]any{
		"source": "https://example.com/photo.jpg", "renditions": renditions, "userData": map[string]any{"mine": 1},
	})
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	proc := res.json(t)
	assert.Equal(t, true, proc["ok"])
	requestID := proc["requestId"].(string)
	require.NotEmpty(t, requestID)
	act := ts.waitActivation(proc["activationId"].(string))
	assert.Equal(t, "process", act.Name)

	events, next := ts.readJournal(t, latest, 3)
	require.Len(t, events, 3, "one event per rendition")
	for i, e := range events {
		ev := e["event"].(map[string]any)
		assert.Equal(t, requestID, ev["requestId"])
		assert.Equal(t, renditions[i].(map[string]any)["name"], ev["rendition"].(map[string]any)["name"])
		assert.Equal(t, map[string]any{"mine": float64(1)}, ev["userData"])
		assert.NotEmpty(t, e["position"])
	}
	assert.Equal(t, "rendition_created", events[0]["event"].(map[string]any)["type"])
	assert.Equal(t, "rendition_failed", events[2]["event"].(map[string]any)["type"])

	// At the end: 204, with a next link that stays put.
	res = ts.acDo("GET", next, h, nil)
	assert.Equal(t, http.StatusNoContent, res.status)
	assert.Equal(t, next, ts.url+linkNext(t, res.header))

	// Paging from the start, two at a time; the limit is kept in the link.
	res = ts.acDo("GET", jurl+"?limit=2", h, nil)
	require.Equal(t, http.StatusOK, res.status)
	var page journalPage
	require.NoError(t, json.Unmarshal(res.body, &page))
	require.Len(t, page.Events, 2)
	assert.Equal(t, pageInfo{Last: page.Events[1].Position, Count: 2}, page.Page)
	assert.Equal(t, events[0]["position"], page.Events[0].Position)
	n := linkNext(t, res.header)
	assert.Contains(t, n, "limit=2")
	res = ts.acDo("GET", ts.url+n, h, nil)
	require.NoError(t, json.Unmarshal(res.body, &page))
	require.Len(t, page.Events, 1)
	assert.Equal(t, events[2]["position"], page.Events[0].Position)
	res = ts.acDo("GET", jurl+"?since="+page.Events[0].Position, h, nil)
	assert.Equal(t, http.StatusNoContent, res.status)
	res = ts.acDo("GET", jurl+"?since=999", h, nil)
	assert.Equal(t, http.StatusBadRequest, res.status, "a position never given out")

	// The other client's journal got nothing.
	res = ts.acDo("GET", other["journal"].(string), h, nil)
	assert.Equal(t, http.StatusNoContent, res.status)

	res = ts.acDo("POST", "/unregister", h, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	assert.Equal(t, true, res.json(t)["ok"])
	assert.Equal(t, http.StatusNotFound, ts.acDo("GET", jurl, h, nil).status)
	assert.Equal(t, http.StatusNotFound, ts.acDo("POST", "/unregister", h, nil).status)
}

func TestAssetComputeTooManyRequests(t *testing.T) {
	t.Parallel()
	ts := newACServer(t, AssetComputeOptions{MaxInFlight: 1, RetryAfter: 7 * time.Second}, nil)
	h := testutil.APIHeaders(testToken, testOrg, testAPIKey)
	jurl := ts.acDo("POST", "/register", h, nil).json(t)["journal"].(string)
	release := filepath.Join(t.TempDir(), "release")
	body := map[string]any{"renditions": []any{map[string]any{"fmt": "png"}}, "userData": map[string]any{"waitFor": release}}
	first := ts.acDo("POST", "/process", h, body)
	require.Equal(t, http.StatusOK, first.status, "%s", first.body)

	res := ts.acDo("POST", "/process", h, body)
	require.Equal(t, http.StatusTooManyRequests, res.status, "%s", res.body)
	assert.Equal(t, "7", res.header.Get("Retry-After"))
	assert.Contains(t, res.json(t)["message"], "too many requests")

	require.NoError(t, os.WriteFile(release, nil, 0o600))
	events, _ := ts.readJournal(t, jurl, 1)
	assert.Equal(t, first.json(t)["requestId"], events[0]["event"].(map[string]any)["requestId"])
	require.Eventually(t, func() bool {
		return ts.acDo("POST", "/process", h, body).status == http.StatusOK
	}, 30*time.Second, 5*time.Millisecond, "a slot is free again once the request ended")
}

func TestAssetComputeFailedActivationStillEndsEveryRendition(t *testing.T) {
	t.Parallel()
	ts := newACServer(t, AssetComputeOptions{}, nil)
	h := testutil.APIHeaders(testToken, testOrg, testAPIKey)
	jurl := ts.acDo("POST", "/register", h, nil).json(t)["journal"].(string)
	res := ts.acDo("POST", "/process", h, map[string]any{
		"renditions": []any{map[string]any{"fmt": "png"}, map[string]any{"fmt": "jpg"}},
		"userData":   map[string]any{"crash": true},
	})
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	events, _ := ts.readJournal(t, jurl, 2)
	require.Len(t, events, 2)
	for _, e := range events {
		ev := e["event"].(map[string]any)
		assert.Equal(t, "rendition_failed", ev["type"])
		assert.Equal(t, "GenericError", ev["errorReason"])
		assert.Contains(t, ev["errorMessage"], res.json(t)["activationId"])
	}
}

func TestAssetComputeProcessActionMissing(t *testing.T) {
	t.Parallel()
	ts := newACServer(t, AssetComputeOptions{ProcessAction: "nowhere/process"}, nil)
	h := testutil.APIHeaders(testToken, testOrg, testAPIKey)
	ts.acDo("POST", "/register", h, nil)
	res := ts.acDo("POST", "/process", h, map[string]any{"renditions": []any{map[string]any{"fmt": "png"}}})
	assert.Equal(t, http.StatusServiceUnavailable, res.status)
	assert.Contains(t, res.json(t)["message"], "nowhere/process is not deployed")
}

func TestAssetComputeJournalRetention(t *testing.T) {
	t.Parallel()
	ts := newACServer(t, AssetComputeOptions{Journal: journal.Options{MaxEvents: 2}}, nil)
	h := testutil.APIHeaders(testToken, testOrg, testAPIKey)
	jurl := ts.acDo("POST", "/register", h, nil).json(t)["journal"].(string)
	res := ts.acDo("POST", "/process", h, map[string]any{"renditions": []any{
		map[string]any{"name": "1"}, map[string]any{"name": "2"}, map[string]any{"name": "3"},
	}})
	require.Equal(t, http.StatusOK, res.status)
	// Wait until the third event is in, then read from the start.
	require.Eventually(t, func() bool {
		return ts.acDo("GET", jurl+"?since=2", h, nil).status == http.StatusOK
	}, 30*time.Second, 5*time.Millisecond)
	events, _ := ts.readJournal(t, jurl, 2)
	require.Len(t, events, 2, "the count bound dropped the oldest")
	assert.Equal(t, "2", events[0]["event"].(map[string]any)["rendition"].(map[string]any)["name"])
	assert.Equal(t, "3", events[1]["position"])
}

// TestAssetComputeWithRealClient drives the API with the real
// @adobe/asset-compute-client pinned in test/compat/package.json
// (test/compat/assetcompute.js): register (and a refused token), process of
// a photo with several renditions, some with wid, hei and qlt, every event
// read from the journal by the client's own emitter, and unregister. The
// process action is the test action answering as process does; the
// renditions themselves are not made here.
func TestAssetComputeWithRealClient(t *testing.T) {
	node, dir := needCompatClient(t, "@adobe/asset-compute-client")
	var logs syncBuffer
	ts := newACServer(t, AssetComputeOptions{JournalRetryAfter: time.Second}, &logs)
	cmd := exec.CommandContext(t.Context(), node, "assetcompute.js")
	cmd.Dir = dir
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "ACS_URL="+ts.url, "ACS_TOKEN="+testToken, "ACS_ORG="+testOrg,
		"ACS_API_KEY="+testAPIKey, "ACS_SOURCE=https://example.com/photo.jpg", "HOME="+home, "TMPDIR="+home)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	require.NoError(t, err, "the client failed against acs serve")
	for _, call := range []string{
		"AssetCompute.register (bad token)", "AssetCompute.register", "AssetCompute.process",
		"AssetComputeEventEmitter (journal)", "AssetCompute.unregister",
	} {
		assert.Contains(t, string(out), "ok "+call+":", "every call was made")
	}
	assert.NotContains(t, logs.String(), testToken, "tokens are never logged")
}

package devserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
)

// count=true answers {"<collection>": N} past skip, as OpenWhisk's
// controller does, for every listing; before, it returned the list.
func TestListingsCount(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{})
	const ns = "/api/v1/namespaces/_"
	for i := range 3 {
		ts.putAction(fmt.Sprintf("a%d", i), "echo", nil)
	}
	for _, p := range []string{"/packages/p1", "/packages/p2", "/triggers/t1", "/triggers/t2"} {
		status, out := ts.do("PUT", ns+p, map[string]any{})
		require.Equal(t, http.StatusOK, status, "%s", out)
	}
	status, out := ts.do("PUT", ns+"/rules/r1", map[string]any{"trigger": "/_/t1", "action": "/_/a0"})
	require.Equal(t, http.StatusOK, status, "%s", out)
	for range 2 {
		status, res := ts.invoke("a1", map[string]any{})
		require.Equal(t, http.StatusOK, status, "%v", res)
	}
	status, res := ts.invoke("a2", map[string]any{})
	require.Equal(t, http.StatusOK, status, "%v", res)

	for _, tc := range []struct {
		query      string
		collection string
		want       int
	}{
		{"/actions?count=true", "actions", 3},
		{"/actions?count=true&skip=1&limit=1", "actions", 2},
		{"/actions?count=true&skip=9", "actions", 0},
		{"/packages?count=true", "packages", 2},
		{"/triggers?count=true", "triggers", 2},
		{"/rules?count=true", "rules", 1},
		{"/activations?count=true", "activations", 3},
		{"/activations?count=true&name=a1", "activations", 2},
		{"/activations?count=true&name=a1&skip=1", "activations", 1},
	} {
		status, out := ts.do("GET", ns+tc.query, nil)
		require.Equal(t, http.StatusOK, status, "%s: %s", tc.query, out)
		assert.JSONEq(t, fmt.Sprintf(`{%q: %d}`, tc.collection, tc.want), string(out), tc.query)
	}
	// Without count, still the list.
	status, out = ts.do("GET", ns+"/actions?count=false", nil)
	require.Equal(t, http.StatusOK, status)
	var list []map[string]any
	require.NoError(t, json.Unmarshal(out, &list), "%s", out)
	assert.Len(t, list, 3)
}

// The path after a web action's extension projects its result, as
// OpenWhisk defines it: .json/body answers the body field, .html/page/x
// the string at page.x; .http never projects (the path is __ow_path).
func TestWebProjections(t *testing.T) {
	t.Parallel()
	result := json.RawMessage(`{"body":{"a":1},"list":[1,2],"n":3,"html":"<p>default</p>","text":"plain","svg":"<svg/>",
		"page":{"content":"<p>deep</p>"}}`)
	rec := &record{act: Activation{Response: newResponse(codeSuccess, result)}}
	for _, tc := range []struct {
		path   string
		status int
		ctype  string
		body   string
	}{
		{"guest/default/a.json/body", 200, "application/json", `{"a":1}`},
		{"guest/a.json/body", 200, "application/json", `{"a":1}`},
		{"guest/p/a.json/list", 200, "application/json", `[1,2]`},
		{"guest/p/a.json/n", 400, "application/json", ""},
		{"guest/p/a.json/missing", 404, "application/json", ""},
		{"guest/p/a.json/body/a/b", 404, "application/json", ""},
		{"guest/p/a.json", 200, "application/json", string(result)},
		{"guest/p/a.html", 200, "text/html; charset=UTF-8", "<p>default</p>"},
		{"guest/p/a.html/page/content", 200, "text/html; charset=UTF-8", "<p>deep</p>"},
		{"guest/p/a.text", 200, "text/plain; charset=UTF-8", "plain"},
		{"guest/p/a.text/html", 200, "text/plain; charset=UTF-8", "<p>default</p>"},
		{"guest/p/a.svg", 200, "image/svg+xml", "<svg/>"},
		{"guest/p/a.svg/body", 400, "application/json", ""},
	} {
		wp, ok := parseWebPath(tc.path)
		require.True(t, ok, tc.path)
		assert.Equal(t, "a", wp.action[len(wp.action)-1:], tc.path)
		w := newRecorder()
		respondWeb(w, rec, wp.ext, wp.projection())
		require.Equal(t, tc.status, w.Code, "%s: %s", tc.path, w.Body.String())
		assert.Equal(t, tc.ctype, w.Header().Get("Content-Type"), tc.path)
		if tc.status != 200 {
			var e errorBody
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), tc.path)
			assert.NotEmpty(t, e.Error, tc.path)
			continue
		}
		if tc.ctype == "application/json" {
			assert.JSONEq(t, tc.body, w.Body.String(), tc.path)
		} else {
			assert.Equal(t, tc.body, w.Body.String(), tc.path)
		}
	}
	wp, _ := parseWebPath("guest/p/a.http/body")
	assert.Empty(t, wp.projection(), ".http does not project")
	assert.Equal(t, "/body", wp.rest)
	wp, _ = parseWebPath("guest/p/a/x")
	assert.Equal(t, ".http", wp.ext)
	assert.Equal(t, "p/a", wp.action)
}

// The hosted runtime's log forwarding settings, which aio runtime
// activation logs reads first, answer its default; before, 404.
func TestLogForwarding(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{})
	for _, tc := range []struct {
		method, path string
		body         any
		key          string
		status       int
		want         string
	}{
		{"GET", "/runtime/namespaces/guest/logForwarding", nil, "", 200, `{"adobe_io_runtime": {}}`},
		{"GET", "/api/v1/namespaces/guest/logForwarding", nil, "", 200, `{"adobe_io_runtime": {}}`},
		{"GET", "/runtime/namespaces/guest/logForwarding/errors", nil, "", 200, `{"destination": "adobe_io_runtime", "errors": []}`},
		{"PUT", "/runtime/namespaces/guest/logForwarding", map[string]any{"adobe_io_runtime": map[string]any{}}, "", 200, `{"adobe_io_runtime": {}}`},
		{"PUT", "/runtime/namespaces/guest/logForwarding", map[string]any{"splunk_hec": map[string]any{"host": "h"}}, "", 400, ""},
		{"DELETE", "/runtime/namespaces/guest/logForwarding", nil, "", 405, ""},
		{"GET", "/runtime/namespaces/guest/logForwarding", nil, "-", 401, ""},
		{"GET", "/runtime/namespaces/other/logForwarding", nil, "", 403, ""},
		{"GET", "/runtime/namespaces/guest/other", nil, "", 404, ""},
	} {
		key := ts.Auth()
		if tc.key == "-" {
			key = ""
		}
		status, out := ts.doAuth(tc.method, tc.path, tc.body, key)
		require.Equal(t, tc.status, status, "%s %s: %s", tc.method, tc.path, out)
		if tc.want != "" {
			assert.JSONEq(t, tc.want, string(out), "%s %s", tc.method, tc.path)
			continue
		}
		var e errorBody
		require.NoError(t, json.Unmarshal(out, &e), "%s %s: %s", tc.method, tc.path, out)
		assert.NotEmpty(t, e.Error)
	}
}

// TestCompatWithRealClients drives the server with the real clients
// pinned in test/compat/package.json (npm ci there installs them; CI does
// in scripts/install-deps.sh): the openwhisk JS client's count listings,
// blocking invocations and a failed one, a web action projection, and
// @adobe/aio-cli-plugin-runtime's log forwarding check, activation logs
// and manifest processing of the repository's manifest.yml.
func TestCompatWithRealClients(t *testing.T) {
	node, dir := needCompatClient(t, "openwhisk")
	ts := newTestServer(t, Options{})
	ts.putAction("echo", "echo", nil)
	ts.putAction("web", "echo", map[string]any{"annotations": kv("web-export", true)})
	manifest, err := filepath.Abs(filepath.Join("..", "..", "manifest.yml"))
	require.NoError(t, err)
	home := t.TempDir()
	props := filepath.Join(home, "wskprops")
	require.NoError(t, WriteWskprops(props, ts.url, ts.Auth(), ts.Namespace()))

	cmd := exec.CommandContext(t.Context(), node, "compat.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "APIHOST="+ts.url, "AUTH="+ts.Auth(), "WSK_CONFIG_FILE="+props,
		"HOME="+home, "XDG_CONFIG_HOME="+home, "MANIFEST="+manifest, "TMPDIR="+home)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	require.NoError(t, err, "the clients failed against acs serve")
	for _, call := range []string{
		"openwhisk actions.list({count: true})", "openwhisk activations.list({count: true})",
		"openwhisk actions.invoke (failed activation): ", "web action .json/params projection",
		"aio-lib-runtime logForwarding.get()", "aio runtime activation logs --last",
		"aio runtime deploy -m manifest.yml (processPackage)",
	} {
		assert.Contains(t, string(out), "ok "+call, "every call was made")
	}
	assert.NotContains(t, string(out), "Response Missing Error Message")
	assert.False(t, strings.Contains(string(out), "FAIL"))
}

// needCompatClient returns node and test/compat, where the pinned npm
// clients are installed, once pkg (a package of test/compat/package.json)
// is there: npm ci in test/compat installs them (scripts/install-deps.sh
// does). Without them the test is skipped, or fails under CI.
func needCompatClient(t *testing.T, pkg string) (node, dir string) {
	t.Helper()
	node = testutil.NeedTool(t, "node")
	dir, err := filepath.Abs(filepath.Join("..", "..", "test", "compat"))
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", filepath.FromSlash(pkg))); err != nil {
		testutil.Missing(t, "the pinned client "+pkg+" is not installed: run npm ci in test/compat (scripts/install-deps.sh does)")
	}
	return node, dir
}

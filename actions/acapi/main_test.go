package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/devserver"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

const (
	token  = "tok-5e1d0c9b8a7f6e5d"
	org    = "ORG1@AdobeOrg"
	apiKey = "client-one"
	webAPI = "/api/v1/web/guest/asset-compute/acapi"
)

// zips are the base64 zips of the action and of the process stand-in,
// built once by TestMain (empty in -short mode).
var zips = map[string]string{}

func TestMain(m *testing.M) {
	os.Exit(testutil.MainWithBuilds(m, "acapi-test-", func(dir string) error {
		for name, pkg := range map[string]string{"acapi": ".", "process": "./testdata/process"} {
			exe := filepath.Join(dir, name, "exec")
			if err := testutil.GoBuild(exe, pkg, false, "-trimpath"); err != nil {
				return err
			}
			z, err := owaction.ZipAction(exe, "openwhisk/action-golang-v1.24")
			if err != nil {
				return err
			}
			zips[name] = base64.StdEncoding.EncodeToString(z)
		}
		return nil
	}))
}

// newS3 starts an in-process S3 server with the bucket "journals".
func newS3(t *testing.T) (*s3mem.Backend, string) {
	t.Helper()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("journals"))
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	return backend, srv.URL
}

// cluster is acs serve's controller (package devserver) with the package
// asset-compute deployed as manifest.yml deploys it: the S3 settings bound
// to the package, the process action (a stand-in) and acapi as a raw
// HTTP web action.
type cluster struct {
	t    *testing.T
	url  string
	auth string
	stop func()
}

func deploy(t *testing.T, s3URL string) *cluster {
	t.Helper()
	if zips["acapi"] == "" {
		t.Skip("builds the action: skipped in -short mode")
	}
	srv, err := devserver.New(context.Background(), devserver.Options{TempDir: t.TempDir(), AckTimeout: 10 * time.Second})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	c := &cluster{t: t, url: hs.URL, auth: srv.Auth()}
	c.stop = func() { hs.Close(); _ = srv.Close() }
	t.Cleanup(c.stop)
	kv := func(pairs ...any) []map[string]any {
		var out []map[string]any
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, map[string]any{"key": pairs[i], "value": pairs[i+1]})
		}
		return out
	}
	c.put("/api/v1/namespaces/_/packages/asset-compute", map[string]any{"parameters": kv(
		"s3Endpoint", s3URL, "s3Region", "us-east-1", "s3ForcePathStyle", "true",
		"s3AccessKeyId", "k", "s3SecretAccessKey", "s")})
	c.put("/api/v1/namespaces/_/actions/asset-compute/process", map[string]any{
		"exec": map[string]any{"kind": "go:1.24", "code": zips["process"], "binary": true}})
	c.put("/api/v1/namespaces/_/actions/asset-compute/acapi", map[string]any{
		"exec":        map[string]any{"kind": "go:1.24", "code": zips["acapi"], "binary": true},
		"annotations": kv("web-export", true, "raw-http", true, "final", true, "provide-api-key", true),
		"parameters":  kv("journalBucket", "journals", "journalPrefix", "acs-journal", "apiTokens", "other-token,"+token),
	})
	return c
}

func (c *cluster) put(path string, body any) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPut, c.url+path+"?overwrite=true", bytes.NewReader(b))
	user, pass, _ := strings.Cut(c.auth, ":")
	req.SetBasicAuth(user, pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	require.Equal(c.t, http.StatusOK, resp.StatusCode, "%s", out)
}

// logs returns the logs of every activation of action.
func (c *cluster) logs(action string) string {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.url+"/api/v1/namespaces/_/activations?docs=true&limit=200&name="+action, nil)
	user, pass, _ := strings.Cut(c.auth, ":")
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	var acts []struct{ Logs []string }
	require.NoError(c.t, json.NewDecoder(resp.Body).Decode(&acts))
	require.NotEmpty(c.t, acts, "activations of %s", action)
	var b strings.Builder
	for _, a := range acts {
		b.WriteString(strings.Join(a.Logs, "\n"))
	}
	return b.String()
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "%d %s", r.status, r.body)
	return m
}

// call calls the web action at path under webAPI, or an absolute URL.
func (c *cluster) call(method, path string, h http.Header, body any) result {
	c.t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = c.url + webAPI + path
	}
	status, header, out := testutil.SendJSON(c.t, method, path, h, body)
	return result{status, header, out}
}

// readJournal reads from url, following the Link next header, until n
// events arrived; it returns them and the last next link.
func (c *cluster) readJournal(url string, n int) ([]map[string]any, string) {
	c.t.Helper()
	var got []map[string]any
	next := url
	var failure string
	require.Eventually(c.t, func() bool {
		res := c.call("GET", next, testutil.APIHeaders(token, org, ""), nil)
		if res.status != http.StatusOK && res.status != http.StatusNoContent {
			failure = fmt.Sprintf("journal read %s: %d %s", next, res.status, res.body)
			return true
		}
		link := res.header.Get("Link")
		if !assert.Regexp(c.t, `^<`+webAPI+`/events/journal/[0-9a-f]{32}\?[^>]*>; rel="next"$`, link) {
			failure = "bad link"
			return true
		}
		assert.NotEmpty(c.t, res.header.Get("Retry-After"))
		uri, _, _ := strings.Cut(strings.TrimPrefix(link, "<"), ">")
		next = c.url + uri
		if res.status == http.StatusOK {
			var page struct{ Events []map[string]any }
			require.NoError(c.t, json.Unmarshal(res.body, &page))
			got = append(got, page.Events...)
		}
		return len(got) >= n
	}, 60*time.Second, 10*time.Millisecond)
	require.Empty(c.t, failure)
	return got, next
}

// TestWebActionThroughTheController deploys the action on acs serve's
// controller and drives the whole API through its web action URL: the
// binary runs in the real action loop, its state is in S3, and /process
// starts the process action through the OpenWhisk API.
func TestWebActionThroughTheController(t *testing.T) {
	backend, s3URL := newS3(t)
	c := deploy(t, s3URL)
	h := testutil.APIHeaders(token, org, apiKey)

	for _, tc := range []struct {
		name   string
		h      http.Header
		status int
		msg    string
	}{
		{"no token", testutil.APIHeaders("", org, apiKey), 401, "Authorization: Bearer"},
		{"wrong token", testutil.APIHeaders("wrong-"+token, org, apiKey), 401, "not valid"},
		{"no api key", testutil.APIHeaders(token, org, ""), 401, "x-api-key"},
	} {
		res := c.call("POST", "/register", tc.h, nil)
		assert.Equal(t, tc.status, res.status, "%s: %s", tc.name, res.body)
		assert.Contains(t, res.json(t)["message"], tc.msg, tc.name)
		assert.NotContains(t, string(res.body), token, tc.name)
	}
	res := c.call("POST", "/process", h, map[string]any{"renditions": []any{map[string]any{"fmt": "png"}}})
	assert.Equal(t, http.StatusBadRequest, res.status, "process before register: %s", res.body)

	res = c.call("POST", "/register", h, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	jurl := res.json(t)["journal"].(string)
	require.Regexp(t, `^`+c.url+webAPI+`/events/journal/[0-9a-f]{32}$`, jurl, "the journal is under the web action's URL")
	assert.Equal(t, jurl, c.call("POST", "/register", h, nil).json(t)["journal"], "registering again keeps the journal")

	res = c.call("GET", jurl+"?latest=true", h, nil)
	require.Equal(t, http.StatusNoContent, res.status, "%s", res.body)

	renditions := []any{
		map[string]any{"fmt": "png", "wid": 64, "name": "a.png"},
		map[string]any{"fmt": "jpg", "qlt": 80, "name": "b.jpg"},
		map[string]any{"fmt": "webp", "name": "c.webp", "fail": true},
	}
	hr := h.Clone()
	hr.Set("x-request-id", "aem-req-0001")
	res = c.call("POST", "/process", hr, map[string]any{"source": "https://example.com/photo.jpg",
		"renditions": renditions, "userData": map[string]any{"mine": 1}})
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	proc := res.json(t)
	assert.Equal(t, true, proc["ok"])
	assert.NotEmpty(t, proc["activationId"])
	requestID := proc["requestId"].(string)
	assert.Equal(t, "aem-req-0001", requestID, "the client's x-request-id is the request id")
	assert.Equal(t, requestID, res.header.Get("X-Request-Id"), "through the web action too")

	events, next := c.readJournal(jurl, 3)
	require.Len(t, events, 3, "one event per rendition")
	for i, e := range events {
		ev := e["event"].(map[string]any)
		assert.Equal(t, fmt.Sprint(i+1), e["position"])
		assert.Equal(t, requestID, ev["requestId"])
		assert.Equal(t, renditions[i].(map[string]any)["name"], ev["rendition"].(map[string]any)["name"])
		assert.Equal(t, map[string]any{"mine": float64(1)}, ev["userData"])
	}
	assert.Equal(t, "rendition_created", events[0]["event"].(map[string]any)["type"])
	assert.Equal(t, "rendition_failed", events[2]["event"].(map[string]any)["type"])
	res = c.call("GET", next, h, nil)
	assert.Equal(t, http.StatusNoContent, res.status, "read once: nothing more, no duplicate")

	// A process activation that crashes still ends every rendition.
	res = c.call("POST", "/process", h, map[string]any{"renditions": []any{map[string]any{"fmt": "png"}, map[string]any{"fmt": "jpg"}},
		"userData": map[string]any{"crash": true}})
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	crashed := res.json(t)["activationId"].(string)
	failed, _ := c.readJournal(next, 2)
	require.Len(t, failed, 2)
	for _, e := range failed {
		ev := e["event"].(map[string]any)
		assert.Equal(t, "rendition_failed", ev["type"])
		assert.Equal(t, "GenericError", ev["errorReason"])
		assert.Contains(t, ev["errorMessage"], crashed)
	}

	// Another controller (a restart; new containers) on the same bucket
	// finds the registration and every event.
	c.stop()
	c2 := deploy(t, s3URL)
	h2 := h.Clone()
	res = c2.call("POST", "/register", h2, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	jurl2 := res.json(t)["journal"].(string)
	assert.Equal(t, strings.TrimPrefix(jurl, c.url), strings.TrimPrefix(jurl2, c2.url), "the same journal after a restart")
	all, _ := c2.readJournal(jurl2, 5)
	require.Len(t, all, 5)
	assert.Equal(t, "5", all[4]["position"])

	res = c2.call("GET", jurl2, testutil.APIHeaders(token, "ORG2@AdobeOrg", ""), nil)
	assert.Equal(t, http.StatusForbidden, res.status, "another organisation's journal")

	// The action's logs name the calls, never a token.
	logs := c2.logs("asset-compute/acapi")
	assert.Contains(t, logs, "/register", "calls are logged")
	assert.NotContains(t, logs, token)
	assert.NotContains(t, logs, "tok-")

	res = c2.call("POST", "/unregister", h, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	assert.Equal(t, http.StatusNotFound, c2.call("GET", jurl2, h, nil).status)
	list, err := backend.ListBucket("journals", &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	require.NoError(t, err)
	for _, o := range list.Contents {
		assert.NotContains(t, o.Key, strings.TrimPrefix(jurl2, c2.url+webAPI+"/events/journal/"), "unregister deleted the journal")
	}
}

// TestMisconfigured: without a bucket or tokens the API answers 503
// naming the missing parameter; a plain (non-web) invocation is refused.
func TestMisconfigured(t *testing.T) {
	_, s3URL := newS3(t)
	c := deploy(t, s3URL)
	c.put("/api/v1/namespaces/_/actions/asset-compute/acapi", map[string]any{
		"exec":        map[string]any{"kind": "go:1.24", "code": zips["acapi"], "binary": true},
		"annotations": []map[string]any{{"key": "web-export", "value": true}, {"key": "raw-http", "value": true}, {"key": "provide-api-key", "value": true}},
		"parameters":  []map[string]any{{"key": "journalBucket", "value": "journals"}},
	})
	h := testutil.APIHeaders(token, org, apiKey)
	h.Set("x-request-id", "client-req-7")
	res := c.call("POST", "/register", h, nil)
	assert.Equal(t, http.StatusServiceUnavailable, res.status)
	assert.Contains(t, res.json(t)["message"], "apiTokens is not set")
	assert.Equal(t, "client-req-7", res.header.Get("X-Request-Id"), "even a misconfigured action answers X-Request-Id")
	assert.Equal(t, "client-req-7", res.json(t)["requestId"])
}

// TestWebActionWithRealClient drives the web action deployment with the
// real @adobe/asset-compute-client pinned in test/compat/package.json
// (test/compat/assetcompute.js): a refused token, register, process of
// four renditions with wid/hei/qlt, every event read by the client's own
// journal emitter following the Link header under the web action's URL,
// unregister.
func TestWebActionWithRealClient(t *testing.T) {
	_, cmd := compatClient(t, "assetcompute.js")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	require.NoError(t, err, "the client failed against the web action")
	for _, call := range []string{
		"AssetCompute.register (bad token)", "AssetCompute.register", "AssetCompute.process",
		"AssetComputeEventEmitter (journal)", "AssetCompute.unregister",
	} {
		assert.Contains(t, string(out), "ok "+call+":", "every call was made")
	}
	assert.Contains(t, string(out), "2 with dimensions under both names", "tiff:ImageWidth and tiff:ImageLength reach the client")
}

// compatClient deploys the actions (with their own S3) and returns the
// deployment and the command running script of test/compat with node
// against it: the pinned
// @adobe/asset-compute-client calling the web action with the test's
// token, org and API key. It skips the test when node or the client is
// not installed.
func compatClient(t *testing.T, script string) (*cluster, *exec.Cmd) {
	t.Helper()
	node := testutil.NeedTool(t, "node")
	dir, err := filepath.Abs(filepath.Join("..", "..", "test", "compat"))
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@adobe", "asset-compute-client")); err != nil {
		testutil.Missing(t, "the pinned @adobe/asset-compute-client is not installed: run npm ci in test/compat (scripts/install-deps.sh does)")
	}
	_, s3URL := newS3(t)
	c := deploy(t, s3URL)
	cmd := exec.CommandContext(t.Context(), node, script)
	cmd.Dir = dir
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "ACS_URL="+c.url+webAPI, "ACS_TOKEN="+token, "ACS_ORG="+org,
		"ACS_API_KEY="+apiKey, "ACS_SOURCE=https://example.com/photo.jpg", "HOME="+home, "TMPDIR="+home)
	return c, cmd
}

// idp is an OpenID Connect provider made for a test: its discovery
// document and the JWKS of one P-256 key, and tokens signed with it.
type idp struct {
	*httptest.Server
	key *ecdsa.PrivateKey
}

func newIDP(t *testing.T) *idp {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	pub, err := key.PublicKey.Bytes()
	require.NoError(t, err)
	p := &idp{key: key}
	b64 := base64.RawURLEncoding
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": p.URL, "jwks_uri": p.URL + "/jwks"})
		case "/jwks":
			_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "EC", "crv": "P-256", "kid": "k1",
				"x": b64.EncodeToString(pub[1:33]), "y": b64.EncodeToString(pub[33:])}}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.Close)
	return p
}

// token signs claims with ES256.
func (p *idp) token(t *testing.T, claims map[string]any) string {
	t.Helper()
	b64 := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "ES256", "kid": "k1", "typ": "JWT"})
	c, _ := json.Marshal(claims)
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, p.key, sum[:])
	require.NoError(t, err)
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig)
}

// TestWebActionOIDC deploys the action with the oidc* parameters instead
// of apiTokens and calls it through the controller with tokens of a local
// identity provider: a valid token registers and reads its journal; an
// expired, tampered or foreign-issuer token is 401; a valid one for
// another API key or organisation is 403 (the same answers as acs serve's
// --api-oidc-* flags, through the same apiauth.Config).
func TestWebActionOIDC(t *testing.T) {
	_, s3URL := newS3(t)
	c := deploy(t, s3URL)
	p := newIDP(t)
	c.put("/api/v1/namespaces/_/actions/asset-compute/acapi", map[string]any{
		"exec": map[string]any{"kind": "go:1.24", "code": zips["acapi"], "binary": true},
		"annotations": []map[string]any{{"key": "web-export", "value": true}, {"key": "raw-http", "value": true},
			{"key": "final", "value": true}, {"key": "provide-api-key", "value": true}},
		"parameters": []map[string]any{
			{"key": "journalBucket", "value": "journals"},
			{"key": "oidcIssuer", "value": p.URL}, {"key": "oidcAudience", "value": "other, asset-compute"},
			{"key": "oidcClientClaim", "value": "client_id"}, {"key": "oidcOrgClaim", "value": "org"},
			{"key": "oidcAllowPrivate", "value": true},
		},
	})
	now := time.Now()
	claims := func(mod map[string]any) map[string]any {
		m := map[string]any{"iss": p.URL, "aud": "asset-compute", "exp": now.Add(time.Hour).Unix(),
			"client_id": apiKey, "org": []string{org}}
		for k, v := range mod {
			m[k] = v
		}
		return m
	}
	good := p.token(t, claims(nil))
	tampered := good[:len(good)-4] + "AAAA"
	for _, tc := range []struct {
		name, token, org, apiKey string
		status                   int
	}{
		{"expired", p.token(t, claims(map[string]any{"exp": now.Add(-time.Hour).Unix()})), org, apiKey, 401},
		{"tampered", tampered, org, apiKey, 401},
		{"another issuer", p.token(t, claims(map[string]any{"iss": "https://idp.example.com"})), org, apiKey, 401},
		{"another audience", p.token(t, claims(map[string]any{"aud": "someone-else"})), org, apiKey, 401},
		{"another api key", good, org, "client-two", 403},
		{"another organisation", good, "ORG2@AdobeOrg", apiKey, 403},
	} {
		res := c.call("POST", "/register", testutil.APIHeaders(tc.token, tc.org, tc.apiKey), nil)
		assert.Equal(t, tc.status, res.status, "%s: %s", tc.name, res.body)
		assert.NotContains(t, string(res.body), tc.token, tc.name)
	}
	h := testutil.APIHeaders(good, org, apiKey)
	res := c.call("POST", "/register", h, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	jurl := res.json(t)["journal"].(string)
	res = c.call("GET", jurl, h, nil)
	assert.Equal(t, http.StatusNoContent, res.status, "%s", res.body)
	res = c.call("GET", jurl, testutil.APIHeaders(tampered, org, ""), nil)
	assert.Equal(t, http.StatusUnauthorized, res.status, "journal reads check the token too")
	assert.NotContains(t, c.logs("asset-compute/acapi"), good, "tokens are never logged")

	// Both ways of checking tokens at once is a misconfiguration.
	c.put("/api/v1/namespaces/_/actions/asset-compute/acapi", map[string]any{
		"exec": map[string]any{"kind": "go:1.24", "code": zips["acapi"], "binary": true},
		"annotations": []map[string]any{{"key": "web-export", "value": true}, {"key": "raw-http", "value": true},
			{"key": "provide-api-key", "value": true}},
		"parameters": []map[string]any{{"key": "journalBucket", "value": "journals"}, {"key": "apiTokens", "value": token},
			{"key": "oidcIssuer", "value": p.URL}, {"key": "oidcAudience", "value": "asset-compute"}},
	})
	res = c.call("POST", "/register", testutil.APIHeaders(token, org, apiKey), nil)
	assert.Equal(t, http.StatusServiceUnavailable, res.status)
	assert.Contains(t, res.json(t)["message"], "both apiTokens and oidc")
}

// TestFirstJournalReadWithRealClient: the real @adobe/asset-compute-client
// (test/compat/latejournal.js) registers and sends a request, and starts
// its journal emitter only once the test has seen the process activation
// end, as AssetComputeClient's emitter may start after a fast first
// request. The emitter's first read is latest=true, and the web action
// appends the ended activation's events during that very read; the
// journal has never been read, so that read answers from its oldest event
// and the emitter gets every event of the request.
func TestFirstJournalReadWithRealClient(t *testing.T) {
	c, cmd := compatClient(t, "latejournal.js")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	activation := ""
	for activation == "" && sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if id, ok := strings.CutPrefix(line, "ok AssetCompute.process: "); ok {
			activation = id
		}
	}
	require.NotEmpty(t, activation, "the client sent no request:\n%s", out.String())
	// The activation has ended when its record exists.
	user, pass, _ := strings.Cut(c.auth, ":")
	require.Eventually(t, func() bool {
		req, _ := http.NewRequest(http.MethodGet, c.url+"/api/v1/namespaces/_/activations/"+activation, nil)
		req.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 10*time.Millisecond, "the process activation %s did not end", activation)
	_, err = io.WriteString(stdin, "go\n")
	require.NoError(t, err)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	t.Logf("%s", out.String())
	require.NoError(t, err, "the client missed events of its first request")
	assert.Contains(t, out.String(), "ok AssetComputeEventEmitter (started after the request ended): 2 events")
}

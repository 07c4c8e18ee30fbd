package devserver

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebActions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{})
	ts.do("PUT", "/api/v1/namespaces/_/packages/p", nil)
	ts.putAction("p/open", "echo", map[string]any{"annotations": kv("web-export", true), "parameters": kv("fixed", "a")})
	ts.putAction("p/basic", "echo", map[string]any{"annotations": kv("web-export", true, "require-whisk-auth", true)})
	ts.putAction("p/secret", "echo", map[string]any{"annotations": kv("web-export", true, "require-whisk-auth", "s3cret")})
	ts.putAction("p/hidden", "echo", nil)
	ts.putAction("top", "echo", map[string]any{"annotations": kv("web-export", true)})

	user, pass, _ := strings.Cut(ts.Auth(), ":")
	for _, tc := range []struct {
		name, method, path, body, ctype string
		basic                           bool
		header, authz                   string
		status                          int
		check                           func(t *testing.T, params map[string]any)
	}{
		{name: "json body merged", method: "POST", path: "/guest/p/open.json/params?q=1", body: `{"b":2}`, ctype: "application/json", status: 200,
			check: func(t *testing.T, p map[string]any) {
				assert.Equal(t, "1", p["q"])
				assert.Equal(t, float64(2), p["b"])
				assert.Equal(t, "a", p["fixed"])
				assert.Equal(t, "post", p["__ow_method"])
				assert.Equal(t, "/params", p["__ow_path"], "the path after the extension, also the projection")
				assert.Equal(t, "application/json", p["__ow_headers"].(map[string]any)["content-type"])
			}},
		{name: "text body", method: "PUT", path: "/guest/p/open.json", body: "plain", ctype: "text/plain", status: 200,
			check: func(t *testing.T, p map[string]any) { assert.Equal(t, "plain", p["__ow_body"]) }},
		{name: "default package", method: "GET", path: "/guest/default/top.json", status: 200},
		{name: "not exported", method: "GET", path: "/guest/p/hidden.json", status: 404},
		{name: "unknown", method: "GET", path: "/guest/p/nope.json", status: 404},
		{name: "basic auth missing", method: "GET", path: "/guest/p/basic.json", status: 401},
		{name: "basic auth given", method: "GET", path: "/guest/p/basic.json", basic: true, status: 200,
			check: func(t *testing.T, p map[string]any) {
				assert.Equal(t, "guest", p["__ow_user"])
				assert.NotContains(t, p["__ow_headers"], "authorization", "the namespace key is kept from the action")
			}},
		{name: "bearer token passed", method: "GET", path: "/guest/p/open.json", authz: "Bearer tok-1", status: 200,
			check: func(t *testing.T, p map[string]any) {
				assert.Equal(t, "Bearer tok-1", p["__ow_headers"].(map[string]any)["authorization"], "OpenWhisk passes Authorization")
			}},
		{name: "secret missing", method: "GET", path: "/guest/p/secret.json", status: 401},
		{name: "secret wrong", method: "GET", path: "/guest/p/secret.json", header: "nope", status: 401},
		{name: "secret given", method: "GET", path: "/guest/p/secret.json", header: "s3cret", status: 200},
		{name: "CORS preflight", method: "OPTIONS", path: "/guest/p/basic.json", status: 200},
		{name: "malformed json body", method: "POST", path: "/guest/p/open.json", body: `{`, ctype: "application/json", status: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.url+"/api/v1/web"+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			if tc.basic {
				req.SetBasicAuth(user, pass)
			}
			if tc.header != "" {
				req.Header.Set("X-Require-Whisk-Auth", tc.header)
			}
			if tc.authz != "" {
				req.Header.Set("Authorization", tc.authz)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			require.Equal(t, tc.status, resp.StatusCode, "%s", out)
			if tc.check != nil {
				var res map[string]any
				require.NoError(t, json.Unmarshal(out, &res))
				if p, ok := res["params"].(map[string]any); ok {
					res = p // not projected on params
				}
				tc.check(t, res)
			}
		})
	}
}

func TestWebHTTPResponse(t *testing.T) {
	t.Parallel()
	rec := &record{act: Activation{Response: newResponse(codeSuccess, json.RawMessage(`{"statusCode":201,"headers":{"X-A":"1","Content-Type":"image/png"},"body":"iVBORw0K"}`))}}
	w := newRecorder()
	respondWeb(w, rec, ".http", nil)
	assert.Equal(t, 201, w.Code)
	assert.Equal(t, "1", w.Header().Get("X-A"))
	assert.Equal(t, "\x89PNG\r\n", w.Body.String())

	rec = &record{act: Activation{Response: newResponse(codeSuccess, json.RawMessage(`{"body":{"a":1}}`))}}
	w = newRecorder()
	respondWeb(w, rec, ".http", nil)
	assert.Equal(t, 200, w.Code)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"a":1}`, w.Body.String())

	rec = &record{act: Activation{Response: newResponse(codeSuccess, json.RawMessage(`{}`))}}
	w = newRecorder()
	respondWeb(w, rec, ".http", nil)
	assert.Equal(t, 204, w.Code)

	rec = &record{act: Activation{Response: newResponse(codeApplication, json.RawMessage(`{"error":"bad"}`))}}
	w = newRecorder()
	respondWeb(w, rec, ".json", nil)
	assert.Equal(t, 400, w.Code)
	assert.JSONEq(t, `{"error":"bad","code":400}`, w.Body.String())

	// An application error with an HTTP response in its error field.
	rec = &record{act: Activation{Response: newResponse(codeApplication, json.RawMessage(`{"error":{"statusCode":403,"body":"no"}}`))}}
	w = newRecorder()
	respondWeb(w, rec, ".http", nil)
	assert.Equal(t, 403, w.Code)
	assert.Equal(t, "no", w.Body.String())

	rec = &record{act: Activation{Response: newResponse(codeApplication, json.RawMessage(`{"error":{"message":"m"}}`))}}
	w = newRecorder()
	respondWeb(w, rec, ".json", nil)
	assert.Equal(t, 400, w.Code)
	assert.JSONEq(t, `{"message":"m"}`, w.Body.String())

	rec = &record{act: Activation{Response: newResponse(codeDeveloper, json.RawMessage(`{"error":"boom"}`))}}
	w = newRecorder()
	respondWeb(w, rec, ".json", nil)
	assert.Equal(t, 502, w.Code)
}

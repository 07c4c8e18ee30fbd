package devserver

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRESTAPI(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{})
	noExec := base64.StdEncoding.EncodeToString(zipFiles(t, map[string][]byte{"exec.env": []byte("x"), "main.go": []byte("package main")}))
	slip := base64.StdEncoding.EncodeToString(zipFiles(t, map[string][]byte{"exec": []byte("#!/bin/sh\n"), "../evil": []byte("x")}))
	const ns = "/api/v1/namespaces/guest"

	steps := []struct {
		name, method, path string
		body               any
		key                string // "" = the namespace key; "-" = none
		status             int
		contains           string
	}{
		{"info", "GET", "/api/v1", nil, "-", 200, `"go:1.24"`},
		{"root info for wskdeploy", "GET", "/", nil, "-", 200, `"blackbox"`},
		{"namespaces", "GET", "/api/v1/namespaces", nil, "", 200, `["guest"]`},
		{"no auth", "GET", ns + "/actions", nil, "-", 401, `"error"`},
		{"bad auth", "GET", ns + "/actions", nil, "u:p", 401, msgBadAuth},
		{"unknown route", "GET", "/api/v2/x", nil, "", 404, msgNotFound},
		{"unknown collection", "GET", ns + "/widgets", nil, "", 404, msgNotFound},
		{"other namespace", "GET", "/api/v1/namespaces/other/actions", nil, "", 403, "not authorized"},
		{"wrong method on list", "POST", ns + "/actions", nil, "", 405, msgMethod},
		{"wrong method on entity", "PATCH", ns + "/packages/p", nil, "", 405, msgMethod},
		{"malformed JSON", "PUT", ns + "/packages/p", "{nope", "", 400, "malformed"},
		{"create package", "PUT", ns + "/packages/p", map[string]any{"parameters": kv("a", 1, "b", "pkg")}, "", 200, `"name":"p"`},
		{"package exists", "PUT", ns + "/packages/p", map[string]any{}, "", 409, msgConflict},
		{"update package", "PUT", ns + "/packages/p?overwrite=true", map[string]any{"parameters": kv("a", 1, "b", "pkg"), "annotations": kv("x", true)}, "", 200, `"version":"0.0.2"`},
		{"get package", "GET", ns + "/packages/p", nil, "", 200, `"key":"x"`},
		{"bind package", "PUT", ns + "/packages/bound", map[string]any{"binding": map[string]string{"namespace": "guest", "name": "p"}, "parameters": kv("b", "binding")}, "", 200, `"binding":{"namespace":"guest","name":"p"}`},
		{"bind missing package", "PUT", ns + "/packages/bad", map[string]any{"binding": map[string]string{"name": "nope"}}, "", 400, "does not exist"},
		{"list packages", "GET", ns + "/packages", nil, "", 200, `"name":"bound"`},
		{"zip without exec", "PUT", ns + "/actions/p/a", map[string]any{"exec": map[string]any{"kind": "go:1.24", "code": noExec, "binary": true}}, "", 400, "no exec"},
		{"zip entry outside its root", "PUT", ns + "/actions/p/a", map[string]any{"exec": map[string]any{"kind": "blackbox", "code": slip, "binary": true}}, "", 400, "outside its root"},
		{"code not base64", "PUT", ns + "/actions/p/a", map[string]any{"exec": map[string]any{"kind": "go:1.24", "code": "***", "binary": true}}, "", 400, "base64"},
		{"unsupported kind", "PUT", ns + "/actions/p/a", map[string]any{"exec": map[string]any{"kind": "nodejs:20", "code": "x"}}, "", 400, "not supported"},
		{"no exec", "PUT", ns + "/actions/p/a", map[string]any{}, "", 400, "exec undefined"},
		{"action in missing package", "PUT", ns + "/actions/nope/a", map[string]any{"exec": map[string]any{"kind": "sequence", "components": []string{"/guest/p/x"}}}, "", 400, "does not exist"},
		{"bad limits", "PUT", ns + "/actions/p/a", map[string]any{"exec": map[string]any{"kind": "go:1.24", "code": actionZip(t, "echo")}, "limits": map[string]int{"timeout": 10}}, "", 400, "Time limit"},
		{"create action", "PUT", ns + "/actions/p/a", map[string]any{"exec": map[string]any{"kind": "go:1.24", "code": actionZip(t, "echo"), "binary": true}, "limits": map[string]int{"timeout": 5000, "memory": 512}, "annotations": kv("provide-api-key", true)}, "", 200, `"timeout":5000`},
		{"action exists", "PUT", ns + "/actions/p/a", map[string]any{"exec": map[string]any{"kind": "go:1.24", "code": actionZip(t, "echo")}}, "", 409, msgConflict},
		{"update action keeps exec", "PUT", ns + "/actions/p/a?overwrite=true", map[string]any{"parameters": kv("c", "action")}, "", 200, `"memory":512`},
		{"get action", "GET", ns + "/actions/p/a", nil, "", 200, `"namespace":"guest/p"`},
		{"get action has code", "GET", ns + "/actions/p/a", nil, "", 200, `"code":"UEsD`},
		{"list actions", "GET", ns + "/actions", nil, "", 200, `"name":"a"`},
		{"list package actions", "GET", ns + "/actions/p/", nil, "", 200, `"name":"a"`},
		{"unknown action", "GET", ns + "/actions/p/zzz", nil, "", 404, msgNotFound},
		{"invoke unknown action", "POST", ns + "/actions/zzz?blocking=true", nil, "", 404, msgNotFound},
		{"sequence with missing component", "PUT", ns + "/actions/s", map[string]any{"exec": map[string]any{"kind": "sequence", "components": []string{"/guest/p/missing"}}}, "", 400, "does not exist"},
		{"create sequence", "PUT", ns + "/actions/s", map[string]any{"exec": map[string]any{"kind": "sequence", "components": []string{"/guest/p/a", "p/a"}}}, "", 200, `"kind":"sequence"`},
		{"delete non-empty package", "DELETE", ns + "/packages/p", nil, "", 409, "not empty"},
		{"create trigger", "PUT", ns + "/triggers/t", map[string]any{"parameters": kv("fromTrigger", true)}, "", 200, `"name":"t"`},
		{"trigger exists", "PUT", ns + "/triggers/t", map[string]any{}, "", 409, msgConflict},
		{"rule with missing trigger", "PUT", ns + "/rules/r", map[string]any{"trigger": "/guest/nope", "action": "/guest/s"}, "", 400, "trigger"},
		{"rule with missing action", "PUT", ns + "/rules/r", map[string]any{"trigger": "/guest/t", "action": "/guest/nope"}, "", 400, "action"},
		{"create rule", "PUT", ns + "/rules/r", map[string]any{"trigger": "/guest/t", "action": "/guest/p/a"}, "", 200, `"status":"active"`},
		{"get rule", "GET", ns + "/rules/r", nil, "", 200, `"action":{"namespace":"guest/p","name":"a"`},
		{"disable rule", "POST", ns + "/rules/r", map[string]string{"status": "inactive"}, "", 200, `"status":"inactive"`},
		{"enable rule by query", "POST", ns + "/rules/r?status=active", nil, "", 200, `"status":"active"`},
		{"bad rule state", "POST", ns + "/rules/r", map[string]string{"status": "maybe"}, "", 400, "not active"},
		{"trigger lists rule", "GET", ns + "/triggers/t", nil, "", 200, `"guest/r":{"status":"active"`},
		{"list rules", "GET", ns + "/rules", nil, "", 200, `"name":"r"`},
		{"list triggers", "GET", ns + "/triggers", nil, "", 200, `"name":"t"`},
		{"fire unknown trigger", "POST", ns + "/triggers/nope", nil, "", 404, msgNotFound},
		{"unknown activation", "GET", ns + "/activations/0123", nil, "", 404, msgNotFound},
		{"list activations", "GET", ns + "/activations", nil, "", 200, `[]`},
		{"delete rule", "DELETE", ns + "/rules/r", nil, "", 200, `"name":"r"`},
		{"delete rule again", "DELETE", ns + "/rules/r", nil, "", 404, msgNotFound},
		{"delete trigger", "DELETE", ns + "/triggers/t", nil, "", 200, `"name":"t"`},
		{"delete sequence", "DELETE", ns + "/actions/s", nil, "", 200, `"name":"s"`},
		{"delete action", "DELETE", ns + "/actions/p/a", nil, "", 200, `"name":"a"`},
		{"delete binding", "DELETE", ns + "/packages/bound", nil, "", 200, `"name":"bound"`},
		{"delete package", "DELETE", ns + "/packages/p", nil, "", 200, `"name":"p"`},
		{"get deleted package", "GET", ns + "/packages/p", nil, "", 404, msgNotFound},
	}
	for _, st := range steps {
		key := ts.Auth()
		switch st.key {
		case "-":
			key = ""
		case "":
		default:
			key = st.key
		}
		status, out := ts.doAuth(st.method, st.path, st.body, key)
		if !assert.Equal(t, st.status, status, "%s: %s", st.name, out) {
			continue
		}
		assert.Contains(t, string(out), st.contains, st.name)
		if status >= 400 {
			var e errorBody
			require.NoError(t, json.Unmarshal(out, &e), st.name)
			assert.Equal(t, status, e.Code, st.name)
			assert.NotEmpty(t, e.Error, st.name)
		}
	}
}

func TestParametersMergeThroughBinding(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{})
	status, out := ts.do("PUT", "/api/v1/namespaces/_/packages/p", map[string]any{"parameters": kv("a", "pkg", "b", "pkg", "c", "pkg")})
	require.Equal(t, http.StatusOK, status, "%s", out)
	status, out = ts.do("PUT", "/api/v1/namespaces/_/packages/bp", map[string]any{"binding": map[string]string{"name": "p"}, "parameters": kv("b", "binding")})
	require.Equal(t, http.StatusOK, status, "%s", out)
	ts.putAction("p/echo", "echo", map[string]any{"parameters": kv("c", "action", "d", "action")})

	for _, tc := range []struct {
		path string
		want map[string]any
	}{
		{"p/echo", map[string]any{"a": "pkg", "b": "pkg", "c": "action", "d": "invocation"}},
		{"bp/echo", map[string]any{"a": "pkg", "b": "binding", "c": "action", "d": "invocation"}},
	} {
		status, res := ts.invoke(tc.path, map[string]any{"d": "invocation"})
		require.Equal(t, http.StatusOK, status, "%v", res)
		assert.Equal(t, tc.want, res["params"], tc.path)
	}
}

func TestNewKeyAndWskprops(t *testing.T) {
	t.Parallel()
	key, err := NewKey()
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}:[A-Za-z0-9]{64}$`, key)
	_, err = New(t.Context(), Options{Auth: "nocolon", TempDir: t.TempDir()})
	assert.Error(t, err)

	path := t.TempDir() + "/wskprops"
	require.NoError(t, WriteWskprops(path, "http://127.0.0.1:3233", key, "guest"))
	b, err := readFile(path)
	require.NoError(t, err)
	assert.Equal(t, "APIHOST=http://127.0.0.1:3233\nAUTH="+key+"\nNAMESPACE=guest\n", b)
}

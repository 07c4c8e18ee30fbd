package devserver

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSequences(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{})
	ts.do("PUT", "/api/v1/namespaces/_/packages/p", map[string]any{"parameters": kv("fromPackage", "yes")})
	ts.putAction("p/first", "echo", nil)
	ts.putAction("p/second", "echo", map[string]any{"parameters": kv("second", true)})
	status, out := ts.do("PUT", "/api/v1/namespaces/_/actions/p/seq", map[string]any{
		"exec":       map[string]any{"kind": "sequence", "components": []string{"/guest/p/first", "/_/p/second"}},
		"parameters": kv("fromSequence", 1),
	})
	require.Equal(t, http.StatusOK, status, "%s", out)

	status, res := ts.invoke("p/seq", map[string]any{"x": "in"})
	require.Equal(t, http.StatusOK, status, "%v", res)
	// second got first's result as its parameters, plus its own defaults.
	params := res["params"].(map[string]any)
	assert.Equal(t, true, params["second"])
	assert.Equal(t, "yes", params["fromPackage"])
	firstParams := params["params"].(map[string]any)
	assert.Equal(t, map[string]any{"x": "in", "fromSequence": float64(1), "fromPackage": "yes"}, firstParams)

	// The sequence record lists its components' activations.
	status, out = ts.do("POST", "/api/v1/namespaces/_/actions/p/seq?blocking=true", map[string]any{"fail": "stop here"})
	require.Equal(t, http.StatusBadGateway, status, "%s", out)
	var act Activation
	require.NoError(t, json.Unmarshal(out, &act))
	assert.Equal(t, statusApplication, act.Response.Status)
	require.Len(t, act.Logs, 1, "stops at the first error")
	comp := ts.waitActivation(act.Logs[0])
	assert.Equal(t, "first", comp.Name)
	assert.Equal(t, act.ActivationID, comp.Cause)
}

func TestTriggersAndRules(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{})
	ts.putAction("echo", "echo", nil)
	ts.putAction("other", "echo", nil)
	for _, step := range []struct {
		method, path string
		body         any
	}{
		{"PUT", "/api/v1/namespaces/_/triggers/t", map[string]any{"parameters": kv("fromTrigger", "t")}},
		{"PUT", "/api/v1/namespaces/_/rules/r1", map[string]any{"trigger": "/guest/t", "action": "/guest/echo"}},
		{"PUT", "/api/v1/namespaces/_/rules/r2", map[string]any{"trigger": "t", "action": "other"}},
		{"POST", "/api/v1/namespaces/_/rules/r2", map[string]any{"status": "inactive"}},
	} {
		status, out := ts.do(step.method, step.path, step.body)
		require.Equal(t, http.StatusOK, status, "%s %s: %s", step.method, step.path, out)
	}
	status, out := ts.do("POST", "/api/v1/namespaces/_/triggers/t", map[string]any{"fired": 1})
	require.Equal(t, http.StatusAccepted, status, "%s", out)
	var fired struct{ ActivationID string }
	require.NoError(t, json.Unmarshal(out, &fired))
	trig := ts.waitActivation(fired.ActivationID)
	require.Len(t, trig.Logs, 2, "one entry per rule")
	var entry, inactive ruleLog
	require.NoError(t, json.Unmarshal([]byte(trig.Logs[0]), &entry))
	require.NoError(t, json.Unmarshal([]byte(trig.Logs[1]), &inactive))
	assert.Equal(t, "guest/r1", entry.Rule)
	assert.Equal(t, "guest/r2", inactive.Rule)
	assert.False(t, inactive.Success)
	assert.Contains(t, inactive.Error, "inactive")
	act := ts.waitActivation(entry.ActivationID)
	assert.Equal(t, "echo", act.Name)
	assert.Equal(t, fired.ActivationID, act.Cause)
	var result map[string]any
	require.NoError(t, json.Unmarshal(act.Response.Result, &result))
	assert.Equal(t, map[string]any{"fromTrigger": "t", "fired": float64(1)}, result["params"])

	// The trigger names every activation it starts in its log, checked
	// above: r2's action was not activated. The listing agrees.
	status, out = ts.do("GET", "/api/v1/namespaces/_/activations?name=other", nil)
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, "[]", string(out), "the inactive rule did not fire")

	// With no active rule: 204 and no activation, as OpenWhisk.
	status, out = ts.do("POST", "/api/v1/namespaces/_/rules/r1", map[string]any{"status": "inactive"})
	require.Equal(t, http.StatusOK, status, "%s", out)
	status, out = ts.do("POST", "/api/v1/namespaces/_/triggers/t", nil)
	assert.Equal(t, http.StatusNoContent, status, "%s", out)
	assert.Empty(t, out)
}

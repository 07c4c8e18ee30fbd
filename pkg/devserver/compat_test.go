package devserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

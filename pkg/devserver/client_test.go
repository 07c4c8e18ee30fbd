package devserver

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/apache/openwhisk-client-go/whisk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenWhiskClient creates, lists, invokes and deletes an action with
// openwhisk-client-go, as clients of a real controller do.
func TestOpenWhiskClient(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{})
	base, err := whisk.GetUrlBase(ts.url)
	require.NoError(t, err)
	c, err := whisk.NewClient(&http.Client{Timeout: time.Minute}, &whisk.Config{
		Host: ts.url, BaseURL: base, AuthToken: ts.Auth(), Namespace: "guest",
	})
	require.NoError(t, err)

	_, _, err = c.Packages.Insert(&whisk.Package{Name: "p", Namespace: "guest",
		Parameters: whisk.KeyValueArr{{Key: "fromPackage", Value: "yes"}}}, false)
	require.NoError(t, err)
	code := actionZip(t, "echo")
	binary := true
	_, _, err = c.Actions.Insert(&whisk.Action{Name: "p/echo", Namespace: "guest",
		Exec:        &whisk.Exec{Kind: "go:1.24", Code: &code, Binary: &binary},
		Annotations: whisk.KeyValueArr{{Key: "provide-api-key", Value: true}},
		Limits:      &whisk.Limits{Timeout: ptr(10000)}}, false)
	require.NoError(t, err)
	_, _, err = c.Actions.Insert(&whisk.Action{Name: "p/echo", Namespace: "guest",
		Exec: &whisk.Exec{Kind: "go:1.24", Code: &code, Binary: &binary}}, false)
	assert.Error(t, err, "409 without overwrite")

	got, _, err := c.Actions.Get("p/echo", false)
	require.NoError(t, err)
	assert.Equal(t, 10000, *got.Limits.Timeout)
	list, _, err := c.Actions.List("p", &whisk.ActionListOptions{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "echo", list[0].Name)

	raw, _, err := c.Actions.Invoke("p/echo", map[string]any{"x": 1}, true, true)
	require.NoError(t, err)
	res := raw.(map[string]any)
	assert.Equal(t, map[string]any{"x": json.Number("1"), "fromPackage": "yes"}, res["params"])
	env := res["env"].(map[string]any)
	assert.Equal(t, ts.Auth(), env["__OW_API_KEY"])

	_, resp, err := c.Actions.Invoke("p/echo", map[string]any{"fail": "bad"}, true, true)
	require.Error(t, err)
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)

	raw, _, err = c.Actions.Invoke("p/echo", nil, false, false)
	require.NoError(t, err)
	id, _ := raw.(map[string]any)["activationId"].(string)
	require.NotEmpty(t, id)
	var act *whisk.Activation
	require.Eventually(t, func() bool {
		act, _, err = c.Activations.Get(id)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	assert.True(t, act.Response.Success)
	acts, _, err := c.Activations.List(&whisk.ActivationListOptions{Name: "echo", Limit: 10})
	require.NoError(t, err)
	assert.Len(t, acts, 3)

	_, _, err = c.Triggers.Insert(&whisk.Trigger{Name: "t", Namespace: "guest"}, false)
	require.NoError(t, err)
	_, _, err = c.Rules.Insert(&whisk.Rule{Name: "r", Namespace: "guest", Trigger: "/guest/t", Action: "/guest/p/echo"}, false)
	require.NoError(t, err)
	_, _, err = c.Rules.SetState("r", "inactive")
	require.NoError(t, err)
	_, _, err = c.Triggers.Fire("t", map[string]any{"a": 1})
	require.NoError(t, err)

	_, err = c.Rules.Delete("r")
	require.NoError(t, err)
	_, _, err = c.Triggers.Delete("t")
	require.NoError(t, err)
	_, err = c.Actions.Delete("p/echo")
	require.NoError(t, err)
	_, err = c.Packages.Delete("p")
	require.NoError(t, err)
}

func ptr[T any](v T) *T { return &v }

package process

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// A rejected request's result has the message as a string under error,
// where OpenWhisk's clients read it, and the detail beside it.
func TestRejectedResultErrorIsAString(t *testing.T) {
	res := Result{RequestID: "r", Renditions: []Summary{}, Events: []api.Event{},
		Error: &InvalidInfo{Reason: api.ReasonGeneric, Message: "source: is required"}}
	out, err := json.Marshal(res)
	require.NoError(t, err)
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(out, &m))
	assert.JSONEq(t, `"source: is required"`, string(m["error"]))
	assert.JSONEq(t, `{"reason": "GenericError", "message": "source: is required"}`, string(m["errorDetail"]))

	var back Result
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, res, back)

	require.NoError(t, json.Unmarshal([]byte(`{"requestId":"r","error":{"reason":"SourceCorrupt","message":"m"}}`), &back))
	assert.Equal(t, &InvalidInfo{Reason: api.ReasonSourceCorrupt, Message: "m"}, back.Error, "the object form is still read")
	require.NoError(t, json.Unmarshal([]byte(`{"requestId":"r","error":"plain"}`), &back))
	assert.Equal(t, &InvalidInfo{Message: "plain"}, back.Error)

	out, err = json.Marshal(Result{RequestID: "ok"})
	require.NoError(t, err)
	assert.NotContains(t, string(out), "error")
}

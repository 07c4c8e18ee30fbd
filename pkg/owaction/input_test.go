package owaction_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// TestInputIsWhatTheLoopReads checks that a line built from Input, as the
// hosts of action processes build it, is read back by the action loop into
// the handler's parameters, its Activation and the __OW_* environment.
func TestInputIsWhatTheLoopReads(t *testing.T) {
	deadline := time.Now().Add(time.Minute).Truncate(time.Millisecond)
	line, err := json.Marshal(owaction.Input{
		Value:         json.RawMessage(`{"a":1}`),
		Namespace:     "guest",
		ActionName:    "/guest/pkg/act",
		ActivationID:  "act-1",
		TransactionID: "tx-1",
		Deadline:      owaction.DeadlineString(deadline),
		APIHost:       "http://127.0.0.1:3233",
		APIKey:        "user:key",
	})
	require.NoError(t, err)

	env := newFakeEnv(nil)
	var got owaction.Activation
	var params string
	_, _ = serve(t, env, string(line)+"\n", func(ctx context.Context, p json.RawMessage) (any, error) {
		got, _ = owaction.ActivationFrom(ctx)
		params = string(p)
		return map[string]any{}, nil
	})
	assert.JSONEq(t, `{"a":1}`, params)
	assert.Equal(t, owaction.Activation{ID: "act-1", ActionName: "/guest/pkg/act", Namespace: "guest",
		APIHost: "http://127.0.0.1:3233", APIKey: "user:key", Deadline: deadline}, got)
	assert.Equal(t, "tx-1", env.Getenv("__OW_TRANSACTION_ID"))
	assert.Equal(t, owaction.DeadlineString(deadline), env.Getenv("__OW_DEADLINE"))
	assert.False(t, strings.Contains(string(line), `"value":"`), "the parameters stay a JSON object")
}

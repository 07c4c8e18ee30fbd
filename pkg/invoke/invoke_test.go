package invoke

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestInProcessCrossesAJSONBoundary(t *testing.T) {
	var got json.RawMessage
	p := NewInProcess(map[string]Handler{
		"echo": func(ctx context.Context, params json.RawMessage) (any, error) {
			got = params
			return map[string]any{"n": 1, "when": time.Unix(0, 0).UTC()}, nil
		},
	})
	out, err := p.Invoke(context.Background(), "echo", json.RawMessage(`{"a":[1,2]}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":[1,2]}`, string(got))
	assert.JSONEq(t, `{"n":1,"when":"1970-01-01T00:00:00Z"}`, string(out))
	assert.Equal(t, []string{"echo"}, p.Actions())
	assert.True(t, p.Has("echo"))
}

func TestInProcessFailures(t *testing.T) {
	p := NewInProcess(map[string]Handler{
		"typed": func(context.Context, json.RawMessage) (any, error) {
			return nil, api.Errorf(api.ReasonSourceCorrupt, "bad bytes")
		},
		"plain":  func(context.Context, json.RawMessage) (any, error) { return nil, errors.New("nope") },
		"panics": func(context.Context, json.RawMessage) (any, error) { panic("boom") },
		"errobj": func(context.Context, json.RawMessage) (any, error) {
			return json.RawMessage(`{"error":"said no"}`), nil
		},
		"unjson":  func(context.Context, json.RawMessage) (any, error) { return make(chan int), nil },
		"timeout": func(ctx context.Context, _ json.RawMessage) (any, error) { <-ctx.Done(); return nil, ctx.Err() },
	})
	cases := []struct {
		action string
		reason api.Reason
		msg    string
	}{
		{"typed", api.ReasonSourceCorrupt, "bad bytes"},
		{"plain", api.ReasonGeneric, "nope"},
		{"panics", api.ReasonGeneric, "boom"},
		{"errobj", api.ReasonGeneric, "said no"},
		{"unjson", api.ReasonGeneric, "not JSON"},
		{"timeout", api.ReasonTimeout, "deadline"},
	}
	for _, tc := range cases {
		t.Run(tc.action, func(t *testing.T) {
			timeout := time.Hour // only the "timeout" action waits for it
			if tc.action == "timeout" {
				timeout = 50 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			_, err := p.Invoke(ctx, tc.action, json.RawMessage(`{}`))
			var ae *ActionError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.reason, ae.Reason)
			assert.Contains(t, ae.Message, tc.msg)
			assert.Equal(t, tc.reason, ae.AsAPIError().Reason)
		})
	}
	_, err := p.Invoke(context.Background(), "missing", nil)
	assert.ErrorIs(t, err, ErrUnknownAction)
}

func TestParseActionError(t *testing.T) {
	cases := []struct {
		name   string
		result string
		reason api.Reason
		msg    string
		isErr  bool
	}{
		{"not an error", `{"renditions":[]}`, "", "", false},
		{"null error", `{"error":null}`, "", "", false},
		{"string", `{"error":"went wrong"}`, api.ReasonGeneric, "went wrong", true},
		{"object with reason", `{"error":{"reason":"SourceTooLarge","message":"too big"}}`, api.ReasonSourceTooLarge, "too big", true},
		{"string with detail beside", `{"error":"too big","errorDetail":{"reason":"SourceTooLarge","message":"too big"}}`, api.ReasonSourceTooLarge, "too big", true},
		{"string with unknown detail reason", `{"error":"hm","errorDetail":{"reason":"Weird","message":"hm"}}`, api.ReasonGeneric, "hm", true},
		{"object with unknown reason", `{"error":{"reason":"Weird","message":"hm"}}`, api.ReasonGeneric, "hm", true},
		{"other shape", `{"error":42}`, api.ReasonGeneric, "42", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ae := ParseActionError("a", json.RawMessage(tc.result))
			if !tc.isErr {
				assert.Nil(t, ae)
				return
			}
			require.NotNil(t, ae)
			assert.Equal(t, tc.reason, ae.Reason)
			assert.Equal(t, tc.msg, ae.Message)
		})
	}
}

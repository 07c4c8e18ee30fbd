package owaction_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/logctx"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// TestServePutsTheIDsInTheContext: a handler's context carries the
// activation id and, when the parameters are an object with a string
// requestId, that id; a logger of the handler's own that is wrapped with
// logctx (here a plain one, as an engine package would hold) then names
// both in every line.
func TestServePutsTheIDsInTheContext(t *testing.T) {
	var handlerLog bytes.Buffer
	own := slog.New(slog.NewJSONHandler(&handlerLog, nil))
	type ids struct{ act, req string }
	var got []ids
	h := func(ctx context.Context, _ json.RawMessage) (any, error) {
		got = append(got, ids{logctx.ActivationID(ctx), logctx.RequestID(ctx)})
		logctx.Wrap(own).InfoContext(ctx, "working")
		return map[string]bool{"ok": true}, nil
	}
	input := strings.Join([]string{
		`{"activation_id":"act-1","value":{"requestId":"req-1","source":"s3://b/k"}}`,
		`{"activation_id":"act-2","value":{"requestId":42}}`,
		`{"activation_id":"act-3","value":{"requests":[{"requestId":"inner"}]}}`,
		`{"activation_id":"act-4","value":[1,2]}`,
	}, "\n") + "\n"
	lines, _ := serve(t, newFakeEnv(nil), input, h)
	require.Len(t, lines, 4)
	assert.Equal(t, []ids{{"act-1", "req-1"}, {"act-2", ""}, {"act-3", ""}, {"act-4", ""}}, got,
		"only a top-level string requestId names the request")
	logLines := strings.Split(strings.TrimSpace(handlerLog.String()), "\n")
	require.Len(t, logLines, 4)
	assert.Contains(t, logLines[0], `"activationId":"act-1","requestId":"req-1"`)
	assert.Contains(t, logLines[1], `"activationId":"act-2"`)
	assert.NotContains(t, logLines[1], `"requestId"`)
}

// TestServeLoopLinesNameTheRequest: the loop's own lines (a failed
// activation, a panic) carry the requestId of the parameters, once.
func TestServeLoopLinesNameTheRequest(t *testing.T) {
	var out, log bytes.Buffer
	h := func(ctx context.Context, params json.RawMessage) (any, error) {
		if strings.Contains(string(params), "panic") {
			panic("boom")
		}
		owaction.Logger(ctx).InfoContext(ctx, "from the handler")
		return nil, io.ErrUnexpectedEOF
	}
	input := `{"activation_id":"act-9","value":{"requestId":"req-9"}}` + "\n" +
		`{"activation_id":"act-10","value":{"requestId":"req-10","panic":true}}` + "\n"
	require.NoError(t, owaction.Serve(context.Background(), strings.NewReader(input), &out, h, newFakeEnv(nil).options(&log)))
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	require.Len(t, lines, 4, "working, failed; panicked, failed")
	for i, want := range []string{"req-9", "req-9", "req-10", "req-10"} {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(lines[i]), &rec))
		assert.Equal(t, want, rec["requestId"], lines[i])
		assert.NotEmpty(t, rec["activationId"], lines[i])
		assert.Equal(t, 1, strings.Count(lines[i], `"requestId"`), lines[i])
		assert.Equal(t, 1, strings.Count(lines[i], `"activationId"`), lines[i])
	}
}

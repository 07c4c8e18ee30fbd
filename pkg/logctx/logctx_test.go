package logctx

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lines decodes JSON log lines.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), "%s", l)
		out = append(out, m)
	}
	return out
}

func TestRecordsCarryTheContextIDs(t *testing.T) {
	var buf bytes.Buffer
	log := NewJSON(&buf)
	ctx := WithRequestID(WithActivationID(context.Background(), "act-1"), "req-1")

	log.InfoContext(ctx, "plain")
	log.With("rendition", "a.png").WarnContext(ctx, "with attrs")
	log.InfoContext(context.Background(), "no ids")
	log.InfoContext(WithActivationID(context.Background(), "act-2"), "activation only")
	log.InfoContext(WithRequestID(ctx, "req-2"), "inner request wins")

	got := lines(t, &buf)
	require.Len(t, got, 5)
	for _, m := range got[:2] {
		assert.Equal(t, "act-1", m[KeyActivationID], m["msg"])
		assert.Equal(t, "req-1", m[KeyRequestID], m["msg"])
	}
	assert.Equal(t, "a.png", got[1]["rendition"])
	assert.NotContains(t, got[2], KeyActivationID)
	assert.NotContains(t, got[2], KeyRequestID)
	assert.Equal(t, "act-2", got[3][KeyActivationID])
	assert.NotContains(t, got[3], KeyRequestID)
	assert.Equal(t, "req-2", got[4][KeyRequestID])
}

// TestNoDuplicateKeys: an id the record or the logger already carries is
// not added a second time (JSON with a key twice is ambiguous).
func TestNoDuplicateKeys(t *testing.T) {
	var buf bytes.Buffer
	log := NewJSON(&buf)
	ctx := WithRequestID(WithActivationID(context.Background(), "act-1"), "req-ctx")

	log.InfoContext(ctx, "record has it", KeyRequestID, "req-record")
	log.With(KeyRequestID, "req-logger").InfoContext(ctx, "logger has it")
	log.With(KeyActivationID, "act-logger").With("x", 1).InfoContext(ctx, "logger has the activation")

	raw := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, raw, 3)
	for _, l := range raw {
		assert.Equal(t, 1, strings.Count(l, `"`+KeyRequestID+`"`), l)
		assert.Equal(t, 1, strings.Count(l, `"`+KeyActivationID+`"`), l)
	}
	got := lines(t, &buf)
	assert.Equal(t, "req-record", got[0][KeyRequestID])
	assert.Equal(t, "req-logger", got[1][KeyRequestID])
	assert.Equal(t, "act-logger", got[2][KeyActivationID])
	assert.Equal(t, "req-ctx", got[2][KeyRequestID])
}

func TestWrapIsIdempotent(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(slog.NewJSONHandler(&buf, nil))
	w := Wrap(base)
	assert.Same(t, w, Wrap(w))
	assert.Same(t, w.Handler(), NewHandler(w.Handler()))
	w.InfoContext(WithRequestID(context.Background(), "r"), "m")
	assert.Equal(t, 1, strings.Count(buf.String(), `"requestId":"r"`))
	assert.NotNil(t, Wrap(nil))
}

func TestGroupsAndLevels(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	ctx := WithRequestID(context.Background(), "req-1")
	log.InfoContext(ctx, "below the level")
	log.WithGroup("g").WarnContext(ctx, "grouped", "k", "v")
	got := lines(t, &buf)
	require.Len(t, got, 1)
	assert.Equal(t, map[string]any{"k": "v", KeyRequestID: "req-1"}, got[0]["g"])
}

func TestEmptyIDsLeaveTheContext(t *testing.T) {
	ctx := context.Background()
	assert.Equal(t, ctx, WithActivationID(ctx, ""))
	assert.Equal(t, ctx, WithRequestID(ctx, ""))
	assert.Empty(t, ActivationID(ctx))
	assert.Empty(t, RequestID(ctx))
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/invoke/owtest"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// TestActivationLogNamesTheActivation serves process activations through
// the action loop (a request with a worker that fails, a request invalid
// as a whole, a storage-event batch of two requests, a web form POST) and
// reads the log: every line names its activation and the request it is
// about, and the API key never appears.
func TestActivationLogNamesTheActivation(t *testing.T) {
	c := owtest.New(t)
	c.Action("assetcompute/thumbnail", createAll)
	c.Action("tagger", func(int, json.RawMessage) owtest.Reply {
		return owtest.Reply{Status: 502, Body: map[string]any{"error": "the tagger is down"}}
	})
	c.Action("assetcompute/process", func(int, json.RawMessage) owtest.Reply { return owtest.Reply{} })
	var out testutil.SyncBuffer
	logger := slog.New(slog.NewJSONHandler(&out, nil))
	s := testServer(t, owEnv(c), nil)
	s.logger = logger

	cfg := json.RawMessage(`{"actionPrefix":"assetcompute/","allowedWorkers":["tagger"]}`)
	value := func(raw string) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(raw), &m))
		m[ConfigParam] = cfg
		return m
	}
	deadline := strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10)
	var in strings.Builder
	for _, a := range []struct {
		id    string
		value map[string]json.RawMessage
	}{
		{"act-run", value(`{"requestId":"r1","source":"https://e.com/a.jpg","renditions":[
			{"fmt":"png","name":"a.png","target":"s3://b/a"},{"worker":"tagger","name":"tags","target":"s3://b/t"}]}`)},
		{"act-bad", value(`{"requestId":"r-bad","renditions":[{"fmt":"png","name":"x.png"}]}`)},
		{"act-batch", value(`{"requests":[
			{"requestId":"se-1","source":"s3://b/one.jpg","renditions":[{"worker":"tagger","name":"t","target":"s3://b/r/one"}]},
			{"requestId":"se-2","source":"s3://b/two.jpg","renditions":[{"worker":"tagger","name":"t","target":"s3://b/r/two"}]}]}`)},
		{"act-web", value(`{"__ow_method":"post","__ow_headers":{},"requestId":"r-web","source":"https://e.com/a.jpg","renditions":[{"fmt":"png","target":"s3://b/w"}]}`)},
	} {
		line, err := json.Marshal(map[string]any{"value": a.value, "activation_id": a.id, "deadline": deadline,
			"api_key": "u:k", "api_host": c.URL, "namespace": "guest", "action_name": "/guest/assetcompute/process"})
		require.NoError(t, err)
		in.Write(append(line, '\n'))
	}
	var results bytes.Buffer
	require.NoError(t, owaction.Serve(context.Background(), strings.NewReader(in.String()), &results, s.handle,
		owaction.Options{Logger: logger, Getenv: func(string) string { return "" }, Setenv: func(string, string) error { return nil }}))
	require.Len(t, strings.Split(strings.TrimSpace(results.String()), "\n"), 4)

	log := out.String()
	t.Logf("activation log:\n%s", log)
	requests := map[string][]string{"act-run": {"r1"}, "act-bad": {"r-bad"}, "act-batch": {"se-1", "se-2"}, "act-web": {"r-web"}}
	seen := map[string]bool{}
	msgs := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec), l)
		act, _ := rec["activationId"].(string)
		req, _ := rec["requestId"].(string)
		require.Contains(t, requests, act, "activationId: %s", l)
		assert.Contains(t, requests[act], req, "requestId: %s", l)
		assert.Equal(t, 1, strings.Count(l, `"requestId"`), l)
		assert.Equal(t, 1, strings.Count(l, `"activationId"`), l)
		seen[act+"/"+req] = true
		msgs[rec["msg"].(string)]++
	}
	for _, k := range []string{"act-run/r1", "act-bad/r-bad", "act-batch/se-1", "act-batch/se-2", "act-web/r-web"} {
		assert.True(t, seen[k], "a line about %s", k)
	}
	for _, m := range []string{"worker invocation failed", "request done", "request rejected", "web request started"} {
		assert.Positive(t, msgs[m], "the log has %q", m)
	}
	assert.NotContains(t, log, "u:k")
}

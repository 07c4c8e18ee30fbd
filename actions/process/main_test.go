package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/invoke/owtest"
	"github.com/assetcompute/assetcompute/pkg/process"
)

func createAll(_ int, params json.RawMessage) owtest.Reply {
	req, err := api.DecodeWorkerRequest(params)
	if err != nil {
		return owtest.Reply{Status: 502, Body: map[string]any{"error": err.Error()}}
	}
	res := api.WorkerResult{}
	for _, r := range req.Renditions {
		res.Renditions = append(res.Renditions, api.RenditionResult{Name: r.Name, Status: api.StatusCreated})
	}
	return owtest.Reply{Body: res}
}

func testServer(t *testing.T, env map[string]string, local invoke.Invoker) *server {
	t.Helper()
	return &server{
		getenv: func(k string) string { return env[k] },
		local:  func() (invoke.Invoker, error) { return local, nil },
		owOptions: func(o *invoke.OpenWhiskOptions) {
			o.MinBackoff, o.MaxBackoff, o.PollInterval = time.Millisecond, 5*time.Millisecond, 5*time.Millisecond
		},
		logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func owEnv(c *owtest.Controller) map[string]string {
	return map[string]string{"__OW_API_HOST": c.URL, "__OW_API_KEY": "u:k", "__OW_NAMESPACE": "guest",
		"__OW_ACTION_NAME": "/guest/assetcompute/process"}
}

const request = `{"requestId":"r1","source":"https://e.com/a.jpg","renditions":[
	{"fmt":"png","name":"a.png","target":"s3://b/a"},
	{"worker":"tagger","name":"tags","target":"s3://b/t"},
	{"worker":"evil","name":"evil","target":"s3://b/e"}]}`

func withConfig(req string, cfg string) json.RawMessage {
	var m map[string]json.RawMessage
	_ = json.Unmarshal([]byte(req), &m)
	m[ConfigParam] = json.RawMessage(cfg)
	out, _ := json.Marshal(m)
	return out
}

func TestPlainInvocationUsesOpenWhiskWithTheConfiguration(t *testing.T) {
	c := owtest.New(t)
	c.Action("assetcompute/thumbnail", createAll)
	c.Action("tagger", createAll)
	c.Action("evil", createAll)
	s := testServer(t, owEnv(c), nil)
	out, err := s.handle(context.Background(), withConfig(request, `{"actionPrefix":"assetcompute/","allowedWorkers":["tagger"]}`))
	require.NoError(t, err)
	res := out.(*process.Result)
	require.Len(t, res.Events, 3)
	assert.Equal(t, api.EventRenditionCreated, res.Events[0].Type)
	assert.Equal(t, api.EventRenditionCreated, res.Events[1].Type)
	assert.Equal(t, api.EventRenditionFailed, res.Events[2].Type, "evil is not on the allow-list")
	assert.Equal(t, 1, c.Count("assetcompute/thumbnail"))
	assert.Zero(t, c.Count("evil"))
}

func TestEnvironmentConfigurationWinsOverParameters(t *testing.T) {
	c := owtest.New(t)
	c.Action("thumbnail", createAll)
	c.Action("evil", createAll)
	env := owEnv(c)
	env["ACS_ALLOWED_WORKERS"] = "tagger"
	s := testServer(t, env, nil)
	out, err := s.handle(context.Background(), withConfig(request, `{"allowedWorkers":["evil"]}`))
	require.NoError(t, err)
	res := out.(*process.Result)
	assert.Equal(t, api.EventRenditionFailed, res.Events[2].Type)
	assert.Zero(t, c.Count("evil"))
}

func TestBadConfigurationIsAnError(t *testing.T) {
	s := testServer(t, map[string]string{"ACS_BATCH_SIZE": "lots"}, nil)
	_, err := s.handle(context.Background(), json.RawMessage(request))
	assert.ErrorContains(t, err, "ACS_BATCH_SIZE")
	s = testServer(t, nil, nil)
	_, err = s.handle(context.Background(), withConfig(request, `{"batchsize":3,"unknown":true}`))
	assert.ErrorContains(t, err, ConfigParam)
}

func TestWithoutAPIKeyRunsInProcess(t *testing.T) {
	local := invoke.NewInProcess(map[string]invoke.Handler{"thumbnail": func(ctx context.Context, p json.RawMessage) (any, error) {
		return createAll(0, p).Body, nil
	}})
	s := testServer(t, map[string]string{}, local)
	out, err := s.handle(context.Background(), json.RawMessage(`{"source":"https://e.com/a.jpg","renditions":[{"fmt":"png","target":"s3://b/a"}]}`))
	require.NoError(t, err)
	assert.True(t, out.(*process.Result).AllCreated())
}

func TestWebForm(t *testing.T) {
	cases := []struct {
		name   string
		params string
		status int
		want   string // substring of the body
	}{
		{"GET is refused", `{"__ow_method":"get","__ow_headers":{}}`, 405, "only POST"},
		{"PUT is refused", `{"__ow_method":"put","__ow_headers":{}}`, 405, "only POST"},
		{"POST JSON starts an activation", `{"__ow_method":"post","__ow_headers":{},"source":"https://e.com/a.jpg","renditions":[{"fmt":"png","target":"s3://b/a"}],"acsConfig":{"allowedWorkers":["evil"]}}`, 202, `"ok":true`},
		{"raw body", `{"__ow_method":"post","__ow_headers":{},"__ow_body":"{\"requestId\":\"mine\",\"source\":\"https://e.com/a.jpg\",\"renditions\":[{\"fmt\":\"png\",\"target\":\"s3://b/a\"}]}"}`, 202, `"requestId":"mine"`},
		{"raw base64 body", `{"__ow_method":"post","__ow_headers":{},"__ow_body":"eyJzb3VyY2UiOiJodHRwczovL2UuY29tL2EuanBnIiwicmVuZGl0aW9ucyI6W3siZm10IjoicG5nIiwidGFyZ2V0IjoiczM6Ly9iL2EifV19"}`, 202, `"ok":true`},
		{"not JSON", `{"__ow_method":"post","__ow_headers":{},"__ow_body":"hello"}`, 400, "not a JSON object"},
		{"invalid request", `{"__ow_method":"post","__ow_headers":{},"renditions":[]}`, 400, "renditions: must not be empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := owtest.New(t)
			c.Action("assetcompute/process", func(int, json.RawMessage) owtest.Reply { return owtest.Reply{} })
			s := testServer(t, owEnv(c), nil)
			out, err := s.handle(context.Background(), json.RawMessage(tc.params))
			require.NoError(t, err)
			r := out.(webResponse)
			assert.Equal(t, tc.status, r.StatusCode)
			b, _ := json.Marshal(r.Body)
			assert.Contains(t, string(b), tc.want)
			if tc.status != 202 {
				assert.Empty(t, c.Calls())
				return
			}
			var body struct {
				OK           bool   `json:"ok"`
				RequestID    string `json:"requestId"`
				ActivationID string `json:"activationId"`
			}
			require.NoError(t, json.Unmarshal(b, &body))
			assert.NotEmpty(t, body.RequestID)
			assert.NotEmpty(t, body.ActivationID)
			calls := c.Calls()
			require.Len(t, calls, 1)
			assert.Equal(t, "/api/v1/namespaces/guest/actions/assetcompute/process", calls[0].Path)
			assert.Equal(t, "blocking=false", calls[0].Query)
			var fwd map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(calls[0].Body, &fwd))
			assert.JSONEq(t, `"`+body.RequestID+`"`, string(fwd["requestId"]), "the activation runs the request id the client was told")
			assert.NotContains(t, fwd, ConfigParam, "a web client cannot configure the deployment")
			for k := range fwd {
				assert.NotContains(t, k, "__ow_")
			}
		})
	}
}

func TestWebFormWithoutAPIKey(t *testing.T) {
	s := testServer(t, map[string]string{}, nil)
	out, err := s.handle(context.Background(), json.RawMessage(`{"__ow_method":"post","source":"https://e.com/a.jpg","renditions":[{"fmt":"png","target":"s3://b/a"}]}`))
	require.NoError(t, err)
	assert.Equal(t, 503, out.(webResponse).StatusCode)
}

func TestOrchestratorDeadlineReportsUnfinished(t *testing.T) {
	// The worker answers after 30 s; the activation has 1 s. How far
	// before the deadline the orchestrator reports is tested in package
	// process; here: it reports without waiting for the worker.
	const hung = 30 * time.Second
	c := owtest.New(t)
	c.Action("thumbnail", func(int, json.RawMessage) owtest.Reply { return owtest.Reply{Delay: hung} })
	s := testServer(t, owEnv(c), nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	out, err := s.handle(ctx, json.RawMessage(`{"source":"https://e.com/a.jpg","renditions":[{"fmt":"png","target":"s3://b/a"}]}`))
	require.NoError(t, err)
	res := out.(*process.Result)
	assert.Less(t, time.Since(start), hung, "reported without waiting for the worker")
	require.Len(t, res.Events, 1)
	assert.Equal(t, api.ReasonTimeout, res.Events[0].ErrorReason)
}

// TestBatchFromStorageEvent covers the form storage-event emits for a
// notification with several objects: one result per request, skipped
// records passed through, and an empty batch is not an error.
func TestBatchFromStorageEvent(t *testing.T) {
	local := invoke.NewInProcess(map[string]invoke.Handler{"thumbnail": func(ctx context.Context, p json.RawMessage) (any, error) {
		return createAll(0, p).Body, nil
	}})
	s := testServer(t, map[string]string{}, local)
	out, err := s.handle(context.Background(), json.RawMessage(`{"requests":[
		{"requestId":"a","source":"s3://b/one.jpg","renditions":[{"fmt":"png","target":"s3://b/r/one.png"}]},
		{"requestId":"b","source":"s3://b/two.jpg","renditions":[{"fmt":"png","target":"s3://b/r/two.png"},{"fmt":"jpg","target":"s3://b/r/two.jpg"}]}],
		"skipped":[{"bucket":"b","key":"renditions/x.png","reason":"under the rendition prefix"}]}`))
	require.NoError(t, err)
	res := out.(BatchResult)
	require.Len(t, res.Results, 2)
	assert.Equal(t, "a", res.Results[0].RequestID)
	assert.Len(t, res.Results[1].Events, 2)
	assert.True(t, res.Results[0].AllCreated() && res.Results[1].AllCreated())
	require.Len(t, res.Skipped, 1)
	assert.Equal(t, api.Skip{Bucket: "b", Key: "renditions/x.png", Reason: "under the rendition prefix"}, res.Skipped[0])

	out, err = s.handle(context.Background(), json.RawMessage(`{"requests":[],"skipped":[{"key":"k"}]}`))
	require.NoError(t, err)
	assert.Empty(t, out.(BatchResult).Results)

	_, err = s.handle(context.Background(), json.RawMessage(`{"requests":{"not":"an array"}}`))
	assert.ErrorContains(t, err, "requests")
	_, err = s.handle(context.Background(), json.RawMessage(`{"requests":[],"skipped":"nothing"}`))
	assert.ErrorContains(t, err, "skipped")
}

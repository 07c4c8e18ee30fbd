package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke/owtest"
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/process"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// appendName makes outputs that tell the chain of steps they were made
// through: the source, ">" and the rendition's name.
func appendName(_ context.Context, src *worker.Source, r *worker.Rendition) error {
	if strings.Contains(string(r.UserData), `"fail"`) {
		return api.Errorf(api.ReasonSourceCorrupt, "%s could not be made", r.Name)
	}
	b, err := os.ReadFile(src.Path)
	if err != nil {
		return err
	}
	return os.WriteFile(r.Path, append(b, []byte(">"+r.Name)...), 0o600)
}

// TestComposedRequestThroughTheActionLoop runs a composed request through
// the process action's action loop, with the OpenWhisk controller invoking
// real worker lifecycles (package worker) that read and write an S3
// server: the outputs other renditions are made from travel as temporary
// objects under the scratch prefix, and none is left afterwards.
func TestComposedRequestThroughTheActionLoop(t *testing.T) {
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("b"))
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	_, err := backend.PutObject("b", "in/src.bin", nil, strings.NewReader("src"), 3, nil)
	require.NoError(t, err)
	s3opts := transfer.S3Options{Endpoint: srv.URL, Region: "us-east-1", PathStyle: true, AccessKeyID: "k", SecretAccessKey: "s"}
	client, err := transfer.New(transfer.Options{S3: s3opts, Attempts: 1})
	require.NoError(t, err)
	w, err := worker.New(appendName, worker.Options{Transfer: client, TempDir: t.TempDir(), Logger: quietLogger()})
	require.NoError(t, err)

	var mu sync.Mutex
	var keeps []string
	c := owtest.New(t)
	c.Action("assetcompute/thumbnail", func(_ int, params json.RawMessage) owtest.Reply {
		var wreq api.WorkerRequest
		_ = json.Unmarshal(params, &wreq)
		mu.Lock()
		for _, k := range wreq.Keep {
			if !k.IsZero() {
				keeps = append(keeps, k.URL)
			}
		}
		for _, r := range wreq.Renditions {
			if strings.Contains(r.Target.URL, "acs-tmp/") {
				keeps = append(keeps, r.Target.URL)
			}
		}
		mu.Unlock()
		out, err := w.Handle(context.Background(), params)
		if err != nil {
			return owtest.Reply{Status: 502, Body: map[string]any{"error": err.Error()}}
		}
		return owtest.Reply{Body: out}
	})
	env := owEnv(c)
	env["ACS_S3_ENDPOINT"] = srv.URL
	env["ACS_S3_PATH_STYLE"] = "true"
	env["ACS_S3_REGION"] = "us-east-1"
	env["AWS_ACCESS_KEY_ID"] = "k"
	env["AWS_SECRET_ACCESS_KEY"] = "s"
	s := testServer(t, env, nil)

	req := `{"requestId":"rc","source":"s3://b/in/src.bin","renditions":[
		{"name":"crop","fmt":"png","target":"s3://b/out/crop"},
		{"name":"r1024","fmt":"png","target":"s3://b/out/r1024","source":{"rendition":"crop"}},
		{"name":"r512","fmt":"png","target":"s3://b/out/r512","source":{"rendition":"crop"}},
		{"name":"mid","fmt":"png","source":{"rendition":"crop"}},
		{"name":"wm","fmt":"png","target":"s3://b/out/wm","source":{"rendition":"r1024"}},
		{"name":"fromMid","fmt":"png","target":"s3://b/out/fromMid","source":{"rendition":"mid"}},
		{"name":"broken","fmt":"png","target":"s3://b/out/broken","userData":{"fail":true}},
		{"name":"afterBroken","fmt":"png","target":"s3://b/out/afterBroken","source":{"rendition":"broken"}}]}`
	line, err := json.Marshal(map[string]any{
		"value":         withConfig(req, `{"actionPrefix":"assetcompute/","scratch":"s3://b/acs-tmp/"}`),
		"activation_id": "act-compose", "deadline": strconv.FormatInt(time.Now().Add(2*time.Minute).UnixMilli(), 10),
		"api_key": "u:k", "api_host": c.URL, "namespace": "guest", "action_name": "/guest/assetcompute/process"})
	require.NoError(t, err)
	var results bytes.Buffer
	require.NoError(t, owaction.Serve(context.Background(), bytes.NewReader(append(line, '\n')), &results, s.handle,
		owaction.Options{Logger: quietLogger(), Getenv: func(string) string { return "" }, Setenv: func(string, string) error { return nil }}))
	var res process.Result
	require.NoError(t, json.Unmarshal(results.Bytes(), &res), results.String())

	require.Len(t, res.Events, 7, "one event per requested rendition; mid is intermediate")
	byName := map[string]api.Event{}
	for _, ev := range res.Events {
		byName[ev.Rendition.Name] = ev
	}
	assert.NotContains(t, byName, "mid")
	for name, want := range map[string]string{
		"crop": "src>crop", "r1024": "src>crop>r1024", "r512": "src>crop>r512",
		"wm": "src>crop>r1024>wm", "fromMid": "src>crop>mid>fromMid",
	} {
		require.Equal(t, api.EventRenditionCreated, byName[name].Type, "%s: %s", name, byName[name].ErrorMessage)
		obj, err := backend.GetObject("b", "out/"+name, nil)
		require.NoError(t, err, name)
		got, _ := io.ReadAll(obj.Contents)
		obj.Contents.Close()
		assert.Equal(t, want, string(got), name)
	}
	assert.Equal(t, api.ReasonSourceCorrupt, byName["broken"].ErrorReason)
	assert.Equal(t, api.ReasonSourceCorrupt, byName["afterBroken"].ErrorReason)
	assert.Equal(t, "source rendition 'broken' failed: broken could not be made", byName["afterBroken"].ErrorMessage)

	mu.Lock()
	defer mu.Unlock()
	assert.Len(t, keeps, 4, "crop, r1024, mid and broken are kept for the steps made from them: %v", keeps)
	for _, k := range keeps {
		assert.True(t, strings.HasPrefix(k, "s3://b/acs-tmp/rc-"), k)
	}
	left, err := backend.ListBucket("b", &gofakes3.Prefix{Prefix: "acs-tmp/", HasPrefix: true}, gofakes3.ListBucketPage{})
	require.NoError(t, err)
	assert.Empty(t, left.Contents, "temporary objects are removed")
	_, err = backend.HeadObject("b", "out/mid")
	assert.Error(t, err, "an intermediate step is stored nowhere but the scratch")
}

func TestComposedRequestWithoutScratchNamesTheSetting(t *testing.T) {
	c := owtest.New(t)
	c.Action("assetcompute/thumbnail", createAll)
	s := testServer(t, owEnv(c), nil)
	out, err := s.handle(context.Background(), withConfig(`{"source":"s3://b/a.jpg","renditions":[
		{"name":"crop","fmt":"png","target":"s3://b/c"},
		{"name":"small","fmt":"png","target":"s3://b/s","source":{"rendition":"crop"}}]}`, `{"actionPrefix":"assetcompute/"}`))
	require.NoError(t, err)
	res := out.(*process.Result)
	require.Len(t, res.Events, 2)
	assert.Equal(t, api.EventRenditionCreated, res.Events[0].Type)
	assert.Equal(t, api.EventRenditionFailed, res.Events[1].Type)
	assert.Contains(t, res.Events[1].ErrorMessage, "scratch location is not configured")
}

func TestScratchMustBeAnS3Prefix(t *testing.T) {
	for _, bad := range []string{"https://h/x?X-Amz-Signature=secret", "/tmp/x", "s3://"} {
		_, err := loadConfig(func(string) string { return "" }, json.RawMessage(`{"scratch":`+strconv.Quote(bad)+`}`))
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "scratch (ACS_SCRATCH) must be an s3:// prefix")
		assert.NotContains(t, err.Error(), "secret")
	}
	cfg, err := loadConfig(func(k string) string {
		return map[string]string{"ACS_SCRATCH": "s3://bucket/tmp/"}[k]
	}, nil)
	require.NoError(t, err)
	assert.Equal(t, "s3://bucket/tmp/", cfg.Scratch)
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestWebFormDropsDeploymentSettings: a web client cannot point the
// orchestrator's storage client (which deletes temporary objects) at
// another endpoint or turn the address guard off through the body.
func TestWebFormDropsDeploymentSettings(t *testing.T) {
	c := owtest.New(t)
	c.Action("assetcompute/process", func(int, json.RawMessage) owtest.Reply { return owtest.Reply{} })
	s := testServer(t, owEnv(c), nil)
	out, err := s.handle(context.Background(), json.RawMessage(`{"__ow_method":"post","__ow_headers":{},
		"source":"https://e.com/a.jpg","renditions":[{"fmt":"png","target":"s3://b/a"}],
		"s3Endpoint":"https://evil.example","allowPrivateNetworks":"true","s3AccessKeyId":"x"}`))
	require.NoError(t, err)
	require.Equal(t, 202, out.(webResponse).StatusCode)
	calls := c.Calls()
	require.Len(t, calls, 1)
	var fwd map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(calls[0].Body, &fwd))
	for _, k := range []string{"s3Endpoint", "allowPrivateNetworks", "s3AccessKeyId"} {
		assert.NotContains(t, fwd, k)
	}
	assert.Contains(t, fwd, "renditions")
}

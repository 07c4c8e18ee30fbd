package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// TestDeploymentSettingsReachTheTransfer runs a worker built with
// DefaultOptions, in an environment without S3 settings, against an
// in-process S3 server that the activation's parameters point at: the
// source is read from it and the rendition written to it, with the
// credentials from the parameters.
func TestDeploymentSettingsReachTheTransfer(t *testing.T) {
	for _, k := range []string{"ACS_S3_ENDPOINT", "ACS_S3_REGION", "ACS_S3_PATH_STYLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		t.Setenv(k, "")
		require.NoError(t, os.Unsetenv(k))
	}
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("assets"))
	_, err := backend.PutObject("assets", "in/photo name.txt", map[string]string{}, bytes.NewReader([]byte("hello s3")), 8, nil)
	require.NoError(t, err)
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)

	opts, err := DefaultOptions()
	require.NoError(t, err)
	opts.Logger = quiet
	w, err := New(func(ctx context.Context, src *Source, r *Rendition) error {
		require.NotNil(t, src.Transfer, "the activation's transfer client is handed to the function")
		b, err := io.ReadAll(io.NewSectionReader(src.Reader, 0, src.Size))
		if err != nil {
			return err
		}
		return os.WriteFile(r.Path, bytes.ToUpper(b), 0o600)
	}, opts)
	require.NoError(t, err)

	params := map[string]any{
		"requestId":         "req-1",
		"source":            "s3://assets/in/photo name.txt",
		"renditions":        []map[string]any{{"name": "upper.txt", "fmt": "txt", "target": "s3://assets/out/upper.txt"}},
		"s3Endpoint":        srv.URL,
		"s3Region":          "us-east-1",
		"s3ForcePathStyle":  true,
		"s3AccessKeyId":     "AKIATEST",
		"s3SecretAccessKey": "secret",
	}
	raw, err := json.Marshal(params)
	require.NoError(t, err)
	out, err := w.Handle(context.Background(), raw)
	require.NoError(t, err)
	res := out.(*api.WorkerResult)
	require.Len(t, res.Renditions, 1)
	require.Equal(t, api.StatusCreated, res.Renditions[0].Status, res.Renditions[0].Message)
	obj, err := backend.GetObject("assets", "out/upper.txt", nil)
	require.NoError(t, err)
	defer obj.Contents.Close()
	body, err := io.ReadAll(obj.Contents)
	require.NoError(t, err)
	assert.Equal(t, "HELLO S3", string(body))

	// The same settings reuse one client; other settings get their own.
	_, a, err := w.activationSettings(decodeParams(raw))
	require.NoError(t, err)
	_, b, err := w.activationSettings(decodeParams(raw))
	require.NoError(t, err)
	assert.Same(t, a, b)
	params["s3Region"] = "eu-west-1"
	raw, err = json.Marshal(params)
	require.NoError(t, err)
	_, c, err := w.activationSettings(decodeParams(raw))
	require.NoError(t, err)
	assert.NotSame(t, a, c)
	_, d, err := w.activationSettings(decodeParams([]byte(`{"requestId":"r"}`)))
	require.NoError(t, err)
	assert.Same(t, opts.Transfer, d, "no settings: the default client")
}

// TestActivationSettingsReachTheFunction checks that the function sees the
// worker's settings overridden by those of the activation's parameters,
// engine limits included, and that a parameter the worker does not know
// as a setting changes nothing.
func TestActivationSettingsReachTheFunction(t *testing.T) {
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "src.txt")
	require.NoError(t, os.WriteFile(srcPath, []byte("x"), 0o600))
	tc, err := transfer.New(transfer.Options{AllowLocal: true, Logger: quiet})
	require.NoError(t, err)
	var base settings.Settings
	require.NoError(t, base.Set("imageMaxFrames", "5"))
	require.NoError(t, base.Set("textMaxChars", "10"))
	var seen []settings.Settings
	var mu sync.Mutex
	w, err := New(func(ctx context.Context, src *Source, r *Rendition) error {
		mu.Lock()
		seen = append(seen, src.Settings)
		mu.Unlock()
		return os.WriteFile(r.Path, []byte("out"), 0o600)
	}, Options{Transfer: tc, Settings: base, Logger: quiet, TempDir: dir})
	require.NoError(t, err)

	run := func(extra string) {
		raw := `{"requestId":"r","source":` + strconv.Quote(srcPath) + `,"renditions":[{"name":"a.txt","fmt":"txt","target":` +
			strconv.Quote(filepath.Join(dir, "a.txt")) + `}]` + extra + `}`
		out, err := w.Handle(context.Background(), []byte(raw))
		require.NoError(t, err)
		res := out.(*api.WorkerResult)
		require.Equal(t, api.StatusCreated, res.Renditions[0].Status, res.Renditions[0].Message)
	}
	run(``)
	run(`,"imageMaxFrames":"7","maxSourceBytes":4096,"unrelated":"x"`)
	require.Len(t, seen, 2)
	assert.Equal(t, base, seen[0], "no settings in the parameters: the worker's")
	assert.Equal(t, "7", seen[1].Get("imageMaxFrames"), "a parameter wins")
	assert.Equal(t, "4096", seen[1].Get("maxSourceBytes"))
	assert.Equal(t, "10", seen[1].Get("textMaxChars"), "what the parameters leave is the worker's")
	var l settings.ImageLimits
	seen[1].ApplyImage(&l)
	assert.Equal(t, settings.ImageLimits{MaxSourceBytes: 4096, MaxFrames: 7}, l)
}

func TestInvalidDeploymentSettingsFailTheActivation(t *testing.T) {
	opts, err := DefaultOptions()
	require.NoError(t, err)
	opts.Logger = quiet
	w, err := New(func(ctx context.Context, src *Source, r *Rendition) error { return nil }, opts)
	require.NoError(t, err)
	raw := []byte(`{"source":"https://example.com/a.jpg","renditions":[{"name":"a","fmt":"png","target":"s3://b/k"}],"s3Endpoint":"ftp://x","s3SecretAccessKey":"TOPSECRET"}`)
	_, err = w.Handle(context.Background(), raw)
	require.Error(t, err)
	assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
	assert.Contains(t, err.Error(), "deployment parameter s3Endpoint: want an http(s) URL")
	assert.NotContains(t, err.Error(), "TOPSECRET")

	raw = []byte(`{"source":"https://example.com/a.jpg","renditions":[{"name":"a","fmt":"png","target":"s3://b/k"}],"maxSourceBytes":"2GB","imageMaxFrames":-1}`)
	_, err = w.Handle(context.Background(), raw)
	require.Error(t, err)
	assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
	assert.Contains(t, err.Error(), `deployment parameter maxSourceBytes: want a positive whole number, got "2GB"`)
	assert.Contains(t, err.Error(), `deployment parameter imageMaxFrames`)
}

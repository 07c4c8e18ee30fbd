package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestSettingsFromParams(t *testing.T) {
	tests := []struct {
		name    string
		params  string
		want    Settings
		wantErr string
	}{
		{"none", `{"requestId":"r"}`, Settings{}, ""},
		{"strings", `{"s3Endpoint":" http://s3.local:9000 ","s3Region":"eu-west-1","s3AccessKeyId":"AK","s3SecretAccessKey":"SK"}`,
			Settings{S3Endpoint: "http://s3.local:9000", S3Region: "eu-west-1", S3AccessKeyID: "AK", S3SecretAccessKey: "SK"}, ""},
		{"booleans and numbers", `{"s3ForcePathStyle":true,"allowHttp":false,"maxSourceBytes":1048576}`,
			Settings{S3ForcePathStyle: "true", AllowHTTP: "false", MaxSourceBytes: "1048576"}, ""},
		{"null and empty are unset", `{"s3Endpoint":null,"s3Region":""}`, Settings{}, ""},
		{"object", `{"s3Endpoint":{"url":"x"}}`, Settings{}, "deployment parameter s3Endpoint: want a string, boolean or number, got an object"},
		{"array", `{"allowHttp":[true]}`, Settings{}, "deployment parameter allowHttp: want a string, boolean or number, got an array"},
		{"not an object", `[1]`, Settings{}, "the activation parameters are not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SettingsFromParams(json.RawMessage(tt.params))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSettingsGetenvOverridesFallback(t *testing.T) {
	env := map[string]string{"ACS_S3_ENDPOINT": "http://env:9000", "ACS_S3_REGION": "env-region", "ACS_TRANSFER_ATTEMPTS": "2"}
	getenv := Settings{S3Endpoint: "http://param:9000", S3SecretAccessKey: "SK"}.Getenv(func(k string) string { return env[k] })
	assert.Equal(t, "http://param:9000", getenv("ACS_S3_ENDPOINT"), "a set parameter wins")
	assert.Equal(t, "env-region", getenv("ACS_S3_REGION"), "an unset parameter falls back")
	assert.Equal(t, "SK", getenv("AWS_SECRET_ACCESS_KEY"))
	assert.Equal(t, "2", getenv("ACS_TRANSFER_ATTEMPTS"), "variables without a parameter fall back")
}

func TestSettingsStringHidesSecrets(t *testing.T) {
	s := Settings{S3Endpoint: "http://s3.local", S3AccessKeyID: "AKIDSECRET", S3SecretAccessKey: "SUPERSECRET", S3SessionToken: "TOKENSECRET"}
	out := s.String()
	assert.Contains(t, out, "s3Endpoint=http://s3.local")
	for _, secret := range []string{"AKIDSECRET", "SUPERSECRET", "TOKENSECRET"} {
		assert.NotContains(t, out, secret)
	}
}

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
	s, err := SettingsFromParams(raw)
	require.NoError(t, err)
	a, err := w.transferFor(s)
	require.NoError(t, err)
	b, err := w.transferFor(s)
	require.NoError(t, err)
	assert.Same(t, a, b)
	s.S3Region = "eu-west-1"
	c, err := w.transferFor(s)
	require.NoError(t, err)
	assert.NotSame(t, a, c)
	d, err := w.transferFor(Settings{})
	require.NoError(t, err)
	assert.Same(t, opts.Transfer, d, "no settings: the default client")
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
	assert.Contains(t, err.Error(), "S3 endpoint")
	assert.NotContains(t, err.Error(), "TOPSECRET")
}

func TestClientsReuseOneClientPerSettings(t *testing.T) {
	c := &Clients{Getenv: func(string) string { return "" }, Logger: quiet}
	a, err := c.For(Settings{S3Region: "eu-west-1"})
	require.NoError(t, err)
	b, err := c.For(Settings{S3Region: "eu-west-1"})
	require.NoError(t, err)
	assert.Same(t, a, b)
	other, err := c.For(Settings{S3Region: "us-east-1"})
	require.NoError(t, err)
	assert.NotSame(t, a, other)
	_, err = c.For(Settings{S3Endpoint: "ftp://nope", S3SecretAccessKey: "hidden"})
	require.Error(t, err)
	assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
	assert.NotContains(t, err.Error(), "hidden")
}

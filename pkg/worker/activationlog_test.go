package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/settings"
)

// flakyServer serves a source at /src and accepts uploads under /up/,
// answering the first request to each path with 503, so every transfer
// is retried once.
func flakyServer(t *testing.T, source []byte) *httptest.Server {
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		first := !seen[r.Method+r.URL.Path]
		seen[r.Method+r.URL.Path] = true
		mu.Unlock()
		if first {
			http.Error(w, "slow down", http.StatusServiceUnavailable)
			return
		}
		if r.Method == http.MethodGet {
			_, _ = w.Write(source)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestActivationLogNamesTheActivation runs worker activations through the
// action loop, with deployment settings holding S3 credentials, a
// presigned source and target that each fail once, an s3:// target and a
// rendition function that panics, and reads the log: every line names the
// activation and the request, and no secret or presigned query reaches it.
func TestActivationLogNamesTheActivation(t *testing.T) {
	const (
		secretKey = "s3cr3t-Key-never-logged"
		signature = "deadbeefcafe0123signature"
		token     = "session-token-never-logged"
	)
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("assets"))
	s3srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(s3srv.Close)
	web := flakyServer(t, []byte("source bytes"))
	presign := "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAPRESIGN%2F20250101&X-Amz-Security-Token=" + token + "&X-Amz-Signature=" + signature

	var out testutil.SyncBuffer
	// A plain JSON logger: the worker, its transfer clients and the loop
	// add the ids themselves.
	logger := slog.New(slog.NewJSONHandler(&out, nil))
	clients := &settings.Clients{Logger: logger}
	base, err := clients.For(settings.Settings{})
	require.NoError(t, err)
	var calls atomic.Int32
	w, err := New(func(ctx context.Context, src *Source, r *Rendition) error {
		calls.Add(1)
		if r.Name == "boom.png" {
			panic("the engine broke on " + src.URL)
		}
		return writePNG(t, 4, 4)(ctx, src, r)
	}, Options{
		Transfer:    base,
		NewTransfer: func(s settings.Settings) (Transfer, error) { return clients.For(s) },
		TempDir:     t.TempDir(),
		Logger:      logger,
	})
	require.NoError(t, err)

	params := func(requestID string, renditions any) map[string]any {
		return map[string]any{
			"requestId":            requestID,
			"source":               web.URL + "/src/photo.png" + presign,
			"renditions":           renditions,
			"s3Endpoint":           s3srv.URL,
			"s3Region":             "us-east-1",
			"s3ForcePathStyle":     true,
			"s3AccessKeyId":        "AKIATEST",
			"s3SecretAccessKey":    secretKey,
			"allowHttp":            true,
			"allowPrivateNetworks": true,
		}
	}
	deadline := strconv.FormatInt(time.Now().Add(5*time.Minute).UnixMilli(), 10)
	line := func(activationID string, value map[string]any) string {
		b, err := json.Marshal(map[string]any{"value": value, "activation_id": activationID, "deadline": deadline, "api_key": "ow-api-key-" + secretKey})
		require.NoError(t, err)
		return string(b) + "\n"
	}
	in := line("act-1", params("req-1", []map[string]any{
		{"name": "a.png", "fmt": "png", "target": "s3://assets/renditions/a.png"},
		{"name": "b.png", "fmt": "png", "target": web.URL + "/up/b.png" + presign},
		{"name": "boom.png", "fmt": "png", "target": "s3://assets/renditions/boom.png"},
	})) + line("act-2", params("req-2", []map[string]any{})) // invalid: no rendition

	var results bytes.Buffer
	noEnv := func(string) string { return "" }
	err = owaction.Serve(context.Background(), strings.NewReader(in), &results, w.Handle,
		owaction.Options{Logger: logger, Getenv: noEnv, Setenv: func(string, string) error { return nil }})
	require.NoError(t, err)

	res := strings.Split(strings.TrimSpace(results.String()), "\n")
	require.Len(t, res, 2)
	var wr api.WorkerResult
	require.NoError(t, json.Unmarshal([]byte(res[0]), &wr))
	require.Len(t, wr.Renditions, 3)
	assert.Equal(t, api.StatusCreated, wr.Renditions[0].Status, wr.Renditions[0].Message)
	assert.Equal(t, api.StatusCreated, wr.Renditions[1].Status, wr.Renditions[1].Message)
	assert.Equal(t, api.StatusFailed, wr.Renditions[2].Status)
	assert.Contains(t, res[1], `"error"`, "the second activation fails as a whole")
	assert.Equal(t, int32(3), calls.Load())

	log := out.String()
	t.Logf("activation log:\n%s", log)
	byActivation := map[string]string{"act-1": "req-1", "act-2": "req-2"}
	msgs := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec), l)
		act, _ := rec["activationId"].(string)
		assert.Contains(t, byActivation, act, "activationId: %s", l)
		assert.Equal(t, byActivation[act], rec["requestId"], "requestId: %s", l)
		assert.Equal(t, 1, strings.Count(l, `"requestId"`), "one requestId: %s", l)
		assert.Equal(t, 1, strings.Count(l, `"activationId"`), "one activationId: %s", l)
		msgs[rec["msg"].(string)]++
	}
	for _, m := range []string{"transfer attempt failed; retrying", "source fetched", "rendition function panicked", "activation failed"} {
		assert.Positive(t, msgs[m], "the log has %q:\n%s", m, log)
	}
	assert.Equal(t, 2, msgs["rendition stored"], "one line per stored rendition:\n%s", log)
	assert.GreaterOrEqual(t, msgs["transfer attempt failed; retrying"], 2, "the source fetch and the presigned upload were retried")
	for _, secret := range []string{secretKey, signature, token, "X-Amz-Signature", "X-Amz-Credential"} {
		assert.NotContains(t, log, secret)
	}
}

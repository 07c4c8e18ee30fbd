package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/storageevent"
)

// TestActivationLogNamesTheActivation serves a notification of two objects
// through the action loop, wired as in main, against an S3 endpoint that
// fails every HEAD: the retries and the warnings that the renditions are
// made again are logged, each line with the activation and the request it
// is about, and the secret key never appears.
func TestActivationLogNamesTheActivation(t *testing.T) {
	const secret = "s3cr3t-never-logged"
	s3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(s3.Close)
	var out testutil.SyncBuffer
	logger := slog.New(slog.NewJSONHandler(&out, nil))
	env, err := settings.FromEnv(func(k string) string { return map[string]string{"ACS_TRANSFER_ATTEMPTS": "2"}[k] })
	require.NoError(t, err)
	st := &staters{env: env, clients: &settings.Clients{Logger: logger}}
	h := &storageevent.Handler{Stater: st.forParams, Logger: logger}

	value := json.RawMessage(`{
		"Records":[
			{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"assets"},"object":{"key":"in/a.jpg","eTag":"\"a\""}}},
			{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"assets"},"object":{"key":"in/b.jpg","eTag":"\"b\""}}}],
		"renditions":[{"fmt":"png","name":"thumb.png"}],
		"s3Endpoint":"` + s3.URL + `","s3Region":"us-east-1","s3ForcePathStyle":"true",
		"s3AccessKeyId":"AKIATEST","s3SecretAccessKey":"` + secret + `",
		"allowHttp":"true","allowPrivateNetworks":"true"}`)
	line, err := json.Marshal(map[string]any{"value": value, "activation_id": "act-se",
		"deadline": strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10)})
	require.NoError(t, err)
	var results bytes.Buffer
	require.NoError(t, owaction.Serve(context.Background(), bytes.NewReader(append(line, '\n')), &results, h.Handle,
		owaction.Options{Logger: logger, Getenv: func(string) string { return "" }, Setenv: func(string, string) error { return nil }}))
	var batch storageevent.Batch
	require.NoError(t, json.Unmarshal(results.Bytes(), &batch), results.String())
	require.Len(t, batch.Requests, 2, "targets that cannot be checked are made again")

	ids := map[string]bool{
		storageevent.RequestID(storageevent.Object{Bucket: "assets", Key: "in/a.jpg", ETag: "a"}): true,
		storageevent.RequestID(storageevent.Object{Bucket: "assets", Key: "in/b.jpg", ETag: "b"}): true,
	}
	log := out.String()
	t.Logf("activation log:\n%s", log)
	msgs := map[string]map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec), l)
		assert.Equal(t, "act-se", rec["activationId"], l)
		req, _ := rec["requestId"].(string)
		assert.True(t, ids[req], "requestId: %s", l)
		assert.Equal(t, 1, strings.Count(l, `"requestId"`), l)
		msg := rec["msg"].(string)
		if msgs[msg] == nil {
			msgs[msg] = map[string]bool{}
		}
		msgs[msg][req] = true
	}
	assert.Len(t, msgs["transfer attempt failed; retrying"], 2, "a retry line for each request")
	assert.Len(t, msgs["cannot check whether a rendition exists; making it again"], 2)
	assert.NotContains(t, log, secret)
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/storageevent"
)

// TestDuplicateNotificationIsSkipped runs the action's handler as wired in
// main against an in-process S3, with the S3 settings in the parameters as
// the package binds them: the first delivery gives the request, and once
// the renditions exist with its requestId a duplicate is skipped.
func TestDuplicateNotificationIsSkipped(t *testing.T) {
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("assets"))
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)

	// nothing from the process environment
	st := &staters{clients: &settings.Clients{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	h := &storageevent.Handler{Stater: st.forParams}
	params := []byte(`{
		"Records":[{"eventName":"s3:ObjectCreated:Put","s3":{"configurationId":"webhook-global","bucket":{"name":"assets"},"object":{"key":"in/a b.jpg","eTag":"\"abc\""}}}],
		"renditions":"[{\"fmt\":\"png\",\"width\":100,\"name\":\"thumb.png\"},{\"fmt\":\"xmp\",\"name\":\"meta.xmp\"}]",
		"targetTemplate":"renditions/{key}/{name}",
		"s3Endpoint":"` + srv.URL + `","s3Region":"us-east-1","s3ForcePathStyle":"true",
		"s3AccessKeyId":"AKIATEST","s3SecretAccessKey":"secret",
		"allowHttp":"true","allowPrivateNetworks":"true"}`)

	tests := []struct {
		name   string
		stored []string // rendition names stored with the request's id before the delivery
		want   []string // renditions sent to process; nil: skipped
	}{
		{"first delivery", nil, []string{"thumb.png", "meta.xmp"}},
		{"partial", []string{"thumb.png"}, []string{"meta.xmp"}},
		{"duplicate", []string{"thumb.png", "meta.xmp"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := storageevent.RequestID(storageevent.Object{Bucket: "assets", Key: "in/a b.jpg", ETag: "abc"})
			for _, n := range tc.stored {
				_, err := backend.PutObject("assets", "renditions/in/a b.jpg/"+n,
					map[string]string{"X-Amz-Meta-Acs-Request-Id": id}, bytes.NewReader([]byte("x")), 1, nil)
				require.NoError(t, err)
			}
			res, err := h.Handle(context.Background(), params)
			require.NoError(t, err)
			if tc.want == nil {
				b, ok := res.(*storageevent.Batch)
				require.True(t, ok, "%T", res)
				assert.Empty(t, b.Requests)
				require.Len(t, b.Skipped, 1)
				assert.Equal(t, id, b.Skipped[0].RequestID)
				assert.Equal(t, storageevent.SkipReasonAlreadyProcessed, b.Skipped[0].Reason)
				return
			}
			req, ok := res.(*storageevent.Request)
			require.True(t, ok, "%T", res)
			assert.Equal(t, id, req.RequestID)
			var names []string
			for _, r := range req.Renditions {
				var n string
				require.NoError(t, json.Unmarshal(r["name"], &n))
				names = append(names, n)
			}
			assert.Equal(t, tc.want, names)
		})
	}
	a, err := st.forParams(params)
	require.NoError(t, err)
	b, err := st.forParams(params)
	require.NoError(t, err)
	assert.Same(t, a, b, "one client for the deployment's settings, reused")
}

func TestStatersRejectBadSettings(t *testing.T) {
	st := &staters{clients: &settings.Clients{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	_, err := st.forParams([]byte(`{"s3Endpoint":"ftp://nope","s3SecretAccessKey":"hidden"}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "deployment parameter s3Endpoint: want an http(s) URL")
	assert.NotContains(t, err.Error(), "hidden")
	_, err = st.forParams([]byte(`{"s3Endpoint":{"x":1}}`))
	require.ErrorContains(t, err, "s3Endpoint")
}

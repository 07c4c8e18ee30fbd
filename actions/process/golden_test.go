package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/golden"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// goldenPNG is a 3x2 grey PNG, written byte for byte so the golden
// metadata (size, SHA-1) does not depend on an encoder.
var goldenPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x03\x00\x00\x00\x02\b\x00\x00\x00\x00\xb8\x1f9\xc6" +
	"\x00\x00\x00\x14IDATx\x9cbb```b8\xc1\x00\b\x00\x00\xff\xff\x01\xb0\x00\xcd;<\xa5\x91\x00\x00\x00\x00IEND\xaeB`\x82")

// TestBatchResultGolden pins the JSON shape of the process action's result
// for a storage-event batch: one result per request (created, too large
// with repo:size, invalid as a whole) and the skipped records passed
// through (testdata/batch_result.golden; -update rewrites it).
func TestBatchResultGolden(t *testing.T) {
	s0 := testServer(t, nil, nil) // for its quiet logger
	client, err := transfer.New(transfer.Options{Attempts: 1, Logger: s0.logger})
	require.NoError(t, err)
	w, err := worker.New(func(_ context.Context, _ *worker.Source, r *worker.Rendition) error {
		return os.WriteFile(r.Path, goldenPNG, 0o600)
	}, worker.Options{Transfer: client, TempDir: t.TempDir(), Logger: s0.logger,
		// A clock that never moves: the step timings are all zero.
		Now: func() time.Time { return time.Date(2025, 3, 9, 12, 34, 56, 0, time.UTC) }})
	require.NoError(t, err)
	s := testServer(t, map[string]string{}, invoke.NewInProcess(map[string]invoke.Handler{api.ActionThumbnail: w.Handle}))
	s.now = func() time.Time { return time.Date(2025, 3, 9, 12, 34, 56, 0, time.UTC) }

	batch := api.StorageEventBatch{
		Requests: []json.RawMessage{
			json.RawMessage(`{"requestId":"se-1","source":"data:text/plain;base64,aGVsbG8=","renditions":[{"name":"thumb.png","fmt":"png","embedBinaryLimit":1000}]}`),
			json.RawMessage(`{"requestId":"se-2","source":"data:text/plain;base64,aGVsbG8=","renditions":[{"name":"thumb.png","fmt":"png","embedBinaryLimit":10}]}`),
			json.RawMessage(`{"requestId":"se-3","renditions":[{"name":"thumb.png","fmt":"png","target":"s3://photos/renditions/c.jpg/thumb.png"}]}`),
		},
		Skipped: []api.Skip{
			{Bucket: "photos", Key: "d.jpg", Event: "ObjectRemoved:Delete", Reason: `event "ObjectRemoved:Delete" is not one of [ObjectCreated]`},
			{Bucket: "photos", Key: "e.jpg", Event: "ObjectCreated:Put", RequestID: "se-4",
				Reason: "already processed: every rendition exists for this object version", Renditions: []string{"thumb.png"}},
		},
	}
	params, err := json.Marshal(batch)
	require.NoError(t, err)
	out, err := s.handle(context.Background(), params)
	require.NoError(t, err)
	golden.JSON(t, "batch_result.golden", out)

	// What the action returns is what a client reads back.
	var buf bytes.Buffer
	require.NoError(t, json.NewEncoder(&buf).Encode(out))
	var back BatchResult
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	again, err := json.Marshal(back)
	require.NoError(t, err)
	require.JSONEq(t, buf.String(), string(again))
}

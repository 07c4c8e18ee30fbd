package storageevent

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// TestOutputIsTheWireContract: what the action returns for every sample
// notification is what the process action reads. A batch decodes as
// api.StorageEventBatch and re-encodes to the same JSON; each of its
// requests, like a single request, is a valid api.Request.
func TestOutputIsTheWireContract(t *testing.T) {
	samples := []string{
		"s3_put.json", "s3_multi.json", "minio_put.json", "sns_notification.json",
		"sns_subscription_confirmation.json", "cos_write.json", "versitygw_put.json",
		"versitygw_copy.json", "versitygw_delete.json", "versitygw_multipart.json",
		"versitygw_put_odd_key.json", "versitygw_test_event.json",
	}
	batches := 0
	for _, name := range samples {
		t.Run(name, func(t *testing.T) {
			params := mergeParams(t, readSample(t, name), `{"renditions":[{"fmt":"png"},{"fmt":"xmp","name":"meta.xmp"}]}`)
			res, err := Handle(context.Background(), params)
			require.NoError(t, err)
			out, err := json.Marshal(res)
			require.NoError(t, err)

			wire, isBatch, err := api.DecodeStorageEventBatch(out)
			require.NoError(t, err)
			if _, ok := res.(*Batch); !ok {
				require.False(t, isBatch, "a single request is not read as a batch: %s", out)
				checkRequest(t, out)
				return
			}
			batches++
			require.True(t, isBatch, "%s", out)
			// The probe above only reads requests and skipped; the whole
			// type must round-trip.
			var full api.StorageEventBatch
			require.NoError(t, json.Unmarshal(out, &full))
			again, err := json.Marshal(full)
			require.NoError(t, err)
			assert.JSONEq(t, string(out), string(again))
			assert.Equal(t, full.Skipped, wire.Skipped)
			require.Len(t, wire.Requests, len(full.Requests))
			for _, r := range wire.Requests {
				checkRequest(t, r)
			}
		})
	}
	assert.Positive(t, batches, "the samples include batches")
}

// checkRequest asserts raw is a processing request every rendition of
// which is valid.
func checkRequest(t *testing.T, raw []byte) {
	t.Helper()
	req, err := api.DecodeRequest(raw)
	require.NoError(t, err, "%s", raw)
	require.NotEmpty(t, req.Renditions)
	for _, r := range req.Renditions {
		assert.NoError(t, r.Invalid, "rendition %s", r.Name)
	}
}

package api

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStorageEventBatchRoundTrips reads samples of what the storage-event
// action emits, encodes them again and compares: the typed batch keeps
// every field.
func TestStorageEventBatchRoundTrips(t *testing.T) {
	for _, name := range []string{"storage_event_batch.json", "storage_event_confirmation.json"} {
		t.Run(name, func(t *testing.T) {
			data := readTestdata(t, name)
			var b StorageEventBatch
			require.NoError(t, json.Unmarshal(data, &b))
			out, err := json.Marshal(b)
			require.NoError(t, err)
			assert.JSONEq(t, string(data), string(out))

			decoded, ok, err := DecodeStorageEventBatch(data)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, b.Skipped, decoded.Skipped)
			require.Len(t, decoded.Requests, len(b.Requests))
			for _, raw := range decoded.Requests {
				req, err := DecodeRequest(raw)
				require.NoError(t, err)
				for _, r := range req.Renditions {
					require.NoError(t, r.Invalid)
				}
			}
		})
	}
}

func TestStorageEventBatchFields(t *testing.T) {
	var b StorageEventBatch
	require.NoError(t, json.Unmarshal(readTestdata(t, "storage_event_batch.json"), &b))
	require.Len(t, b.Requests, 2)
	require.Len(t, b.Skipped, 3)
	assert.Equal(t, Skip{
		Bucket: "photos", Key: "d.jpg", Event: "ObjectCreated:Put",
		RequestID:  "se-5e0d8c0b3d2f4e1a9b7c6d5e4f3a2b1c",
		Reason:     "already processed: every rendition exists for this object version",
		Renditions: []string{"rendition-1.png", "meta.xmp"},
	}, b.Skipped[2])

	var c StorageEventBatch
	require.NoError(t, json.Unmarshal(readTestdata(t, "storage_event_confirmation.json"), &c))
	assert.Empty(t, c.Requests)
	require.NotNil(t, c.SubscriptionConfirmation)
	assert.Equal(t, "arn:aws:sns:us-west-2:123456789012:MyTopic", c.SubscriptionConfirmation.TopicARN)
}

func TestBatchResultRoundTrips(t *testing.T) {
	data := readTestdata(t, "batch_result.json")
	var r BatchResult[json.RawMessage]
	require.NoError(t, json.Unmarshal(data, &r))
	require.Len(t, r.Results, 1)
	require.Len(t, r.Skipped, 1)
	out, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, string(data), string(out))

	empty, err := json.Marshal(BatchResult[json.RawMessage]{Results: []json.RawMessage{}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"results":[]}`, string(empty), "no skipped field when nothing was skipped")
}

func TestDecodeStorageEventBatch(t *testing.T) {
	cases := []struct {
		name, params string
		ok           bool
		err          string
		requests     int
	}{
		{"a processing request", `{"source":"s3://b/a.jpg","renditions":[{"fmt":"png"}]}`, false, "", 0},
		{"a request that also says requests", `{"source":"s3://b/a.jpg","requests":[]}`, false, "", 0},
		{"not an object", `[1,2]`, false, "", 0},
		{"not JSON", `{`, false, "", 0},
		{"an empty batch", `{"requests":[]}`, true, "", 0},
		{"requests null", `{"requests":null}`, true, "", 0},
		{"two requests", `{"requests":[{"source":"s3://b/a"},null]}`, true, "", 2},
		{"requests not an array", `{"requests":{"not":"an array"}}`, true, "requests: must be an array", 0},
		{"skipped not an array", `{"requests":[],"skipped":"x"}`, true, "skipped: must be an array", 0},
		{"skipped null", `{"requests":[],"skipped":null}`, true, "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, ok, err := DecodeStorageEventBatch([]byte(tc.params))
			assert.Equal(t, tc.ok, ok)
			if tc.err != "" {
				require.Error(t, err)
				assert.Equal(t, ReasonGeneric, ReasonOf(err))
				assert.Contains(t, MessageOf(err), tc.err)
				return
			}
			require.NoError(t, err)
			if ok {
				assert.Len(t, b.Requests, tc.requests)
			}
		})
	}
}

package storageevent

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// roundTrip decodes a sample into T, encodes it and decodes it again: the
// typed struct must survive unchanged.
func roundTrip[T any](t *testing.T, data []byte) T {
	t.Helper()
	var a, b T
	require.NoError(t, json.Unmarshal(data, &a))
	out, err := json.Marshal(a)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(out, &b))
	require.Equal(t, a, b)
	return a
}

func TestSamplesRoundTrip(t *testing.T) {
	s3 := roundTrip[S3Event](t, readSample(t, "s3_put.json"))
	assert.Equal(t, "photos", s3.Records[0].S3.Bucket.Name)
	assert.Equal(t, "096fKKXTRTtl3on89fVO.nfljtsv6qko", s3.Records[0].S3.Object.VersionID)

	sns := roundTrip[SNSMessage](t, readSample(t, "sns_notification.json"))
	assert.Equal(t, "Notification", sns.Type)
	inner := roundTrip[S3Event](t, []byte(sns.Message))
	assert.Equal(t, "ObjectCreated:CompleteMultipartUpload", inner.Records[0].EventName)

	conf := roundTrip[SNSMessage](t, readSample(t, "sns_subscription_confirmation.json"))
	assert.NotEmpty(t, conf.SubscribeURL)

	minio := roundTrip[S3Event](t, readSample(t, "minio_put.json"))
	assert.Equal(t, "s3:ObjectCreated:Put", minio.EventName)
	assert.Equal(t, "MinIO (linux; amd64) minio-go/v7.0.70", minio.Records[0].Source.UserAgent)

	vgw := roundTrip[S3Event](t, readSample(t, "versitygw_put.json"))
	assert.Equal(t, "s3:ObjectCreated:Put", vgw.Records[0].EventName)
	assert.Equal(t, "webhook-global", vgw.Records[0].S3.ConfigurationID)

	cos := roundTrip[COSEvent](t, readSample(t, "cos_write.json"))
	assert.Equal(t, "Object:Write", cos.Notification.EventType)
}

func TestParseSamples(t *testing.T) {
	tests := []struct {
		file string
		want []Object
	}{
		{"s3_put.json", []Object{{Sender: "s3", Event: "ObjectCreated:Put", Bucket: "photos",
			Key: "uploads/summer trip/café + friends.jpg", Size: 1024,
			ETag: "d41d8cd98f00b204e9800998ecf8427e", VersionID: "096fKKXTRTtl3on89fVO.nfljtsv6qko"}}},
		{"sns_notification.json", []Object{{Sender: "sns", Event: "ObjectCreated:CompleteMultipartUpload",
			Bucket: "photos", Key: "raw/IMG 0001.HEIC", Size: 3145728, ETag: "9b2cf535f27731c974343645a3985328-2"}}},
		{"minio_put.json", []Object{{Sender: "s3", Event: "ObjectCreated:Put", Bucket: "assets",
			Key: "docs/日本 report.pdf", Size: 52311, ETag: "5fc7298143efe1276d39a3466d4e255f"}}},
		// The versitygw_*.json bodies are exactly what versitygw v1.8.0
		// POSTed to its --event-webhook-url (captured by
		// test/e2e TestVersitygwNotifications with E2E_CAPTURE_DIR): keys
		// are not URL-encoded, multipart and copy events carry size 0.
		{"versitygw_put.json", []Object{{Sender: "s3", Event: "ObjectCreated:Put", Bucket: "captures",
			Key: "incoming/naïve photo (1).jpg", Size: 35, ETag: "f0183076a74044986a183ce06f80bd1c"}}},
		{"versitygw_put_odd_key.json", []Object{{Sender: "s3", Event: "ObjectCreated:Put", Bucket: "captures",
			Key: "odd/100% a+b=c&d;e,f#g?h.txt", Size: 34, ETag: "0ea3de8f7d93c4bc02e31da38e70730c"}}},
		{"versitygw_multipart.json", []Object{{Sender: "s3", Event: "ObjectCreated:CompleteMultipartUpload", Bucket: "captures",
			Key: "multi/part é.bin", ETag: "dd1fd2c473c304eca8d2822fcc4d7d33-2"}}},
		{"versitygw_copy.json", []Object{{Sender: "s3", Event: "ObjectCreated:Copy", Bucket: "captures",
			Key: "copies/naïve copy.jpg", ETag: "f0183076a74044986a183ce06f80bd1c"}}},
		{"versitygw_delete.json", []Object{{Sender: "s3", Event: "ObjectRemoved:Delete", Bucket: "captures",
			Key: "plain.jpg"}}},
		{"cos_write.json", []Object{{Sender: "cos", Event: "ObjectCreated:Put", Bucket: "cos-assets",
			Key: "catalog/red shoe (1).jpg", Size: 48213, ETag: "8c3b5f0f2d8e1c7a9b6e4d2f1a0c9b8e"}}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			n, err := Parse(readSample(t, tc.file))
			require.NoError(t, err)
			assert.Nil(t, n.SubscriptionConfirmation)
			assert.Equal(t, tc.want, n.Objects)
		})
	}
}

func TestDecodeKey(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "a/b.jpg", "a/b.jpg"},
		{"plus is space", "my+photo.jpg", "my photo.jpg"},
		{"encoded plus", "a%2Bb.jpg", "a+b.jpg"},
		{"encoded space", "a%20b.jpg", "a b.jpg"},
		{"unicode", "caf%C3%A9/%E6%97%A5%E6%9C%AC.png", "café/日本.png"},
		{"emoji", "%F0%9F%93%B7.jpg", "📷.jpg"},
		{"encoded slash", "dir%2Ffile.jpg", "dir/file.jpg"},
		{"percent", "100%25.jpg", "100%.jpg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeKey(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := DecodeKey("bad%zz.jpg")
	assert.Error(t, err)
}

// TestVersitygwKeysAreNotDecoded: versitygw puts the decoded request path
// in its records, so "+" and "%" in its keys are literal; AWS-style records
// with the same key are URL-decoded.
func TestVersitygwKeysAreNotDecoded(t *testing.T) {
	const raw = "a+b/100%.jpg"
	tests := []struct {
		name, configurationID, arn, want string
		wantErr                          bool
	}{
		{"versitygw webhook", "webhook-global", "arn:aws:s3:::/b/" + raw, raw, false},
		{"versitygw kafka", "kafka-global", "", raw, false},
		{"versitygw by ARN", "", "arn:aws:s3:::/b/" + raw, raw, false},
		{"AWS S3", "upload-config", "arn:aws:s3:::b", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ev S3Event
			ev.Records = []S3Record{{EventName: "s3:ObjectCreated:Put"}}
			ev.Records[0].S3.ConfigurationID = tc.configurationID
			ev.Records[0].S3.Bucket = S3Bucket{Name: "b", ARN: tc.arn}
			ev.Records[0].S3.Object.Key = raw
			body, _ := json.Marshal(ev)
			n, err := Parse(body)
			if tc.wantErr {
				require.ErrorIs(t, err, ErrMalformed, "%%.j is not a valid escape")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, n.Objects[0].Key)
		})
	}
	// The same key, URL-encoded as AWS sends it.
	n, err := Parse([]byte(`{"Records":[{"eventName":"ObjectCreated:Put","s3":{"configurationId":"c","bucket":{"name":"b","arn":"arn:aws:s3:::b"},"object":{"key":"a%2Bb/100%25.jpg"}}}]}`))
	require.NoError(t, err)
	assert.Equal(t, raw, n.Objects[0].Key)
}

// TestHandleVersitygwUploads: every object-created notification versitygw
// sends (put, multipart complete, copy) gives a processing request for the
// exact key; its start-up test event and deletes give nothing to do.
func TestHandleVersitygwUploads(t *testing.T) {
	profile := `{"renditions":[{"fmt":"png","width":100,"name":"t.png"}],"targetTemplate":"renditions/{key}/{name}"}`
	for file, key := range map[string]string{
		"versitygw_put.json":         "incoming/naïve photo (1).jpg",
		"versitygw_put_odd_key.json": "odd/100% a+b=c&d;e,f#g?h.txt",
		"versitygw_multipart.json":   "multi/part é.bin",
		"versitygw_copy.json":        "copies/naïve copy.jpg",
	} {
		t.Run(file, func(t *testing.T) {
			res, err := Handle(context.Background(), mergeParams(t, readSample(t, file), profile))
			require.NoError(t, err)
			req, ok := res.(*Request)
			require.True(t, ok, "%T %+v", res, res)
			assert.Equal(t, "s3://captures/"+key, req.Source)
			var target string
			require.NoError(t, json.Unmarshal(req.Renditions[0]["target"], &target))
			assert.Equal(t, "s3://captures/renditions/"+key+"/t.png", target)
			_, err = api.DecodeRequest(mustJSON(t, req))
			require.NoError(t, err)
		})
	}
	t.Run("delete", func(t *testing.T) {
		res, err := Handle(context.Background(), mergeParams(t, readSample(t, "versitygw_delete.json"), profile))
		require.NoError(t, err)
		b := res.(*Batch)
		assert.Empty(t, b.Requests)
		require.Len(t, b.Skipped, 1)
		assert.Contains(t, b.Skipped[0].Reason, "ObjectRemoved:Delete")
	})
	t.Run("test event", func(t *testing.T) {
		// Sent once at start-up, before any profile may be bound.
		for _, params := range [][]byte{readSample(t, "versitygw_test_event.json"), mergeParams(t, readSample(t, "versitygw_test_event.json"), profile)} {
			res, err := Handle(context.Background(), params)
			require.NoError(t, err)
			b := res.(*Batch)
			assert.True(t, b.TestEvent)
			assert.Empty(t, b.Requests)
			assert.JSONEq(t, `{"requests":[],"testEvent":true}`, string(mustJSON(t, b)))
		}
	})
	t.Run("AWS S3 test event", func(t *testing.T) {
		n, err := Parse([]byte(`{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-28T12:00:00.000Z","Bucket":"photos","RequestId":"R","HostId":"H"}`))
		require.NoError(t, err)
		assert.True(t, n.TestEvent)
		assert.Empty(t, n.Objects)
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestParseMalformed(t *testing.T) {
	tests := []struct{ name, body, msg string }{
		{"not json", `{"Records":`, "not a JSON object"},
		{"array", `[1,2]`, "not a JSON object"},
		{"unknown shape", `{"hello":"world"}`, "expected S3/MinIO/versitygw"},
		{"records not a list", `{"Records":{}}`, "Records"},
		{"record without key", `{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{}}}]}`, "s3.object.key"},
		{"bad escape", `{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"%zz"}}}]}`, "not URL-encoded"},
		{"sns garbage message", `{"Type":"Notification","Message":"not json"}`, "SNS Message"},
		{"sns unknown type", `{"Type":"Other","Message":"{}"}`, "SNS message type"},
		{"cos without key", `{"bucket":"b","notification":{"event_type":"Object:Write"}}`, "bucket and key"},
		{"cos bad length", `{"bucket":"b","key":"k","notification":{"event_type":"Object:Write","object_length":"x"}}`, "object_length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.body))
			require.ErrorIs(t, err, ErrMalformed)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func testProfile(t *testing.T, extra string) *Profile {
	t.Helper()
	p, err := ParseProfile([]byte(`{"renditions":[{"fmt":"png","width":319,"height":319,"name":"thumb.png"},{"fmt":"xmp"}]` + extra + `}`))
	require.NoError(t, err)
	return p
}

func TestFilters(t *testing.T) {
	obj := func(event, key string) Object {
		return Object{Event: event, Bucket: "b", Key: key, Size: 1, ETag: "e"}
	}
	tests := []struct {
		name   string
		extra  string
		obj    Object
		accept bool
	}{
		{"created by default", "", obj("ObjectCreated:Put", "a.jpg"), true},
		{"removed ignored by default", "", obj("ObjectRemoved:Delete", "a.jpg"), false},
		{"minio prefix in profile events", `,"events":"s3:ObjectCreated:Put"`, obj("ObjectCreated:Put", "a.jpg"), true},
		{"event list excludes copy", `,"events":["ObjectCreated:Put"]`, obj("ObjectCreated:Copy", "a.jpg"), false},
		{"loop guard default prefix", "", obj("ObjectCreated:Put", "renditions/a.jpg/thumb.png"), false},
		{"loop guard from template", `,"targetTemplate":"out/acs/{dirname}/{stem}-{name}"`, obj("ObjectCreated:Put", "out/acs/x.png"), false},
		{"template prefix does not guard others", `,"targetTemplate":"out/acs/{dirname}/{stem}-{name}"`, obj("ObjectCreated:Put", "renditions/x.png"), true},
		{"explicit loop guard", `,"renditionPrefix":"gen/"`, obj("ObjectCreated:Put", "gen/x.png"), false},
		{"prefix match", `,"prefix":"uploads/"`, obj("ObjectCreated:Put", "uploads/a.jpg"), true},
		{"prefix miss", `,"prefix":"uploads/"`, obj("ObjectCreated:Put", "other/a.jpg"), false},
		{"suffix case-insensitive", `,"suffix":".jpg,.png"`, obj("ObjectCreated:Put", "A.JPG"), true},
		{"suffix miss", `,"suffix":[".jpg"]`, obj("ObjectCreated:Put", "a.pdf"), false},
		{"folder marker", "", Object{Event: "ObjectCreated:Put", Bucket: "b", Key: "dir/"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, why := testProfile(t, tc.extra).Accept(tc.obj)
			assert.Equal(t, tc.accept, ok, why)
			if !ok {
				assert.NotEmpty(t, why)
			}
		})
	}
}

func TestExpandTemplate(t *testing.T) {
	tests := []struct{ tmpl, key, want string }{
		{"renditions/{key}/{name}", "a/b c.jpg", "renditions/a/b c.jpg/thumb.png"},
		{"{dirname}/r/{stem}.{ext}/{name}", "a/b/photo.JPG", "a/b/r/photo.JPG/thumb.png"},
		{"{dirname}/r/{basename}-{name}", "photo.jpg", "r/photo.jpg-thumb.png"},
		{"{bucket}/{name}", "x", "src/thumb.png"},
	}
	for _, tc := range tests {
		got, err := ExpandTemplate(tc.tmpl, "src", tc.key, "thumb.png")
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, tc.tmpl)
	}
	_, err := ExpandTemplate("r/{nope}", "b", "k", "n")
	assert.ErrorContains(t, err, "unknown placeholder {nope}")
	_, err = ExpandTemplate("r/{key", "b", "k", "n")
	assert.ErrorContains(t, err, "unclosed")
}

func TestHandleSingleRecordGivesTheRequest(t *testing.T) {
	params := mergeParams(t, readSample(t, "s3_put.json"),
		`{"renditions":"[{\"fmt\":\"png\",\"width\":319,\"name\":\"thumb.png\"},{\"fmt\":\"xmp\"}]","targetBucket":"out"}`)
	res, err := Handle(context.Background(), params)
	require.NoError(t, err)
	req, ok := res.(*Request)
	require.True(t, ok, "%T", res)

	// The result is exactly a processing request that pkg/api accepts.
	body, err := json.Marshal(req)
	require.NoError(t, err)
	decoded, err := api.DecodeRequest(body)
	require.NoError(t, err)
	assert.Equal(t, "s3://photos/uploads/summer trip/café + friends.jpg", decoded.Source.URL)
	require.Len(t, decoded.Renditions, 2)
	assert.Equal(t, "thumb.png", decoded.Renditions[0].Name)
	assert.Equal(t, "rendition-2.xmp", decoded.Renditions[1].Name)
	assert.Equal(t, "s3://out/renditions/uploads/summer trip/café + friends.jpg/thumb.png", decoded.Renditions[0].Target.URL)
	assert.Nil(t, decoded.Renditions[0].Invalid)
	assert.Equal(t, req.RequestID, decoded.RequestID)
}

func TestDuplicateNotificationSameRequestID(t *testing.T) {
	params := mergeParams(t, readSample(t, "minio_put.json"), `{"renditions":[{"fmt":"jpg"}]}`)
	a, err := Handle(context.Background(), params)
	require.NoError(t, err)
	b, err := Handle(context.Background(), params)
	require.NoError(t, err)
	assert.Equal(t, a.(*Request).RequestID, b.(*Request).RequestID)

	base := Object{Bucket: "b", Key: "k", ETag: "e1"}
	other := []Object{
		{Bucket: "b2", Key: "k", ETag: "e1"},
		{Bucket: "b", Key: "k2", ETag: "e1"},
		{Bucket: "b", Key: "k", ETag: "e2"},
		{Bucket: "b", Key: "k", ETag: "e1", VersionID: "v1"},
	}
	for _, o := range other {
		assert.NotEqual(t, RequestID(base), RequestID(o), "%+v", o)
	}
	// With a version id, the ETag does not matter.
	assert.Equal(t, RequestID(Object{Bucket: "b", Key: "k", VersionID: "v", ETag: "x"}),
		RequestID(Object{Bucket: "b", Key: "k", VersionID: "v", ETag: "y"}))
}

func TestHandleSeveralRecordsGivesABatch(t *testing.T) {
	params := mergeParams(t, readSample(t, "s3_multi.json"), `{"renditions":[{"fmt":"png"}]}`)
	res, err := Handle(context.Background(), params)
	require.NoError(t, err)
	b, ok := res.(*Batch)
	require.True(t, ok, "%T", res)
	require.Len(t, b.Requests, 2, "a.jpg once (duplicate record), b.png")
	assert.Equal(t, "s3://photos/a.jpg", b.Requests[0].Source)
	assert.Equal(t, "s3://photos/b.png", b.Requests[1].Source)
	require.Len(t, b.Skipped, 2)
	assert.Equal(t, "c.jpg", b.Skipped[0].Key)
	assert.Contains(t, b.Skipped[1].Reason, "rendition prefix")
}

func TestHandleOwnOutputIsSkipped(t *testing.T) {
	body := `{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"renditions/a.jpg/thumb.png","eTag":"x"}}}],"renditions":[{"fmt":"png"}]}`
	res, err := Handle(context.Background(), []byte(body))
	require.NoError(t, err)
	b := res.(*Batch)
	assert.Empty(t, b.Requests)
	require.Len(t, b.Skipped, 1)
}

func TestHandleSubscriptionConfirmation(t *testing.T) {
	res, err := Handle(context.Background(), readSample(t, "sns_subscription_confirmation.json"))
	require.NoError(t, err)
	b := res.(*Batch)
	assert.Empty(t, b.Requests)
	require.NotNil(t, b.SubscriptionConfirmation)
	assert.Contains(t, b.SubscriptionConfirmation.SubscribeURL, "ConfirmSubscription")
}

func TestHandleBadProfile(t *testing.T) {
	tests := []struct{ name, profile, msg string }{
		{"missing renditions", `{}`, "renditions is required"},
		{"empty input", `{"renditions":""}`, "renditions is required"},
		{"not a list", `{"renditions":"{"}`, "JSON array"},
		{"empty list", `{"renditions":[]}`, "empty"},
		{"invalid rendition", `{"renditions":[{"fmt":"nope"}]}`, "renditions[0]"},
		{"url template", `{"renditions":[{"fmt":"png"}],"targetTemplate":"s3://x/{name}"}`, "not a URL"},
		{"bad placeholder", `{"renditions":[{"fmt":"png"}],"targetTemplate":"r/{size}/{name}"}`, "unknown placeholder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Handle(context.Background(), mergeParams(t, readSample(t, "cos_write.json"), tc.profile))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestPerRenditionTargetTemplate(t *testing.T) {
	p := testProfile(t, "")
	p.Renditions[1] = json.RawMessage(`{"fmt":"xmp","name":"meta.xmp","target":"sidecars/{stem}.xmp"}`)
	r, err := p.Build(Object{Bucket: "b", Key: "x/photo.jpg"})
	require.NoError(t, err)
	assert.JSONEq(t, `"s3://b/renditions/x/photo.jpg/thumb.png"`, string(r.Renditions[0]["target"]))
	assert.JSONEq(t, `"s3://b/sidecars/photo.xmp"`, string(r.Renditions[1]["target"]))
}

// mergeParams merges the profile's keys into a notification, as OpenWhisk
// merges bound parameters into a trigger's payload.
func mergeParams(t *testing.T, notification []byte, profile string) []byte {
	t.Helper()
	var n, p map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(notification, &n))
	require.NoError(t, json.Unmarshal([]byte(profile), &p))
	for k, v := range p {
		n[k] = v
	}
	out, err := json.Marshal(n)
	require.NoError(t, err)
	return out
}

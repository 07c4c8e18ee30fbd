package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/storageevent"
)

// hookRequest is one POST received by a recording webhook.
type hookRequest struct {
	At          time.Time
	User, Pass  string
	HasAuth     bool
	ContentType string
	Body        []byte
}

// recorder is an http.Handler that keeps every request it receives.
type recorder struct {
	mu   sync.Mutex
	reqs []hookRequest
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	u, p, ok := req.BasicAuth()
	r.mu.Lock()
	r.reqs = append(r.reqs, hookRequest{At: time.Now(), User: u, Pass: p, HasAuth: ok, ContentType: req.Header.Get("Content-Type"), Body: body})
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *recorder) all() []hookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookRequest(nil), r.reqs...)
}

// versitygwRecord is the part of a versitygw notification record this test
// looks at.
type versitygwRecord struct {
	EventName string `json:"eventName"`
	S3        struct {
		ConfigurationID string `json:"configurationId"`
		Bucket          struct {
			Name string `json:"name"`
			ARN  string `json:"arn"`
		} `json:"bucket"`
		Object struct {
			Key       string  `json:"key"`
			Size      int64   `json:"size"`
			ETag      *string `json:"eTag"`
			VersionID *string `json:"versionId"`
		} `json:"object"`
	} `json:"s3"`
}

// TestVersitygwNotifications runs versitygw with a recording webhook, makes
// every kind of object write (put, multipart, copy) and delete with keys
// that need escaping, and checks what versitygw POSTs and that
// pkg/storageevent reads each body back to the exact key. With
// E2E_CAPTURE_DIR set it writes the bodies there (how
// pkg/storageevent/testdata/versitygw_*.json were made).
func TestVersitygwNotifications(t *testing.T) {
	rec := &recorder{}
	hook := httptest.NewServer(rec)
	defer hook.Close()
	// Credentials in the URL: Go's http.Client turns them into a Basic
	// Authorization header, which is how versitygw can fire an OpenWhisk
	// trigger (it has no option for auth headers).
	hookURL := strings.Replace(hook.URL, "http://", "http://hookuser:hook%3Apass@", 1) + "/hook"
	gw := startVersitygw(t, hookURL)
	c := gw.client()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const bucket = "captures"
	createBucket(t, c, bucket)
	keys := []string{
		"plain.jpg",
		"incoming/naïve photo (1).jpg",
		"日本語/ファイル名 テスト.png",
		"odd/100% a+b=c&d;e,f#g?h.txt",
	}
	for _, k := range keys {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader("hello " + k)})
		require.NoError(t, err, "put %q", k)
	}
	// Multipart: two parts, the first at the 5 MiB minimum.
	mpKey := "multi/part é.bin"
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(mpKey)})
	require.NoError(t, err)
	var parts []types.CompletedPart
	for i, size := range []int{5 << 20, 1024} {
		n := int32(i + 1)
		up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(mpKey), UploadId: mp.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(bytes.Repeat([]byte{'x'}, size))})
		require.NoError(t, err)
		parts = append(parts, types.CompletedPart{ETag: up.ETag, PartNumber: aws.Int32(n)})
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(mpKey), UploadId: mp.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	require.NoError(t, err)
	copyKey := "copies/naïve copy.jpg"
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String(copyKey),
		CopySource: aws.String(bucket + "/" + pathEscape("incoming/naïve photo (1).jpg"))})
	require.NoError(t, err)
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("plain.jpg")})
	require.NoError(t, err)

	// 1 test event + 4 puts + complete + copy + delete; versitygw sends
	// each from its own goroutine, so in any order.
	want := 1 + len(keys) + 3
	err = waitFor(ctx, 15*time.Second, 50*time.Millisecond, func() error {
		if n := len(rec.all()); n < want {
			return fmt.Errorf("%d of %d notifications", n, want)
		}
		return nil
	})
	require.NoError(t, err)
	time.Sleep(300 * time.Millisecond) // anything extra would show up now

	allKeys := append(append([]string{}, keys...), mpKey, copyKey)
	byEvent := map[string][]versitygwRecord{}
	bodies := map[string][]byte{}
	sawTest := false
	for _, r := range rec.all() {
		assert.True(t, r.HasAuth, "credentials in the webhook URL arrive as Basic auth")
		assert.Equal(t, "hookuser", r.User)
		assert.Equal(t, "hook:pass", r.Pass)
		assert.Contains(t, r.ContentType, "application/json")
		var probe struct {
			Event   string
			Records []versitygwRecord
		}
		require.NoError(t, json.Unmarshal(r.Body, &probe), "%s", r.Body)
		n, err := storageevent.Parse(r.Body)
		require.NoError(t, err, "storageevent.Parse(%s)", r.Body)
		if probe.Event == "s3:TestEvent" {
			sawTest = true
			assert.Empty(t, n.Objects, "the start-up test event holds no objects")
			bodies["test"] = r.Body
			continue
		}
		require.Len(t, probe.Records, 1, "%s", r.Body)
		rec0 := probe.Records[0]
		byEvent[rec0.EventName] = append(byEvent[rec0.EventName], rec0)
		require.Len(t, n.Objects, 1)
		o := n.Objects[0]
		assert.Equal(t, bucket, o.Bucket)
		assert.Contains(t, allKeys, o.Key, "decoded key of %s", r.Body)
		assert.Equal(t, strings.TrimPrefix(rec0.EventName, "s3:"), o.Event)
		name := strings.NewReplacer("s3:", "", ":", "_").Replace(rec0.EventName)
		if o.Key == "incoming/naïve photo (1).jpg" || o.Key == mpKey || o.Key == copyKey || o.Key == "plain.jpg" && strings.Contains(name, "Removed") {
			bodies[name] = r.Body
		}
		if o.Key == "odd/100% a+b=c&d;e,f#g?h.txt" {
			bodies["odd_key"] = r.Body
		}
	}
	assert.True(t, sawTest, "versitygw POSTs a test event at start")
	assert.Len(t, byEvent["s3:ObjectCreated:Put"], len(keys))
	assert.Len(t, byEvent["s3:ObjectCreated:CompleteMultipartUpload"], 1)
	assert.Len(t, byEvent["s3:ObjectCreated:Copy"], 1)
	assert.Len(t, byEvent["s3:ObjectRemoved:Delete"], 1)
	names := make([]string, 0, len(byEvent))
	for k, v := range byEvent {
		r := v[0]
		et, vid := "<null>", "<null>"
		if r.S3.Object.ETag != nil {
			et = fmt.Sprintf("%q", *r.S3.Object.ETag)
		}
		if r.S3.Object.VersionID != nil {
			vid = fmt.Sprintf("%q", *r.S3.Object.VersionID)
		}
		names = append(names, fmt.Sprintf("%s x%d (configurationId %q, key %q, size %d, eTag %s, versionId %s, arn %q)",
			k, len(v), r.S3.ConfigurationID, r.S3.Object.Key, r.S3.Object.Size, et, vid, r.S3.Bucket.ARN))
	}
	sort.Strings(names)
	t.Logf("versitygw notifications:\n  %s", strings.Join(names, "\n  "))

	if dir := os.Getenv("E2E_CAPTURE_DIR"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for name, b := range bodies {
			// The exact bytes versitygw sent.
			p := filepath.Join(dir, "versitygw_"+name+".json")
			require.NoError(t, os.WriteFile(p, b, 0o644))
			t.Logf("wrote %s", p)
		}
	}
}

// pathEscape escapes a key for a CopySource header (each segment).
func pathEscape(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

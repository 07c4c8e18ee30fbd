package transfer

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// s3Fixture is an in-process S3 server (gofakes3) with a bucket named
// "bucket", a Client configured for it, and a log of the requests it saw.
type s3Fixture struct {
	srv    *httptest.Server
	client *Client
	logs   *logBuffer

	mu   sync.Mutex
	seen []string // "METHOD /path?query"
	// fail, when set, can answer a request with an error status.
	fail func(r *http.Request) int
}

func newS3Fixture(t *testing.T, edit func(*Options)) *s3Fixture {
	t.Helper()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("bucket"))
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	fx := &s3Fixture{}
	handler := faker.Server()
	fx.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fx.mu.Lock()
		fx.seen = append(fx.seen, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		fail := fx.fail
		fx.mu.Unlock()
		if fail != nil {
			if code := fail(r); code != 0 {
				_, _ = io.Copy(io.Discard, r.Body)
				http.Error(w, "injected failure", code)
				return
			}
		}
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(fx.srv.Close)
	fx.client, fx.logs = newTestClient(t, func(o *Options) {
		o.S3 = S3Options{Endpoint: fx.srv.URL, Region: "eu-west-1", PathStyle: true, AccessKeyID: "AKIATEST", SecretAccessKey: secret}
		if edit != nil {
			edit(o)
		}
	})
	return fx
}

// requests returns the requests seen whose "METHOD /path?query" contains
// every one of parts.
func (fx *s3Fixture) requests(parts ...string) []string {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	var out []string
next:
	for _, s := range fx.seen {
		for _, p := range parts {
			if !strings.Contains(s, p) {
				continue next
			}
		}
		out = append(out, s)
	}
	return out
}

// s3 returns the fixture client's S3 client.
func (fx *s3Fixture) s3(t *testing.T) *s3.Client {
	t.Helper()
	c, err := fx.client.s3Client()
	require.NoError(t, err)
	return c
}

func (fx *s3Fixture) object(t *testing.T, key string) ([]byte, string) {
	t.Helper()
	out, err := fx.s3(t).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String(key)})
	require.NoError(t, err)
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	return data, aws.ToString(out.ContentType)
}

func TestS3PutAndFetch(t *testing.T) {
	tests := []struct {
		name      string
		size      int
		wantParts int // 0: a single PutObject
	}{
		{"small object", 10_000, 0},
		{"empty object", 0, 0},
		{"multipart above the threshold", 2*int(MinPartSize) + 12345, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newS3Fixture(t, func(o *Options) {
				o.MultipartThreshold = MinPartSize
				o.PartSize = MinPartSize
			})
			data := payload(tc.size)
			key := "out/" + strings.ReplaceAll(tc.name, " ", "-") + ".png"
			err := fx.client.Put(context.Background(), api.Target{URL: "s3://bucket/" + key}, writeTemp(t, data), PutOptions{ContentType: "image/png"})
			require.NoError(t, err)
			assert.Len(t, fx.requests("PUT", "partNumber="), tc.wantParts)

			stored, contentType := fx.object(t, key)
			assert.True(t, bytes.Equal(data, stored), "stored object equals the file")
			assert.Equal(t, "image/png", contentType)

			dir := t.TempDir()
			got, err := fx.client.Fetch(context.Background(), api.Source{URL: "s3://bucket/" + key}, dir)
			require.NoError(t, err)
			assert.EqualValues(t, tc.size, got.Size)
			assert.Equal(t, sha1Hex(data), got.SHA1)
			assert.Equal(t, "image/png", got.ContentType)
		})
	}
}

func TestS3Failures(t *testing.T) {
	t.Run("a missing key is not found and not retried", func(t *testing.T) {
		fx := newS3Fixture(t, nil)
		dir := t.TempDir()
		_, err := fx.client.Fetch(context.Background(), api.Source{URL: "s3://bucket/nope.png"}, dir)
		requireReason(t, err, api.ReasonGeneric)
		assert.Contains(t, err.Error(), "source not found (404)")
		assert.Len(t, fx.requests("GET /bucket/nope.png"), 1)
		requireEmptyDir(t, dir)
	})

	t.Run("a missing bucket is not found", func(t *testing.T) {
		fx := newS3Fixture(t, nil)
		_, err := fx.client.Fetch(context.Background(), api.Source{URL: "s3://other/a.png"}, t.TempDir())
		requireReason(t, err, api.ReasonGeneric)
		assert.Contains(t, err.Error(), "not found (404)")
	})

	t.Run("5xx is retried", func(t *testing.T) {
		fx := newS3Fixture(t, nil)
		require.NoError(t, fx.client.Put(context.Background(), api.Target{URL: "s3://bucket/a.txt"}, writeTemp(t, []byte("abc")), PutOptions{}))
		var calls int
		fx.fail = func(r *http.Request) int {
			if r.Method == http.MethodGet {
				if calls++; calls == 1 {
					return http.StatusServiceUnavailable
				}
			}
			return 0
		}
		got, err := fx.client.Fetch(context.Background(), api.Source{URL: "s3://bucket/a.txt"}, t.TempDir())
		require.NoError(t, err)
		assert.EqualValues(t, 3, got.Size)
		assert.Len(t, fx.requests("GET /bucket/a.txt"), 2)
	})

	t.Run("announced size over the limit", func(t *testing.T) {
		fx := newS3Fixture(t, func(o *Options) { o.MaxSourceBytes = 100 })
		require.NoError(t, fx.client.Put(context.Background(), api.Target{URL: "s3://bucket/big"}, writeTemp(t, payload(101)), PutOptions{}))
		dir := t.TempDir()
		_, err := fx.client.Fetch(context.Background(), api.Source{URL: "s3://bucket/big"}, dir)
		requireReason(t, err, api.ReasonSourceTooLarge)
		requireEmptyDir(t, dir)
	})

	t.Run("a failed multipart upload is aborted", func(t *testing.T) {
		fx := newS3Fixture(t, func(o *Options) {
			o.MultipartThreshold = MinPartSize
			o.PartSize = MinPartSize
			o.Attempts = 2
		})
		fx.fail = func(r *http.Request) int {
			if r.URL.Query().Get("partNumber") == "2" {
				return http.StatusInternalServerError
			}
			return 0
		}
		err := fx.client.Put(context.Background(), api.Target{URL: "s3://bucket/broken.bin"}, writeTemp(t, payload(int(MinPartSize)+10)), PutOptions{})
		requireReason(t, err, api.ReasonGeneric)
		assert.Contains(t, err.Error(), "part 2 of 2")
		assert.Contains(t, err.Error(), "failed after 2 attempts")
		assert.Len(t, fx.requests("PUT", "partNumber=2"), 2)
		assert.Len(t, fx.requests("DELETE /bucket/broken.bin", "uploadId="), 1, "the upload is aborted")
		assert.Empty(t, fx.requests("POST /bucket/broken.bin", "uploadId="), "and never completed")
		assert.NotContains(t, fx.logs.String(), secret)
		assert.NotContains(t, err.Error(), secret)
	})
}

func TestS3PresignedURLs(t *testing.T) {
	fx := newS3Fixture(t, nil)
	presign := s3.NewPresignClient(fx.s3(t))
	ctx := context.Background()
	data := payload(50_000)
	require.NoError(t, fx.client.Put(ctx, api.Target{URL: "s3://bucket/in/source.jpg"}, writeTemp(t, data), PutOptions{ContentType: "image/jpeg"}))

	t.Run("a presigned GET is a source", func(t *testing.T) {
		req, err := presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("in/source.jpg")}, s3.WithPresignExpires(time.Minute))
		require.NoError(t, err)
		require.Contains(t, req.URL, "X-Amz-Signature=")
		got, err := fx.client.Fetch(ctx, api.Source{URL: req.URL}, t.TempDir())
		require.NoError(t, err)
		assert.Equal(t, sha1Hex(data), got.SHA1)
		assert.Equal(t, "image/jpeg", got.ContentType)
	})

	t.Run("a presigned PUT is a target", func(t *testing.T) {
		req, err := presign.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("out/r.png")}, s3.WithPresignExpires(time.Minute))
		require.NoError(t, err)
		rendition := payload(7000)
		require.NoError(t, fx.client.Put(ctx, api.Target{URL: req.URL}, writeTemp(t, rendition), PutOptions{ContentType: "image/png"}))
		stored, contentType := fx.object(t, "out/r.png")
		assert.True(t, bytes.Equal(rendition, stored))
		assert.Equal(t, "image/png", contentType)
	})

	t.Run("a presigned GET of a missing object keeps its query out of the error", func(t *testing.T) {
		req, err := presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("in/missing.jpg")})
		require.NoError(t, err)
		_, err = fx.client.Fetch(ctx, api.Source{URL: req.URL}, t.TempDir())
		requireReason(t, err, api.ReasonGeneric)
		assert.Contains(t, err.Error(), "source not found (404)")
		assert.NotContains(t, err.Error(), "X-Amz-")
		assert.NotContains(t, fx.logs.String(), "X-Amz-")
	})
}

// TestS3ConfigurationErrorsSurfaceOnFirstUse checks that the AWS
// configuration is loaded lazily: a client whose configuration cannot load
// is still built (workers that never see s3:// do not pay for it), and the
// first s3:// transfer reports the problem as a GenericError without retrying.
func TestS3ConfigurationErrorsSurfaceOnFirstUse(t *testing.T) {
	t.Setenv("AWS_PROFILE", "acs-no-such-profile")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/credentials")
	c, err := New(Options{})
	require.NoError(t, err)
	start := time.Now()
	_, err = c.Fetch(context.Background(), api.Source{URL: "s3://bucket/key.jpg"}, t.TempDir())
	require.Error(t, err)
	assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
	assert.Contains(t, err.Error(), "S3 is not configured correctly")
	assert.Contains(t, err.Error(), "acs-no-such-profile")
	assert.Less(t, time.Since(start), 2*time.Second, "a configuration error is not retried")
}

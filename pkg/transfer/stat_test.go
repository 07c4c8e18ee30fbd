package transfer

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestS3PutMetadataAndStat(t *testing.T) {
	tests := []struct {
		name      string
		size      int
		meta      map[string]string
		want      map[string]string
		wantParts int // 0: a single PutObject
	}{
		{"single upload", 10_000,
			map[string]string{"acs-request-id": "se-0123", "acs-rendition": "thumb.png"},
			map[string]string{"acs-request-id": "se-0123", "acs-rendition": "thumb.png"}, 0},
		{"multipart upload", int(MinPartSize) + 1234,
			map[string]string{"acs-request-id": "se-4567", "acs-rendition": "big.tif"},
			map[string]string{"acs-request-id": "se-4567", "acs-rendition": "big.tif"}, 2},
		{"keys are lower-cased", 10,
			map[string]string{"ACS-Rendition": "x"},
			map[string]string{"acs-rendition": "x"}, 0},
		{"non-ASCII values survive the round trip", 10,
			map[string]string{"acs-rendition": "vignette café 日本.png", "note": "=?looks encoded?="},
			map[string]string{"acs-rendition": "vignette café 日本.png", "note": "=?looks encoded?="}, 0},
		{"no metadata", 10, nil, map[string]string{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newS3Fixture(t, func(o *Options) {
				o.MultipartThreshold = MinPartSize
				o.PartSize = MinPartSize
			})
			ctx := context.Background()
			data := payload(tc.size)
			url := "s3://bucket/out/" + strings.ReplaceAll(tc.name, " ", "-")
			require.NoError(t, fx.client.Put(ctx, api.Target{URL: url}, writeTemp(t, data), PutOptions{ContentType: "image/png", Metadata: tc.meta}))
			assert.Len(t, fx.requests("PUT", "partNumber="), tc.wantParts)

			info, err := fx.client.Stat(ctx, url)
			require.NoError(t, err)
			assert.EqualValues(t, tc.size, info.Size)
			assert.NotEmpty(t, info.ETag)
			assert.NotContains(t, info.ETag, `"`)
			assert.Equal(t, "image/png", info.ContentType)
			assert.Equal(t, tc.want, info.Metadata)
			if tc.wantParts == 0 {
				// A single upload's ETag is the MD5, as a listing reports it.
				out, err := fx.s3(t).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bucket"), Key: aws.String(strings.TrimPrefix(url, "s3://bucket/"))})
				require.NoError(t, err)
				assert.Equal(t, strings.Trim(aws.ToString(out.ETag), `"`), info.ETag)
			}
		})
	}
}

func TestPutMetadataInvalidKey(t *testing.T) {
	fx := newS3Fixture(t, nil)
	for _, key := range []string{"", "has space", "colon:", "é"} {
		err := fx.client.Put(context.Background(), api.Target{URL: "s3://bucket/k"}, writeTemp(t, []byte("x")), PutOptions{Metadata: map[string]string{key: "v"}})
		requireReason(t, err, api.ReasonGeneric)
		assert.Contains(t, err.Error(), "metadata key")
	}
	assert.Empty(t, fx.requests("PUT /bucket/k"), "nothing is uploaded")
}

func TestPutMetadataIgnoredByOtherTargets(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, func(o *Options) { o.AllowLocal = true })
	meta := map[string]string{"acs-request-id": "r1"}
	require.NoError(t, c.Put(context.Background(), api.Target{URL: srv.URL + "/presigned?X-Amz-Signature=" + secret}, writeTemp(t, []byte("abc")), PutOptions{Metadata: meta}))
	for k := range got {
		assert.NotContains(t, strings.ToLower(k), "x-amz-meta-", "a presigned PUT did not sign metadata headers")
	}
	dst := filepath.Join(t.TempDir(), "out.txt")
	require.NoError(t, c.Put(context.Background(), api.Target{URL: dst}, writeTemp(t, []byte("abc")), PutOptions{Metadata: meta}))
	assert.FileExists(t, dst)
}

func TestStat(t *testing.T) {
	tests := []struct {
		name string
		url  string
		// fail answers HEAD requests with this status (0: never).
		fail     int
		failOnce bool
		notFound bool
		wantErr  string
		heads    int // HEAD requests made
	}{
		{name: "missing object is not found", url: "s3://bucket/nope.png", notFound: true, wantErr: "s3://bucket/nope.png: not found (404)", heads: 1},
		{name: "missing bucket is not found", url: "s3://other/a.png", notFound: true, wantErr: "not found (404)", heads: 1},
		{name: "access denied is not 'not found'", url: "s3://bucket/a.txt", fail: http.StatusForbidden, wantErr: "was denied (403)", heads: 1},
		{name: "5xx is retried and then fails", url: "s3://bucket/a.txt", fail: http.StatusServiceUnavailable, wantErr: "failed after 3 attempts", heads: 3},
		{name: "one 5xx is retried", url: "s3://bucket/a.txt", fail: http.StatusInternalServerError, failOnce: true, heads: 2},
		{name: "a presigned URL cannot be checked", url: "https://example.com/k?X-Amz-Signature=" + secret, wantErr: "only s3://bucket/key", heads: 0},
		{name: "a key is required", url: "s3://bucket/", wantErr: "has no object key", heads: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newS3Fixture(t, func(o *Options) { o.Attempts = 3 })
			ctx := context.Background()
			require.NoError(t, fx.client.Put(ctx, api.Target{URL: "s3://bucket/a.txt"}, writeTemp(t, []byte("abc")), PutOptions{Metadata: map[string]string{"k": "v"}}))
			calls := 0
			fx.fail = func(r *http.Request) int {
				if r.Method != http.MethodHead || tc.fail == 0 {
					return 0
				}
				if calls++; tc.failOnce && calls > 1 {
					return 0
				}
				return tc.fail
			}
			info, err := fx.client.Stat(ctx, tc.url)
			assert.Len(t, fx.requests("HEAD"), tc.heads)
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.EqualValues(t, 3, info.Size)
				assert.Equal(t, map[string]string{"k": "v"}, info.Metadata)
				return
			}
			requireReason(t, err, api.ReasonGeneric)
			assert.Nil(t, info)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Equal(t, tc.notFound, errors.Is(err, ErrNotFound))
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, fx.logs.String(), secret)
		})
	}
}

func TestStatHonoursContext(t *testing.T) {
	fx := newS3Fixture(t, nil)
	fx.fail = func(*http.Request) int { return http.StatusServiceUnavailable }
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := fx.client.Stat(ctx, "s3://bucket/a.txt")
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrNotFound))
}

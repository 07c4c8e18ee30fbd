package transfer

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// TestRenditionTooLargeCarriesTheSize checks every way Put finds a
// rendition too large: each fails with RenditionTooLarge, at once (no
// retry), and the error carries the rendition's size.
func TestRenditionTooLargeCarriesTheSize(t *testing.T) {
	const size = 3000
	refuse := func(code int, body string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(code)
			_, _ = io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	http413 := refuse(http.StatusRequestEntityTooLarge, "too large")
	// AWS S3 answers an object over its limits with 400 EntityTooLarge.
	s3EntityTooLarge := refuse(http.StatusBadRequest, `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message><RequestId>R</RequestId><HostId>H</HostId></Error>`)
	s3413 := refuse(http.StatusRequestEntityTooLarge, `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>EntityTooLarge</Code><Message>too large</Message></Error>`)

	tests := []struct {
		name      string
		endpoint  string
		threshold int64
		target    api.Target
		wantLimit int64
		want      string
	}{
		{"multipart target whose parts cannot hold it", "", 0,
			api.Target{URLs: []string{http413.URL + "/1", http413.URL + "/2"}, MaxPartSize: 1000}, 2000, "maxPartSize"},
		{"HTTP 413", "", 0, api.Target{URL: http413.URL + "/r.png?sig=" + secret}, 0, "413 Request Entity Too Large"},
		{"HTTP 413 on a part", "", 0, api.Target{URLs: []string{http413.URL + "/1?sig=" + secret, http413.URL + "/2"}}, 0, "413 Request Entity Too Large"},
		{"S3 PutObject 400 EntityTooLarge", s3EntityTooLarge.URL, 0, api.Target{URL: "s3://bucket/r.png"}, 0, "S3 PutObject of s3://bucket/r.png refused the rendition as too large (EntityTooLarge, 400 Bad Request)"},
		{"S3 PutObject 413", s3413.URL, 0, api.Target{URL: "s3://bucket/r.png"}, 0, "EntityTooLarge, 413 Request Entity Too Large"},
		{"S3 multipart upload refused", s3EntityTooLarge.URL, MinPartSize, api.Target{URL: "s3://bucket/r.png"}, 0, "refused the rendition as too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, logs := newTestClient(t, func(o *Options) {
				o.S3 = S3Options{Endpoint: tc.endpoint, Region: "eu-west-1", PathStyle: true, AccessKeyID: "AKIATEST", SecretAccessKey: secret}
				if tc.threshold > 0 {
					o.MultipartThreshold = tc.threshold
				}
			})
			n := size
			if tc.threshold > 0 {
				n = int(tc.threshold) + size
			}
			err := c.Put(context.Background(), tc.target, writeTemp(t, payload(n)), PutOptions{})
			requireReason(t, err, api.ReasonRenditionTooLarge)
			assert.Contains(t, api.MessageOf(err), tc.want)
			var tooLarge *RenditionTooLargeError
			require.True(t, errors.As(err, &tooLarge), "the error carries the size: %v", err)
			assert.EqualValues(t, n, tooLarge.Size)
			assert.Equal(t, tc.wantLimit, tooLarge.Limit)
			assert.Zero(t, retries(logs), "not retried")
			assert.NotContains(t, err.Error(), secret)
		})
	}

	t.Run("PlanParts", func(t *testing.T) {
		_, _, err := PlanParts(api.Target{URLs: []string{"https://a/1"}, MaxPartSize: 10}, 11)
		requireReason(t, err, api.ReasonRenditionTooLarge)
		var tooLarge *RenditionTooLargeError
		require.True(t, errors.As(err, &tooLarge))
		assert.EqualValues(t, 11, tooLarge.Size)
		assert.EqualValues(t, 10, tooLarge.Limit)
	})
}

package transfer

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"zero value", Options{}, ""},
		{"negative size limit", Options{MaxSourceBytes: -1}, "MaxSourceBytes"},
		{"negative timeout", Options{Timeout: -time.Second}, "timeout"},
		{"negative attempts", Options{Attempts: -1}, "attempts"},
		{"negative backoff", Options{BackoffBase: -1}, "BackoffBase"},
		{"negative threshold", Options{MultipartThreshold: -1}, "MultipartThreshold"},
		{"part size below S3's minimum", Options{PartSize: 1 << 20}, "PartSize"},
		{"part size above S3's maximum", Options{PartSize: 6 << 30}, "PartSize"},
		{"endpoint without scheme", Options{S3: S3Options{Endpoint: "localhost:9000"}}, "S3 endpoint"},
		{"endpoint query is not echoed", Options{S3: S3Options{Endpoint: "ftp://h/?token=" + secret}}, "S3 endpoint"},
		{"access key without secret", Options{S3: S3Options{AccessKeyID: "AKIA"}}, "both"},
		{"session token alone", Options{S3: S3Options{SessionToken: "t"}}, "session token"},
		{"custom endpoint and keys", Options{S3: S3Options{Endpoint: "https://s3.example.com", AccessKeyID: "a", SecretAccessKey: "b"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Validate()
			if tc.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.NotContains(t, err.Error(), secret)
		})
	}
}

func TestNewAppliesDefaults(t *testing.T) {
	c, err := New(Options{})
	require.NoError(t, err)
	assert.Equal(t, DefaultMaxSourceBytes, c.opts.MaxSourceBytes)
	assert.Equal(t, DefaultTimeout, c.opts.Timeout)
	assert.Equal(t, DefaultAttempts, c.opts.Attempts)
	assert.Equal(t, DefaultBackoffBase, c.opts.BackoffBase)
	assert.Equal(t, DefaultMultipartThreshold, c.opts.MultipartThreshold)
	assert.Equal(t, DefaultPartSize, c.opts.PartSize)
	assert.NotNil(t, c.log)
	s3c, err := c.s3Client()
	require.NoError(t, err)
	assert.NotEmpty(t, s3c.Options().Region)
}

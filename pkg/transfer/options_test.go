package transfer

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptionsFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Options
		wantErr []string
	}{
		{name: "nothing set is the zero value", env: nil, want: Options{}},
		{
			name: "every setting",
			env: map[string]string{
				"ACS_ALLOW_LOCAL": "true", "ACS_ALLOW_HTTP": "1", "ACS_ALLOW_PRIVATE_NETWORKS": "TRUE",
				"ACS_MAX_SOURCE_BYTES": "1048576", "ACS_TRANSFER_TIMEOUT": "90s", "ACS_TRANSFER_ATTEMPTS": "2",
				"ACS_S3_ENDPOINT": "http://minio:9000", "ACS_S3_REGION": "eu-central-1", "ACS_S3_PATH_STYLE": "true",
				"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_SESSION_TOKEN": "tok",
			},
			want: Options{
				AllowLocal: true, AllowHTTP: true, AllowPrivateNetworks: true,
				MaxSourceBytes: 1 << 20, Timeout: 90 * time.Second, Attempts: 2,
				S3: S3Options{Endpoint: "http://minio:9000", Region: "eu-central-1", PathStyle: true,
					AccessKeyID: "AKIA", SecretAccessKey: "s3cr3t", SessionToken: "tok"},
			},
		},
		{
			name: "unreadable values are reported, naming the variable",
			env: map[string]string{
				"ACS_ALLOW_HTTP": "yes please", "ACS_MAX_SOURCE_BYTES": "2GB", "ACS_TRANSFER_TIMEOUT": "60",
				"ACS_TRANSFER_ATTEMPTS": "0", "ACS_S3_ENDPOINT": "minio:9000",
			},
			wantErr: []string{"ACS_ALLOW_HTTP", "ACS_MAX_SOURCE_BYTES", "ACS_TRANSFER_TIMEOUT", "ACS_TRANSFER_ATTEMPTS", "S3 endpoint"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := OptionsFromEnv(func(k string) string { return tc.env[k] })
			err := got.Validate()
			if len(tc.wantErr) > 0 {
				require.Error(t, err)
				for _, want := range tc.wantErr {
					assert.Contains(t, err.Error(), want)
				}
				_, err = New(got)
				assert.Error(t, err, "New refuses what Validate refuses")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

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

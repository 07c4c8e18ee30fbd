package transfer

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestCheckServiceURL(t *testing.T) {
	t.Parallel()
	strict, err := New(Options{})
	require.NoError(t, err)
	local, err := New(Options{AllowHTTP: true, AllowPrivateNetworks: true})
	require.NoError(t, err)
	tests := []struct {
		c    *Client
		url  string
		want string // "" for allowed
	}{
		{strict, "https://vision.googleapis.com/v1/images:annotate", ""},
		{strict, "http://tags.example/v1?key=SECRET", "http:// is not allowed (allowHttp is off)"},
		{local, "http://127.0.0.1:8080/v1", ""},
		{strict, "ftp://tags.example/?key=SECRET", "want an https:// URL"},
		{strict, "https://2130706433/tags?key=SECRET", "address not allowed"},
		{strict, "https:tags", "has no host"},
	}
	for _, tc := range tests {
		err := tc.c.CheckServiceURL(tc.url)
		if tc.want == "" {
			assert.NoError(t, err, tc.url)
			continue
		}
		require.Error(t, err, tc.url)
		assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err), tc.url)
		assert.Contains(t, api.MessageOf(err), tc.want, tc.url)
		assert.NotContains(t, api.MessageOf(err), "SECRET", tc.url)
	}
	assert.Same(t, strict.http, strict.HTTPClient())
}

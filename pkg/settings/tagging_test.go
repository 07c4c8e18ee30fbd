package settings

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTaggingSettingsKeepSecrets(t *testing.T) {
	t.Parallel()
	params := `{"taggingProvider":"google-vision","taggingEndpoint":"https://vision.example/v1/images:annotate?sig=QSECRET",
		"taggingKey":"KSECRET","taggingToken":"TSECRET","taggingRegion":"eu-west-1",
		"taggingAccessKeyId":"ASECRET","taggingSecretAccessKey":"SSECRET","taggingSessionToken":"STSECRET","taggingTimeout":"5s"}`
	s, err := FromParams(json.RawMessage(params))
	require.NoError(t, err)
	var c TaggingConfig
	s.ApplyTagging(&c)
	assert.Equal(t, TaggingConfig{Provider: "google-vision", Endpoint: "https://vision.example/v1/images:annotate?sig=QSECRET",
		Key: "KSECRET", Token: "TSECRET", Region: "eu-west-1", AccessKeyID: "ASECRET", SecretAccessKey: "SSECRET",
		SessionToken: "STSECRET", Timeout: 5 * time.Second}, c)
	str := s.String()
	for _, secret := range []string{"QSECRET", "KSECRET", "TSECRET", "ASECRET", "SSECRET", "STSECRET"} {
		assert.NotContains(t, str, secret)
	}
	assert.Contains(t, str, "taggingKey=(set)")

	// A value that cannot be used is refused naming the setting, and an
	// endpoint's query is not echoed.
	_, err = FromParams(json.RawMessage(`{"taggingEndpoint":"ftp://x/?key=QSECRET","taggingTimeout":"soon"}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "taggingEndpoint")
	assert.Contains(t, err.Error(), "taggingTimeout")
	assert.NotContains(t, err.Error(), "QSECRET")
}

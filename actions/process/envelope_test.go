package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebhookEnvelopeSetting(t *testing.T) {
	env := map[string]string{"ACS_WEBHOOK_ENVELOPE": "hosted", "ACS_WEBHOOK_USER_GUID": "ORG@AdobeOrg"}
	c, err := loadConfig(func(k string) string { return env[k] }, []byte(`{"webhookUrl":"https://h/x","webhookSecret":"s"}`))
	require.NoError(t, err)
	assert.Equal(t, "hosted", c.WebhookEnvelope)
	assert.Equal(t, "ORG@AdobeOrg", c.WebhookUserGUID)

	none := func(string) string { return "" }
	c, err = loadConfig(none, []byte(`{"webhookEnvelope":"hosted","webhookUserGuid":"O@AdobeOrg"}`))
	require.NoError(t, err)
	assert.Equal(t, "O@AdobeOrg", c.WebhookUserGUID)
	c, err = loadConfig(none, []byte(`{"webhookEnvelope":"hosted-json","webhookUserGuid":"O@AdobeOrg"}`))
	require.NoError(t, err)
	assert.Equal(t, "hosted-json", c.WebhookEnvelope)
	_, err = loadConfig(none, []byte(`{"webhookEnvelope":"io-events"}`))
	assert.ErrorContains(t, err, "ACS_WEBHOOK_ENVELOPE")
	_, err = loadConfig(none, []byte(`{"webhookUserGuid":"O@AdobeOrg"}`))
	assert.ErrorContains(t, err, "ACS_WEBHOOK_USER_GUID")
}

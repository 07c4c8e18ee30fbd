package settings

import "time"

// TaggingConfig mirrors tagging.Config field for field
// (tagging.Config(c)): the smart-tag provider of a deployment. Key, Token,
// AccessKeyID, SecretAccessKey and SessionToken are secrets, never shown
// by String.
type TaggingConfig struct {
	Provider        string
	Endpoint        string
	Key             string
	Token           string
	Region          string
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Timeout         time.Duration
}

// ApplyTagging sets the tagging settings that s sets and leaves the
// others.
func (s Settings) ApplyTagging(c *TaggingConfig) {
	str := func(i int, dst *string) {
		if s.set(i) {
			*dst = s.v[i].text
		}
	}
	str(taggingProvider, &c.Provider)
	str(taggingEndpoint, &c.Endpoint)
	str(taggingKey, &c.Key)
	str(taggingToken, &c.Token)
	str(taggingRegion, &c.Region)
	str(taggingAccessKeyID, &c.AccessKeyID)
	str(taggingSecretAccessKey, &c.SecretAccessKey)
	str(taggingSessionToken, &c.SessionToken)
	if s.set(taggingTimeout) {
		c.Timeout = s.v[taggingTimeout].d
	}
}

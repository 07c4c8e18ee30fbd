package tagging

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/backoff"
)

// The built-in providers, the values of the taggingProvider setting.
const (
	// ProviderRekognition is Amazon Rekognition DetectLabels.
	ProviderRekognition = "rekognition"
	// ProviderGoogle is Google Cloud Vision images:annotate,
	// LABEL_DETECTION.
	ProviderGoogle = "google-vision"
	// ProviderHTTP is the generic HTTP contract of the example-tagger
	// action: a POSTed JPEG, {"labels": [{"name", "score"}]} back.
	ProviderHTTP = "http"
)

// Providers lists the built-in provider names.
func Providers() []string { return []string{ProviderRekognition, ProviderGoogle, ProviderHTTP} }

// The names of the deployment settings (package settings) that configure
// the provider; errors name them.
const (
	SettingProvider        = "taggingProvider"
	SettingEndpoint        = "taggingEndpoint"
	SettingKey             = "taggingKey"
	SettingToken           = "taggingToken"
	SettingRegion          = "taggingRegion"
	SettingAccessKeyID     = "taggingAccessKeyId"
	SettingSecretAccessKey = "taggingSecretAccessKey"
	SettingTimeout         = "taggingTimeout"
)

// Defaults of Config and of the instructions.
const (
	// DefaultTimeout bounds one attempt of a provider call.
	DefaultTimeout = 15 * time.Second
	// DefaultAttempts is how many times a call is tried (429, 5xx,
	// network failures and timeouts are retried).
	DefaultAttempts = 3
	// DefaultThreshold is the lowest confidence kept when a rendition
	// sets no threshold.
	DefaultThreshold = 0.5
	// DefaultMaxTags is the number of tags kept when a rendition sets no
	// maxTags.
	DefaultMaxTags = 20
	// MaxAnswerBytes bounds a provider's answer.
	MaxAnswerBytes = 1 << 20
)

// Config is a deployment's provider configuration; it mirrors
// settings.TaggingConfig field for field. Key, Token, SecretAccessKey and
// SessionToken are secrets: no log, error or event of this package holds
// them.
type Config struct {
	// Provider is one of Providers, or "" for none.
	Provider string
	// Endpoint overrides the provider's URL: required for ProviderHTTP,
	// optional for the others (a regional endpoint, a proxy, a test
	// server).
	Endpoint string
	// Key is the Google Cloud API key (sent in the X-Goog-Api-Key header)
	// or the bearer token of the HTTP contract.
	Key string
	// Token is an OAuth 2 access token for Google Cloud Vision, sent as a
	// bearer token, in place of Key.
	Token string
	// Region, AccessKeyID, SecretAccessKey and SessionToken are the AWS
	// region and static credentials of Rekognition.
	Region          string
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Timeout bounds one attempt; default DefaultTimeout.
	Timeout time.Duration
}

// secrets returns the secret values that are set.
func (c Config) secrets() []string {
	var out []string
	for _, s := range []string{c.Key, c.Token, c.SecretAccessKey, c.SessionToken} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Tag is one tag with its confidence.
type Tag struct {
	// Name is the tag, lower case.
	Name string
	// Confidence is from 0 to 1.
	Confidence float64
	// Source says where the tag came from: a local feature ("colours",
	// "faces", ...) or a provider's name.
	Source string
}

// Request is what a provider is asked.
type Request struct {
	// JPEG is the picture: a small JPEG of the decoded image, never the
	// source file.
	JPEG []byte
	// Threshold is the lowest confidence wanted (0 to 1); MaxTags the
	// most tags wanted. Providers that take them pass them on; Select
	// applies them to every answer anyway.
	Threshold float64
	MaxTags   int
}

// Provider tags a picture.
type Provider interface {
	// Name is the provider's name (one of Providers), the Source of its
	// tags.
	Name() string
	// Tags asks the provider for the picture's tags. An error carries a
	// reason and a message safe to show a client: it names the setting
	// to check when the configuration is at fault, and never holds a
	// secret.
	Tags(ctx context.Context, req Request) ([]Tag, error)
}

// Doer sends HTTP requests; *http.Client (transfer.Client.HTTPClient,
// with its address guard) is one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Options are what a provider needs besides its Config.
type Options struct {
	// HTTP sends the requests; required. Use transfer.Client.HTTPClient,
	// so the address guard applies.
	HTTP Doer
	// CheckURL checks an endpoint before use (transfer.Client.
	// CheckServiceURL); nil accepts any http(s) URL.
	CheckURL func(rawURL string) error
	// Policy is the retry policy; its zero value is replaced by
	// DefaultAttempts attempts from a 500 ms base, capped at 5 s. Tests
	// set Sleep and Rand (package backofftest).
	Policy backoff.Policy
	// Logger receives one line per call and per retry, never a secret;
	// default discards.
	Logger *slog.Logger
}

// New returns the provider cfg configures, or nil and no error when it
// configures none. A configuration that cannot work (an unknown
// provider, a missing key or endpoint, an endpoint that is not allowed)
// is a GenericError naming the setting.
func New(cfg Config, opts Options) (Provider, error) {
	if cfg.Provider == "" {
		return nil, nil
	}
	if opts.HTTP == nil {
		return nil, api.Errorf(api.ReasonGeneric, "tagging: no HTTP client")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if opts.Policy.Attempts == 0 && opts.Policy.Base == 0 {
		opts.Policy.Attempts = DefaultAttempts
		opts.Policy.Base = 500 * time.Millisecond
		opts.Policy.Cap = 5 * time.Second
		opts.Policy.FitDeadline = true
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Endpoint != "" {
		check := opts.CheckURL
		if check == nil {
			check = checkHTTPURL
		}
		if err := check(cfg.Endpoint); err != nil {
			return nil, api.Errorf(api.ReasonGeneric, "the tagging provider is misconfigured: %s %s", SettingEndpoint, api.MessageOf(err))
		}
	}
	c := &caller{cfg: cfg, opts: opts}
	switch cfg.Provider {
	case ProviderRekognition:
		return newRekognition(c)
	case ProviderGoogle:
		return newGoogle(c)
	case ProviderHTTP:
		return newHTTPContract(c)
	}
	return nil, api.Errorf(api.ReasonGeneric, "the tagging provider is misconfigured: %s %q is not a provider; use one of %s",
		SettingProvider, cfg.Provider, strings.Join(Providers(), ", "))
}

// checkHTTPURL accepts an http(s) URL with a host.
func checkHTTPURL(raw string) error {
	req, err := http.NewRequest(http.MethodPost, raw, nil)
	if err != nil || (req.URL.Scheme != "http" && req.URL.Scheme != "https") || req.URL.Host == "" {
		return api.Errorf(api.ReasonGeneric, "%s is not an http(s) URL", api.RedactURL(raw))
	}
	return nil
}

// normalize returns a tag name trimmed, lower case, with runs of spaces
// made one.
func normalize(name string) string {
	return strings.Join(strings.Fields(strings.ToLower(name)), " ")
}

// Select merges tag lists: names are compared after normalising (lower
// case, spaces collapsed), a name seen twice keeps its highest confidence
// (and the source that gave it); tags below threshold, without a name or
// with a confidence that is not a number are dropped; the rest are sorted
// by confidence, highest first (ties: the order of the lists, then of the
// tags), and at most maxTags kept (0: none).
func Select(threshold float64, maxTags int, lists ...[]Tag) []Tag {
	type entry struct {
		Tag
		order int
	}
	byName := map[string]*entry{}
	var all []*entry
	n := 0
	for _, list := range lists {
		for _, t := range list {
			n++
			name := normalize(t.Name)
			if name == "" || math.IsNaN(t.Confidence) || t.Confidence < threshold {
				continue
			}
			c := min(t.Confidence, 1)
			if e, ok := byName[name]; ok {
				if c > e.Confidence {
					e.Confidence, e.Source = c, t.Source
				}
				continue
			}
			e := &entry{Tag: Tag{Name: name, Confidence: c, Source: t.Source}, order: n}
			byName[name] = e
			all = append(all, e)
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Confidence != all[j].Confidence {
			return all[i].Confidence > all[j].Confidence
		}
		return all[i].order < all[j].order
	})
	out := make([]Tag, 0, min(len(all), max(maxTags, 0)))
	for _, e := range all {
		if len(out) >= maxTags {
			break
		}
		out = append(out, e.Tag)
	}
	return out
}

// LocalTags collects the tags the local analysis features give, from the
// keys of an analysis (pkg/meta/KEYS.md, namespace acs-ai): by
// convention, a feature that gives tags writes them as a list of strings
// under a key acs-ai:<name>Tags (acs-ai:colourTags, ...). Each is a tag of
// confidence 1 whose Source is <name>; the keys are read in sorted order,
// so the result does not depend on map order. Keys of the tags feature
// itself are skipped.
func LocalTags(values map[string]any) []Tag {
	keys := make([]string, 0, len(values))
	for k := range values {
		name, ok := strings.CutPrefix(k, "acs-ai:")
		if ok && strings.HasSuffix(name, "Tags") && name != "Tags" && !strings.HasPrefix(name, "tag") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []Tag
	for _, k := range keys {
		source := strings.TrimSuffix(strings.TrimPrefix(k, "acs-ai:"), "Tags")
		switch v := values[k].(type) {
		case []string:
			for _, s := range v {
				out = append(out, Tag{Name: s, Confidence: 1, Source: source})
			}
		case []any:
			for _, s := range v {
				if s, ok := s.(string); ok {
					out = append(out, Tag{Name: s, Confidence: 1, Source: source})
				}
			}
		}
	}
	return out
}

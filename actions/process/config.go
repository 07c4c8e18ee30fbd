package main

import (
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/events"

	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ConfigParam is the reserved action parameter that holds the deployment's
// configuration, bound at deploy time (wsk action update -p acsConfig
// '{...}' or the manifest's inputs). It is removed from the parameters
// before they are read as a processing request, and the web form strips it
// from posted bodies, so a web client can never set it.
const ConfigParam = "acsConfig"

// config is the deployment's configuration of the orchestrator.
//
// Each setting comes from an environment variable when that is set (an
// init-time parameter, which no invocation can override), otherwise from
// the acsConfig parameter (which a caller holding the namespace's API key
// could override, as it could invoke any action of the namespace anyway).
type config struct {
	// AllowedWorkers are the custom worker actions renditions may name
	// (ACS_ALLOWED_WORKERS, comma-separated; allowedWorkers).
	AllowedWorkers []string `json:"allowedWorkers"`
	// BatchSize is the largest batch per activation (ACS_BATCH_SIZE;
	// batchSize).
	BatchSize int `json:"batchSize"`
	// Concurrency bounds the parallel activations (ACS_CONCURRENCY;
	// concurrency).
	Concurrency int `json:"concurrency"`
	// ActionPrefix is prepended to the built-in worker names, such as
	// "assetcompute/" for actions deployed in package assetcompute
	// (ACS_ACTION_PREFIX; actionPrefix).
	ActionPrefix string `json:"actionPrefix"`
	// EventsTrigger, when set, is fired once per event
	// (ACS_EVENTS_TRIGGER; eventsTrigger).
	EventsTrigger string `json:"eventsTrigger"`
	// WebhookURL and WebhookSecret, when set, enable the signed webhook
	// sink (ACS_WEBHOOK_URL, ACS_WEBHOOK_SECRET; webhookUrl,
	// webhookSecret).
	WebhookURL    string `json:"webhookUrl"`
	WebhookSecret string `json:"webhookSecret"`
	// WebhookEnvelope is "acs" (default: the event is the body),
	// "hosted" (the hosted Asset Compute service's envelope {user_guid,
	// event_code, event}, the event base64-encoded JSON as that service
	// sends it) or "hosted-json" (the same, the event an object), with
	// WebhookUserGUID as its user_guid
	// (ACS_WEBHOOK_ENVELOPE, ACS_WEBHOOK_USER_GUID; webhookEnvelope,
	// webhookUserGuid).
	WebhookEnvelope string `json:"webhookEnvelope"`
	WebhookUserGUID string `json:"webhookUserGuid"`
	// Scratch is the s3:// prefix under which the outputs of renditions
	// other renditions are made from (source {"rendition": name}) are
	// kept while the request runs, one folder per request, removed
	// afterwards (ACS_SCRATCH; scratch). The workers write and read it
	// with their storage settings, the action deletes with the same
	// (the package's deployment settings). Without it such renditions
	// fail, naming this setting.
	Scratch string `json:"scratch"`
}

// loadConfig reads the configuration from env (first) and the acsConfig
// parameter.
func loadConfig(getenv func(string) string, param json.RawMessage) (config, error) {
	var c config
	if len(param) > 0 && string(param) != "null" {
		dec := json.NewDecoder(strings.NewReader(string(param)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("parameter %s is not a valid configuration: %w", ConfigParam, err)
		}
	}
	if v := getenv("ACS_ALLOWED_WORKERS"); v != "" {
		c.AllowedWorkers = nil
		for _, w := range strings.Split(v, ",") {
			if w = strings.TrimSpace(w); w != "" {
				c.AllowedWorkers = append(c.AllowedWorkers, w)
			}
		}
	}
	for _, n := range []struct {
		env string
		dst *int
	}{{"ACS_BATCH_SIZE", &c.BatchSize}, {"ACS_CONCURRENCY", &c.Concurrency}} {
		if v := getenv(n.env); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil {
				return c, fmt.Errorf("%s=%q is not a number", n.env, v)
			}
			*n.dst = i
		}
	}
	for _, s := range []struct {
		env string
		dst *string
	}{{"ACS_ACTION_PREFIX", &c.ActionPrefix}, {"ACS_EVENTS_TRIGGER", &c.EventsTrigger},
		{"ACS_WEBHOOK_URL", &c.WebhookURL}, {"ACS_WEBHOOK_SECRET", &c.WebhookSecret},
		{"ACS_SCRATCH", &c.Scratch},
		{"ACS_WEBHOOK_ENVELOPE", &c.WebhookEnvelope}, {"ACS_WEBHOOK_USER_GUID", &c.WebhookUserGUID}} {
		if v := getenv(s.env); v != "" {
			*s.dst = v
		}
	}
	if c.BatchSize < 0 || c.BatchSize > 100 {
		return c, errors.New("batch size must be between 1 and 100")
	}
	if c.Concurrency < 0 || c.Concurrency > 200 {
		return c, errors.New("concurrency must be between 1 and 200")
	}
	if c.Scratch != "" && (!strings.HasPrefix(c.Scratch, "s3://") || len(strings.TrimPrefix(c.Scratch, "s3://")) < 3) {
		return c, fmt.Errorf("scratch (ACS_SCRATCH) must be an s3:// prefix such as s3://bucket/acs-tmp/, got %q", api.RedactURL(c.Scratch))
	}
	if (c.WebhookURL == "") != (c.WebhookSecret == "") {
		return c, errors.New("a webhook needs both a URL and a secret")
	}
	switch c.WebhookEnvelope {
	case "", events.EnvelopeACS, events.EnvelopeHosted, events.EnvelopeHostedJSON:
	default:
		return c, fmt.Errorf("webhook envelope (ACS_WEBHOOK_ENVELOPE) must be %q, %q or %q, got %q",
			events.EnvelopeACS, events.EnvelopeHosted, events.EnvelopeHostedJSON, c.WebhookEnvelope)
	}
	if c.WebhookUserGUID != "" && !events.IsHostedEnvelope(c.WebhookEnvelope) {
		return c, fmt.Errorf("a webhook user guid (ACS_WEBHOOK_USER_GUID) is only sent in the %q and %q envelopes", events.EnvelopeHosted, events.EnvelopeHostedJSON)
	}
	return c, nil
}

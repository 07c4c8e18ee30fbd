package worker

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// Settings are the deployment's storage and network settings as a worker
// activation receives them in its parameters. On OpenWhisk they are bound
// once, as parameters of the package that holds the actions (the manifest's
// package inputs), so every activation carries them next to the worker
// request; they take precedence over the ACS_* environment of the action
// process, which OpenWhisk does not let a deployment set.
//
// Each value may be given as a JSON string, boolean or number; an empty
// string means "not set". The parameter names and the environment variables
// they stand for:
//
//	s3Endpoint            ACS_S3_ENDPOINT             S3-compatible endpoint URL
//	s3Region              ACS_S3_REGION               signing region
//	s3ForcePathStyle      ACS_S3_PATH_STYLE           true: path-style addressing
//	s3AccessKeyId         AWS_ACCESS_KEY_ID           static credentials
//	s3SecretAccessKey     AWS_SECRET_ACCESS_KEY
//	s3SessionToken        AWS_SESSION_TOKEN
//	allowHttp             ACS_ALLOW_HTTP              true: allow plain http:// URLs
//	allowPrivateNetworks  ACS_ALLOW_PRIVATE_NETWORKS  true: turn the address guard off
//	maxSourceBytes        ACS_MAX_SOURCE_BYTES        source size limit in bytes
//
// The orchestrator never copies request fields into these parameters, so a
// client of the service cannot set them; only whoever deploys the package
// (or holds its namespace key) can. Secret values are never logged.
type Settings struct {
	S3Endpoint           string
	S3Region             string
	S3ForcePathStyle     string
	S3AccessKeyID        string
	S3SecretAccessKey    string
	S3SessionToken       string
	AllowHTTP            string
	AllowPrivateNetworks string
	MaxSourceBytes       string
}

// settingParams maps each parameter name to its environment variable and
// its field in Settings.
var settingParams = []struct {
	param, env string
	field      func(*Settings) *string
}{
	{"s3Endpoint", "ACS_S3_ENDPOINT", func(s *Settings) *string { return &s.S3Endpoint }},
	{"s3Region", "ACS_S3_REGION", func(s *Settings) *string { return &s.S3Region }},
	{"s3ForcePathStyle", "ACS_S3_PATH_STYLE", func(s *Settings) *string { return &s.S3ForcePathStyle }},
	{"s3AccessKeyId", "AWS_ACCESS_KEY_ID", func(s *Settings) *string { return &s.S3AccessKeyID }},
	{"s3SecretAccessKey", "AWS_SECRET_ACCESS_KEY", func(s *Settings) *string { return &s.S3SecretAccessKey }},
	{"s3SessionToken", "AWS_SESSION_TOKEN", func(s *Settings) *string { return &s.S3SessionToken }},
	{"allowHttp", "ACS_ALLOW_HTTP", func(s *Settings) *string { return &s.AllowHTTP }},
	{"allowPrivateNetworks", "ACS_ALLOW_PRIVATE_NETWORKS", func(s *Settings) *string { return &s.AllowPrivateNetworks }},
	{"maxSourceBytes", "ACS_MAX_SOURCE_BYTES", func(s *Settings) *string { return &s.MaxSourceBytes }},
}

// SettingsFromParams reads the deployment settings from an activation's
// parameters. Parameters that are absent, null or empty strings are unset.
// A value that is an object or an array is an error naming the parameter.
func SettingsFromParams(params json.RawMessage) (Settings, error) {
	return settingsFrom(decodeParams(params))
}

// settingsFrom reads the settings from decoded parameters.
func settingsFrom(ap activationParams) (Settings, error) {
	var s Settings
	if ap.err != nil {
		return s, ap.err
	}
	for _, p := range settingParams {
		raw, ok := ap.fields[p.param]
		if !ok {
			continue
		}
		v, err := scalarString(raw)
		if err != nil {
			return Settings{}, api.Errorf(api.ReasonGeneric, "deployment parameter %s: %v", p.param, err)
		}
		*p.field(&s) = strings.TrimSpace(v)
	}
	return s, nil
}

// scalarString returns a JSON string's value, or the text of a boolean or
// number; null is "".
func scalarString(raw json.RawMessage) (string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool, float64:
		return strings.TrimSpace(string(raw)), nil
	default:
		return "", fmt.Errorf("want a string, boolean or number, got %s", kindOf(v))
	}
}

func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

// IsZero reports whether no setting is set.
func (s Settings) IsZero() bool { return s == Settings{} }

// Getenv returns an environment lookup in which the settings that are set
// override fallback (usually os.Getenv), for transfer.OptionsFromEnv.
func (s Settings) Getenv(fallback func(string) string) func(string) string {
	return func(name string) string {
		for _, p := range settingParams {
			if p.env == name {
				if v := *p.field(&s); v != "" {
					return v
				}
				break
			}
		}
		return fallback(name)
	}
}

// String describes the settings without their secrets, for logs.
func (s Settings) String() string {
	var parts []string
	for _, p := range settingParams {
		v := *p.field(&s)
		if v == "" {
			continue
		}
		if strings.Contains(p.param, "Secret") || strings.Contains(p.param, "Token") || strings.Contains(p.param, "AccessKey") {
			v = "(set)"
		}
		parts = append(parts, p.param+"="+v)
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// maxCachedClients bounds the transfer clients a Clients keeps for
// distinct settings; a deployment normally has one.
const maxCachedClients = 8

// Clients builds transfer clients for deployment settings: the ACS_*
// environment (Getenv) overridden by the settings, once per distinct
// settings, reused by the activations of a warm action process. The zero
// value reads os.Getenv and logs nowhere. It is safe for concurrent use.
type Clients struct {
	// Getenv reads the environment; default os.Getenv.
	Getenv func(string) string
	// Logger is given to the clients; default slog.Default().
	Logger *slog.Logger

	mu      sync.Mutex
	clients map[Settings]*transfer.Client
}

// For returns the client for s, building it on first use. Settings that
// are out of range are a GenericError naming them, without secrets.
func (c *Clients) For(s Settings) (*transfer.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tc, ok := c.clients[s]; ok {
		return tc, nil
	}
	getenv := c.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	opts := transfer.OptionsFromEnv(s.Getenv(getenv))
	opts.Logger = c.Logger
	tc, err := transfer.New(opts)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "invalid deployment settings "+s.String())
	}
	if c.clients == nil || len(c.clients) >= maxCachedClients {
		c.clients = map[Settings]*transfer.Client{}
	}
	c.clients[s] = tc
	return tc, nil
}

// transferFor returns the transfer client for an activation's settings:
// Options.Transfer when none is set or the worker cannot build others,
// otherwise Options.NewTransfer's.
func (w *Worker) transferFor(s Settings) (Transfer, error) {
	if s.IsZero() || w.opts.NewTransfer == nil {
		return w.opts.Transfer, nil
	}
	return w.opts.NewTransfer(s)
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/acapi"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/apiauth"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/journal"
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/settings"
)

// Defaults of the configuration.
const (
	defaultPrefix        = "acs-journal"
	defaultProcessAction = "asset-compute/process"
)

// config is the action's configuration.
type config struct {
	tokens        []string
	bucket        string
	prefix        string
	maxEvents     int
	maxAge        time.Duration
	processAction string
	publicURL     string
	oidc          apiauth.Config
}

// configNames maps each parameter to its environment variable.
var configNames = [][2]string{
	{"apiTokens", "ACS_API_TOKENS"},
	{"journalBucket", "ACS_JOURNAL_BUCKET"},
	{"journalPrefix", "ACS_JOURNAL_PREFIX"},
	{"journalMaxEvents", "ACS_JOURNAL_MAX_EVENTS"},
	{"journalMaxAge", "ACS_JOURNAL_MAX_AGE"},
	{"processAction", "ACS_PROCESS_ACTION"},
	{"publicUrl", "ACS_API_PUBLIC_URL"},
	{"oidcIssuer", "ACS_API_OIDC_ISSUER"},
	{"oidcAudience", "ACS_API_OIDC_AUDIENCE"},
	{"oidcJwksUrl", "ACS_API_JWKS_URL"},
	{"oidcOrgClaim", "ACS_API_OIDC_ORG_CLAIM"},
	{"oidcClientClaim", "ACS_API_OIDC_CLIENT_CLAIM"},
	{"oidcAllowPrivate", "ACS_API_OIDC_ALLOW_PRIVATE"},
}

// loadConfig reads the configuration: a parameter wins over its
// environment variable. Errors name the setting, never a value.
func loadConfig(fields map[string]json.RawMessage, getenv func(string) string) (config, error) {
	v := map[string]string{}
	for _, n := range configNames {
		v[n[0]] = strings.TrimSpace(getenv(n[1]))
		if raw, ok := fields[n[0]]; ok {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				var num json.Number
				var b bool
				switch {
				case json.Unmarshal(raw, &num) == nil:
					s = num.String()
				case json.Unmarshal(raw, &b) == nil:
					s = strconv.FormatBool(b)
				default:
					return config{}, fmt.Errorf("%s must be a string", n[0])
				}
			}
			if s = strings.TrimSpace(s); s != "" {
				v[n[0]] = s
			}
		}
	}
	c := config{bucket: v["journalBucket"], prefix: v["journalPrefix"], processAction: v["processAction"], publicURL: v["publicUrl"]}
	for _, t := range strings.FieldsFunc(v["apiTokens"], func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if t = strings.TrimSpace(t); t != "" {
			c.tokens = append(c.tokens, t)
		}
	}
	if c.prefix == "" {
		c.prefix = defaultPrefix
	}
	if c.processAction == "" {
		c.processAction = defaultProcessAction
	}
	if s := v["journalMaxEvents"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return config{}, fmt.Errorf("journalMaxEvents must be a positive whole number")
		}
		c.maxEvents = n
	}
	if s := v["journalMaxAge"]; s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return config{}, fmt.Errorf("journalMaxAge must be a positive duration such as 24h")
		}
		c.maxAge = d
	}
	c.oidc = apiauth.Config{Issuer: v["oidcIssuer"], Audience: v["oidcAudience"], JWKSURL: v["oidcJwksUrl"],
		OrgClaim: v["oidcOrgClaim"], ClientClaim: v["oidcClientClaim"]}
	if s := v["oidcAllowPrivate"]; s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return config{}, fmt.Errorf("oidcAllowPrivate must be true or false")
		}
		c.oidc.AllowPrivate = b
	}
	if c.bucket == "" {
		return config{}, fmt.Errorf("journalBucket is not set: the journals need an S3 bucket")
	}
	switch {
	case c.oidc.IsSet() && len(c.tokens) > 0:
		return config{}, fmt.Errorf("both apiTokens and oidc* are set: give one way of checking tokens")
	case c.oidc.IsSet() && c.oidc.Issuer == "":
		return config{}, fmt.Errorf("oidcIssuer is not set: it is required with the other oidc* parameters")
	case c.oidc.IsSet() && strings.TrimSpace(strings.ReplaceAll(c.oidc.Audience, ",", "")) == "":
		return config{}, fmt.Errorf("oidcAudience is not set: it is required with oidcIssuer")
	case !c.oidc.IsSet() && len(c.tokens) == 0:
		return config{}, fmt.Errorf("apiTokens is not set (nor oidcIssuer): no bearer token would be accepted")
	}
	return c, nil
}

// server is the action.
type server struct {
	getenv func(string) string
	logger *slog.Logger
	// owOptions adjusts the OpenWhisk client options (tests).
	owOptions func(*invoke.OpenWhiskOptions)

	clients settings.Clients

	mu        sync.Mutex
	stores    map[string]*journal.S3               // by configuration: kept while the container is warm
	verifiers map[apiauth.Config]*apiauth.Verifier // likewise, with their keys
}

// handle is the action-loop handler.
func (s *server) handle(ctx context.Context, params json.RawMessage) (any, error) {
	if !acapi.IsWeb(params) {
		return nil, api.Errorf(api.ReasonGeneric, "acapi is a raw HTTP web action: call POST .../register, .../process, "+
			".../unregister or GET .../events/journal/ID under /api/v1/web/NAMESPACE/PACKAGE/acapi")
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(params, &fields)
	h, err := s.handler(ctx, fields)
	if err != nil {
		s.logger.ErrorContext(ctx, "acapi is misconfigured", "error", err)
		return acapi.WebError(http.StatusServiceUnavailable, acapi.SentRequestID(params),
			"the Asset Compute API is misconfigured: "+err.Error()), nil
	}
	return acapi.ServeWeb(ctx, h, params), nil
}

// handler builds the API for one activation.
func (s *server) handler(ctx context.Context, fields map[string]json.RawMessage) (*acapi.Handler, error) {
	cfg, err := loadConfig(fields, s.getenv)
	if err != nil {
		return nil, err
	}
	store, err := s.store(cfg, fields)
	if err != nil {
		return nil, err
	}
	ow, self, apiHost, err := s.openWhisk(ctx)
	if err != nil {
		return nil, err
	}
	public := cfg.publicURL
	if public == "" {
		if !strings.Contains(apiHost, "://") {
			apiHost = "https://" + apiHost
		}
		public = strings.TrimSuffix(apiHost, "/") + "/api/v1/web" + self
	}
	public = strings.TrimSuffix(public, "/")
	verifier, err := s.verifier(cfg)
	if err != nil {
		return nil, err
	}
	return acapi.New(acapi.Options{
		Verifier: verifier,
		Store:    store,
		Runner:   &acapi.OpenWhiskRunner{OpenWhisk: ow, Store: store, Action: cfg.processAction, Logger: s.logger},
		BaseURL:  func(*http.Request) string { return public },
		Logger:   s.logger,
	})
}

// verifier returns the token verifier of cfg: the static tokens, or the
// OIDC verifier, built once per container so that its keys are fetched
// once per CacheTTL, not once per call.
func (s *server) verifier(cfg config) (acapi.TokenVerifier, error) {
	if !cfg.oidc.IsSet() {
		return acapi.NewStaticTokens(cfg.tokens...), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.verifiers[cfg.oidc]; ok {
		return v, nil
	}
	v, err := cfg.oidc.Verifier(s.logger)
	if err != nil {
		return nil, err
	}
	if s.verifiers == nil {
		s.verifiers = map[apiauth.Config]*apiauth.Verifier{}
	}
	s.verifiers[cfg.oidc] = v
	return v, nil
}

// store returns the journal store of cfg, built once per container.
func (s *server) store(cfg config, fields map[string]json.RawMessage) (*journal.S3, error) {
	st, err := settings.FromEnv(s.getenv)
	if err != nil {
		return nil, err
	}
	ps, err := settings.FromParamFields(fields)
	if err != nil {
		return nil, err
	}
	st = st.Override(ps)
	key := fmt.Sprintf("%s\x00%s\x00%d\x00%s\x00%s", cfg.bucket, cfg.prefix, cfg.maxEvents, cfg.maxAge, st.String())
	s.mu.Lock()
	defer s.mu.Unlock()
	if j, ok := s.stores[key]; ok {
		return j, nil
	}
	tc, err := s.clients.For(st)
	if err != nil {
		return nil, err
	}
	c, err := tc.S3()
	if err != nil {
		return nil, err
	}
	j, err := journal.NewS3(journal.S3Options{Client: c, Bucket: cfg.bucket, Prefix: cfg.prefix,
		Journal: journal.Options{MaxEvents: cfg.maxEvents, MaxAge: cfg.maxAge}})
	if err != nil {
		return nil, err
	}
	if s.stores == nil {
		s.stores = map[string]*journal.S3{}
	}
	s.stores[key] = j
	return j, nil
}

// openWhisk returns the OpenWhisk client of the activation, the action's
// own fully qualified name and the API host.
func (s *server) openWhisk(ctx context.Context) (*invoke.OpenWhisk, string, string, error) {
	a := owaction.CurrentActivation(ctx, s.getenv)
	opts := invoke.OpenWhiskOptions{APIHost: a.APIHost, APIKey: a.APIKey, Namespace: a.Namespace}
	self := a.ActionName
	if opts.APIHost == "" || opts.APIKey == "" {
		return nil, "", "", fmt.Errorf("the action has no OpenWhisk API key to start the process action with: annotate it provide-api-key: true")
	}
	if self == "" {
		return nil, "", "", fmt.Errorf("the action does not know its own name (__OW_ACTION_NAME)")
	}
	if s.owOptions != nil {
		s.owOptions(&opts)
	}
	ow, err := invoke.NewOpenWhisk(opts)
	return ow, self, opts.APIHost, err
}

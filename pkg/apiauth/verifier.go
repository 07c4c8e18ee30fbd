package apiauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// Defaults of [Options].
const (
	DefaultLeeway             = 30 * time.Second
	DefaultCacheTTL           = 10 * time.Minute
	DefaultMinRefreshInterval = 30 * time.Second
	DefaultMaxTokenBytes      = 16 << 10
	// fetchTimeout bounds one JWKS or discovery fetch, which does not end
	// when the call that started it gives up (so that a client hanging up
	// cannot leave the verifier without keys until the next refresh).
	fetchTimeout = 15 * time.Second
)

// Errors of [Verifier.Verify]: every error wraps one of them.
var (
	// ErrInvalid: the token is not a valid token of the issuer for this
	// service (malformed, bad signature, expired, wrong issuer or audience,
	// unknown key), or the keys to check it could not be fetched.
	ErrInvalid = errors.New("the bearer token is not valid")
	// ErrForbidden: the token is valid but not for the call's organisation
	// or API key.
	ErrForbidden = errors.New("the bearer token is not allowed for this organisation or API key")
)

// Options configure a [Verifier].
type Options struct {
	// Issuer is the iss every token must carry, exactly; with no JWKSURL
	// it is also where the OpenID Connect discovery document is read.
	// Required.
	Issuer string
	// Audience lists the accepted aud values; a token's aud (a string or
	// a list) must hold one of them. Required.
	Audience []string
	// JWKSURL is where the keys are published; empty: the jwks_uri of the
	// issuer's discovery document.
	JWKSURL string
	// Algorithms narrows the accepted algorithms, among RS256 and ES256
	// (the default: both).
	Algorithms []string
	// OrgClaim, when set, names the claim (a string or a list of strings)
	// that must hold the call's organisation (x-gw-ims-org-id).
	OrgClaim string
	// APIKeyClaim, when set, names the claim (client_id, azp...) that must
	// equal the call's API key (x-api-key).
	APIKeyClaim string
	// Leeway is the clock skew allowed on exp and nbf. Default
	// DefaultLeeway; a negative value means none.
	Leeway time.Duration
	// CacheTTL is how long fetched keys are used before being fetched
	// again. Default DefaultCacheTTL.
	CacheTTL time.Duration
	// MinRefreshInterval is the least time between two fetches of the
	// keys, however many tokens name an unknown key. Default
	// DefaultMinRefreshInterval.
	MinRefreshInterval time.Duration
	// MaxTokenBytes refuses longer tokens before decoding them. Default
	// DefaultMaxTokenBytes.
	MaxTokenBytes int
	// Transfer fetches the keys and the discovery document (its address
	// guard applies). Default: a client with transfer's defaults, https
	// only and the guard on.
	Transfer *transfer.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives key fetch failures (warn) and refused tokens
	// (debug), never a token. Default slog.Default().
	Logger *slog.Logger
}

// Verifier checks bearer tokens against an OpenID Connect provider's keys.
// It is safe for concurrent use.
type Verifier struct {
	opts Options
	tc   *transfer.Client
	log  *slog.Logger

	// fetchMu serialises fetches of the keys.
	fetchMu sync.Mutex

	mu         sync.Mutex
	keys       []key
	fetched    time.Time // when keys were fetched
	attempted  time.Time // when a fetch last started
	discovered string    // the jwks_uri found by discovery
}

// New checks opts and returns a Verifier. It fetches nothing: the keys are
// fetched by the first Verify (or Refresh).
func New(opts Options) (*Verifier, error) {
	if opts.Issuer == "" {
		return nil, errors.New("apiauth: an issuer is required")
	}
	if len(opts.Audience) == 0 || slices.Contains(opts.Audience, "") {
		return nil, errors.New("apiauth: an audience is required")
	}
	if len(opts.Algorithms) == 0 {
		opts.Algorithms = []string{RS256, ES256}
	}
	for _, a := range opts.Algorithms {
		if a != RS256 && a != ES256 {
			return nil, fmt.Errorf("apiauth: algorithm %q is not supported (RS256, ES256)", a)
		}
	}
	if opts.Leeway == 0 {
		opts.Leeway = DefaultLeeway
	} else if opts.Leeway < 0 {
		opts.Leeway = 0
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	if opts.MinRefreshInterval <= 0 {
		opts.MinRefreshInterval = DefaultMinRefreshInterval
	}
	if opts.MaxTokenBytes <= 0 {
		opts.MaxTokenBytes = DefaultMaxTokenBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	tc := opts.Transfer
	if tc == nil {
		var err error
		if tc, err = transfer.New(transfer.Options{Logger: opts.Logger}); err != nil {
			return nil, fmt.Errorf("apiauth: %w", err)
		}
	}
	fetched := opts.JWKSURL // the URL the keys come from, or discovery's
	if fetched == "" {
		fetched = opts.Issuer
	}
	if err := tc.CheckServiceURL(fetched); err != nil {
		return nil, fmt.Errorf("apiauth: %w", err)
	}
	return &Verifier{opts: opts, tc: tc, log: opts.Logger}, nil
}

// Refresh fetches the keys now, so that a misconfigured issuer shows at
// start-up rather than on the first call.
func (v *Verifier) Refresh(ctx context.Context) error {
	v.fetchMu.Lock()
	defer v.fetchMu.Unlock()
	_, err := v.fetchLocked(ctx)
	return err
}

// Verify implements the Asset Compute API's token verifier: nil when token
// is valid for org and apiKey, an error wrapping ErrInvalid or
// ErrForbidden otherwise. The error never quotes the token.
func (v *Verifier) Verify(ctx context.Context, token, org, apiKey string) error {
	err := v.verify(ctx, token, org, apiKey)
	if err != nil {
		v.log.LogAttrs(ctx, slog.LevelDebug, "bearer token refused", slog.String("error", err.Error()))
	}
	return err
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

func (v *Verifier) verify(ctx context.Context, raw, org, apiKey string) error {
	if len(raw) > v.opts.MaxTokenBytes {
		return invalid("it is larger than %d bytes", v.opts.MaxTokenBytes)
	}
	t, err := parse(raw)
	if err != nil {
		return invalid("%v", err)
	}
	alg := t.header.Alg
	if !slices.Contains(v.opts.Algorithms, alg) {
		return invalid("algorithm %s is not accepted (want %s)", short(alg), strings.Join(v.opts.Algorithms, " or "))
	}
	if len(t.header.Crit) > 0 {
		return invalid("it has critical header extensions, none of which is supported")
	}
	kid := t.header.Kid
	keys, err := v.keysFor(ctx, kid)
	if err != nil {
		return invalid("the signing keys are not available: %v", err)
	}
	var candidates []key
	otherAlg := false
	for _, k := range keys {
		if kid != "" && k.kid != kid {
			continue
		}
		if k.alg != alg {
			otherAlg = true
			continue
		}
		candidates = append(candidates, k)
	}
	if len(candidates) == 0 {
		if otherAlg {
			return invalid("key %s is not an %s key", short(kid), alg)
		}
		return invalid("key %s is not among the issuer's keys", short(kid))
	}
	verified := false
	for _, k := range candidates {
		if verifySignature(t, alg, k.pub) {
			verified = true
			break
		}
	}
	if !verified {
		return invalid("its signature does not verify")
	}
	return v.checkClaims(t, org, apiKey)
}

// checkClaims checks the signed claims: time, issuer, audience, then the
// organisation and client.
func (v *Verifier) checkClaims(t *token, org, apiKey string) error {
	c := &t.claims
	now := v.opts.Now()
	if c.Exp == nil {
		return invalid("it has no expiry (exp)")
	}
	if !now.Before(c.Exp.t.Add(v.opts.Leeway)) {
		return invalid("it expired at %s", c.Exp.t.UTC().Format(time.RFC3339))
	}
	if c.Nbf != nil && now.Add(v.opts.Leeway).Before(c.Nbf.t) {
		return invalid("it is not valid before %s", c.Nbf.t.UTC().Format(time.RFC3339))
	}
	if c.Iss != v.opts.Issuer {
		return invalid("its issuer %s is not %q", short(c.Iss), v.opts.Issuer)
	}
	auds, err := c.audiences()
	if err != nil {
		return invalid("its audience (aud) is %v", err)
	}
	if !slices.ContainsFunc(auds, func(a string) bool { return slices.Contains(v.opts.Audience, a) }) {
		return invalid("its audience is not %s", strings.Join(v.opts.Audience, " or "))
	}
	if name := v.opts.OrgClaim; name != "" {
		orgs, err := stringOrList(c.all[name])
		if err != nil || org == "" || !slices.Contains(orgs, org) {
			return fmt.Errorf("%w: its %s claim does not hold the organisation %s", ErrForbidden, name, short(org))
		}
	}
	if name := v.opts.APIKeyClaim; name != "" {
		ids, err := stringOrList(c.all[name])
		if err != nil || len(ids) != 1 || apiKey == "" || ids[0] != apiKey {
			return fmt.Errorf("%w: its %s claim is not the API key %s", ErrForbidden, name, short(apiKey))
		}
	}
	return nil
}

// short quotes a value taken from a token or a header for an error, cut
// to a readable length.
func short(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// keysFor returns the keys to check a token naming kid: the cached ones
// while they are fresh and know kid, otherwise freshly fetched ones, at
// most once per MinRefreshInterval (the cached keys otherwise).
func (v *Verifier) keysFor(ctx context.Context, kid string) ([]key, error) {
	if keys, ok := v.cached(kid); ok {
		return keys, nil
	}
	v.fetchMu.Lock()
	defer v.fetchMu.Unlock()
	// Another call may have fetched them while this one waited.
	if keys, ok := v.cached(kid); ok {
		return keys, nil
	}
	v.mu.Lock()
	keys, attempted := v.keys, v.attempted
	v.mu.Unlock()
	if !attempted.IsZero() && v.opts.Now().Sub(attempted) < v.opts.MinRefreshInterval {
		if keys == nil {
			return nil, fmt.Errorf("the last fetch failed; next attempt after %s", attempted.Add(v.opts.MinRefreshInterval).UTC().Format(time.RFC3339))
		}
		return keys, nil
	}
	fresh, err := v.fetchLocked(ctx)
	if err != nil {
		if keys != nil {
			return keys, nil
		}
		return nil, err
	}
	return fresh, nil
}

// cached returns the cached keys when they are fresh and, for a non-empty
// kid, hold it.
func (v *Verifier) cached(kid string) ([]key, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.keys == nil || v.opts.Now().Sub(v.fetched) >= v.opts.CacheTTL {
		return nil, false
	}
	if kid != "" && !slices.ContainsFunc(v.keys, func(k key) bool { return k.kid == kid }) {
		return nil, false
	}
	return v.keys, true
}

// fetchLocked fetches the keys and caches them; fetchMu is held.
func (v *Verifier) fetchLocked(ctx context.Context) ([]key, error) {
	v.mu.Lock()
	v.attempted = v.opts.Now()
	v.mu.Unlock()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	defer cancel()
	keys, err := v.fetchKeys(fctx)
	if err != nil {
		if v.opts.JWKSURL == "" {
			// The issuer may have moved its keys: discover again next time.
			v.mu.Lock()
			v.discovered = ""
			v.mu.Unlock()
		}
		v.log.LogAttrs(ctx, slog.LevelWarn, "apiauth: cannot fetch the issuer's keys",
			slog.String("issuer", api.RedactURL(v.opts.Issuer)), slog.String("error", err.Error()))
		return nil, err
	}
	v.mu.Lock()
	v.keys, v.fetched = keys, v.opts.Now()
	v.mu.Unlock()
	return keys, nil
}

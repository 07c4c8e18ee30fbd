package acapi

import (
	"context"
	"crypto/subtle"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/apiauth"
)

// TokenVerifier validates the bearer token of an Asset Compute API call
// made for an organisation (x-gw-ims-org-id) and API key (x-api-key).
type TokenVerifier interface {
	// Verify returns nil when token may call the API for org and apiKey,
	// ErrTokenInvalid when the token is not valid at all, and
	// ErrTokenForbidden when it is valid but not for org or apiKey.
	Verify(ctx context.Context, token, org, apiKey string) error
}

// Errors of a [TokenVerifier]: the errors of package apiauth, so that an
// [apiauth.Verifier] is a TokenVerifier as it is (acs serve and the
// asset-compute/acapi action use it so, with no adapter between).
var (
	ErrTokenInvalid   = apiauth.ErrInvalid
	ErrTokenForbidden = apiauth.ErrForbidden
)

// The OIDC verifier is a TokenVerifier.
var _ TokenVerifier = (*apiauth.Verifier)(nil)

// StaticTokens is a [TokenVerifier] for local use: it accepts the tokens of
// a fixed list, for any organisation and API key.
type StaticTokens struct{ tokens [][]byte }

// NewStaticTokens returns a verifier accepting tokens; empty entries are
// ignored.
func NewStaticTokens(tokens ...string) *StaticTokens {
	v := &StaticTokens{}
	for _, t := range tokens {
		if t = strings.TrimSpace(t); t != "" {
			v.tokens = append(v.tokens, []byte(t))
		}
	}
	return v
}

// Verify implements [TokenVerifier], comparing in constant time.
func (v *StaticTokens) Verify(_ context.Context, token, _, _ string) error {
	ok := 0
	for _, t := range v.tokens {
		ok |= subtle.ConstantTimeCompare([]byte(token), t)
	}
	if ok != 1 {
		return ErrTokenInvalid
	}
	return nil
}

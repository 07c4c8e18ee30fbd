package apiauth

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// Config is the verifier's configuration as people write it: the
// --api-oidc-* flags of acs serve and the oidc* parameters of the
// asset-compute/acapi action. Both build their verifier with
// [Config.Verifier], so they accept and refuse the same tokens.
type Config struct {
	// Issuer is Options.Issuer.
	Issuer string
	// Audience is Options.Audience, comma-separated.
	Audience string
	// JWKSURL is Options.JWKSURL.
	JWKSURL string
	// OrgClaim is Options.OrgClaim.
	OrgClaim string
	// ClientClaim is Options.APIKeyClaim.
	ClientClaim string
	// AllowPrivate lets the verifier fetch the keys over http and from
	// loopback or private addresses (an identity provider on the same
	// machine or network); off, transfer's address guard applies.
	AllowPrivate bool
}

// IsSet reports whether any field other than AllowPrivate is set.
func (c Config) IsSet() bool {
	return c.Issuer != "" || c.Audience != "" || c.JWKSURL != "" || c.OrgClaim != "" || c.ClientClaim != ""
}

// Verifier builds the verifier of c. Its errors name the setting at fault
// by the names of Options; callers word them for their flags or
// parameters.
func (c Config) Verifier(logger *slog.Logger) (*Verifier, error) {
	if c.Issuer == "" {
		return nil, errors.New("apiauth: an issuer is required with the other OIDC settings")
	}
	var auds []string
	for _, a := range strings.Split(c.Audience, ",") {
		if a = strings.TrimSpace(a); a != "" {
			auds = append(auds, a)
		}
	}
	tc, err := transfer.New(transfer.Options{AllowHTTP: c.AllowPrivate, AllowPrivateNetworks: c.AllowPrivate, Logger: logger})
	if err != nil {
		return nil, err
	}
	return New(Options{
		Issuer: c.Issuer, Audience: auds, JWKSURL: c.JWKSURL,
		OrgClaim: c.OrgClaim, APIKeyClaim: c.ClientClaim, Transfer: tc, Logger: logger,
	})
}

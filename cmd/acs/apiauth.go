package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"time"

	"github.com/assetcompute/assetcompute/pkg/apiauth"
	"github.com/assetcompute/assetcompute/pkg/devserver"
)

// oidcFlags are the `acs serve` flags of the OpenID Connect verifier of
// the Asset Compute API.
type oidcFlags struct{ apiauth.Config }

// addOIDCFlags defines the flags on fs.
func addOIDCFlags(fs *flag.FlagSet) *oidcFlags {
	o := &oidcFlags{}
	fs.StringVar(&o.Issuer, "api-oidc-issuer", "", "turn the Asset Compute API on, accepting JWTs (RS256, ES256) of this OpenID Connect issuer, checked against its JWKS (needs --api-oidc-audience)")
	fs.StringVar(&o.Audience, "api-oidc-audience", "", "accepted token audiences (aud), comma-separated")
	fs.StringVar(&o.JWKSURL, "api-jwks-url", "", "the issuer's JWKS URL (default: the jwks_uri of <issuer>/.well-known/openid-configuration)")
	fs.StringVar(&o.OrgClaim, "api-oidc-org-claim", "", "a claim that must hold the call's x-gw-ims-org-id (e.g. org)")
	fs.StringVar(&o.ClientClaim, "api-oidc-client-claim", "", "a claim that must equal the call's x-api-key (e.g. client_id, azp)")
	fs.BoolVar(&o.AllowPrivate, "api-oidc-allow-private", false, "let the verifier reach an issuer over http or on a loopback or private address (an identity provider on this machine)")
	return o
}

// set reports whether any OIDC flag was given.
func (o *oidcFlags) set() bool { return o.IsSet() }

// verifier builds the OIDC verifier and fetches its keys once, warning when
// that fails (the verifier fetches them again on the next call). Its errors
// are the API's (apiauth.ErrInvalid is devserver.ErrTokenInvalid).
func (o *oidcFlags) verifier(ctx context.Context, logger *slog.Logger) (devserver.TokenVerifier, error) {
	if o.Issuer == "" {
		return nil, errors.New("--api-oidc-issuer is required with the other --api-oidc flags")
	}
	v, err := o.Verifier(logger)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := v.Refresh(rctx); err != nil {
		logger.Warn("acs serve: the API's token keys are not available yet", slog.String("error", err.Error()))
	}
	return v, nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/apiauth"
	"github.com/assetcompute/assetcompute/pkg/devserver"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// oidcFlags are the `acs serve` flags of the OpenID Connect verifier of
// the Asset Compute API.
type oidcFlags struct {
	issuer, audience, jwksURL, orgClaim, clientClaim string
	allowPrivate                                     bool
}

// addOIDCFlags defines the flags on fs.
func addOIDCFlags(fs *flag.FlagSet) *oidcFlags {
	o := &oidcFlags{}
	fs.StringVar(&o.issuer, "api-oidc-issuer", "", "turn the Asset Compute API on, accepting JWTs (RS256, ES256) of this OpenID Connect issuer, checked against its JWKS (needs --api-oidc-audience)")
	fs.StringVar(&o.audience, "api-oidc-audience", "", "accepted token audiences (aud), comma-separated")
	fs.StringVar(&o.jwksURL, "api-jwks-url", "", "the issuer's JWKS URL (default: the jwks_uri of <issuer>/.well-known/openid-configuration)")
	fs.StringVar(&o.orgClaim, "api-oidc-org-claim", "", "a claim that must hold the call's x-gw-ims-org-id (e.g. org)")
	fs.StringVar(&o.clientClaim, "api-oidc-client-claim", "", "a claim that must equal the call's x-api-key (e.g. client_id, azp)")
	fs.BoolVar(&o.allowPrivate, "api-oidc-allow-private", false, "let the verifier reach an issuer over http or on a loopback or private address (an identity provider on this machine)")
	return o
}

// set reports whether any OIDC flag was given.
func (o *oidcFlags) set() bool {
	return o.issuer != "" || o.audience != "" || o.jwksURL != "" || o.orgClaim != "" || o.clientClaim != ""
}

// verifier builds the OIDC verifier and fetches its keys once, warning when
// that fails (the verifier fetches them again on the next call).
func (o *oidcFlags) verifier(ctx context.Context, logger *slog.Logger) (devserver.TokenVerifier, error) {
	if o.issuer == "" {
		return nil, errors.New("--api-oidc-issuer is required with the other --api-oidc flags")
	}
	var auds []string
	for _, a := range strings.Split(o.audience, ",") {
		if a = strings.TrimSpace(a); a != "" {
			auds = append(auds, a)
		}
	}
	tc, err := transfer.New(transfer.Options{AllowHTTP: o.allowPrivate, AllowPrivateNetworks: o.allowPrivate, Logger: logger})
	if err != nil {
		return nil, err
	}
	v, err := apiauth.New(apiauth.Options{
		Issuer: o.issuer, Audience: auds, JWKSURL: o.jwksURL,
		OrgClaim: o.orgClaim, APIKeyClaim: o.clientClaim, Transfer: tc, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := v.Refresh(rctx); err != nil {
		logger.Warn("acs serve: the API's token keys are not available yet", slog.String("error", err.Error()))
	}
	return oidcVerifier{v}, nil
}

// oidcVerifier gives apiauth's errors the meaning the API's handlers test
// for (ErrTokenInvalid: 401, ErrTokenForbidden: 403).
type oidcVerifier struct{ v *apiauth.Verifier }

// Verify implements devserver.TokenVerifier.
func (o oidcVerifier) Verify(ctx context.Context, token, org, apiKey string) error {
	err := o.v.Verify(ctx, token, org, apiKey)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, apiauth.ErrForbidden):
		return fmt.Errorf("%w: %w", devserver.ErrTokenForbidden, err)
	default:
		return fmt.Errorf("%w: %w", devserver.ErrTokenInvalid, err)
	}
}

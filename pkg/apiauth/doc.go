// Package apiauth verifies the bearer tokens of the Asset Compute HTTP API
// in production: JSON Web Tokens signed by an OpenID Connect provider,
// checked against the provider's published keys (JWKS).
//
// A [Verifier] has the Verify(ctx, token, org, apiKey) method of the API's
// token verifier interface. It accepts a token when
//
//   - it is a compact JWS (header.payload.signature, base64url without
//     padding) no larger than Options.MaxTokenBytes, checked before
//     anything is decoded;
//   - its alg is RS256 or ES256 (Options.Algorithms may narrow this):
//     "none", the HMAC algorithms and anything else are refused, so a token
//     "signed" with the public key as an HMAC secret never verifies;
//   - its kid names a key of the JWKS whose type fits the algorithm (RSA of
//     at least 2048 bits for RS256, EC P-256 for ES256; a key's own "alg"
//     and "use" must agree), and the signature verifies with that key; a
//     token without a kid is tried against every fitting key;
//   - it has no "crit" header (no extension is understood);
//   - iss equals Options.Issuer, aud (a string or a list) holds one of
//     Options.Audience, exp is in the future and nbf (when present) in the
//     past, both with Options.Leeway, judged by the injectable Options.Now;
//   - when Options.OrgClaim is set, that claim (a string or a list of
//     strings) holds the call's x-gw-ims-org-id, and when
//     Options.APIKeyClaim is set (client_id, azp...) that claim equals the
//     call's x-api-key; otherwise the call is forbidden (ErrForbidden), not
//     invalid.
//
// # Keys
//
// The JWKS comes from Options.JWKSURL, or when it is empty from the
// jwks_uri of the issuer's OpenID Connect discovery document
// (<issuer>/.well-known/openid-configuration, whose "issuer" must equal
// Options.Issuer). It is fetched through a pkg/transfer client, so the
// address guard applies (no loopback, private or link-local address unless
// the client allows private networks), with a size cap. The keys are
// cached for Options.CacheTTL; a token whose kid is not in the cache makes
// the verifier fetch the JWKS again (key rotation), at most once per
// Options.MinRefreshInterval, so a flood of tokens with made-up kids costs
// the provider one request per interval. When a refresh fails the cached
// keys stay in use.
//
// # Secrets
//
// Tokens never appear in errors or logs: errors say what was wrong (expired,
// wrong audience, unknown key) and wrap ErrInvalid or ErrForbidden; logs
// name the JWKS URL without its query string.
//
// # Use in the Asset Compute API
//
// ErrInvalid and ErrForbidden are acapi.ErrTokenInvalid and
// acapi.ErrTokenForbidden (401 and 403), so a *Verifier is an
// acapi.TokenVerifier as it is. acs serve (--api-oidc-* flags) and the
// asset-compute/acapi web action (oidc* parameters) both build it with
// [Config.Verifier].
package apiauth

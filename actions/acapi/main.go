// Command acapi is the Asset Compute HTTP API (package acapi) as an
// OpenWhisk raw HTTP web action, the production deployment of what
// `acs serve --api-tokens-file` serves locally. Deployed as
// asset-compute/acapi (manifest.yml: web-export, raw-http, final,
// provide-api-key), it answers
//
//	POST https://HOST/api/v1/web/NS/asset-compute/acapi/register
//	POST .../unregister
//	POST .../process
//	GET  .../events/journal/ID[?since=POS|latest=true][&limit=N]
//
// Its state lives in S3 (journal.S3), since a web action container keeps
// none and several run side by side: registrations, journals and the
// activations still running. /process starts a non-blocking activation of
// the process action through the OpenWhisk API and answers at once; the
// events of the activation reach the journal when a journal read finds it
// ended (acapi.OpenWhiskRunner).
//
// Configuration: the action's parameters (bound at deploy time, never
// taken from a web request: the action is final, and a raw web action's
// query and body arrive boxed in __ow_query and __ow_body) or the
// environment variables beside them:
//
//	parameter         environment             meaning
//	apiTokens         ACS_API_TOKENS          bearer tokens accepted, comma or newline separated (a secret)
//	oidcIssuer        ACS_API_OIDC_ISSUER     instead of apiTokens: accept JWTs of this OpenID Connect
//	                                          issuer (RS256, ES256), checked against its JWKS
//	oidcAudience      ACS_API_OIDC_AUDIENCE   accepted audiences (aud), comma-separated; required with oidcIssuer
//	oidcJwksUrl       ACS_API_JWKS_URL        the keys' URL, default the issuer's discovered jwks_uri
//	oidcOrgClaim      ACS_API_OIDC_ORG_CLAIM  a claim that must hold the call's x-gw-ims-org-id
//	oidcClientClaim   ACS_API_OIDC_CLIENT_CLAIM  a claim that must equal the call's x-api-key
//	oidcAllowPrivate  ACS_API_OIDC_ALLOW_PRIVATE true: fetch the keys over http or from a private address
//	journalBucket     ACS_JOURNAL_BUCKET      bucket of the journals (required)
//	journalPrefix     ACS_JOURNAL_PREFIX      key prefix, default acs-journal
//	journalMaxEvents  ACS_JOURNAL_MAX_EVENTS  events kept per journal, default 10000
//	journalMaxAge     ACS_JOURNAL_MAX_AGE     how long an event is kept, default 24h
//	processAction     ACS_PROCESS_ACTION      action /process starts, default asset-compute/process
//	publicUrl         ACS_API_PUBLIC_URL      URL clients reach the API at, default
//	                                          __OW_API_HOST/api/v1/web/NS/PKG/ACTION
//
// and the package's S3 settings (s3Endpoint, s3Region, s3ForcePathStyle,
// s3AccessKeyId, s3SecretAccessKey; see package settings).
//
// The oidc* parameters are the --api-oidc-* flags of acs serve
// (apiauth.Config): the same verifier, the same 401 and 403 answers.
// apiTokens and oidcIssuer exclude each other.
package main

import (
	"os"

	"github.com/assetcompute/assetcompute/pkg/logctx"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

func main() {
	s := &server{getenv: os.Getenv, logger: logctx.NewJSON(os.Stderr)}
	owaction.Run(s.handle)
}

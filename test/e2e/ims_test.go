package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The identity of the Asset Compute API's client: its organisation, its
// API key (client id) and secret, and the audience of its tokens.
const (
	apiOrg          = "E2E0000000000@AdobeOrg"
	apiClientID     = "e2e-asset-compute-client"
	apiClientSecret = "e2e-client-secret-5b8e"
	apiAudience     = "asset-compute"
)

// ims stands in for Adobe IMS and an OpenID Connect provider: it issues
// ES256 access tokens to the client credentials above (POST
// /ims/token/v4?client_id=..., as the Asset Compute client's OAuth
// server-to-server integration asks) and publishes its discovery document
// and JWKS, which acs serve's verifier fetches.
type ims struct {
	*httptest.Server
	key  *ecdsa.PrivateKey
	jwks atomic.Int32 // JWKS fetches

	mu     sync.Mutex
	issued []string // the tokens issued
}

// issuedTokens returns the tokens issued so far.
func (p *ims) issuedTokens() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.issued...)
}

func startIMS(t *testing.T) *ims {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &ims{key: key}
	b64 := base64.RawURLEncoding
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSONBody(w, http.StatusOK, map[string]string{"issuer": p.URL, "jwks_uri": p.URL + "/ims/keys"})
	})
	mux.HandleFunc("GET /ims/keys", func(w http.ResponseWriter, r *http.Request) {
		p.jwks.Add(1)
		pub, err := key.PublicKey.Bytes()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSONBody(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
			"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": "e2e-1",
			"x": b64.EncodeToString(pub[1:33]), "y": b64.EncodeToString(pub[33:]),
		}}})
	})
	mux.HandleFunc("POST /ims/token/v4", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			_ = r.ParseForm()
		}
		if r.URL.Query().Get("client_id") != apiClientID || r.FormValue("client_secret") != apiClientSecret ||
			r.FormValue("grant_type") != "client_credentials" {
			writeJSONBody(w, http.StatusBadRequest, map[string]string{"error": "invalid_client", "error_description": "invalid client_secret parameter"})
			return
		}
		now := time.Now()
		tok, err := p.sign(map[string]any{
			"iss": p.URL, "aud": apiAudience, "sub": "e2e@techacct.adobe.com", "client_id": apiClientID, "org": apiOrg,
			"scope": r.FormValue("scope"), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		p.mu.Lock()
		p.issued = append(p.issued, tok)
		p.mu.Unlock()
		writeJSONBody(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 3600})
	})
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

// sign makes a compact ES256 JWS of claims.
func (p *ims) sign(claims map[string]any) (string, error) {
	b64 := base64.RawURLEncoding
	h, err := json.Marshal(map[string]string{"alg": "ES256", "kid": "e2e-1", "typ": "JWT"})
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, p.key, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig), nil
}

// oidcFlags are the acs serve flags that make it check the API's tokens
// against p.
func (p *ims) oidcFlags() []string {
	return []string{"--api-oidc-issuer", p.URL, "--api-oidc-audience", apiAudience,
		"--api-oidc-client-claim", "client_id", "--api-oidc-org-claim", "org",
		// The stand-in listens on loopback over http.
		"--api-oidc-allow-private"}
}

func writeJSONBody(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

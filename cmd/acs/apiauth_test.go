package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
)

// TestServeOIDC runs acs serve with the OIDC verifier over a local
// identity provider (discovery document and JWKS of a key made here) and
// calls /register with its tokens: valid, expired, for another client.
func TestServeOIDC(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	pub, err := key.PublicKey.Bytes()
	require.NoError(t, err)
	b64 := base64.RawURLEncoding
	var idp *httptest.Server
	idp = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": idp.URL, "jwks_uri": idp.URL + "/jwks"})
		case "/jwks":
			_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "EC", "crv": "P-256", "kid": "k1",
				"x": b64.EncodeToString(pub[1:33]), "y": b64.EncodeToString(pub[33:])}}})
		default:
			http.NotFound(w, r)
		}
	}))
	defer idp.Close()
	sign := func(claims map[string]any) string {
		h, _ := json.Marshal(map[string]string{"alg": "ES256", "kid": "k1", "typ": "JWT"})
		c, _ := json.Marshal(claims)
		input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
		sum := sha256.Sum256([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
		require.NoError(t, err)
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return input + "." + b64.EncodeToString(sig)
	}
	exp := time.Now().Add(time.Hour).Unix()
	valid := sign(map[string]any{"iss": idp.URL, "aud": "acs", "exp": exp, "client_id": "k"})
	expired := sign(map[string]any{"iss": idp.URL, "aud": "acs", "exp": time.Now().Add(-time.Hour).Unix(), "client_id": "k"})
	otherClient := sign(map[string]any{"iss": idp.URL, "aud": "acs", "exp": exp, "client_id": "other"})

	props := filepath.Join(t.TempDir(), "wskprops")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--wskprops", props, "--pool", "1",
			"--api-oidc-issuer", idp.URL, "--api-oidc-audience", "other, acs", "--api-oidc-client-claim", "client_id",
			"--api-oidc-allow-private"}, nil, &stdout, &stderr)
	}()
	apiHost := waitAPIHost(t, props)

	for name, c := range map[string]struct {
		token string
		want  int
	}{"valid": {valid, http.StatusOK}, "expired": {expired, http.StatusUnauthorized}, "other client": {otherClient, http.StatusForbidden}} {
		req, err := http.NewRequest("POST", apiHost+"/register", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("x-api-key", "k")
		req.Header.Set("x-gw-ims-org-id", "o")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, c.want, resp.StatusCode, name)
	}
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code)
	case <-time.After(10 * time.Second):
		t.Fatal("acs serve did not stop")
	}
	for _, tok := range []string{valid, expired, otherClient} {
		assert.NotContains(t, stderr.String(), tok[strings.LastIndexByte(tok, '.'):], "the log never shows a token")
	}
	assert.NotContains(t, stderr.String(), "not available", "the keys were fetched at start")
}

func TestServeOIDCBadFlags(t *testing.T) {
	tokens := filepath.Join(t.TempDir(), "tokens")
	require.NoError(t, os.WriteFile(tokens, []byte("tok\n"), 0o600))
	for _, args := range [][]string{
		{"serve", "--api-oidc-issuer", "https://idp.example"},                            // no audience
		{"serve", "--api-oidc-audience", "acs"},                                          // no issuer
		{"serve", "--api-oidc-issuer", "http://idp.example", "--api-oidc-audience", "a"}, // http without allow-private
		{"serve", "--api-oidc-issuer", "https://idp.example", "--api-oidc-audience", "a", "--api-tokens-file", tokens},
	} {
		var out, errb bytes.Buffer
		assert.Equal(t, exitInvalid, run(context.Background(), args, nil, &out, &errb), "%v", args)
	}
}

package apiauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// maxDocumentBytes caps a JWKS or discovery document.
const maxDocumentBytes = 512 << 10

// minRSABits is the smallest RSA modulus accepted.
const minRSABits = 2048

// jwk is one key of a JWKS, as published.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// key is a usable verification key.
type key struct {
	kid string
	alg string // the algorithm the key is for: RS256 or ES256
	pub crypto.PublicKey
}

// parseJWKS returns the usable keys of a JWKS document, skipping keys of
// other types, curves or uses (a JWKS often also holds encryption keys).
// It fails when the document is not a JWKS or holds no usable key.
func parseJWKS(b []byte) ([]key, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil || set.Keys == nil {
		return nil, errors.New("not a JWKS document (want {\"keys\": [...]})")
	}
	var keys []key
	var skipped []string
	for _, raw := range set.Keys {
		var k jwk
		if err := json.Unmarshal(raw, &k); err != nil {
			skipped = append(skipped, "a malformed key")
			continue
		}
		usable, err := k.parse()
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("key %q: %v", k.Kid, err))
			continue
		}
		keys = append(keys, usable)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("the JWKS holds no usable signing key (RSA of %d bits or more, EC P-256); skipped: %s", minRSABits, strings.Join(skipped, "; "))
	}
	return keys, nil
}

// parse turns a published key into a verification key.
func (k jwk) parse() (key, error) {
	if k.Use != "" && k.Use != "sig" {
		return key{}, fmt.Errorf("use %q is not sig", k.Use)
	}
	switch k.Kty {
	case "RSA":
		if k.Alg != "" && k.Alg != RS256 {
			return key{}, fmt.Errorf("alg %q is not supported", k.Alg)
		}
		n, err := b64.DecodeString(k.N)
		if err != nil || len(n) == 0 {
			return key{}, errors.New("bad modulus")
		}
		e, err := b64.DecodeString(k.E)
		if err != nil || len(e) == 0 || len(e) > 4 {
			return key{}, errors.New("bad exponent")
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < minRSABits {
			return key{}, fmt.Errorf("RSA key of %d bits is too small", pub.N.BitLen())
		}
		if pub.E < 3 || pub.E%2 == 0 {
			return key{}, errors.New("bad exponent")
		}
		return key{kid: k.Kid, alg: RS256, pub: pub}, nil
	case "EC":
		if k.Crv != "P-256" {
			return key{}, fmt.Errorf("curve %q is not supported", k.Crv)
		}
		if k.Alg != "" && k.Alg != ES256 {
			return key{}, fmt.Errorf("alg %q is not supported", k.Alg)
		}
		x, errX := b64.DecodeString(k.X)
		y, errY := b64.DecodeString(k.Y)
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			return key{}, errors.New("bad coordinates")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return key{}, errors.New("the point is not on the curve")
		}
		return key{kid: k.Kid, alg: ES256, pub: pub}, nil
	}
	return key{}, fmt.Errorf("key type %q is not supported", k.Kty)
}

// getJSON GETs a small JSON document through the transfer client's HTTP
// client (address guard, redirect rules, timeouts). Errors name the URL
// without its query string.
func (v *Verifier) getJSON(ctx context.Context, rawURL string, into any) error {
	shown := api.RedactURL(rawURL)
	if err := v.tc.CheckServiceURL(rawURL); err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.tc.HTTPClient().Do(req)
	if err != nil {
		// The http package's error quotes the URL: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("GET %s: %w", shown, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDocumentBytes))
		return fmt.Errorf("GET %s: status %d", shown, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", shown, err)
	}
	if len(b) > maxDocumentBytes {
		return fmt.Errorf("GET %s: the document is larger than %d bytes", shown, maxDocumentBytes)
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("GET %s: not JSON: %w", shown, err)
	}
	return nil
}

// discover reads the issuer's OpenID Connect discovery document and
// returns its jwks_uri.
func (v *Verifier) discover(ctx context.Context) (string, error) {
	u := strings.TrimSuffix(v.opts.Issuer, "/") + "/.well-known/openid-configuration"
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, u, &doc); err != nil {
		return "", fmt.Errorf("OpenID Connect discovery: %w", err)
	}
	if doc.Issuer != v.opts.Issuer {
		return "", fmt.Errorf("OpenID Connect discovery: the document's issuer %q is not %q", doc.Issuer, v.opts.Issuer)
	}
	if doc.JWKSURI == "" {
		return "", errors.New("OpenID Connect discovery: the document has no jwks_uri")
	}
	return doc.JWKSURI, nil
}

// fetchKeys fetches and parses the JWKS, discovering its URL first when
// needed.
func (v *Verifier) fetchKeys(ctx context.Context) ([]key, error) {
	u := v.opts.JWKSURL
	if u == "" {
		v.mu.Lock()
		u = v.discovered
		v.mu.Unlock()
		if u == "" {
			d, err := v.discover(ctx)
			if err != nil {
				return nil, err
			}
			v.mu.Lock()
			v.discovered = d
			v.mu.Unlock()
			u = d
		}
	}
	var raw json.RawMessage
	if err := v.getJSON(ctx, u, &raw); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	keys, err := parseJWKS(raw)
	if err != nil {
		return nil, fmt.Errorf("JWKS %s: %w", api.RedactURL(u), err)
	}
	return keys, nil
}

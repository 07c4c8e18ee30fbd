package apiauth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/transfer"
)

const (
	testAudience = "asset-compute"
	testOrg      = "ACME@AdobeOrg"
	testClient   = "acme-client"
)

var enc = base64.RawURLEncoding

// testKey is a signing key of the test identity provider.
type testKey struct {
	kid string
	alg string
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
}

// rsaKeys caches generated RSA keys, slow to make, across tests.
var rsaKeys sync.Map

func newRSAKey(t *testing.T, kid string) *testKey {
	t.Helper()
	if k, ok := rsaKeys.Load(kid); ok {
		return k.(*testKey)
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tk := &testKey{kid: kid, alg: RS256, rsa: k}
	rsaKeys.Store(kid, tk)
	return tk
}

func newECKey(t *testing.T, kid string) *testKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return &testKey{kid: kid, alg: ES256, ec: k}
}

// jwk is the key's public JWK.
func (k *testKey) jwk() map[string]any {
	if k.rsa != nil {
		return map[string]any{"kty": "RSA", "kid": k.kid, "use": "sig", "alg": "RS256",
			"n": enc.EncodeToString(k.rsa.N.Bytes()), "e": enc.EncodeToString(big.NewInt(int64(k.rsa.E)).Bytes())}
	}
	b, err := k.ec.PublicKey.Bytes()
	if err != nil {
		panic(err)
	}
	return map[string]any{"kty": "EC", "kid": k.kid, "crv": "P-256", "x": enc.EncodeToString(b[1:33]), "y": enc.EncodeToString(b[33:])}
}

// sign makes a compact JWS of claims with header fields hdr (alg and kid
// added unless hdr sets them).
func (k *testKey) sign(t *testing.T, hdr, claims map[string]any) string {
	t.Helper()
	h := map[string]any{"alg": k.alg, "kid": k.kid, "typ": "JWT"}
	for n, v := range hdr {
		if v == nil {
			delete(h, n)
		} else {
			h[n] = v
		}
	}
	input := segment(h) + "." + segment(claims)
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	if k.rsa != nil {
		sig, err = rsa.SignPKCS1v15(rand.Reader, k.rsa, crypto.SHA256, sum[:])
	} else {
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, k.ec, sum[:])
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	}
	require.NoError(t, err)
	return input + "." + enc.EncodeToString(sig)
}

func segment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return enc.EncodeToString(b)
}

// clock is an injectable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// idp is a test OpenID Connect provider: a discovery document and a JWKS
// whose keys the test changes, counting the fetches of each.
type idp struct {
	*httptest.Server
	mu         sync.Mutex
	keys       []*testKey
	extra      []map[string]any // published as is
	fail       bool
	jwksHits   atomic.Int32
	configHits atomic.Int32
}

func newIDP(t *testing.T, keys ...*testKey) *idp {
	p := &idp{keys: keys}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			p.configHits.Add(1)
			_ = json.NewEncoder(w).Encode(map[string]any{"issuer": p.URL, "jwks_uri": p.URL + "/keys?sig=secret-query"})
		case "/keys":
			p.jwksHits.Add(1)
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.fail {
				http.Error(w, "down", http.StatusInternalServerError)
				return
			}
			set := []map[string]any{}
			for _, k := range p.keys {
				set = append(set, k.jwk())
			}
			set = append(set, p.extra...)
			_ = json.NewEncoder(w).Encode(map[string]any{"keys": set})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *idp) setKeys(keys ...*testKey) { p.mu.Lock(); p.keys = keys; p.mu.Unlock() }
func (p *idp) setFail(fail bool)        { p.mu.Lock(); p.fail = fail; p.mu.Unlock() }

// fixture is a verifier over an idp, with a clock and a log buffer.
type fixture struct {
	t     *testing.T
	v     *Verifier
	p     *idp
	clock *clock
	logs  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// localTransfer reaches the loopback test servers.
func localTransfer(t *testing.T) *transfer.Client {
	t.Helper()
	tc, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: true, Attempts: 1})
	require.NoError(t, err)
	return tc
}

func newFixture(t *testing.T, p *idp, change func(*Options)) *fixture {
	t.Helper()
	f := &fixture{t: t, p: p, clock: &clock{t: time.Unix(1_800_000_000, 0)}, logs: &syncBuffer{}}
	opts := Options{
		Issuer: p.URL, Audience: []string{testAudience}, Transfer: localTransfer(t), Now: f.clock.now,
		Logger: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if change != nil {
		change(&opts)
	}
	v, err := New(opts)
	require.NoError(t, err)
	f.v = v
	return f
}

// claims are valid claims at the fixture's time.
func (f *fixture) claims(change map[string]any) map[string]any {
	now := f.clock.now().Unix()
	c := map[string]any{"iss": f.p.URL, "aud": testAudience, "sub": "user-1", "iat": now, "exp": now + 3600,
		"client_id": testClient, "org": testOrg}
	for n, v := range change {
		if v == nil {
			delete(c, n)
		} else {
			c[n] = v
		}
	}
	return c
}

func (f *fixture) verify(tok string) error {
	return f.v.Verify(context.Background(), tok, testOrg, testClient)
}

// assertNoLeak checks that neither the error nor the logs hold the token
// or its signature.
func (f *fixture) assertNoLeak(t *testing.T, tok string, err error) {
	t.Helper()
	sig := tok[strings.LastIndexByte(tok, '.')+1:]
	for _, s := range []string{fmt.Sprint(err), f.logs.String()} {
		assert.NotContains(t, s, tok)
		if len(sig) > 8 {
			assert.NotContains(t, s, sig)
		}
	}
	assert.NotContains(t, f.logs.String(), "secret-query", "URLs are logged without their query")
}

func TestVerifyValidTokens(t *testing.T) {
	rk, ek := newRSAKey(t, "rsa-1"), newECKey(t, "ec-1")
	p := newIDP(t, rk, ek)
	t.Run("discovery", func(t *testing.T) {
		f := newFixture(t, p, nil)
		for _, k := range []*testKey{rk, ek} {
			tok := k.sign(t, nil, f.claims(nil))
			require.NoError(t, f.verify(tok), k.alg)
		}
		assert.EqualValues(t, 1, p.configHits.Load(), "discovery read once")
	})
	t.Run("jwks url, audience list, no kid", func(t *testing.T) {
		f := newFixture(t, p, func(o *Options) { o.JWKSURL = p.URL + "/keys"; o.Audience = []string{"other", testAudience} })
		before := p.configHits.Load()
		tok := ek.sign(t, map[string]any{"kid": nil}, f.claims(map[string]any{"aud": []string{"x", testAudience}}))
		require.NoError(t, f.verify(tok))
		assert.Equal(t, before, p.configHits.Load(), "no discovery with a JWKS URL")
	})
	t.Run("within the leeway", func(t *testing.T) {
		f := newFixture(t, p, nil)
		now := f.clock.now().Unix()
		tok := rk.sign(t, nil, f.claims(map[string]any{"exp": now - 10, "nbf": now + 10}))
		require.NoError(t, f.verify(tok))
	})
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	rk, ek := newRSAKey(t, "rsa-1"), newECKey(t, "ec-1")
	p := newIDP(t, rk, ek)
	f := newFixture(t, p, nil)
	now := f.clock.now().Unix()
	pubDER := rk.rsa.PublicKey.N.Bytes() // an HMAC secret an attacker knows

	hs256 := func(key []byte) string {
		input := segment(map[string]any{"alg": "HS256", "kid": rk.kid}) + "." + segment(f.claims(nil))
		m := hmac.New(sha256.New, key)
		m.Write([]byte(input))
		return input + "." + enc.EncodeToString(m.Sum(nil))
	}
	tamper := func(tok string) string {
		parts := strings.Split(tok, ".")
		parts[1] = segment(f.claims(map[string]any{"sub": "admin"}))
		return strings.Join(parts, ".")
	}
	asn1Sig := func() string {
		input := segment(map[string]any{"alg": "ES256", "kid": ek.kid}) + "." + segment(f.claims(nil))
		sum := sha256.Sum256([]byte(input))
		sig, err := ecdsa.SignASN1(rand.Reader, ek.ec, sum[:])
		require.NoError(t, err)
		return input + "." + enc.EncodeToString(sig)
	}
	valid := rk.sign(t, nil, f.claims(nil))
	cases := []struct {
		name, tok, want string
	}{
		{"expired", rk.sign(t, nil, f.claims(map[string]any{"exp": now - 31})), "expired"},
		{"no exp", rk.sign(t, nil, f.claims(map[string]any{"exp": nil})), "no expiry"},
		{"not yet valid", rk.sign(t, nil, f.claims(map[string]any{"nbf": now + 31})), "not valid before"},
		{"wrong audience", rk.sign(t, nil, f.claims(map[string]any{"aud": "someone-else"})), "audience"},
		{"no audience", rk.sign(t, nil, f.claims(map[string]any{"aud": nil})), "audience"},
		{"wrong issuer", rk.sign(t, nil, f.claims(map[string]any{"iss": "https://evil.example"})), "issuer"},
		{"bad signature (claims changed)", tamper(valid), "signature does not verify"},
		{"signed by another key with a known kid", newRSAKey(t, "rogue").sign(t, map[string]any{"kid": rk.kid}, f.claims(nil)), "signature does not verify"},
		{"alg none", segment(map[string]any{"alg": "none"}) + "." + segment(f.claims(nil)) + ".", "algorithm \"none\""},
		{"HS256 with the public key as secret", hs256(pubDER), "algorithm \"HS256\""},
		{"RS256 naming an EC key", rk.sign(t, map[string]any{"kid": ek.kid}, f.claims(nil)), "not an RS256 key"},
		{"ES256 naming an RSA key", ek.sign(t, map[string]any{"kid": rk.kid}, f.claims(nil)), "not an ES256 key"},
		{"ES256 with an ASN.1 signature", asn1Sig(), "signature does not verify"},
		{"crit header", rk.sign(t, map[string]any{"crit": []string{"exp"}}, f.claims(nil)), "critical"},
		{"oversized", rk.sign(t, nil, f.claims(map[string]any{"pad": strings.Repeat("A", DefaultMaxTokenBytes)})), "larger than"},
		{"two parts", strings.Join(strings.Split(valid, ".")[:2], "."), "three"},
		{"padded base64", valid + "=", "base64url"},
		{"header not an object", enc.EncodeToString([]byte(`["RS256"]`)) + "." + segment(f.claims(nil)) + ".c2ln", "header is not a JSON object"},
		{"claims not an object", segment(map[string]any{"alg": "RS256"}) + "." + enc.EncodeToString([]byte(`"x"`)) + ".c2ln", "claims are not a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := f.verify(c.tok)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), c.want)
			f.assertNoLeak(t, c.tok, err)
		})
	}
	require.NoError(t, f.verify(valid), "the valid token the bad ones came from")
}

func TestVerifyOrgAndClientClaims(t *testing.T) {
	ek := newECKey(t, "ec-1")
	p := newIDP(t, ek)
	f := newFixture(t, p, func(o *Options) { o.OrgClaim = "org"; o.APIKeyClaim = "client_id" })
	tok := ek.sign(t, nil, f.claims(map[string]any{"org": []string{"Other@AdobeOrg", testOrg}}))
	require.NoError(t, f.verify(tok), "the org is one of the list")

	for name, call := range map[string][2]string{
		"other org": {"Other2@AdobeOrg", testClient}, "other api key": {testOrg, "other-client"},
		"no org": {"", testClient}, "no api key": {testOrg, ""},
	} {
		t.Run(name, func(t *testing.T) {
			err := f.v.Verify(context.Background(), tok, call[0], call[1])
			assert.ErrorIs(t, err, ErrForbidden)
			assert.NotErrorIs(t, err, ErrInvalid)
			f.assertNoLeak(t, tok, err)
		})
	}
	missing := ek.sign(t, nil, f.claims(map[string]any{"client_id": nil}))
	assert.ErrorIs(t, f.verify(missing), ErrForbidden, "a token without the client claim")
	// An invalid token is invalid before it is forbidden.
	expired := ek.sign(t, nil, f.claims(map[string]any{"exp": f.clock.now().Unix() - 3600, "org": "x"}))
	assert.ErrorIs(t, f.verify(expired), ErrInvalid)
}

func TestKeyRotationAndRefreshLimit(t *testing.T) {
	old, next := newRSAKey(t, "rsa-1"), newECKey(t, "ec-2")
	p := newIDP(t, old)
	f := newFixture(t, p, func(o *Options) { o.MinRefreshInterval = time.Minute; o.CacheTTL = time.Hour })
	require.NoError(t, f.verify(old.sign(t, nil, f.claims(nil))))
	require.EqualValues(t, 1, p.jwksHits.Load())

	// The provider rotates: a token of the new key arrives within the
	// refresh interval of the first fetch, so it is refused without a
	// fetch; once the interval has passed, its unknown kid makes the
	// verifier fetch again and accept it.
	p.setKeys(old, next)
	rotated := next.sign(t, nil, f.claims(nil))
	err := f.verify(rotated)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "not among the issuer's keys")
	assert.EqualValues(t, 1, p.jwksHits.Load(), "no fetch within the refresh interval")
	f.clock.advance(time.Minute)
	require.NoError(t, f.verify(f.sign(next)))
	assert.EqualValues(t, 2, p.jwksHits.Load(), "an unknown kid refetches the keys")

	// A flood of made-up kids costs one fetch per interval.
	f.clock.advance(time.Minute)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := next.sign(t, map[string]any{"kid": fmt.Sprintf("made-up-%d", i)}, f.claims(nil))
			assert.ErrorIs(t, f.verify(tok), ErrInvalid)
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 3, p.jwksHits.Load(), "50 unknown kids, one fetch")
	require.NoError(t, f.verify(f.sign(old)), "known keys still work")
	assert.EqualValues(t, 3, p.jwksHits.Load())
}

// sign signs valid claims at the fixture's time with k.
func (f *fixture) sign(k *testKey) string {
	return k.sign(f.t, nil, f.claims(nil))
}

func TestCacheTTLAndFailedRefresh(t *testing.T) {
	k := newECKey(t, "ec-1")
	p := newIDP(t, k)
	f := newFixture(t, p, func(o *Options) { o.CacheTTL = 10 * time.Minute; o.MinRefreshInterval = time.Minute })
	require.NoError(t, f.v.Refresh(context.Background()))
	require.EqualValues(t, 1, p.jwksHits.Load())
	require.NoError(t, f.verify(f.sign(k)))
	assert.EqualValues(t, 1, p.jwksHits.Load(), "cached")

	f.clock.advance(10 * time.Minute)
	require.NoError(t, f.verify(f.sign(k)))
	assert.EqualValues(t, 2, p.jwksHits.Load(), "fetched again after the TTL")

	// The provider fails: the cached keys stay in use, and the failure is
	// logged without the JWKS URL's query.
	p.setFail(true)
	f.clock.advance(10 * time.Minute)
	tok := f.sign(k)
	require.NoError(t, f.verify(tok))
	assert.EqualValues(t, 3, p.jwksHits.Load())
	assert.Contains(t, f.logs.String(), "cannot fetch the issuer's keys")
	assert.Contains(t, f.logs.String(), "status 500")
	f.assertNoLeak(t, tok, nil)
}

func TestNoKeysAvailable(t *testing.T) {
	k := newECKey(t, "ec-1")
	p := newIDP(t, k)
	p.setFail(true)
	f := newFixture(t, p, func(o *Options) { o.MinRefreshInterval = time.Minute })
	tok := f.sign(k)
	err := f.verify(tok)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "signing keys are not available")
	assert.Contains(t, err.Error(), "status 500")
	f.assertNoLeak(t, tok, err)
	assert.ErrorIs(t, f.verify(tok), ErrInvalid)
	hits := p.jwksHits.Load()
	p.setFail(false)
	f.clock.advance(time.Minute)
	require.NoError(t, f.verify(tok), "recovered once the provider answers")
	assert.Equal(t, hits+1, p.jwksHits.Load())
}

func TestJWKSKeysSkipped(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	weak := &testKey{kid: "weak", alg: RS256, rsa: small}
	ek := newECKey(t, "ec-1")
	p := newIDP(t, weak, ek)
	p.extra = []map[string]any{
		{"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
		{"kty": "EC", "kid": "p384", "crv": "P-384", "x": "AA", "y": "AA"},
		{"kty": "EC", "kid": "off-curve", "crv": "P-256", "x": enc.EncodeToString(make([]byte, 32)), "y": enc.EncodeToString(make([]byte, 32))},
		{"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
	}
	f := newFixture(t, p, nil)
	require.NoError(t, f.verify(f.sign(ek)))
	for _, kid := range []string{"weak", "hmac", "off-curve"} {
		alg := RS256
		if kid == "off-curve" {
			alg = ES256
		}
		k := weak
		if kid != "weak" {
			k = ek
		}
		tok := k.sign(t, map[string]any{"kid": kid, "alg": alg}, f.claims(nil))
		err := f.verify(tok)
		assert.ErrorIs(t, err, ErrInvalid, kid)
		assert.Contains(t, err.Error(), "not among the issuer's keys", kid)
	}
}

func TestAddressGuard(t *testing.T) {
	// With transfer's defaults (https only, the guard on) a provider on
	// loopback is refused: over http at once, over https when connecting.
	_, err := New(Options{Issuer: "http://127.0.0.1:1", Audience: []string{testAudience}})
	require.Error(t, err)

	k := newECKey(t, "ec-1")
	var hits atomic.Int32
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer ts.Close()
	tc, err := transfer.New(transfer.Options{Attempts: 1})
	require.NoError(t, err)
	v, err := New(Options{Issuer: ts.URL, Audience: []string{testAudience}, Transfer: tc})
	require.NoError(t, err)
	tok := k.sign(t, nil, map[string]any{"iss": ts.URL, "aud": testAudience, "exp": time.Now().Add(time.Hour).Unix()})
	err = v.Verify(context.Background(), tok, testOrg, testClient)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "not allowed")
	assert.Zero(t, hits.Load(), "nothing reached the loopback server")
}

func TestDiscoveryIssuerMismatch(t *testing.T) {
	k := newECKey(t, "ec-1")
	p := newIDP(t, k)
	f := newFixture(t, p, func(o *Options) { o.Issuer = p.URL + "/" })
	tok := k.sign(t, nil, f.claims(map[string]any{"iss": p.URL + "/"}))
	err := f.verify(tok)
	assert.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "issuer")
	assert.Zero(t, p.jwksHits.Load(), "keys of another issuer are never fetched")
}

func TestNewChecksOptions(t *testing.T) {
	tc := localTransfer(t)
	for name, o := range map[string]Options{
		"no issuer":      {Audience: []string{"a"}, Transfer: tc},
		"no audience":    {Issuer: "https://idp.example", Transfer: tc},
		"hs256":          {Issuer: "https://idp.example", Audience: []string{"a"}, Algorithms: []string{"HS256"}, Transfer: tc},
		"bad jwks url":   {Issuer: "https://idp.example", Audience: []string{"a"}, JWKSURL: "ftp://idp.example/keys", Transfer: tc},
		"empty audience": {Issuer: "https://idp.example", Audience: []string{""}, Transfer: tc},
	} {
		_, err := New(o)
		assert.Error(t, err, name)
	}
}

package apiauth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
)

// Signature algorithms a Verifier knows.
const (
	RS256 = "RS256"
	ES256 = "ES256"
)

// b64 decodes base64url without padding, refusing padding, the standard
// alphabet and stray bits.
var b64 = base64.RawURLEncoding.Strict()

// header is a JWS protected header.
type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit"`
}

// claims are the registered claims a Verifier checks, and all of them for
// the org and client checks.
type claims struct {
	Iss string          `json:"iss"`
	Aud json.RawMessage `json:"aud"`
	Exp *numericDate    `json:"exp"`
	Nbf *numericDate    `json:"nbf"`
	all map[string]json.RawMessage
}

// numericDate is a JWT NumericDate: seconds since the epoch, possibly
// fractional.
type numericDate struct{ t time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (d *numericDate) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return errors.New("not a number")
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return errors.New("out of range")
	}
	sec, frac := math.Modf(f)
	d.t = time.Unix(int64(sec), int64(frac*1e9))
	return nil
}

// token is a parsed, not yet verified, compact JWS.
type token struct {
	header  header
	claims  claims
	signed  []byte // header.payload, the signing input
	sig     []byte
	payload []byte
}

// parse splits and decodes a compact JWS. Its errors never quote the token.
func parse(raw string) (*token, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a signed JWT (want three dot-separated parts)")
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, errors.New("its header is not base64url")
	}
	pb, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("its payload is not base64url")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("its signature is not base64url")
	}
	t := &token{signed: []byte(parts[0] + "." + parts[1]), sig: sig, payload: pb}
	if err := strictObject(hb, &t.header); err != nil {
		return nil, fmt.Errorf("its header is not a JSON object: %w", err)
	}
	if err := strictObject(pb, &t.claims); err != nil {
		return nil, fmt.Errorf("its claims are not a JSON object: %w", err)
	}
	if err := json.Unmarshal(pb, &t.claims.all); err != nil {
		return nil, errors.New("its claims are not a JSON object")
	}
	return t, nil
}

// strictObject decodes a JSON object into v, refusing trailing data and
// anything but an object.
func strictObject(b []byte, v any) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return errors.New("not an object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return errors.New("malformed JSON")
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

// verifySignature checks t's signature with key under alg, which the
// caller has matched to the key's type.
func verifySignature(t *token, alg string, key crypto.PublicKey) bool {
	sum := sha256.Sum256(t.signed)
	switch alg {
	case RS256:
		k, ok := key.(*rsa.PublicKey)
		return ok && rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], t.sig) == nil
	case ES256:
		k, ok := key.(*ecdsa.PublicKey)
		// JWS ES256 signatures are R || S, 32 bytes each (RFC 7518 3.4),
		// not ASN.1.
		if !ok || len(t.sig) != 64 {
			return false
		}
		r := new(big.Int).SetBytes(t.sig[:32])
		s := new(big.Int).SetBytes(t.sig[32:])
		return ecdsa.Verify(k, sum[:], r, s)
	}
	return false
}

// audiences returns the aud claim as a list: a string or an array of
// strings.
func (c *claims) audiences() ([]string, error) {
	return stringOrList(c.Aud)
}

// stringOrList decodes a JSON string or array of strings.
func stringOrList(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, errors.New("neither a string nor a list of strings")
	}
	return many, nil
}

package devserver

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// NewKey returns a random namespace key "UUID:KEY" in the shape OpenWhisk
// uses: a version 4 UUID and 64 alphanumeric characters.
func NewKey() (string, error) {
	u := make([]byte, 16)
	if _, err := rand.Read(u); err != nil {
		return "", fmt.Errorf("devserver: generating a key: %w", err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u)
	uuid := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	k := make([]byte, 64)
	if _, err := rand.Read(k); err != nil {
		return "", fmt.Errorf("devserver: generating a key: %w", err)
	}
	for i := range k {
		k[i] = alphabet[int(k[i])%len(alphabet)]
	}
	return uuid + ":" + string(k), nil
}

// validKey reports whether key has the form "USER:PASSWORD" with both parts
// non-empty.
func validKey(key string) bool {
	user, pass, ok := strings.Cut(key, ":")
	return ok && user != "" && pass != ""
}

// checkAuth reports whether r carries the namespace key as Basic
// authentication; on failure it has already answered 401.
func (s *Server) checkAuth(w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		writeError(w, http.StatusUnauthorized, msgNoAuth)
		return false
	}
	if !s.keyMatches(user, pass) {
		writeError(w, http.StatusUnauthorized, msgBadAuth)
		return false
	}
	return true
}

// keyMatches compares user:pass with the namespace key in constant time.
func (s *Server) keyMatches(user, pass string) bool {
	return subtle.ConstantTimeCompare([]byte(user+":"+pass), []byte(s.opts.Auth)) == 1
}

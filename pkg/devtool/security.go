package devtool

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// tokenHeader is the header every POST carries the session token in.
const tokenHeader = "X-Devtool-Token"

// IsLoopback reports whether the host of addr (host:port) is a loopback
// address or localhost: a handler for any other address needs an auth key.
func IsLoopback(addr string) bool {
	ok, err := isLoopbackAddr(addr)
	return ok && err == nil
}

// isLoopbackAddr reports whether the host of addr (host:port, or "" for
// the loopback default) is a loopback address or localhost.
func isLoopbackAddr(addr string) (bool, error) {
	if addr == "" {
		return true, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("devtool: address %q: %w", addr, err)
	}
	return isLoopbackHost(host), nil
}

// isLoopbackHost reports whether host names this machine's loopback.
func isLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// allowed checks a request before it is served, answering it when it is
// refused: the Host header (loopback binds), the auth key, and for
// anything but GET and HEAD the session token and the origin.
func (h *Handler) allowed(w http.ResponseWriter, r *http.Request) bool {
	if h.hosts {
		host := r.Host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		if !isLoopbackHost(host) {
			apiError(w, http.StatusMisdirectedRequest, "host", "the devtool answers only to a loopback host name (localhost, 127.0.0.1, [::1])")
			return false
		}
	}
	if h.opts.AuthKey != "" {
		user, pass, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(user+":"+pass), []byte(h.opts.AuthKey)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="acs devtool", charset="UTF-8"`)
			apiError(w, http.StatusUnauthorized, "auth", "the auth key is required (HTTP Basic: user UUID, password KEY)")
			return false
		}
	}
	site := r.Header.Get("Sec-Fetch-Site")
	crossSite := site != "" && site != "same-origin" && site != "none"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// Another site may link to the page, but not load its sources or
		// outputs into its own (an <img>, a fetch).
		if crossSite && r.Header.Get("Sec-Fetch-Mode") != "navigate" {
			apiError(w, http.StatusForbidden, "csrf", "cross-site request refused")
			return false
		}
		return true
	}
	if crossSite {
		apiError(w, http.StatusForbidden, "csrf", "cross-site request refused")
		return false
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			apiError(w, http.StatusForbidden, "csrf", "cross-origin request refused")
			return false
		}
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(tokenHeader)), []byte(h.token)) != 1 {
		apiError(w, http.StatusForbidden, "csrf", "the session token is missing or wrong: reload the page")
		return false
	}
	return true
}

// apiProblem is the body of an API error.
type apiProblem struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Reason  string `json:"reason,omitempty"`
}

// apiError answers an API error: code, a short kind and a message.
func apiError(w http.ResponseWriter, status int, kind, message string) {
	writeJSON(w, status, apiProblem{Error: kind, Message: message})
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	hd := w.Header()
	hd.Set("Content-Type", "application/json; charset=utf-8")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

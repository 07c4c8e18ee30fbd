package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Source says where the source asset is. On the wire it is either a string
// (the URL) or an object {url, name, size, mimetype, headers}.
type Source struct {
	// URL is https://..., http://... (when allowed), s3://bucket/key,
	// data:...;base64,..., or, in local mode only, a file path or file:// URL.
	URL string `json:"url"`
	// Name is the asset's file name; when set it wins over the URL for type
	// detection.
	Name string `json:"name,omitempty"`
	// Size is the size in bytes announced by the client, if known.
	Size int64 `json:"size,omitempty"`
	// MimeType is the media type announced by the client, if known.
	MimeType string `json:"mimetype,omitempty"`
	// Headers are extra HTTP request headers for fetching an http(s) source.
	Headers map[string]string `json:"headers,omitempty"`
}

// sourceObject has Source's fields without its methods, to avoid recursion.
type sourceObject Source

// UnmarshalJSON accepts a string or an object.
func (s *Source) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var u string
		if err := json.Unmarshal(data, &u); err != nil {
			return err
		}
		*s = Source{URL: u}
		return nil
	}
	if len(data) == 0 || data[0] != '{' {
		return fmt.Errorf("source must be a URL string or an object {url, name, size, mimetype, headers}")
	}
	var o sourceObject
	if err := json.Unmarshal(data, &o); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	*s = Source(o)
	return nil
}

// MarshalJSON writes the string form when only URL is set, the object form
// otherwise.
func (s Source) MarshalJSON() ([]byte, error) {
	if s.Name == "" && s.Size == 0 && s.MimeType == "" && len(s.Headers) == 0 {
		return json.Marshal(s.URL)
	}
	return json.Marshal(sourceObject(s))
}

// Validate checks that the source has a URL with a recognisable form. Whether
// the scheme or address is allowed is decided later by the transfer layer.
func (s Source) Validate() error {
	if strings.TrimSpace(s.URL) == "" {
		return fmt.Errorf("source: url is required (https://..., s3://bucket/key or data:...)")
	}
	if s.Size < 0 {
		return fmt.Errorf("source: size must not be negative, got %d", s.Size)
	}
	return nil
}

// DisplayName is the name used for type detection and output naming: Name
// when set, otherwise the last path element of the URL (never its query).
func (s Source) DisplayName() string {
	if s.Name != "" {
		return s.Name
	}
	if isDataURI(s.URL) {
		return ""
	}
	p := s.URL
	if u, err := url.Parse(s.URL); err == nil && len(u.Scheme) > 1 {
		p = u.Path
	} else if err != nil && looksLikeURL(s.URL) {
		p, _, _ = strings.Cut(s.URL, "#")
		p, _, _ = strings.Cut(p, "?")
		_, p = splitAuthority(p)
	}
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// RedactURL returns u in a form that is safe for logs and events: user
// information, the query string (presigned signatures live there) and the
// fragment are removed, and a data: URI is reduced to its media type. A
// local path is returned up to any '?'. A URL that does not parse loses the
// same parts, cut out by hand.
func RedactURL(u string) string {
	if isDataURI(u) {
		meta, _, _ := strings.Cut(u, ",")
		if len(meta) > 100 {
			meta = meta[:100]
		}
		return meta + ",..."
	}
	parsed, err := url.Parse(u)
	if err == nil && (len(parsed.Scheme) > 1 || parsed.Host != "" || parsed.User != nil) {
		parsed.User = nil
		parsed.RawQuery = ""
		parsed.ForceQuery = false
		parsed.Fragment = ""
		parsed.RawFragment = ""
		return parsed.String()
	}
	if err != nil && looksLikeURL(u) {
		before, _, _ := strings.Cut(u, "#")
		before, _, _ = strings.Cut(before, "?")
		authority, rest := splitAuthority(before)
		if i := strings.LastIndexByte(authority, '@'); i >= 0 {
			prefix := before[:len(before)-len(rest)-len(authority)]
			return prefix + authority[i+1:] + rest
		}
		return before
	}
	// A local path (a one-letter scheme is a Windows drive) or an opaque URI.
	before, _, _ := strings.Cut(u, "?")
	return before
}

// isDataURI reports whether u is a data: URI, in any letter case.
func isDataURI(u string) bool {
	return len(u) >= 5 && strings.EqualFold(u[:5], "data:")
}

// looksLikeURL reports whether u starts with a scheme of two letters or
// more followed by "://", or with "//".
func looksLikeURL(u string) bool {
	if strings.HasPrefix(u, "//") {
		return true
	}
	scheme, _, ok := strings.Cut(u, "://")
	if !ok || len(scheme) < 2 {
		return false
	}
	for i, c := range scheme {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// splitAuthority splits a URL-like string (without query or fragment) into
// its authority (between "//" and the next '/') and the path after it.
func splitAuthority(u string) (authority, path string) {
	i := strings.Index(u, "//")
	if i < 0 {
		return "", u
	}
	rest := u[i+2:]
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		return rest[:j], rest[j:]
	}
	return rest, ""
}

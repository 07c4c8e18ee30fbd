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
	if strings.HasPrefix(s.URL, "data:") {
		return ""
	}
	p := s.URL
	if u, err := url.Parse(s.URL); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		p = u.Path
	}
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// RedactURL returns u in a form that is safe for logs and events: user
// information, the query string (presigned signatures live there) and the
// fragment are removed, and a data: URI is reduced to its media type.
func RedactURL(u string) string {
	if strings.HasPrefix(u, "data:") {
		meta, _, _ := strings.Cut(u, ",")
		if len(meta) > 100 {
			meta = meta[:100]
		}
		return meta + ",..."
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme == "" || len(parsed.Scheme) == 1 {
		// A local path or something unparsable: cut at the first '?'.
		before, _, _ := strings.Cut(u, "?")
		return before
	}
	parsed.User = nil
	parsed.RawQuery = ""
	parsed.ForceQuery = false
	parsed.Fragment = ""
	parsed.RawFragment = ""
	return parsed.String()
}

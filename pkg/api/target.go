package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// Target says where a rendition is written. On the wire it is a string (a
// presigned PUT URL, s3://bucket/key, or in local mode a file path) or a
// multipart object {urls, minPartSize, maxPartSize}.
type Target struct {
	// URL is the single-upload destination. Empty when URLs is used.
	URL string
	// URLs are presigned part-upload URLs for a multipart upload, in part order.
	URLs []string
	// MinPartSize is the smallest allowed part in bytes (multipart only).
	MinPartSize int64
	// MaxPartSize is the largest allowed part in bytes (multipart only);
	// 0 means no limit.
	MaxPartSize int64
}

type multipartTarget struct {
	URLs        []string `json:"urls"`
	MinPartSize int64    `json:"minPartSize,omitempty"`
	MaxPartSize int64    `json:"maxPartSize,omitempty"`
}

// IsZero reports whether no target is set.
func (t Target) IsZero() bool { return t.URL == "" && len(t.URLs) == 0 }

// IsMultipart reports whether t is the multipart form.
func (t Target) IsMultipart() bool { return len(t.URLs) > 0 }

// UnmarshalJSON accepts a string or the multipart object.
func (t *Target) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var u string
		if err := json.Unmarshal(data, &u); err != nil {
			return err
		}
		*t = Target{URL: u}
		return nil
	}
	if len(data) == 0 || data[0] != '{' {
		return fmt.Errorf("must be a URL string or an object {urls, minPartSize, maxPartSize}")
	}
	var m multipartTarget
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("multipart form {urls, minPartSize, maxPartSize}: %s", jsonProblem(err))
	}
	*t = Target{URLs: m.URLs, MinPartSize: m.MinPartSize, MaxPartSize: m.MaxPartSize}
	return nil
}

// MarshalJSON writes the form the target was given in.
func (t Target) MarshalJSON() ([]byte, error) {
	if t.IsMultipart() {
		return json.Marshal(multipartTarget{URLs: t.URLs, MinPartSize: t.MinPartSize, MaxPartSize: t.MaxPartSize})
	}
	return json.Marshal(t.URL)
}

// Validate checks the target's shape.
func (t Target) Validate() error {
	if !t.IsMultipart() {
		if strings.TrimSpace(t.URL) == "" {
			return fmt.Errorf("must not be empty")
		}
		return nil
	}
	for i, u := range t.URLs {
		if strings.TrimSpace(u) == "" {
			return fmt.Errorf("urls[%d] must not be empty", i)
		}
	}
	if t.MinPartSize < 0 || t.MaxPartSize < 0 {
		return fmt.Errorf("minPartSize and maxPartSize must not be negative")
	}
	if t.MaxPartSize > 0 && t.MinPartSize > t.MaxPartSize {
		return fmt.Errorf("minPartSize (%d) must not exceed maxPartSize (%d)", t.MinPartSize, t.MaxPartSize)
	}
	return nil
}

// Redacted returns a description of the target that is safe to log.
func (t Target) Redacted() string {
	if t.IsMultipart() {
		return fmt.Sprintf("multipart(%d parts) %s", len(t.URLs), RedactURL(t.URLs[0]))
	}
	return RedactURL(t.URL)
}

// targetKeys returns the places a target writes to, each as a key that is
// the same for two spellings of one place, without duplicates, in order;
// given holds the URL each key came from.
func targetKeys(t Target) (keys, given []string) {
	urls := t.URLs
	if !t.IsMultipart() {
		urls = []string{t.URL}
	}
	seen := map[string]bool{}
	for _, u := range urls {
		k := targetKey(u)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
			given = append(given, u)
		}
	}
	return keys, given
}

// targetKey normalises one target URL to the place it writes to:
//
//   - s3://bucket/key: the bucket and the key, taken literally as the
//     transfer layer takes them (S3 keys are case-sensitive and "a//b" is
//     not "a/b");
//   - an http(s) URL: the scheme and host in lower case, without a default
//     port, and the unescaped path; the query (a presigned signature, or
//     the part number and upload id of a multipart part), the fragment and
//     any user information are left out, since they do not change the
//     object written;
//   - a file:// URL or a local path: the cleaned path, made absolute.
func targetKey(raw string) string {
	u := strings.TrimSpace(raw)
	if hasPrefixFold(u, "s3://") {
		return "s3://" + u[len("s3://"):]
	}
	if parsed, err := url.Parse(u); err == nil && len(parsed.Scheme) > 1 {
		scheme := strings.ToLower(parsed.Scheme)
		if scheme == "file" {
			return "file://" + localKey(parsed.Path)
		}
		host := strings.ToLower(parsed.Hostname())
		if strings.Contains(host, ":") {
			host = "[" + host + "]" // an IPv6 literal
		}
		if port := parsed.Port(); port != "" && !(scheme == "https" && port == "443") && !(scheme == "http" && port == "80") {
			host += ":" + port
		}
		path := parsed.Path
		if path == "" {
			path = "/"
		}
		return scheme + "://" + host + path
	}
	if looksLikeURL(u) {
		// Unparsable: compare what the transfer layer would refuse anyway,
		// without its query.
		before, _, _ := strings.Cut(u, "?")
		return before
	}
	return "file://" + localKey(u)
}

// localKey cleans a local path and makes it absolute, so that "out/a.png",
// "./out/a.png" and its absolute form are one place.
func localKey(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return filepath.Clean(p)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

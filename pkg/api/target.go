package api

import (
	"bytes"
	"encoding/json"
	"fmt"
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

package transfer

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// kind is how a source or target is reached.
type kind int

const (
	kindHTTP kind = iota + 1
	kindS3
	kindData
	kindLocal
)

// role says which end of a transfer a URL is, for messages and reasons.
type role string

const (
	roleSource role = "source"
	roleTarget role = "target"
)

// classify tells how rawURL is reached, or why it is refused: with
// SourceUnsupported for a source, GenericError for a target.
func (c *Client) classify(rawURL string, r role) (kind, error) {
	reason := api.ReasonSourceUnsupported
	if r == roleTarget {
		reason = api.ReasonGeneric
	}
	allowed := func() string { return strings.Join(c.schemes(r), ", ") }
	trimmed := strings.TrimSpace(rawURL)
	if trimmed == "" {
		return 0, api.Errorf(reason, "%s URL is empty (allowed: %s)", r, allowed())
	}
	if hasPrefixFold(trimmed, "data:") {
		if r == roleTarget {
			return 0, api.Errorf(reason, "a data: URI cannot be a target (allowed: %s)", allowed())
		}
		return kindData, nil
	}
	if hasPrefixFold(trimmed, "s3://") {
		// Checked before parsing: an object key is not URL syntax.
		return kindS3, nil
	}
	u, err := url.Parse(trimmed)
	if err == nil && len(u.Scheme) > 1 {
		switch scheme := strings.ToLower(u.Scheme); scheme {
		case "https":
			return kindHTTP, nil
		case "http":
			if c.opts.AllowHTTP {
				return kindHTTP, nil
			}
			return 0, api.Errorf(reason, "plain http:// %ss are not allowed; use https (allowed: %s)", r, allowed())
		case "s3":
			return kindS3, nil
		case "file":
			if c.opts.AllowLocal {
				return kindLocal, nil
			}
			return 0, api.Errorf(reason, "file:// %ss are only allowed in local mode (allowed: %s)", r, allowed())
		default:
			return 0, api.Errorf(reason, "%s scheme %q is not supported (allowed: %s)", r, scheme, allowed())
		}
	}
	if err != nil && strings.Contains(trimmed, "://") {
		// The parse error would quote the whole URL: leave it out.
		return 0, api.Errorf(reason, "%s URL %s is not valid", r, api.RedactURL(trimmed))
	}
	if c.opts.AllowLocal {
		return kindLocal, nil
	}
	return 0, api.Errorf(reason, "local %s paths are only allowed in local mode; give a URL (allowed: %s)", r, allowed())
}

// schemes lists what this client accepts for a role.
func (c *Client) schemes(r role) []string {
	s := []string{"https"}
	if c.opts.AllowHTTP {
		s = append(s, "http")
	}
	s = append(s, "s3")
	if r == roleSource {
		s = append(s, "data")
	}
	if c.opts.AllowLocal {
		s = append(s, "file", "local paths")
	}
	return s
}

// localPath returns the file path of a local path or file:// URL.
func localPath(rawURL string) string {
	trimmed := strings.TrimSpace(rawURL)
	if hasPrefixFold(trimmed, "file://") {
		if u, err := url.Parse(trimmed); err == nil {
			return u.Path
		}
		return trimmed[7:]
	}
	return rawURL
}

// parseS3URL splits s3://bucket/key. The key is taken literally, without
// unescaping, as the AWS CLI does.
func parseS3URL(rawURL string) (bucket, key string, err error) {
	rest := strings.TrimSpace(rawURL)[len("s3://"):]
	bucket, key, _ = strings.Cut(rest, "/")
	if !validBucket(bucket) {
		return "", "", fmt.Errorf("%q is not a valid S3 bucket name", bucket)
	}
	if key == "" {
		return "", "", fmt.Errorf("s3://%s/ has no object key; want s3://bucket/key", bucket)
	}
	return bucket, key, nil
}

// validBucket reports whether b is a bucket name: letters, digits, '.',
// '-' and '_' (the last two for older and S3-compatible stores), so it cannot
// change the host or path of a request.
func validBucket(b string) bool {
	if len(b) < 1 || len(b) > 255 {
		return false
	}
	for _, r := range b {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return b[0] != '.' && b[0] != '-' && !strings.Contains(b, "..")
}

// hasPrefixFold reports whether s starts with prefix, ignoring letter case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

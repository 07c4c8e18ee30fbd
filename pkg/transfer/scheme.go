package transfer

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
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
			return kindHTTP, c.checkHost(u, r, reason)
		case "http":
			if c.opts.AllowHTTP {
				return kindHTTP, c.checkHost(u, r, reason)
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

// checkHost refuses an http(s) URL that cannot name a server: no host
// (https:x), a port that is not one, or a host written as a number that
// is not a dotted IPv4 address (2130706433, 0x7f.1, 0177.0.0.1). Resolvers
// disagree on such numbers (the C library reads 2130706433 as 127.0.0.1,
// Go's resolver sends it to DNS), so none is ever looked up; the message
// names the address it stands for and, with the address guard on, says
// when that address is not public. The errors carry reason and are final.
func (c *Client) checkHost(u *url.URL, r role, reason api.Reason) error {
	host := u.Hostname()
	if u.Opaque != "" || host == "" {
		return api.Errorf(reason, "%s URL %s has no host; want %s://host/path", r, api.RedactURL(u.String()), strings.ToLower(u.Scheme))
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return api.Errorf(reason, "%s URL %s has an invalid port %q", r, api.RedactURL(u.String()), p)
		}
	}
	if strings.Contains(host, ":") {
		return nil // an IPv6 literal: the dial guard checks it
	}
	name := strings.TrimSuffix(host, ".")
	if _, err := netip.ParseAddr(name); err == nil && name == host {
		return nil // a dotted IPv4 address: the dial guard checks it
	}
	labels := strings.Split(name, ".")
	if !numericLabel(labels[len(labels)-1]) {
		return nil // a host name
	}
	ip, ok := legacyIPv4(name)
	if !ok {
		return api.Errorf(reason, "%s host %q is neither a host name nor an IPv4 address", r, host)
	}
	guard := !c.opts.AllowPrivateNetworks || c.opts.allowAddr != nil
	allow := c.opts.allowAddr
	if allow == nil {
		allow = publicAddrPort
	}
	port := uint16(443)
	if p, err := strconv.Atoi(u.Port()); err == nil {
		port = uint16(p)
	} else if strings.EqualFold(u.Scheme, "http") {
		port = 80
	}
	if guard && !allow(netip.AddrPortFrom(ip, port)) {
		return api.Errorf(reason, "address not allowed: %s host %q is the IPv4 address %s, which is not a public address", r, host, ip)
	}
	return api.Errorf(reason, "%s host %q is an unusual way to write the IPv4 address %s: write %s", r, host, ip, ip)
}

// numericLabel reports whether a host name label is a number as inet_aton
// reads it: decimal digits, or 0x followed by hex digits (possibly none).
func numericLabel(l string) bool {
	if l == "" {
		return false
	}
	digits := "0123456789"
	if len(l) >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X') {
		l, digits = l[2:], "0123456789abcdefABCDEF"
	}
	for i := 0; i < len(l); i++ {
		if !strings.ContainsRune(digits, rune(l[i])) {
			return false
		}
	}
	return true
}

// legacyIPv4 reads s as inet_aton does: one to four numbers separated by
// dots, each decimal, octal (leading 0) or hex (leading 0x), the last one
// filling the remaining bytes (so 2130706433, 127.1 and 0x7f.0.0.1 are all
// 127.0.0.1).
func legacyIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		if !numericLabel(p) {
			return netip.Addr{}, false
		}
		base := 10
		switch {
		case len(p) >= 2 && (p[1] == 'x' || p[1] == 'X'):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		n, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	last := len(nums) - 1
	var v uint64
	for i, n := range nums[:last] {
		if n > 0xff {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	if nums[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	v |= nums[last]
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
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

package transfer

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// HTTPClient returns the client's HTTP client, for calls to services the
// deployment configures (a tagging provider): the same address guard,
// redirect rules and per-phase timeout as transfers, without the
// transfer retries (the caller has its own). Check a service URL with
// CheckServiceURL first.
func (c *Client) HTTPClient() *http.Client { return c.http }

// CheckServiceURL checks that rawURL names a service this client may
// call: https (http only with Options.AllowHTTP), a host it can name. The
// address the host resolves to is checked when connecting (see
// IsAddressNotAllowed). The error is a GenericError whose message holds
// the URL without its query or user information.
func (c *Client) CheckServiceURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return api.Errorf(api.ReasonGeneric, "%s is not a URL", api.RedactURL(rawURL))
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !c.opts.AllowHTTP {
			return api.Errorf(api.ReasonGeneric, "%s: http:// is not allowed (allowHttp is off); use https", api.RedactURL(rawURL))
		}
	default:
		return api.Errorf(api.ReasonGeneric, "%s: want an https:// URL", api.RedactURL(rawURL))
	}
	return c.checkHost(u, "service", api.ReasonGeneric)
}

// IsAddressNotAllowed reports whether err is a connection the address
// guard refused (loopback, private, link-local, ... addresses; see the
// security model).
func IsAddressNotAllowed(err error) bool { return errors.Is(err, errAddressNotAllowed) }

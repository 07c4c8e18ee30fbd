package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/backoff"
)

// fetchHTTP downloads an http(s) source into s and returns its media type.
func (c *Client) fetchHTTP(ctx context.Context, src api.Source, s *sink) (string, error) {
	var contentType string
	err := c.retry(ctx, "fetching "+api.RedactURL(src.URL), func(ctx context.Context, w *watchdog) error {
		if err := s.reset(); err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
		if err != nil {
			// The parse error would quote the whole URL: leave it out.
			return api.Errorf(api.ReasonSourceUnsupported, "source URL %s is not valid", api.RedactURL(src.URL))
		}
		for k, v := range src.Headers {
			req.Header.Set(k, v)
		}
		if req.Header.Get("Accept-Encoding") == "" {
			// The bytes as stored, not a transparently decompressed copy.
			req.Header.Set("Accept-Encoding", "identity")
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return c.transportError(err, api.ReasonSourceUnsupported, roleSource)
		}
		defer closeBody(resp.Body)
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return statusError(resp, "source", src.URL)
		}
		if resp.ContentLength > s.limit {
			return sourceTooLarge(resp.ContentLength, s.limit)
		}
		if err := s.copyFrom(w.reader(resp.Body), resp.ContentLength); err != nil {
			return err
		}
		contentType = resp.Header.Get("Content-Type")
		return nil
	})
	return contentType, err
}

// putHTTP uploads n bytes of f from offset off with one PUT to rawURL.
func (c *Client) putHTTP(ctx context.Context, rawURL string, f *os.File, off, n int64, contentType, what string) error {
	return c.retry(ctx, what, func(ctx context.Context, w *watchdog) error {
		body := func() io.ReadCloser {
			if n == 0 {
				return http.NoBody
			}
			return io.NopCloser(w.reader(io.NewSectionReader(f, off, n)))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, rawURL, body())
		if err != nil {
			return api.Errorf(api.ReasonGeneric, "target URL %s is not valid", api.RedactURL(rawURL))
		}
		req.ContentLength = n
		req.GetBody = func() (io.ReadCloser, error) { return body(), nil }
		req.Header.Set("Content-Type", contentType)
		resp, err := c.http.Do(req)
		if err != nil {
			return c.transportError(err, api.ReasonGeneric, roleTarget)
		}
		defer closeBody(resp.Body)
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return statusError(resp, "target", rawURL)
		}
		return nil
	})
}

// statusError classifies an unsuccessful response to a request for rawURL.
// role is "source" or "target".
func statusError(resp *http.Response, role, rawURL string) error {
	code := resp.StatusCode
	status := fmt.Sprintf("%d %s", code, http.StatusText(code))
	switch {
	case code == http.StatusNotFound || code == http.StatusGone:
		return api.Errorf(api.ReasonGeneric, "%s not found (%d): %s", role, code, api.RedactURL(rawURL))
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return api.Errorf(api.ReasonGeneric, "access to the %s was denied (%d): %s; check the URL, any credentials, and that a presigned URL has not expired", role, code, api.RedactURL(rawURL))
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		return backoff.RetryableAfter(fmt.Errorf("server returned %s", status), retryAfter(resp.Header))
	case code == http.StatusRequestTimeout || code >= 500:
		return retryable(fmt.Errorf("server returned %s", status))
	case code == http.StatusRequestEntityTooLarge && role == "target":
		return api.Errorf(api.ReasonRenditionTooLarge, "the target refused the rendition as too large (%s)", status)
	default:
		return api.Errorf(api.ReasonGeneric, "%s request refused: %s returned %s", role, api.RedactURL(rawURL), status)
	}
}

// transportError classifies an error of http.Client.Do for a request to
// the source or target (what). The URL it quotes is redacted in place, so
// no later message can leak its query. A refused address or redirect is
// final and gets reason, and so is a host that does not exist; other
// network failures are retried (see classifyNetError).
func (c *Client) transportError(err error, reason api.Reason, what role) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = api.RedactURL(ue.URL)
	}
	if e, ok := guardError(err, reason); ok {
		return e
	}
	var ae *api.Error
	if errors.As(err, &ae) {
		if ae.Reason == api.ReasonSourceUnsupported && reason != api.ReasonSourceUnsupported {
			return api.Errorf(reason, "%s", ae.Message)
		}
		return ae
	}
	return classifyNetError(err, reason, string(what), c.opts.Timeout)
}

// closeBody drains a little of a response body, so the connection can be
// reused, and closes it.
func closeBody(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

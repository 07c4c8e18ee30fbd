package transfer

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// validator identifies the version of a source that was opened, so later
// range requests fail (412) instead of mixing two versions.
type validator struct {
	etag         string // a strong ETag, for If-Match
	lastModified string // otherwise Last-Modified, for If-Unmodified-Since (http only)
}

func (v validator) isZero() bool { return v == validator{} }

func validatorOf(h http.Header) validator {
	// If-Match compares strongly: a weak ETag would never match.
	if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		return validator{etag: et}
	}
	return validator{lastModified: h.Get("Last-Modified")}
}

// httpRanges is the rangeBackend of an http(s) source: GET requests with a
// Range header, under the client's address guard and redirect policy.
type httpRanges struct {
	c   *Client
	src api.Source
}

func (h *httpRanges) name() string { return api.RedactURL(h.src.URL) }
func (h *httpRanges) peer() string { return "the server" }

// getRange sends GET with Range: bytes=first-last and, when v is set, a
// precondition that the source is still that version. Statuses other than
// 200, 206, 416 and (with a precondition) 412 are errors.
func (h *httpRanges) getRange(ctx context.Context, first, last int64, v validator) (rangeAnswer, error) {
	resp, err := h.c.rangeRequest(ctx, h.src, first, last, v)
	if err != nil {
		return rangeAnswer{}, err
	}
	a := rangeAnswer{
		body: resp.Body, contentType: resp.Header.Get("Content-Type"), contentLength: resp.ContentLength,
		contentRange: resp.Header.Get("Content-Range"), encoded: encoded(resp.Header),
		version: validatorOf(resp.Header),
	}
	switch {
	case resp.StatusCode == http.StatusPartialContent:
		a.status = rangePartial
	case resp.StatusCode == http.StatusOK:
		a.status = rangeWhole
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		a.status = rangeNotSatisfiable
	case resp.StatusCode == http.StatusPreconditionFailed && !v.isZero():
		a.status = rangeChanged
	default:
		err := statusError(resp, "source", h.src.URL)
		closeBody(resp.Body)
		return rangeAnswer{}, err
	}
	return a, nil
}

// rangeRequest sends GET src with a Range header for bytes first-last and,
// when v is set, a precondition that the source is still that version.
func (c *Client) rangeRequest(ctx context.Context, src api.Source, first, last int64, v validator) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
	if err != nil {
		// The parse error would quote the whole URL: leave it out.
		return nil, api.Errorf(api.ReasonSourceUnsupported, "source URL %s is not valid", api.RedactURL(src.URL))
	}
	for k, val := range src.Headers {
		req.Header.Set(k, val)
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", first, last))
	// Ranges of the bytes as stored, not of a compressed encoding.
	req.Header.Set("Accept-Encoding", "identity")
	switch {
	case v.etag != "":
		req.Header.Set("If-Match", v.etag)
	case v.lastModified != "":
		req.Header.Set("If-Unmodified-Since", v.lastModified)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(err, api.ReasonSourceUnsupported, roleSource)
	}
	return resp, nil
}

// encoded reports a response body in a content coding other than identity,
// whose byte ranges are not ranges of the source.
func encoded(h http.Header) bool {
	ce := strings.TrimSpace(h.Get("Content-Encoding"))
	return ce != "" && !strings.EqualFold(ce, "identity")
}

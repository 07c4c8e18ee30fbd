package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// validator identifies the version of an http(s) source that was opened,
// so later range requests fail (412) instead of mixing two versions.
type validator struct {
	etag         string // a strong ETag, for If-Match
	lastModified string // otherwise Last-Modified, for If-Unmodified-Since
}

func validatorOf(h http.Header) validator {
	// If-Match compares strongly: a weak ETag would never match.
	if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		return validator{etag: et}
	}
	return validator{lastModified: h.Get("Last-Modified")}
}

// openRangedHTTP opens an http(s) source with a ranged GET of its first
// block. A server that answers with the whole body (200) has it kept as a
// download. It returns nil and no error when the source is to be
// downloaded with a new request (it answered 416, as for an empty source,
// or a Content-Range that cannot be used).
func (c *Client) openRangedHTTP(ctx context.Context, src api.Source, opts RangeOptions) (*RangedSource, error) {
	what := api.RedactURL(src.URL)
	var (
		p           probe
		v           validator
		usable      bool
		sp          *spool // the whole body of a 200 answer
		downloaded  bool
		contentType string
		got, reqs   atomic.Int64
	)
	err := c.retry(ctx, "opening "+what, func(ctx context.Context, w *watchdog) error {
		usable, downloaded = false, false
		reqs.Add(1)
		resp, err := c.rangeRequest(ctx, src, 0, opts.BlockSize-1, validator{})
		if err != nil {
			return err
		}
		defer closeBody(resp.Body)
		switch resp.StatusCode {
		case http.StatusPartialContent:
		case http.StatusOK:
			// No ranges here: this body is the download.
			c.log.InfoContext(ctx, "server ignores byte ranges; downloading the source whole", "source", what)
			if sp == nil {
				if sp, err = c.newSpool(opts.TempDir, src.DisplayName()); err != nil {
					return err
				}
			}
			if err := sp.s.reset(); err != nil {
				return err
			}
			if resp.ContentLength > sp.s.limit {
				return sourceTooLarge(resp.ContentLength, sp.s.limit)
			}
			if err := sp.s.copyFrom(w.reader(resp.Body), resp.ContentLength); err != nil {
				return err
			}
			contentType, downloaded = resp.Header.Get("Content-Type"), true
			return nil
		case http.StatusRequestedRangeNotSatisfiable:
			// An empty source: download it.
			return nil
		default:
			return statusError(resp, "source", src.URL)
		}
		cr, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || cr.first != 0 || cr.last >= opts.BlockSize || cr.total < 0 || encoded(resp.Header) {
			return nil
		}
		buf := make([]byte, cr.last+1)
		if err := readRange(w.reader(resp.Body), buf, &got); err != nil {
			return err
		}
		p = probe{size: cr.total, contentType: resp.Header.Get("Content-Type"), first: buf}
		v = validatorOf(resp.Header)
		usable = true
		return nil
	})
	if sp != nil && (err != nil || !downloaded) {
		sp.discard()
	}
	if err != nil {
		return nil, err
	}
	if downloaded {
		return sp.source(ctx, contentType, what), nil
	}
	if !usable {
		return nil, nil
	}
	rs := c.newRanged(ctx, p, what, opts)
	rs.bytes.Store(got.Load())
	rs.requests.Store(reqs.Load())
	rs.get = func(ctx context.Context, buf []byte, off int64) error {
		last := off + int64(len(buf)) - 1
		return c.retry(ctx, fmt.Sprintf("reading bytes %d-%d of %s", off, last, what), func(ctx context.Context, w *watchdog) error {
			rs.requests.Add(1)
			resp, err := c.rangeRequest(ctx, src, off, last, v)
			if err != nil {
				return err
			}
			defer closeBody(resp.Body)
			switch resp.StatusCode {
			case http.StatusPartialContent:
			case http.StatusPreconditionFailed, http.StatusRequestedRangeNotSatisfiable:
				return errChanged(what)
			case http.StatusOK:
				// Perhaps another server behind the same name: try again.
				return retryable(errors.New("server sent the whole source instead of a byte range"))
			default:
				return statusError(resp, "source", src.URL)
			}
			cr, ok := parseContentRange(resp.Header.Get("Content-Range"))
			switch {
			case ok && cr.total >= 0 && cr.total != rs.size:
				return errChanged(what)
			case !ok || cr.first != off || cr.last != last || encoded(resp.Header):
				return api.Errorf(api.ReasonGeneric, "%s: asked for bytes %d-%d, the server answered %q",
					what, off, last, resp.Header.Get("Content-Range"))
			}
			return readRange(w.reader(resp.Body), buf, &rs.bytes)
		})
	}
	return rs, nil
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

// readRange reads exactly len(buf) bytes of r into buf, counting them. A
// short body is retryable.
func readRange(r io.Reader, buf []byte, counter *atomic.Int64) error {
	n, err := io.ReadFull(r, buf)
	counter.Add(int64(n))
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return retryable(fmt.Errorf("range broke off after %d of %d bytes: %w", n, len(buf), err))
}

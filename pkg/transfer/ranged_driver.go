package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// rangeBackend is a store that serves byte ranges of one object: an
// http(s) server (httpRanges) or S3 (s3Ranges). It only sends requests and
// says how they were answered; the ranged-read driver (openRangedFrom)
// does the rest for both: retries, the first block and the size it gives,
// the checks of every answer, byte and request counts, and the fallback to
// a download.
type rangeBackend interface {
	// getRange asks for bytes first-last of the object. v, when set, is the
	// version the object must still be: a store that finds it changed
	// answers rangeChanged. Errors are final or marked retryable.
	getRange(ctx context.Context, first, last int64, v validator) (rangeAnswer, error)
	// name describes the object for messages and logs, redacted.
	name() string
	// peer names who answers, for messages: "the server", "S3".
	peer() string
}

// rangeStatus is how a store answered a range request.
type rangeStatus int

const (
	// rangePartial: the range asked for (206), described by contentRange.
	rangePartial rangeStatus = iota
	// rangeWhole: the whole object, the range ignored (200).
	rangeWhole
	// rangeNotSatisfiable: no byte of the range exists (416), as for an
	// empty object.
	rangeNotSatisfiable
	// rangeChanged: the object is no longer the version asked for (412).
	rangeChanged
)

// rangeAnswer is a store's answer to a range request.
type rangeAnswer struct {
	status rangeStatus
	// body is the content of a partial or whole answer, or nil; the
	// driver closes it.
	body          io.ReadCloser
	contentRange  string // the Content-Range of a partial answer
	contentType   string
	contentLength int64 // of the body; -1 when unknown
	// encoded is set when the body is in a content coding: its byte ranges
	// are not ranges of the object.
	encoded bool
	// version identifies the object's version, for the preconditions of
	// later reads.
	version validator
}

// opening is what the first request of a ranged source found.
type opening struct {
	// usable is set when the first block came back as a range: the source
	// can be read in ranges.
	usable  bool
	probe   probe
	version validator
	// whole is the download of a store that sent the whole object, with
	// its media type; nil otherwise.
	whole            *spool
	wholeContentType string
	// bytes and requests count what the opening cost, attempts included.
	bytes, requests int64
}

// openRangedFrom opens src for random access through b with a ranged
// request of its first block, which also gives the object's size (so no
// HEAD is needed). A store that answers with the whole object has it kept
// as the download. It returns nil and no error when the object is to be
// downloaded with a new request: the store answered 416 (as for an empty
// object), or a Content-Range that cannot be used.
func (c *Client) openRangedFrom(ctx context.Context, b rangeBackend, src api.Source, opts RangeOptions) (*RangedSource, error) {
	op, err := c.openFirstBlock(ctx, b, src, opts)
	if err != nil {
		return nil, err
	}
	if op.whole != nil {
		return op.whole.source(ctx, op.wholeContentType, b.name()), nil
	}
	if !op.usable {
		return nil, nil
	}
	rs := c.newRanged(ctx, op.probe, b.name(), opts)
	rs.bytes.Store(op.bytes)
	rs.requests.Store(op.requests)
	rs.get = c.rangeReader(b, rs, op.version)
	return rs, nil
}

// openFirstBlock asks b for the first block of the object, with retries.
// A spool made for a whole answer is discarded unless it is the result.
func (c *Client) openFirstBlock(ctx context.Context, b rangeBackend, src api.Source, opts RangeOptions) (opening, error) {
	var (
		op        opening
		sp        *spool
		got, reqs atomic.Int64
	)
	err := c.retry(ctx, "opening "+b.name(), func(ctx context.Context, w *watchdog) error {
		op = opening{}
		reqs.Add(1)
		a, err := b.getRange(ctx, 0, opts.BlockSize-1, validator{})
		if err != nil {
			return err
		}
		if a.body != nil {
			defer closeBody(a.body)
		}
		switch a.status {
		case rangeWhole:
			// No ranges here: this body is the download.
			c.log.InfoContext(ctx, "server ignores byte ranges; downloading the source whole", "source", b.name())
			if sp == nil {
				if sp, err = c.newSpool(opts.TempDir, src.DisplayName()); err != nil {
					return err
				}
			}
			if err := sp.keep(w.reader(a.body), a.contentLength); err != nil {
				return err
			}
			op.whole, op.wholeContentType = sp, a.contentType
			return nil
		case rangeNotSatisfiable:
			// An empty source: download it.
			return nil
		case rangeChanged:
			// Not asked for a version, yet changed: a store out of order.
			return errChanged(b.name())
		}
		p, ok, err := readFirstBlock(a, w, opts.BlockSize, &got)
		if err != nil || !ok {
			return err
		}
		op.probe, op.version, op.usable = p, a.version, true
		return nil
	})
	if sp != nil && (err != nil || op.whole == nil) {
		sp.discard()
	}
	op.bytes, op.requests = got.Load(), reqs.Load()
	return op, err
}

// readFirstBlock reads the first block from a partial answer to the
// opening request, counting its bytes. It returns false when the answer
// cannot be used for ranged reads (a Content-Range that is not the first
// block of a known size, or a body in a content coding).
func readFirstBlock(a rangeAnswer, w *watchdog, blockSize int64, got *atomic.Int64) (probe, bool, error) {
	cr, ok := parseContentRange(a.contentRange)
	if !ok || cr.first != 0 || cr.last >= blockSize || cr.total < 0 || a.encoded {
		return probe{}, false, nil
	}
	buf := make([]byte, cr.last+1)
	if err := readRange(w.reader(a.body), buf, got); err != nil {
		return probe{}, false, err
	}
	return probe{size: cr.total, contentType: a.contentType, first: buf}, true, nil
}

// rangeReader returns the get function of rs: one ranged request through b
// per call, with retries, checking that the object is still version v and
// that the answer is the range asked for.
func (c *Client) rangeReader(b rangeBackend, rs *RangedSource, v validator) func(ctx context.Context, buf []byte, off int64) error {
	return func(ctx context.Context, buf []byte, off int64) error {
		last := off + int64(len(buf)) - 1
		return c.retry(ctx, fmt.Sprintf("reading bytes %d-%d of %s", off, last, b.name()), func(ctx context.Context, w *watchdog) error {
			rs.requests.Add(1)
			a, err := b.getRange(ctx, off, last, v)
			if err != nil {
				return err
			}
			if a.body != nil {
				defer closeBody(a.body)
			}
			switch a.status {
			case rangeChanged, rangeNotSatisfiable:
				return errChanged(b.name())
			case rangeWhole:
				// Perhaps another server behind the same name: try again.
				return retryable(errors.New("server sent the whole source instead of a byte range"))
			}
			cr, ok := parseContentRange(a.contentRange)
			switch {
			case ok && cr.total >= 0 && cr.total != rs.size:
				return errChanged(b.name())
			case !ok || cr.first != off || cr.last != last || a.encoded:
				return api.Errorf(api.ReasonGeneric, "%s: asked for bytes %d-%d, %s answered %q",
					b.name(), off, last, b.peer(), a.contentRange)
			}
			return readRange(w.reader(a.body), buf, &rs.bytes)
		})
	}
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

package transfer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// openRangedS3 opens s3://bucket/key with a ranged GetObject of its first
// block (which also gives the object's size, so no HeadObject is needed).
// It returns nil and no error when the store does not serve ranges of this
// object (an empty object, or a response without a Content-Range).
func (c *Client) openRangedS3(ctx context.Context, src api.Source, opts RangeOptions) (*RangedSource, error) {
	bucket, key, err := parseS3URL(src.URL)
	if err != nil {
		return nil, api.Errorf(api.ReasonSourceUnsupported, "source: %s", err.Error())
	}
	loc := "s3://" + bucket + "/" + key
	s3c, err := c.s3Client()
	if err != nil {
		return nil, err
	}
	var (
		p         probe
		etag      string
		usable    bool
		got, reqs atomic.Int64
	)
	err = c.retry(ctx, "opening "+loc, func(ctx context.Context, w *watchdog) error {
		usable = false
		reqs.Add(1)
		out, err := s3c.GetObject(ctx, &s3.GetObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(key),
			Range: aws.String(fmt.Sprintf("bytes=0-%d", opts.BlockSize-1)),
		})
		if err != nil {
			if s3Status(err) == http.StatusRequestedRangeNotSatisfiable {
				return nil // an empty object
			}
			return c.s3Error(err, roleSource, "GetObject", loc)
		}
		defer closeBody(out.Body)
		cr, ok := parseContentRange(aws.ToString(out.ContentRange))
		if !ok || cr.first != 0 || cr.last >= opts.BlockSize || cr.total < 0 {
			return nil
		}
		buf := make([]byte, cr.last+1)
		if err := readRange(w.reader(out.Body), buf, &got); err != nil {
			return err
		}
		p = probe{size: cr.total, contentType: aws.ToString(out.ContentType), first: buf}
		etag = aws.ToString(out.ETag)
		usable = true
		return nil
	})
	if err != nil || !usable {
		return nil, err
	}
	rs := c.newRanged(ctx, p, loc, opts)
	rs.bytes.Store(got.Load())
	rs.requests.Store(reqs.Load())
	rs.get = func(ctx context.Context, buf []byte, off int64) error {
		last := off + int64(len(buf)) - 1
		return c.retry(ctx, fmt.Sprintf("reading bytes %d-%d of %s", off, last, loc), func(ctx context.Context, w *watchdog) error {
			rs.requests.Add(1)
			in := &s3.GetObjectInput{
				Bucket: aws.String(bucket), Key: aws.String(key),
				Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, last)),
			}
			if etag != "" {
				in.IfMatch = aws.String(etag)
			}
			out, err := s3c.GetObject(ctx, in)
			if err != nil {
				switch s3Status(err) {
				case http.StatusPreconditionFailed, http.StatusRequestedRangeNotSatisfiable:
					return errChanged(loc)
				}
				return c.s3Error(err, roleSource, "GetObject", loc)
			}
			defer closeBody(out.Body)
			cr, ok := parseContentRange(aws.ToString(out.ContentRange))
			switch {
			case ok && cr.total >= 0 && cr.total != rs.size:
				return errChanged(loc)
			case !ok || cr.first != off || cr.last != last:
				return api.Errorf(api.ReasonGeneric, "%s: asked for bytes %d-%d, S3 answered %q",
					loc, off, last, aws.ToString(out.ContentRange))
			}
			return readRange(w.reader(out.Body), buf, &rs.bytes)
		})
	}
	return rs, nil
}

// s3Status returns the HTTP status of an S3 SDK error, or 0.
func s3Status(err error) int {
	var withStatus interface{ HTTPStatusCode() int }
	if errors.As(err, &withStatus) {
		return withStatus.HTTPStatusCode()
	}
	return 0
}

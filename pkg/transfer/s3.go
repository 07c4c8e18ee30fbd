package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/backoff"
)

// fetchS3 downloads s3://bucket/key into s and returns its media type.
func (c *Client) fetchS3(ctx context.Context, rawURL string, s *sink) (string, error) {
	bucket, key, err := parseS3URL(rawURL)
	if err != nil {
		return "", api.Errorf(api.ReasonSourceUnsupported, "source: %s", err.Error())
	}
	loc := "s3://" + bucket + "/" + key
	s3c, err := c.s3Client()
	if err != nil {
		return "", err
	}
	var contentType string
	err = c.retry(ctx, "fetching "+loc, func(ctx context.Context, w *watchdog) error {
		if err := s.reset(); err != nil {
			return err
		}
		out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return c.s3Error(err, roleSource, "GetObject", loc)
		}
		defer closeBody(out.Body)
		want := aws.ToInt64(out.ContentLength)
		if out.ContentLength == nil {
			want = -1
		}
		if want > s.limit {
			return sourceTooLarge(want, s.limit)
		}
		if err := s.copyFrom(w.reader(out.Body), want); err != nil {
			return err
		}
		contentType = aws.ToString(out.ContentType)
		return nil
	})
	return contentType, err
}

// putS3 uploads f (size bytes) to s3://bucket/key: one PutObject up to
// Options.MultipartThreshold, a multipart upload above it; meta (already
// encoded by encodeMetadata) is the object's user metadata.
func (c *Client) putS3(ctx context.Context, rawURL string, f *os.File, size int64, contentType string, meta map[string]string) error {
	bucket, key, err := parseS3URL(rawURL)
	if err != nil {
		return api.Errorf(api.ReasonGeneric, "target: %s", err.Error())
	}
	loc := "s3://" + bucket + "/" + key
	if size > c.opts.MultipartThreshold {
		return c.putS3Multipart(ctx, bucket, key, f, size, contentType, meta)
	}
	s3c, err := c.s3Client()
	if err != nil {
		return err
	}
	return c.retry(ctx, "uploading to "+loc, func(ctx context.Context, w *watchdog) error {
		_, err := s3c.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        aws.String(bucket),
			Key:           aws.String(key),
			Body:          w.reader(io.NewSectionReader(f, 0, size)),
			ContentLength: aws.Int64(size),
			ContentType:   aws.String(contentType),
			Metadata:      meta,
		})
		if err != nil {
			return c.s3Error(err, roleTarget, "PutObject", loc)
		}
		return nil
	})
}

// putS3Multipart uploads f in parts of Options.PartSize (larger when the
// file would need more than 10000 parts), one after the other. A failed
// upload is aborted, so no parts are left behind to be billed.
func (c *Client) putS3Multipart(ctx context.Context, bucket, key string, f *os.File, size int64, contentType string, meta map[string]string) (err error) {
	loc := "s3://" + bucket + "/" + key
	s3c, err := c.s3Client()
	if err != nil {
		return err
	}
	partSize := max(c.opts.PartSize, ceilDiv(size, maxS3Parts))
	var uploadID string
	err = c.retry(ctx, "starting a multipart upload to "+loc, func(ctx context.Context, _ *watchdog) error {
		out, err := s3c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
			Bucket: aws.String(bucket), Key: aws.String(key), ContentType: aws.String(contentType),
			Metadata: meta,
		})
		if err != nil {
			return c.s3Error(err, roleTarget, "CreateMultipartUpload", loc)
		}
		uploadID = aws.ToString(out.UploadId)
		return nil
	})
	if err != nil {
		return err
	}
	defer func() {
		if err == nil {
			return
		}
		// Abort even when ctx is done, within a bound of its own.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.Timeout)
		defer cancel()
		if _, aerr := s3c.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
		}); aerr != nil {
			c.log.WarnContext(ctx, "cannot abort a failed multipart upload", "target", loc, "error", aerr.Error())
		}
	}()

	nparts := ceilDiv(size, partSize)
	parts := make([]types.CompletedPart, 0, nparts)
	for i := int64(0); i < nparts; i++ {
		off := i * partSize
		n := min(partSize, size-off)
		number := int32(i + 1)
		err = c.retry(ctx, fmt.Sprintf("uploading part %d of %d to %s", number, nparts, loc), func(ctx context.Context, w *watchdog) error {
			out, err := s3c.UploadPart(ctx, &s3.UploadPartInput{
				Bucket:        aws.String(bucket),
				Key:           aws.String(key),
				UploadId:      aws.String(uploadID),
				PartNumber:    aws.Int32(number),
				Body:          w.reader(io.NewSectionReader(f, off, n)),
				ContentLength: aws.Int64(n),
			})
			if err != nil {
				return c.s3Error(err, roleTarget, "UploadPart", loc)
			}
			parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(number)})
			return nil
		})
		if err != nil {
			return err
		}
	}
	return c.retry(ctx, "completing the multipart upload to "+loc, func(ctx context.Context, _ *watchdog) error {
		_, err := s3c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket:          aws.String(bucket),
			Key:             aws.String(key),
			UploadId:        aws.String(uploadID),
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		})
		if err != nil {
			return c.s3Error(err, roleTarget, "CompleteMultipartUpload", loc)
		}
		return nil
	})
}

// s3Error classifies an S3 SDK error like an HTTP response: 404 not found,
// 401/403 access denied, 408/429/5xx retryable, 413 or EntityTooLarge on
// an upload RenditionTooLarge, anything else final. A request that got no
// response at all (reset, refused, closed, stalled, unknown host) follows
// the policy of http(s) transfers (see classifyNetError), and its message
// names the cause.
func (c *Client) s3Error(err error, r role, op, loc string) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = api.RedactURL(ue.URL)
	}
	if code := s3Status(err); code != 0 {
		detail := fmt.Sprintf("%d %s", code, http.StatusText(code))
		var ae smithy.APIError
		errorCode := ""
		if errors.As(err, &ae) && ae.ErrorCode() != "" {
			errorCode = ae.ErrorCode()
			detail = errorCode + ", " + detail
		}
		switch {
		case code == http.StatusNotFound:
			return api.Errorf(api.ReasonGeneric, "%s not found (404): %s", r, loc)
		case code == http.StatusUnauthorized || code == http.StatusForbidden:
			return api.Errorf(api.ReasonGeneric, "access to the %s %s was denied (%d); check the S3 credentials and bucket policy", r, loc, code)
		case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
			return retryable(fmt.Errorf("S3 %s returned %s", op, detail))
		case r == roleTarget && (code == http.StatusRequestEntityTooLarge || errorCode == "EntityTooLarge"):
			return api.Errorf(api.ReasonRenditionTooLarge, "S3 %s of %s refused the rendition as too large (%s)", op, loc, detail)
		default:
			return api.Errorf(api.ReasonGeneric, "S3 %s of %s failed: %s", op, loc, detail)
		}
	}
	var connErr interface{ ConnectionError() bool }
	var netErr net.Error
	if (errors.As(err, &connErr) && connErr.ConnectionError()) || errors.As(err, &netErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) {
		cerr := classifyNetError(err, api.ReasonGeneric, "S3 endpoint", c.opts.Timeout)
		if backoff.IsRetryable(cerr) {
			inner := backoff.Unmark(cerr)
			return backoff.Retryable(&netError{cause: "S3 " + op + ": " + inner.Error(), err: inner})
		}
		return cerr
	}
	return api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("S3 %s of %s failed: %s", op, loc, innermost(err)))
}

// ceilDiv returns a/b rounded up, for a >= 0 and b > 0.
func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

package transfer

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// s3Ranges is the rangeBackend of an s3://bucket/key source: GetObject
// calls with a Range, and If-Match on the ETag the first one returned.
type s3Ranges struct {
	c           *Client
	s3c         *s3.Client
	bucket, key string
}

// newS3Ranges returns the backend of an s3:// source.
func (c *Client) newS3Ranges(src api.Source) (*s3Ranges, error) {
	bucket, key, err := parseS3URL(src.URL)
	if err != nil {
		return nil, api.Errorf(api.ReasonSourceUnsupported, "source: %s", err.Error())
	}
	s3c, err := c.s3Client()
	if err != nil {
		return nil, err
	}
	return &s3Ranges{c: c, s3c: s3c, bucket: bucket, key: key}, nil
}

func (s *s3Ranges) name() string { return "s3://" + s.bucket + "/" + s.key }
func (s *s3Ranges) peer() string { return "S3" }

// getRange calls GetObject for bytes first-last, with If-Match when v has
// an ETag. 416 and (with a precondition) 412 are answers, not errors.
func (s *s3Ranges) getRange(ctx context.Context, first, last int64, v validator) (rangeAnswer, error) {
	in := &s3.GetObjectInput{
		Bucket: aws.String(s.bucket), Key: aws.String(s.key),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", first, last)),
	}
	if v.etag != "" {
		in.IfMatch = aws.String(v.etag)
	}
	out, err := s.s3c.GetObject(ctx, in)
	if err != nil {
		switch code := s3Status(err); {
		case code == http.StatusRequestedRangeNotSatisfiable:
			return rangeAnswer{status: rangeNotSatisfiable}, nil
		case code == http.StatusPreconditionFailed && !v.isZero():
			return rangeAnswer{status: rangeChanged}, nil
		}
		return rangeAnswer{}, s.c.s3Error(err, roleSource, "GetObject", s.name())
	}
	return rangeAnswer{
		status: rangePartial, body: out.Body, contentRange: aws.ToString(out.ContentRange),
		contentType: aws.ToString(out.ContentType), contentLength: aws.ToInt64(out.ContentLength),
		version: validator{etag: aws.ToString(out.ETag)},
	}, nil
}

// s3Status returns the HTTP status of an S3 SDK error, or 0.
func s3Status(err error) int {
	var withStatus interface{ HTTPStatusCode() int }
	if errors.As(err, &withStatus) {
		return withStatus.HTTPStatusCode()
	}
	return 0
}

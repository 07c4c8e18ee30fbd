package transfer

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// ErrNotFound is wrapped by the error Stat returns when no object exists at
// the URL (S3 answered 404), so callers can tell "not there" apart from a
// failure to find out: errors.Is(err, transfer.ErrNotFound).
var ErrNotFound = errors.New("not found")

// ObjectInfo describes a stored object, as Stat reports it.
type ObjectInfo struct {
	// Size is the object's length in bytes.
	Size int64
	// ETag is the object's entity tag, without quotes.
	ETag string
	// ContentType is the object's media type, when the store knows it.
	ContentType string
	// LastModified is when the object was last written, when known.
	LastModified time.Time
	// Metadata is the object's user metadata (PutOptions.Metadata), with
	// lower-case keys and RFC 2047-encoded values decoded; never nil.
	Metadata map[string]string
}

// Stat returns the size, ETag and user metadata of the object at an
// s3://bucket/key URL with a HeadObject request, using the client's
// retries (5xx, 429, connection failures) and redaction. When the object
// does not exist the error wraps ErrNotFound; any other failure (access
// denied, retries exhausted, ctx done) does not. Other schemes are refused
// with GenericError: a presigned PUT URL cannot be read.
func (c *Client) Stat(ctx context.Context, rawURL string) (*ObjectInfo, error) {
	k, err := c.classify(rawURL, roleTarget)
	if err != nil {
		return nil, err
	}
	if k != kindS3 {
		return nil, api.Errorf(api.ReasonGeneric, "cannot stat %s: only s3://bucket/key URLs can be checked", api.RedactURL(rawURL))
	}
	bucket, key, err := parseS3URL(rawURL)
	if err != nil {
		return nil, api.Errorf(api.ReasonGeneric, "target: %s", err.Error())
	}
	loc := "s3://" + bucket + "/" + key
	s3c, err := c.s3Client()
	if err != nil {
		return nil, err
	}
	var info *ObjectInfo
	err = c.retry(ctx, "checking "+loc, func(ctx context.Context, _ *watchdog) error {
		out, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			if s3Status(err) == http.StatusNotFound {
				return api.Errorf(api.ReasonGeneric, "%s: %w (404)", loc, ErrNotFound)
			}
			return c.s3Error(err, roleTarget, "HeadObject", loc)
		}
		info = &ObjectInfo{
			Size:         aws.ToInt64(out.ContentLength),
			ETag:         strings.Trim(aws.ToString(out.ETag), `"`),
			ContentType:  aws.ToString(out.ContentType),
			LastModified: aws.ToTime(out.LastModified),
			Metadata:     decodeMetadata(out.Metadata),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}

// encodeMetadata checks user metadata keys and returns the metadata as it
// is sent: keys lower-case, values outside printable ASCII RFC 2047
// B-encoded (AWS S3 requires US-ASCII header values and decodes such words
// itself). It returns nil for no metadata.
func encodeMetadata(meta map[string]string) (map[string]string, error) {
	if len(meta) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(meta))
	for k, v := range meta {
		lk := strings.ToLower(strings.TrimSpace(k))
		if !validMetadataKey(lk) {
			return nil, api.Errorf(api.ReasonGeneric, "metadata key %q is not valid: use letters, digits, '-', '_' and '.'", k)
		}
		if _, dup := out[lk]; dup {
			return nil, api.Errorf(api.ReasonGeneric, "metadata key %q is given twice (keys are case-insensitive)", k)
		}
		if !printableASCII(v) || strings.HasPrefix(v, "=?") {
			v = mime.BEncoding.Encode("utf-8", v)
		}
		out[lk] = v
	}
	return out, nil
}

// decodeMetadata returns user metadata as Stat reports it: keys lower-case,
// RFC 2047 encoded words decoded (a value that does not decode is kept as
// it is).
func decodeMetadata(meta map[string]string) map[string]string {
	out := make(map[string]string, len(meta))
	var dec mime.WordDecoder
	for k, v := range meta {
		if strings.Contains(v, "=?") {
			if d, err := dec.DecodeHeader(v); err == nil {
				v = d
			}
		}
		out[strings.ToLower(k)] = v
	}
	return out
}

// validMetadataKey reports whether k can be the tail of an x-amz-meta-
// header name.
func validMetadataKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// printableASCII reports whether s is made of printable ASCII characters
// only (space to '~').
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// PutOptions are per-upload settings of Put.
type PutOptions struct {
	// ContentType is the rendition's media type, sent with every upload;
	// default application/octet-stream.
	ContentType string
	// Metadata is user metadata stored with the object: s3:// targets keep
	// it as S3 user metadata (x-amz-meta-<key> headers), on single and
	// multipart uploads alike, and Stat returns it. Keys are
	// case-insensitive (stored lower-case) and must be made of letters,
	// digits, '-', '_' and '.'. A value with characters outside printable
	// ASCII is sent RFC 2047-encoded (as AWS S3 does itself) and decoded
	// again by Stat. Presigned URLs, multipart-URL targets and local paths
	// ignore it: a presigned PUT would have to have signed the headers.
	Metadata map[string]string
}

// RenditionTooLargeError is the cause of every RenditionTooLarge error Put
// and PlanParts return, whether the rendition does not fit a multipart
// target's parts or the storage refused it (HTTP 413, S3 413 or
// EntityTooLarge). It carries the rendition's size, which a client needs
// to ask again with a target that holds it; get it with errors.As.
type RenditionTooLargeError struct {
	// Size is the rendition's size in bytes.
	Size int64
	// Limit is the most the target takes, in bytes, when it is known (a
	// multipart target's number of URLs times its maxPartSize), else 0.
	Limit int64
}

func (e *RenditionTooLargeError) Error() string {
	return fmt.Sprintf("rendition is %d bytes", e.Size)
}

// withRenditionSize gives a RenditionTooLarge error that does not carry a
// RenditionTooLargeError one with the rendition's size; other errors are
// returned as they are.
func withRenditionSize(err error, size int64) error {
	if err == nil || api.ReasonOf(err) != api.ReasonRenditionTooLarge {
		return err
	}
	var tooLarge *RenditionTooLargeError
	if errors.As(err, &tooLarge) {
		return err
	}
	return api.Errorf(api.ReasonRenditionTooLarge, "%s; %w", api.MessageOf(err), &RenditionTooLargeError{Size: size})
}

// Put uploads the file at path to target. Errors carry an api reason:
// RenditionTooLarge when the file does not fit a multipart target's parts
// (decided before anything is uploaded) or the storage refuses it as too
// large, with a *RenditionTooLargeError in the chain; Timeout when ctx's
// deadline passes or the storage stopped answering; GenericError otherwise.
func (c *Client) Put(ctx context.Context, target api.Target, path string, opts PutOptions) (err error) {
	if err := target.Validate(); err != nil {
		return api.Errorf(api.ReasonGeneric, "target: %s", err.Error())
	}
	contentType := opts.ContentType
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	f, err := os.Open(path)
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot open the rendition file")
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot read the rendition file")
	}
	if !info.Mode().IsRegular() {
		return api.Errorf(api.ReasonGeneric, "rendition %s is not a regular file", path)
	}
	size := info.Size()
	defer func() { err = withRenditionSize(err, size) }()
	meta, err := encodeMetadata(opts.Metadata)
	if err != nil {
		return err
	}

	if target.IsMultipart() {
		return c.putParts(ctx, target, f, size, contentType)
	}
	k, err := c.classify(target.URL, roleTarget)
	if err != nil {
		return err
	}
	switch k {
	case kindHTTP:
		return c.putHTTP(ctx, target.URL, f, 0, size, contentType, "uploading to "+api.RedactURL(target.URL))
	case kindS3:
		return c.putS3(ctx, target.URL, f, size, contentType, meta)
	case kindLocal:
		return putLocal(f, localPath(target.URL))
	}
	return api.Errorf(api.ReasonGeneric, "target %s cannot be written", api.RedactURL(target.URL))
}

// PlanParts returns the part size and number of parts for uploading size
// bytes to a multipart target: max(ceil(size/len(urls)), minPartSize), and
// RenditionTooLarge (with a *RenditionTooLargeError) when that exceeds
// maxPartSize (when set). A size of 0 is one empty part.
func PlanParts(target api.Target, size int64) (partSize, parts int64, err error) {
	if len(target.URLs) == 0 {
		return 0, 0, api.Errorf(api.ReasonGeneric, "target: the multipart form has no urls")
	}
	partSize = max(ceilDiv(size, int64(len(target.URLs))), target.MinPartSize)
	if target.MaxPartSize > 0 && partSize > target.MaxPartSize {
		limit := int64(len(target.URLs)) * target.MaxPartSize
		return 0, 0, &api.Error{
			Reason: api.ReasonRenditionTooLarge,
			Message: fmt.Sprintf("rendition is %d bytes, more than the target takes: %d part URLs of at most %d bytes (maxPartSize) hold %d bytes",
				size, len(target.URLs), target.MaxPartSize, limit),
			Err: &RenditionTooLargeError{Size: size, Limit: limit},
		}
	}
	if size == 0 || partSize == 0 {
		return max(partSize, 0), 1, nil
	}
	return partSize, ceilDiv(size, partSize), nil
}

// putParts uploads f to the multipart form: one PUT per part, in order,
// using only as many URLs as needed.
func (c *Client) putParts(ctx context.Context, target api.Target, f *os.File, size int64, contentType string) error {
	partSize, nparts, err := PlanParts(target, size)
	if err != nil {
		return err
	}
	for i, u := range target.URLs[:nparts] {
		k, err := c.classify(u, roleTarget)
		if err != nil {
			return err
		}
		if k != kindHTTP {
			return api.Errorf(api.ReasonGeneric, "target urls[%d]: multipart targets take http(s) URLs, got %s", i, api.RedactURL(u))
		}
	}
	for i := int64(0); i < nparts; i++ {
		off := i * partSize
		n := min(partSize, size-off)
		what := fmt.Sprintf("uploading part %d of %d to %s", i+1, nparts, api.RedactURL(target.URLs[i]))
		if err := c.putHTTP(ctx, target.URLs[i], f, off, n, contentType, what); err != nil {
			return err
		}
	}
	return nil
}

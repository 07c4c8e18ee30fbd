package transfer

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Delete removes the object at rawURL: an s3://bucket/key object, or a
// local file in local mode. Removing what is not there is not an error.
// Other URLs (a presigned PUT URL cannot delete) are refused. It is for
// the orchestrator's temporary objects, such as the outputs of composed
// renditions.
func (c *Client) Delete(ctx context.Context, rawURL string) error {
	k, err := c.classify(rawURL, roleTarget)
	if err != nil {
		return err
	}
	switch k {
	case kindS3:
		bucket, key, err := parseS3URL(rawURL)
		if err != nil {
			return api.Errorf(api.ReasonGeneric, "target: %s", err.Error())
		}
		loc := "s3://" + bucket + "/" + key
		s3c, err := c.s3Client()
		if err != nil {
			return err
		}
		return c.retry(ctx, "deleting "+loc, func(ctx context.Context, _ *watchdog) error {
			if _, err := s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
				return c.s3Error(err, roleTarget, "DeleteObject", loc)
			}
			return nil
		})
	case kindLocal:
		if err := os.Remove(localPath(rawURL)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return api.Wrap(api.ReasonGeneric, err, "cannot remove "+localPath(rawURL))
		}
		return nil
	}
	return api.Errorf(api.ReasonGeneric, "%s cannot be deleted: only s3:// objects and local files can", api.RedactURL(rawURL))
}

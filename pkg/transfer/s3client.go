package transfer

import "github.com/aws/aws-sdk-go-v2/service/s3"

// S3 returns the client's S3 client, built from Options.S3 on first use,
// for packages that keep their own objects in the deployment's S3 (the
// Asset Compute API's event journals): the same endpoint, region and
// credentials as s3:// transfers, one attempt per call.
func (c *Client) S3() (*s3.Client, error) { return c.s3Client() }

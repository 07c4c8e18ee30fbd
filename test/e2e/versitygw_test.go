package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Credentials of the gateway's root account in the tests.
const (
	s3Access = "e2eaccess"
	s3Secret = "e2esecret-0123456789"
	s3Region = "us-east-1"
)

// gateway is a running versitygw: the S3 API over a posix directory.
type gateway struct {
	Endpoint string // http://127.0.0.1:PORT
	Dir      string // the posix backend's directory (one subdirectory per bucket)
	proc     *proc
}

// startVersitygw starts versitygw (bin/versitygw, v1.8.0 from
// test/e2e/tools) on a free 127.0.0.1 port over a temp directory, with the
// root credentials above and, when webhookURL is set, bucket notifications
// POSTed to it. versitygw v1.8.0 sends notifications of every bucket to its
// one global webhook (no per-bucket configuration is needed); it POSTs a
// test event {"Service":"S3","Event":"s3:TestEvent",...} to the URL when it
// starts and refuses to start when the URL does not accept connections, so
// the receiver must be up first.
func startVersitygw(t testing.TB, webhookURL string) *gateway {
	t.Helper()
	return startVersitygwAt(t, freeAddr(t), webhookURL)
}

// client returns an aws-sdk-go-v2 S3 client for the gateway: static
// credentials, path-style addressing, region us-east-1.
func (g *gateway) client() *s3.Client {
	return newS3Client(g.Endpoint)
}

func newS3Client(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:       s3Region,
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s3Access, s3Secret, ""),
		HTTPClient:   &http.Client{Timeout: 60 * time.Second},
	})
}

// createBucket makes a bucket.
func createBucket(t testing.TB, c *s3.Client, bucket string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
}

package transfer

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Defaults for the zero values of Options.
const (
	DefaultMaxSourceBytes     int64 = 2 << 30
	DefaultTimeout                  = 60 * time.Second
	DefaultAttempts                 = 4
	DefaultBackoffBase              = 200 * time.Millisecond
	DefaultRegion                   = "us-east-1"
	DefaultMultipartThreshold int64 = 64 << 20
	DefaultPartSize           int64 = 16 << 20

	// MinPartSize and MaxPartSize bound Options.PartSize, as S3 does.
	MinPartSize int64 = 5 << 20
	MaxPartSize int64 = 5 << 30

	// maxBackoff caps a backoff delay and an honoured Retry-After.
	maxBackoff = 10 * time.Second
	// maxRedirects is the number of redirects an http(s) request follows.
	maxRedirects = 10
	// maxS3Parts is the largest number of parts of an S3 multipart upload.
	maxS3Parts = 10000
)

// Options configure a Client. The zero value is valid: https and s3 only,
// the address guard on, and the defaults above.
type Options struct {
	// AllowLocal allows local paths and file:// URLs as sources and
	// targets. Only for local mode: it gives clients the service's file system.
	AllowLocal bool
	// AllowHTTP allows plain http:// URLs; https is always allowed.
	AllowHTTP bool
	// AllowPrivateNetworks turns the address guard off, so http(s)
	// transfers may reach loopback, private and link-local addresses.
	// Only then do they follow the environment's proxy (HTTPS_PROXY,
	// HTTP_PROXY, NO_PROXY), as acs test-worker's stand-ins need.
	AllowPrivateNetworks bool
	// MaxSourceBytes is the largest source Fetch accepts; default 2 GiB.
	// The deployment setting maxSourceBytes sets it, and the image
	// engine's limit with it (package settings).
	MaxSourceBytes int64
	// Timeout bounds each phase of one attempt: connecting, waiting for
	// the response headers, and any pause in the body. Default 60 s.
	Timeout time.Duration
	// Attempts is how many times a request is tried; default 4.
	Attempts int
	// BackoffBase is the first backoff delay before jitter; it doubles
	// with each retry, up to 10 s. Default 200 ms.
	BackoffBase time.Duration
	// S3 configures s3:// sources and targets.
	S3 S3Options
	// MultipartThreshold is the size above which s3:// targets are
	// uploaded in parts; default 64 MiB.
	MultipartThreshold int64
	// PartSize is the part size of those uploads, from 5 MiB to 5 GiB;
	// default 16 MiB. It grows when a file would need more than 10000 parts.
	PartSize int64
	// HTTPClient, when set, is used for http(s) transfers instead of the
	// client New builds. Its transport is used as is: the address guard is
	// then the caller's business. The redirect policy is added when the
	// client has none.
	HTTPClient *http.Client
	// Logger receives retry and failure logs; default slog.Default().
	Logger *slog.Logger

	// allowAddr, when set, replaces the address guard's rule (tests only).
	allowAddr func(netip.AddrPort) bool
	// resolver, when set, resolves the host names of http(s) transfers
	// instead of the system's resolver (tests only).
	resolver *net.Resolver
}

// S3Options configure access to S3 or an S3-compatible server.
type S3Options struct {
	// Endpoint is the base URL of an S3-compatible server, such as
	// http://minio:9000; empty means AWS.
	Endpoint string
	// Region is the signing region; default the SDK's (AWS_REGION), then
	// us-east-1.
	Region string
	// PathStyle addresses buckets as endpoint/bucket instead of
	// bucket.endpoint, as most S3-compatible servers need.
	PathStyle bool
	// AccessKeyID, SecretAccessKey and SessionToken are static
	// credentials. When empty, the SDK's default credential chain is used.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// Validate reports every setting that is out of range, in one error.
func (o Options) Validate() error {
	var errs []error
	if o.MaxSourceBytes < 0 {
		errs = append(errs, fmt.Errorf("MaxSourceBytes must not be negative, got %d", o.MaxSourceBytes))
	}
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout must not be negative, got %s", o.Timeout))
	}
	if o.Attempts < 0 {
		errs = append(errs, fmt.Errorf("attempts must not be negative, got %d", o.Attempts))
	}
	if o.BackoffBase < 0 {
		errs = append(errs, fmt.Errorf("BackoffBase must not be negative, got %s", o.BackoffBase))
	}
	if o.MultipartThreshold < 0 {
		errs = append(errs, fmt.Errorf("MultipartThreshold must not be negative, got %d", o.MultipartThreshold))
	}
	if o.PartSize != 0 && (o.PartSize < MinPartSize || o.PartSize > MaxPartSize) {
		errs = append(errs, fmt.Errorf("PartSize must be from %d (5 MiB) to %d (5 GiB), got %d", MinPartSize, MaxPartSize, o.PartSize))
	}
	if err := o.S3.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s S3Options) validate() error {
	var errs []error
	if s.Endpoint != "" {
		u, err := url.Parse(s.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("S3 endpoint must be an http(s) URL such as https://s3.example.com, got %q", api.RedactURL(s.Endpoint)))
		}
	}
	if (s.AccessKeyID == "") != (s.SecretAccessKey == "") {
		errs = append(errs, errors.New("S3 credentials need both an access key id and a secret access key, or neither"))
	}
	if s.SessionToken != "" && s.AccessKeyID == "" {
		errs = append(errs, errors.New("an S3 session token needs an access key id and a secret access key"))
	}
	return errors.Join(errs...)
}

// withDefaults returns o with every zero setting replaced by its default.
func (o Options) withDefaults() Options {
	if o.MaxSourceBytes == 0 {
		o.MaxSourceBytes = DefaultMaxSourceBytes
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Attempts == 0 {
		o.Attempts = DefaultAttempts
	}
	if o.BackoffBase == 0 {
		o.BackoffBase = DefaultBackoffBase
	}
	if o.MultipartThreshold == 0 {
		o.MultipartThreshold = DefaultMultipartThreshold
	}
	if o.PartSize == 0 {
		o.PartSize = DefaultPartSize
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

package transfer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/backoff"
	"github.com/assetcompute/assetcompute/pkg/logctx"
)

// Client gets sources and puts renditions. It is safe for concurrent use;
// build one per process with New and share it.
type Client struct {
	opts   Options
	http   *http.Client
	log    *slog.Logger
	policy backoff.Policy

	// The S3 client is built on the first s3:// transfer: loading the AWS
	// configuration costs about 10 ms, which a worker that never sees an
	// s3:// URL should not pay at every cold start.
	s3Once sync.Once
	s3c    *s3.Client
	s3Err  error
}

// New validates opts and returns a Client. The S3 client is built on the
// first s3:// transfer, once; an error in the AWS configuration (a
// malformed shared config file, say) is reported by that transfer.
func New(opts Options) (*Client, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("transfer options: %w", err)
	}
	opts = opts.withDefaults()
	c := &Client{opts: opts, log: logctx.Wrap(opts.Logger), policy: retryPolicy(opts)}
	if opts.HTTPClient != nil {
		hc := *opts.HTTPClient
		if hc.CheckRedirect == nil {
			hc.CheckRedirect = c.checkRedirect
		}
		c.http = &hc
	} else {
		c.http = &http.Client{Transport: c.newTransport(), CheckRedirect: c.checkRedirect}
	}
	return c, nil
}

// s3Client returns the S3 client, building it on first use.
func (c *Client) s3Client() (*s3.Client, error) {
	c.s3Once.Do(func() { c.s3c, c.s3Err = newS3Client(c.opts) })
	if c.s3Err != nil {
		return nil, api.Wrap(api.ReasonGeneric, c.s3Err, "S3 is not configured correctly")
	}
	return c.s3c, nil
}

// newTransport returns the http(s) transport: the guarded dialer, no
// environment proxy, and Options.Timeout for each connection phase.
func (c *Client) newTransport() *http.Transport {
	d := &net.Dialer{Timeout: c.opts.Timeout, KeepAlive: 30 * time.Second, Resolver: c.opts.resolver}
	if !c.opts.AllowPrivateNetworks || c.opts.allowAddr != nil {
		allow := c.opts.allowAddr
		if allow == nil {
			allow = publicAddrPort
		}
		d.Control = dialControl(allow)
	}
	var proxy func(*http.Request) (*url.URL, error) // a proxy would defeat the address guard
	if c.opts.AllowPrivateNetworks {
		// Local mode, where the guard is off: the environment's proxy
		// (acs test-worker routes a case's mocked hosts through one).
		proxy = http.ProxyFromEnvironment
	}
	return &http.Transport{
		Proxy:                 proxy,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   c.opts.Timeout,
		ResponseHeaderTimeout: c.opts.Timeout,
		ExpectContinueTimeout: time.Second,
	}
}

// checkRedirect limits redirects and refuses schemes that are not allowed.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return api.Errorf(api.ReasonSourceUnsupported, "stopped after %d redirects", maxRedirects)
	}
	switch req.URL.Scheme {
	case "https":
		return c.checkHost(req.URL, "redirect", api.ReasonSourceUnsupported)
	case "http":
		if c.opts.AllowHTTP {
			return c.checkHost(req.URL, "redirect", api.ReasonSourceUnsupported)
		}
	}
	return api.Errorf(api.ReasonSourceUnsupported, "redirect to a %s: URL is not allowed (allowed: %s)", req.URL.Scheme, strings.Join(c.httpSchemes(), ", "))
}

// httpSchemes lists the http schemes this client allows.
func (c *Client) httpSchemes() []string {
	if c.opts.AllowHTTP {
		return []string{"https", "http"}
	}
	return []string{"https"}
}

// newS3Client builds the S3 client from the options. Retries are left to
// this package's own loop, so the SDK makes one attempt per call.
func newS3Client(opts Options) (*s3.Client, error) {
	loadOpts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
	}
	if opts.S3.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.S3.Region))
	}
	if opts.S3.AccessKeyID != "" {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(opts.S3.AccessKeyID, opts.S3.SecretAccessKey, opts.S3.SessionToken)))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("transfer: S3 configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = opts.S3.PathStyle
		if opts.S3.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.S3.Endpoint)
			// S3-compatible servers often do not understand the SDK's
			// newer default checksums (aws-chunked trailers).
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	}), nil
}

// guardError translates a connection refused by the address guard into an
// error with the given reason, and reports whether err was one.
func guardError(err error, reason api.Reason) (*api.Error, bool) {
	if !errors.Is(err, errAddressNotAllowed) {
		return nil, false
	}
	var ip string
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Addr != nil {
		if ap, perr := netip.ParseAddrPort(opErr.Addr.String()); perr == nil {
			ip = ap.Addr().WithZone("").String()
		}
	}
	if ip != "" {
		return api.Errorf(reason, "address not allowed: %s is not a public address", ip), true
	}
	return api.Errorf(reason, "address not allowed"), true
}

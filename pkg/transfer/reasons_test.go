package transfer

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// TestUnusableURLsAreRefusedAtOnce checks that a source URL that cannot
// name a server fails with SourceUnsupported before any attempt (no
// retries, no DNS query), and a target URL with GenericError.
func TestUnusableURLsAreRefusedAtOnce(t *testing.T) {
	tests := []struct {
		name       string
		url        string
		production bool     // the address guard on
		want       []string // in the message
	}{
		{"decimal loopback, production", "https://2130706433/a.png", true, []string{"address not allowed", `"2130706433"`, "127.0.0.1", "not a public address"}},
		{"decimal loopback, local mode", "https://2130706433/a.png", false, []string{`"2130706433"`, "write 127.0.0.1"}},
		{"hex loopback, production", "http://0x7f000001/a.png", true, []string{"address not allowed", "127.0.0.1"}},
		{"octal dotted loopback, production", "https://0177.0.0.1/a.png", true, []string{"address not allowed", "127.0.0.1"}},
		{"short form loopback, production", "https://127.1/a.png", true, []string{"address not allowed", "127.0.0.1"}},
		{"trailing dot, production", "https://127.0.0.1./a.png", true, []string{"address not allowed", "127.0.0.1"}},
		{"decimal metadata service, production", "https://2852039166/latest", true, []string{"address not allowed", "169.254.169.254"}},
		{"decimal public address", "https://134744072/a.png", true, []string{"write 8.8.8.8"}},
		{"a number too large for IPv4", "https://99999999999/a.png", false, []string{"neither a host name nor an IPv4 address"}},
		{"no host", "https:x", false, []string{"has no host"}},
		{"no host after the slashes", "https:///a.png", false, []string{"has no host"}},
		{"unclosed IPv6 bracket", "https://[::1", false, []string{"is not valid"}},
		{"port out of range", "https://example.com:99999/a.png", false, []string{`invalid port "99999"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resolver, queries := countingNXDOMAINResolver(t)
			c, logs := newTestClient(t, func(o *Options) {
				o.Attempts = 4
				o.AllowPrivateNetworks = !tc.production
				o.resolver = resolver
			})
			dir := t.TempDir()
			_, err := c.Fetch(context.Background(), api.Source{URL: tc.url + "?sig=" + secret}, dir)
			requireReason(t, err, api.ReasonSourceUnsupported)
			for _, want := range tc.want {
				assert.Contains(t, api.MessageOf(err), want)
			}
			assert.Zero(t, retries(logs), "not retried")
			assert.NotContains(t, err.Error(), secret)
			requireEmptyDir(t, dir)

			_, err = c.OpenRanged(context.Background(), api.Source{URL: tc.url}, RangeOptions{TempDir: t.TempDir()})
			requireReason(t, err, api.ReasonSourceUnsupported)

			err = c.Put(context.Background(), api.Target{URL: tc.url + "?sig=" + secret}, writeTemp(t, []byte("x")), PutOptions{})
			requireReason(t, err, api.ReasonGeneric)
			for _, want := range tc.want {
				assert.Contains(t, api.MessageOf(err), want)
			}
			assert.Zero(t, retries(logs), "not retried")
			assert.NotContains(t, err.Error(), secret)
			assert.Zero(t, queries.Load(), "no host name was looked up")
		})
	}
}

// TestRedirectToANumericHostIsRefused checks that a redirect cannot reach
// an address written as a number either.
func TestRedirectToANumericHostIsRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://2130706433/secret", http.StatusFound)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, func(o *Options) {
		o.AllowPrivateNetworks = false
		port := serverPort(t, srv)
		o.allowAddr = func(ap netip.AddrPort) bool { return ap.Port() == port }
	})
	_, err := c.Fetch(context.Background(), api.Source{URL: srv.URL + "/a.png"}, t.TempDir())
	requireReason(t, err, api.ReasonSourceUnsupported)
	assert.Contains(t, api.MessageOf(err), "address not allowed")
	assert.Contains(t, api.MessageOf(err), "127.0.0.1")
}

func TestLegacyIPv4(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for not an address
	}{
		{"2130706433", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0x7F.1", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"10.0x10.0377.1", "10.16.255.1"},
		{"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"4294967295", "255.255.255.255"},
		{"4294967296", ""},
		{"256.1.1.1", ""},
		{"1.2.3.256", ""},
		{"1.2.65536", ""},
		{"08.1.1.1", ""}, // 8 is not an octal digit
		{"1.2.3.4.5", ""},
		{"1..2", ""},
		{"example.com", ""},
	}
	for _, tc := range tests {
		ip, ok := legacyIPv4(tc.in)
		if tc.want == "" {
			assert.False(t, ok, "%s: got %s", tc.in, ip)
			continue
		}
		if assert.True(t, ok, tc.in) {
			assert.Equal(t, tc.want, ip.String(), tc.in)
		}
	}
}

// TestStallsAreTimeouts checks that a server that stops answering, before
// its headers or in the middle of its body, is retried like any failure
// and then reported with the Timeout reason, for http(s) and S3 alike. The
// per-attempt timeout is short; nothing measures the wall clock.
func TestStallsAreTimeouts(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	stall := func(r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/body.png" {
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write(payload(10))
			w.(http.Flusher).Flush()
		}
		stall(r)
	}))
	defer srv.Close()
	fx := newS3Fixture(t, func(o *Options) {
		o.Timeout = 100 * time.Millisecond
		o.Attempts = 3
	})
	fx.fail = func(r *http.Request) int {
		requests.Add(1)
		stall(r)
		return http.StatusServiceUnavailable
	}

	ctx := context.Background()
	tests := []struct {
		name string
		do   func(c *Client) error
	}{
		{"HTTP GET, stalled headers", func(c *Client) error {
			_, err := c.Fetch(ctx, api.Source{URL: srv.URL + "/headers.png?sig=" + secret}, t.TempDir())
			return err
		}},
		{"HTTP GET, stalled body", func(c *Client) error {
			_, err := c.Fetch(ctx, api.Source{URL: srv.URL + "/body.png?sig=" + secret}, t.TempDir())
			return err
		}},
		{"HTTP ranged GET, stalled headers", func(c *Client) error {
			_, err := c.OpenRanged(ctx, api.Source{URL: srv.URL + "/headers.png?sig=" + secret}, RangeOptions{TempDir: t.TempDir()})
			return err
		}},
		{"HTTP PUT, stalled answer", func(c *Client) error {
			return c.Put(ctx, api.Target{URL: srv.URL + "/out.png?sig=" + secret}, writeTemp(t, payload(1000)), PutOptions{})
		}},
		{"S3 GetObject, stalled headers", func(c *Client) error {
			_, err := c.Fetch(ctx, api.Source{URL: "s3://bucket/a.png"}, t.TempDir())
			return err
		}},
		{"S3 PutObject, stalled answer", func(c *Client) error {
			return c.Put(ctx, api.Target{URL: "s3://bucket/out.png"}, writeTemp(t, payload(1000)), PutOptions{})
		}},
		{"S3 HeadObject, stalled headers", func(c *Client) error {
			_, err := c.Stat(ctx, "s3://bucket/out.png")
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requests.Store(0)
			c := fx.client
			if tc.name[:4] == "HTTP" {
				c, _ = newTestClient(t, func(o *Options) {
					o.Timeout = 100 * time.Millisecond
					o.Attempts = 3
				})
			}
			err := tc.do(c)
			requireReason(t, err, api.ReasonTimeout)
			assert.Contains(t, api.MessageOf(err), "failed after 3 attempts")
			assert.Contains(t, api.MessageOf(err), "100ms")
			// The message gives the client's own count of attempts; the
			// server sees at most as many (on a busy machine an attempt's
			// 100 ms can run out before its request arrives), and at
			// least the first.
			assert.LessOrEqual(t, requests.Load(), int64(3), "no more than 3 attempts")
			assert.GreaterOrEqual(t, requests.Load(), int64(1), "the first attempt reached the server")
			assert.NotContains(t, err.Error(), secret)
		})
	}
}

// TestBadCertificateIsFinal checks that a certificate that does not verify
// is not retried: another attempt would get the same certificate.
func TestBadCertificateIsFinal(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	c, logs := newTestClient(t, nil)
	_, err := c.Fetch(context.Background(), api.Source{URL: srv.URL + "/a.png?sig=" + secret}, t.TempDir())
	requireReason(t, err, api.ReasonGeneric)
	assert.Contains(t, api.MessageOf(err), "the source's TLS certificate is not valid")
	assert.Contains(t, api.MessageOf(err), "x509")
	assert.Zero(t, retries(logs))
	assert.Zero(t, requests.Load())
	assert.NotContains(t, err.Error(), secret)
}

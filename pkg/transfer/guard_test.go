package transfer

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestAddressAllowed(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1", false},
		{"127.255.1.2", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"100.64.0.1", false},      // CGNAT
		{"100.127.255.255", false},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"::", false},
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"255.255.255.255", false},
		{"240.0.0.1", false},
		{"192.0.2.1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"ff02::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"::ffff:169.254.169.254", false},
		{"::127.0.0.1", false},        // IPv4-compatible
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 of 169.254.169.254
		{"2002:7f00:1::1", false},     // 6to4 of 127.0.0.1
		{"2001:db8::1", false},        // documentation
		{"93.184.216.34", true},       // a public IPv4 address
		{"8.8.8.8", true},
		{"100.63.255.255", true},       // just below CGNAT
		{"172.32.0.1", true},           // just above 172.16/12
		{"::ffff:8.8.8.8", true},       // IPv4-mapped public
		{"64:ff9b::808:808", true},     // NAT64 of 8.8.8.8
		{"2606:4700:4700::1111", true}, // a public IPv6 address
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			assert.Equal(t, tc.want, AddressAllowed(netip.MustParseAddr(tc.addr)))
		})
	}
	assert.False(t, AddressAllowed(netip.Addr{}), "the zero address")
}

func TestDialControl(t *testing.T) {
	control := dialControl(publicAddrPort)
	assert.NoError(t, control("tcp4", "93.184.216.34:443", nil))
	assert.NoError(t, control("tcp6", "[2606:4700:4700::1111]:443", nil))
	assert.ErrorIs(t, control("tcp4", "127.0.0.1:80", nil), errAddressNotAllowed)
	assert.ErrorIs(t, control("tcp6", "[::ffff:127.0.0.1]:80", nil), errAddressNotAllowed)
	assert.ErrorIs(t, control("tcp6", "[fe80::1%eth0]:80", nil), errAddressNotAllowed)
	assert.ErrorIs(t, control("tcp", "not-an-address", nil), errAddressNotAllowed)
}

// countingServer is an httptest server that counts its requests.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func serverPort(t *testing.T, srv *httptest.Server) uint16 {
	t.Helper()
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	p, err := strconv.Atoi(u.Port())
	require.NoError(t, err)
	return uint16(p)
}

func TestGuardRefusesPrivateAddresses(t *testing.T) {
	srv, requests := countingServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("x")) })

	t.Run("a source on loopback", func(t *testing.T) {
		c, _ := newTestClient(t, func(o *Options) { o.AllowPrivateNetworks = false })
		dir := t.TempDir()
		_, err := c.Fetch(context.Background(), api.Source{URL: srv.URL + "/a.png"}, dir)
		requireReason(t, err, api.ReasonSourceUnsupported)
		assert.Contains(t, err.Error(), "address not allowed: 127.0.0.1")
		assert.Zero(t, requests.Load(), "no request reached the server")
		requireEmptyDir(t, dir)
	})

	t.Run("a target on loopback", func(t *testing.T) {
		c, _ := newTestClient(t, func(o *Options) { o.AllowPrivateNetworks = false })
		err := c.Put(context.Background(), api.Target{URL: srv.URL + "/out.png"}, writeTemp(t, []byte("x")), PutOptions{})
		requireReason(t, err, api.ReasonGeneric)
		assert.Contains(t, err.Error(), "address not allowed")
		assert.Zero(t, requests.Load())
	})

	t.Run("allowed with AllowPrivateNetworks", func(t *testing.T) {
		c, _ := newTestClient(t, nil)
		_, err := c.Fetch(context.Background(), api.Source{URL: srv.URL}, t.TempDir())
		require.NoError(t, err)
		assert.EqualValues(t, 1, requests.Load())
	})
}

// TestGuardAppliesToRedirects pins down that the guard is in the dialer:
// server A is allowed (the test hook allows exactly its port), and its
// redirect to server B, on another port, is refused.
func TestGuardAppliesToRedirects(t *testing.T) {
	b, bRequests := countingServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("from b")) })
	a, aRequests := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, b.URL+"/target.png", http.StatusFound)
	})
	aPort, bPort := serverPort(t, a), serverPort(t, b)

	tests := []struct {
		name    string
		allowed map[uint16]bool
		wantErr bool
	}{
		{"redirect to a refused address", map[uint16]bool{aPort: true}, true},
		{"redirect to an allowed address", map[uint16]bool{aPort: true, bPort: true}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			aRequests.Store(0)
			bRequests.Store(0)
			c, _ := newTestClient(t, func(o *Options) {
				o.AllowPrivateNetworks = false
				o.allowAddr = func(ap netip.AddrPort) bool { return tc.allowed[ap.Port()] }
			})
			dir := t.TempDir()
			got, err := c.Fetch(context.Background(), api.Source{URL: a.URL + "/start.png"}, dir)
			assert.EqualValues(t, 1, aRequests.Load())
			if !tc.wantErr {
				require.NoError(t, err)
				assert.EqualValues(t, 1, bRequests.Load())
				assert.EqualValues(t, len("from b"), got.Size)
				return
			}
			requireReason(t, err, api.ReasonSourceUnsupported)
			assert.Contains(t, err.Error(), "address not allowed")
			assert.Zero(t, bRequests.Load())
			requireEmptyDir(t, dir)
		})
	}
}

func TestRedirectPolicy(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/to-ftp":
			http.Redirect(w, r, "ftp://example.com/a", http.StatusFound)
		case "/to-http":
			http.Redirect(w, r, srv.URL+"/ok", http.StatusFound)
		case "/hops":
			n, _ := strconv.Atoi(r.URL.Query().Get("n"))
			if n > 0 {
				http.Redirect(w, r, "/hops?n="+strconv.Itoa(n-1), http.StatusFound)
				return
			}
			_, _ = w.Write([]byte("ok"))
		case "/ok":
			_, _ = w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()

	tests := []struct {
		name      string
		path      string
		allowHTTP bool
		wantErr   string
	}{
		{"a redirect loop stops", "/loop", true, "stopped after 10 redirects"},
		{"a redirect to another scheme is refused", "/to-ftp", true, "redirect to a ftp: URL is not allowed"},
		{"ten hops are followed", "/hops?n=10", true, ""},
		{"eleven hops are not", "/hops?n=11", true, "stopped after 10 redirects"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, func(o *Options) { o.AllowHTTP = tc.allowHTTP })
			_, err := c.Fetch(context.Background(), api.Source{URL: srv.URL + tc.path}, t.TempDir())
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			requireReason(t, err, api.ReasonSourceUnsupported)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}

	// An https source must not be redirected to plain http when http is
	// not allowed: checked on the policy directly, as the test servers
	// cannot be both.
	c, _ := newTestClient(t, func(o *Options) { o.AllowHTTP = false })
	req := httptest.NewRequest(http.MethodGet, "http://example.com/a", nil)
	err := c.checkRedirect(req, []*http.Request{httptest.NewRequest(http.MethodGet, "https://example.com/", nil)})
	requireReason(t, err, api.ReasonSourceUnsupported)
	req = httptest.NewRequest(http.MethodGet, "https://example.com/a", nil)
	assert.NoError(t, c.checkRedirect(req, nil))
}

package transfer

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// fault is what a faultyListener does to a connection it sabotages.
type fault int

const (
	// faultReset reads the whole request, then resets the connection
	// (SO_LINGER 0), so the client waiting for the answer reads ECONNRESET.
	faultReset fault = iota + 1
	// faultClose reads the whole request, then closes the connection
	// without answering, so the client reads EOF.
	faultClose
	// faultCloseAtOnce closes the connection as soon as it is accepted:
	// the client sees EOF, a reset or a broken pipe, depending on how far
	// it got.
	faultCloseAtOnce
)

// faultyListener is a real TCP listener on loopback that sabotages some
// of the connections it accepts (with its fault) and hands the others to
// an http.Server. Keep-alives are off, so each request of a client comes on
// a connection of its own.
type faultyListener struct {
	net.Listener
	fault fault
	// sabotage says whether to break connection number n (from 1).
	sabotage func(n int64) bool
	accepted atomic.Int64
	// sabotaged counts the connections that were broken.
	sabotaged atomic.Int64
	wg        sync.WaitGroup
}

// firstN sabotages the first n connections.
func firstN(n int64) func(int64) bool { return func(i int64) bool { return i <= n } }

// Accept returns the next connection that is not sabotaged.
func (l *faultyListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if !l.sabotage(l.accepted.Add(1)) {
			return conn, nil
		}
		l.sabotaged.Add(1)
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.breakConn(conn)
		}()
	}
}

// breakConn reads one request from conn (headers and body) and then breaks
// the connection.
func (l *faultyListener) breakConn(conn net.Conn) {
	defer conn.Close()
	if l.fault == faultCloseAtOnce {
		return
	}
	if req, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
		_, _ = io.Copy(io.Discard, req.Body)
	}
	if l.fault == faultReset {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // Close sends RST instead of FIN
		}
	}
}

// newFaultyServer serves h behind a faultyListener that breaks the
// connections sabotage picks with f.
func newFaultyServer(t *testing.T, f fault, sabotage func(int64) bool, h http.Handler) (url string, l *faultyListener) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	l = &faultyListener{Listener: inner, fault: f, sabotage: sabotage}
	srv := &http.Server{Handler: h}
	srv.SetKeepAlivesEnabled(false)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		_ = srv.Close()
		l.wg.Wait()
	})
	return "http://" + inner.Addr().String(), l
}

// newFaultyS3 is an in-process S3 server (gofakes3, with a bucket named
// "bucket") behind a faultyListener, and a Client configured for it.
func newFaultyS3(t *testing.T, f fault, sabotage func(int64) bool, edit func(*Options)) (*Client, *faultyListener, *logBuffer) {
	t.Helper()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("bucket"))
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	url, l := newFaultyServer(t, f, sabotage, faker.Server())
	c, logs := newTestClient(t, func(o *Options) {
		o.S3 = S3Options{Endpoint: url, Region: "eu-west-1", PathStyle: true, AccessKeyID: "AKIATEST", SecretAccessKey: secret}
		if edit != nil {
			edit(o)
		}
	})
	return c, l, logs
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// nxdomainResolver starts a DNS server on loopback (UDP) that answers every
// query with NXDOMAIN, and a resolver that asks it, so tests of unknown
// hosts do not depend on the machine's resolver.
func nxdomainResolver(t *testing.T) *net.Resolver {
	r, _ := countingNXDOMAINResolver(t)
	return r
}

// countingNXDOMAINResolver is nxdomainResolver with a count of the queries
// its server received.
func countingNXDOMAINResolver(t *testing.T) (*net.Resolver, *atomic.Int64) {
	var queries atomic.Int64
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if n < 12 {
				continue
			}
			queries.Add(1)
			resp := append([]byte(nil), buf[:n]...)
			flags := binary.BigEndian.Uint16(resp[2:4])
			// QR=1, keep opcode and RD, RA=1, RCODE=3 (NXDOMAIN).
			flags = 0x8000 | flags&0x7900 | 0x0080 | 3
			binary.BigEndian.PutUint16(resp[2:4], flags)
			binary.BigEndian.PutUint16(resp[6:8], 0)   // no answers
			binary.BigEndian.PutUint16(resp[8:10], 0)  // no authority
			binary.BigEndian.PutUint16(resp[10:12], 0) // no additional (drops EDNS)
			resp = resp[:12+questionLen(resp[12:])]
			_, _ = pc.WriteTo(resp, from)
		}
	}()
	addr := pc.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", addr)
		},
	}, &queries
}

// questionLen returns the length of the first question of a DNS message
// body: its name, type and class.
func questionLen(b []byte) int {
	i := 0
	for i < len(b) && b[i] != 0 {
		i += int(b[i]) + 1
	}
	return min(i+1+4, len(b))
}

// retries counts the attempts a client logged as failed and retried.
func retries(logs *logBuffer) int {
	return strings.Count(logs.String(), "transfer attempt failed; retrying")
}

// TestS3NetworkFailuresAreRetried runs every kind of S3 request against a
// real S3 server (gofakes3) behind a listener that breaks the first
// connections: each request is retried as an http(s) one would be, and
// succeeds once the server answers.
func TestS3NetworkFailuresAreRetried(t *testing.T) {
	ctx := context.Background()
	data := payload(int(MinPartSize) + 1000)
	for _, f := range []struct {
		name  string
		fault fault
	}{{"reset", faultReset}, {"closed without an answer", faultClose}, {"closed at once", faultCloseAtOnce}} {
		t.Run(f.name, func(t *testing.T) {
			t.Run("PutObject", func(t *testing.T) {
				c, l, logs := newFaultyS3(t, f.fault, firstN(2), nil)
				require.NoError(t, c.Put(ctx, api.Target{URL: "s3://bucket/a.bin"}, writeTemp(t, data[:1000]), PutOptions{}))
				assert.EqualValues(t, 2, l.sabotaged.Load())
				assert.Equal(t, 2, retries(logs))
				info, err := c.Stat(ctx, "s3://bucket/a.bin")
				require.NoError(t, err)
				assert.EqualValues(t, 1000, info.Size)
			})
			t.Run("GetObject and HeadObject", func(t *testing.T) {
				// Connection 1 stores the object; 2 (GetObject) and 4
				// (HeadObject) are broken.
				c, l, logs := newFaultyS3(t, f.fault, func(n int64) bool { return n == 2 || n == 4 }, nil)
				require.NoError(t, c.Put(ctx, api.Target{URL: "s3://bucket/a.bin"}, writeTemp(t, data[:1000]), PutOptions{}))
				got, err := c.Fetch(ctx, api.Source{URL: "s3://bucket/a.bin"}, t.TempDir())
				require.NoError(t, err)
				assert.Equal(t, sha1Hex(data[:1000]), got.SHA1)
				info, err := c.Stat(ctx, "s3://bucket/a.bin")
				require.NoError(t, err)
				assert.EqualValues(t, 1000, info.Size)
				assert.EqualValues(t, 2, l.sabotaged.Load())
				assert.Equal(t, 2, retries(logs))
			})
			t.Run("ranged GetObject", func(t *testing.T) {
				c, l, _ := newFaultyS3(t, f.fault, func(n int64) bool { return n == 2 }, nil)
				require.NoError(t, c.Put(ctx, api.Target{URL: "s3://bucket/a.bin"}, writeTemp(t, data[:1000]), PutOptions{}))
				rs, err := c.OpenRanged(ctx, api.Source{URL: "s3://bucket/a.bin"}, RangeOptions{TempDir: t.TempDir()})
				require.NoError(t, err)
				defer rs.Close()
				assert.EqualValues(t, 1000, rs.Size())
				assert.EqualValues(t, 1, l.sabotaged.Load())
			})
			t.Run("multipart upload", func(t *testing.T) {
				// Connections: 1 CreateMultipartUpload, 2 part 1 (broken),
				// 3 part 1 again, 4 part 2, 5 CompleteMultipartUpload (broken).
				c, l, logs := newFaultyS3(t, f.fault, func(n int64) bool { return n == 2 || n == 5 }, func(o *Options) {
					o.MultipartThreshold = MinPartSize
					o.PartSize = MinPartSize
				})
				require.NoError(t, c.Put(ctx, api.Target{URL: "s3://bucket/big.bin"}, writeTemp(t, data), PutOptions{}))
				assert.EqualValues(t, 2, l.sabotaged.Load())
				assert.Equal(t, 2, retries(logs))
				got, err := c.Fetch(ctx, api.Source{URL: "s3://bucket/big.bin"}, t.TempDir())
				require.NoError(t, err)
				assert.Equal(t, sha1Hex(data), got.SHA1)
			})
		})
	}
}

// TestHTTPNetworkFailuresAreRetried checks the same policy for http(s):
// a GET and a PUT whose first connections break succeed on a later attempt.
func TestHTTPNetworkFailuresAreRetried(t *testing.T) {
	body := payload(5000)
	var stored atomic.Int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			n, _ := io.Copy(io.Discard, r.Body)
			stored.Store(n)
			return
		}
		_, _ = w.Write(body)
	})
	for _, f := range []fault{faultReset, faultClose, faultCloseAtOnce} {
		url, l := newFaultyServer(t, f, firstN(2), handler)
		c, logs := newTestClient(t, nil)
		got, err := c.Fetch(context.Background(), api.Source{URL: url + "/a.bin"}, t.TempDir())
		require.NoError(t, err)
		assert.Equal(t, sha1Hex(body), got.SHA1)

		l.accepted.Store(0) // break the next two connections too
		require.NoError(t, c.Put(context.Background(), api.Target{URL: url + "/out.bin"}, writeTemp(t, body), PutOptions{}))
		assert.EqualValues(t, len(body), stored.Load())
		assert.EqualValues(t, 4, l.sabotaged.Load())
		assert.Equal(t, 4, retries(logs))
	}
}

// TestNetworkFailureMessagesNameTheCause checks that a transfer whose every
// attempt failed without an answer says why, for S3 and http(s) alike, and
// keeps presigned queries and secrets out of the message and the logs.
func TestNetworkFailureMessagesNameTheCause(t *testing.T) {
	ctx := context.Background()
	refused := closedPort(t)
	always := func(int64) bool { return true }
	resetURL, _ := newFaultyServer(t, faultReset, always, http.NotFoundHandler())
	closeURL, _ := newFaultyServer(t, faultClose, always, http.NotFoundHandler())
	query := "?X-Amz-Signature=" + secret

	type op func(c *Client) error
	put := func(url string) op {
		return func(c *Client) error {
			return c.Put(ctx, api.Target{URL: url}, writeTemp(t, []byte("rendition")), PutOptions{})
		}
	}
	fetch := func(url string) op {
		return func(c *Client) error {
			_, err := c.Fetch(ctx, api.Source{URL: url}, t.TempDir())
			return err
		}
	}
	stat := func(url string) op {
		return func(c *Client) error {
			_, err := c.Stat(ctx, url)
			return err
		}
	}
	tests := []struct {
		name     string
		endpoint string // the S3 endpoint
		do       op
		want     []string
	}{
		{"S3 PutObject, reset", resetURL, put("s3://bucket/a.png"), []string{"uploading to s3://bucket/a.png failed after 3 attempts: S3 PutObject: connection reset by peer"}},
		{"S3 PutObject, refused", "http://" + refused, put("s3://bucket/a.png"), []string{"S3 PutObject: connection refused to " + refused}},
		{"S3 PutObject, closed", closeURL, put("s3://bucket/a.png"), []string{"S3 PutObject: the server closed the connection without answering"}},
		{"S3 GetObject, reset", resetURL, fetch("s3://bucket/a.png"), []string{"fetching s3://bucket/a.png failed after 3 attempts: S3 GetObject: connection reset by peer"}},
		{"S3 HeadObject, refused", "http://" + refused, stat("s3://bucket/a.png"), []string{"S3 HeadObject: connection refused to " + refused}},
		{"HTTP GET, reset", "", fetch(resetURL + "/a.png" + query), []string{"fetching " + resetURL + "/a.png failed after 3 attempts: connection reset by peer"}},
		{"HTTP GET, refused", "", fetch("http://" + refused + "/a.png" + query), []string{"connection refused to " + refused}},
		{"HTTP GET, closed", "", fetch(closeURL + "/a.png" + query), []string{"the server closed the connection without answering"}},
		{"HTTP PUT, reset", "", put(resetURL + "/a.png" + query), []string{"uploading to " + resetURL + "/a.png failed after 3 attempts: connection reset by peer"}},
		{"HTTP PUT, refused", "", put("http://" + refused + "/a.png" + query), []string{"connection refused to " + refused}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, logs := newTestClient(t, func(o *Options) {
				o.Attempts = 3
				o.S3 = S3Options{Endpoint: tc.endpoint, Region: "eu-west-1", PathStyle: true, AccessKeyID: "AKIATEST", SecretAccessKey: secret}
			})
			err := tc.do(c)
			requireReason(t, err, api.ReasonGeneric)
			for _, want := range tc.want {
				assert.Contains(t, api.MessageOf(err), want)
			}
			assert.Equal(t, 2, retries(logs), "retried like any network failure")
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, logs.String(), secret)
		})
	}
}

// TestUnknownHostIsFinal checks the policy for a host name that does not
// exist (NXDOMAIN, here from a DNS server started by the test): it is not
// retried, since the resolver would give the same answer; a source fails
// with SourceUnsupported and a target with GenericError, both naming the
// host.
func TestUnknownHostIsFinal(t *testing.T) {
	resolver := nxdomainResolver(t)
	ctx := context.Background()
	for _, private := range []bool{false, true} {
		c, logs := newTestClient(t, func(o *Options) {
			o.resolver = resolver
			o.AllowPrivateNetworks = private
		})
		dir := t.TempDir()
		_, err := c.Fetch(ctx, api.Source{URL: "https://no-such-host.invalid/a.png?sig=" + secret}, dir)
		requireReason(t, err, api.ReasonSourceUnsupported)
		assert.Equal(t, "cannot resolve the source host no-such-host.invalid: no such host", api.MessageOf(err))
		requireEmptyDir(t, dir)

		err = c.Put(ctx, api.Target{URL: "https://no-such-host.invalid/r.png?sig=" + secret}, writeTemp(t, []byte("x")), PutOptions{})
		requireReason(t, err, api.ReasonGeneric)
		assert.Equal(t, "cannot resolve the target host no-such-host.invalid: no such host", api.MessageOf(err))

		_, err = c.OpenRanged(ctx, api.Source{URL: "https://no-such-host.invalid/a.png"}, RangeOptions{TempDir: t.TempDir()})
		requireReason(t, err, api.ReasonSourceUnsupported)

		assert.Zero(t, retries(logs), "an unknown host is not retried")
		assert.NotContains(t, err.Error(), secret)
		assert.NotContains(t, logs.String(), secret)
	}
}

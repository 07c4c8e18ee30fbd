package invoke_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/invoke/owtest"
)

const testKey = "23bc46b1-71f6-4ed5-8c54-816aa4f8c502:secretpart"

func newOW(t *testing.T, c *owtest.Controller) *invoke.OpenWhisk {
	t.Helper()
	ow, err := invoke.NewOpenWhisk(invoke.OpenWhiskOptions{
		APIHost: c.URL, APIKey: testKey, Namespace: "guest",
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, PollInterval: 10 * time.Millisecond,
	})
	require.NoError(t, err)
	return ow
}

func TestNewOpenWhiskNeedsHostAndKey(t *testing.T) {
	_, err := invoke.NewOpenWhisk(invoke.OpenWhiskOptions{APIHost: "https://ow"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "provide-api-key")
}

func TestOpenWhiskInvoke(t *testing.T) {
	ok := map[string]any{"renditions": []any{}}
	cases := []struct {
		name      string
		behaviour owtest.Behaviour
		want      string // result JSON when no error
		reason    api.Reason
		errIs     error
		message   string
		calls     int
	}{
		{name: "200 returns the result", behaviour: func(int, json.RawMessage) owtest.Reply { return owtest.Reply{Body: ok} },
			want: `{"renditions":[]}`, calls: 1},
		{name: "429 for a while is retried", behaviour: func(n int, _ json.RawMessage) owtest.Reply {
			if n < 3 {
				return owtest.Reply{Status: 429, Body: map[string]any{"error": "Too many requests", "code": "c1"}}
			}
			return owtest.Reply{Body: ok}
		}, want: `{"renditions":[]}`, calls: 4},
		{name: "controller 503 is retried", behaviour: func(n int, _ json.RawMessage) owtest.Reply {
			if n < 2 {
				return owtest.Reply{Status: 503, Raw: "upstream down"}
			}
			return owtest.Reply{Body: ok}
		}, want: `{"renditions":[]}`, calls: 3},
		{name: "502 with a controller code is retried", behaviour: func(n int, _ json.RawMessage) owtest.Reply {
			if n < 1 {
				return owtest.Reply{Status: 502, Body: map[string]any{"error": "bad gateway", "code": "c2"}}
			}
			return owtest.Reply{Body: ok}
		}, want: `{"renditions":[]}`, calls: 2},
		{name: "202 is polled until the record exists", behaviour: func(int, json.RawMessage) owtest.Reply {
			return owtest.Reply{Async: true, Delay: 60 * time.Millisecond, Body: ok}
		}, want: `{"renditions":[]}`, calls: 1},
		{name: "application error keeps the worker's reason", behaviour: func(int, json.RawMessage) owtest.Reply {
			return owtest.Reply{Status: 502, Body: map[string]any{"error": map[string]any{"reason": "SourceCorrupt", "message": "bad jpeg"}}}
		}, reason: api.ReasonSourceCorrupt, message: "bad jpeg", calls: 1},
		{name: "crash is an application error", behaviour: func(int, json.RawMessage) owtest.Reply {
			return owtest.Reply{Status: 502, Body: map[string]any{"error": "The action did not produce a valid response and exited unexpectedly."}}
		}, reason: api.ReasonGeneric, message: "exited unexpectedly", calls: 1},
		{name: "worker killed at its time limit is a Timeout", behaviour: func(int, json.RawMessage) owtest.Reply {
			return owtest.Reply{Status: 502, Body: map[string]any{"error": "The action exceeded its time limits of 60000 milliseconds."}}
		}, reason: api.ReasonTimeout, message: "time limits", calls: 1},
		{name: "polled activation that failed", behaviour: func(int, json.RawMessage) owtest.Reply {
			return owtest.Reply{Async: true, Failed: true, Body: map[string]any{"error": map[string]any{"reason": "RenditionTooLarge", "message": "too big"}}}
		}, reason: api.ReasonRenditionTooLarge, message: "too big", calls: 1},
		{name: "garbage result", behaviour: func(int, json.RawMessage) owtest.Reply { return owtest.Reply{Raw: "<html>oops"} },
			reason: api.ReasonGeneric, message: "not JSON", calls: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := owtest.New(t)
			c.Action("thumbnail", tc.behaviour)
			ow := newOW(t, c)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			out, err := ow.Invoke(ctx, "thumbnail", json.RawMessage(`{"renditions":[{"name":"a"}]}`))
			assert.Equal(t, tc.calls, c.Count("thumbnail"))
			if tc.want != "" {
				require.NoError(t, err)
				assert.JSONEq(t, tc.want, string(out))
				return
			}
			var ae *invoke.ActionError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.reason, ae.Reason)
			assert.Contains(t, ae.Message, tc.message)
		})
	}
}

func TestOpenWhiskInvokeSendsTheRESTRequest(t *testing.T) {
	c := owtest.New(t)
	c.Action("assetcompute/thumbnail", func(int, json.RawMessage) owtest.Reply { return owtest.Reply{Body: map[string]any{}} })
	_, err := newOW(t, c).Invoke(context.Background(), "assetcompute/thumbnail", json.RawMessage(`{"x":1}`))
	require.NoError(t, err)
	calls := c.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, "POST", calls[0].Method)
	assert.Equal(t, "/api/v1/namespaces/guest/actions/assetcompute/thumbnail", calls[0].Path)
	assert.Equal(t, "blocking=true&result=true", calls[0].Query)
	assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(testKey)), calls[0].Auth)
	assert.JSONEq(t, `{"x":1}`, string(calls[0].Body))
}

func TestOpenWhiskFullyQualifiedName(t *testing.T) {
	c := owtest.New(t)
	c.Action("w", func(int, json.RawMessage) owtest.Reply { return owtest.Reply{Body: map[string]any{}} })
	_, err := newOW(t, c).Invoke(context.Background(), "/other/w", json.RawMessage(`{}`))
	require.NoError(t, err)
	assert.Equal(t, "/api/v1/namespaces/other/actions/w", c.Calls()[0].Path)
}

func TestOpenWhiskUnknownAction(t *testing.T) {
	c := owtest.New(t)
	_, err := newOW(t, c).Invoke(context.Background(), "nope", json.RawMessage(`{}`))
	assert.ErrorIs(t, err, invoke.ErrUnknownAction)
}

func TestOpenWhiskDeadline(t *testing.T) {
	cases := map[string]owtest.Behaviour{
		"slow blocking call": func(int, json.RawMessage) owtest.Reply {
			return owtest.Reply{Delay: 2 * time.Second, Body: map[string]any{}}
		},
		"never-ready 202": func(int, json.RawMessage) owtest.Reply { return owtest.Reply{Async: true, Delay: time.Hour} },
		"429 forever": func(int, json.RawMessage) owtest.Reply {
			return owtest.Reply{Status: 429, Body: map[string]any{"error": "x", "code": "1"}}
		},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			c := owtest.New(t)
			c.Action("w", b)
			ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := newOW(t, c).Invoke(ctx, "w", json.RawMessage(`{}`))
			assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
			assert.Less(t, time.Since(start), time.Second)
		})
	}
}

func TestOpenWhiskStartAndFire(t *testing.T) {
	c := owtest.New(t)
	c.Action("process", func(int, json.RawMessage) owtest.Reply { return owtest.Reply{} })
	c.Trigger("events")
	ow := newOW(t, c)
	id, err := ow.Start(context.Background(), "process", json.RawMessage(`{"a":1}`))
	require.NoError(t, err)
	assert.NotEmpty(t, id)
	_, err = ow.Fire(context.Background(), "events", json.RawMessage(`{"b":2}`))
	require.NoError(t, err)
	_, err = ow.Fire(context.Background(), "missing", json.RawMessage(`{}`))
	assert.ErrorIs(t, err, invoke.ErrUnknownTrigger)
	calls := c.Calls()
	assert.Equal(t, "blocking=false", calls[0].Query)
	assert.Equal(t, "/api/v1/namespaces/guest/triggers/events", calls[1].Path)
}

// closedPort returns the address of a local port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// unresolvableHost returns a host name under .invalid (RFC 6761), skipping
// the test when this machine's resolver does not answer "no such host" for
// it (a sandbox without DNS answers with a temporary failure, which is
// rightly retried).
func unresolvableHost(t *testing.T) string {
	t.Helper()
	const host = "openwhisk.acs-test.invalid"
	_, err := net.DefaultResolver.LookupHost(context.Background(), host)
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Skipf("the resolver does not answer NXDOMAIN for %s here (got %v)", host, err)
	}
	return host
}

func TestOpenWhiskUnreachableAPIHostFailsAtOnce(t *testing.T) {
	cases := []struct {
		name  string
		host  func(t *testing.T) string
		cause string
	}{
		{"closed port", func(t *testing.T) string { return "http://" + closedPort(t) }, "connection refused by 127.0.0.1:"},
		{"unresolvable host", func(t *testing.T) string { return "https://" + unresolvableHost(t) }, "no such host openwhisk.acs-test.invalid"},
		{"bare unresolvable host", unresolvableHost, "no such host openwhisk.acs-test.invalid"},
		{"untrusted certificate", func(t *testing.T) string {
			srv := httptest.NewUnstartedServer(http.NotFoundHandler())
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
			srv.StartTLS()
			t.Cleanup(srv.Close)
			return srv.URL
		}, "its TLS certificate is not trusted: x509: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			host := tc.host(t)
			ow, err := invoke.NewOpenWhisk(invoke.OpenWhiskOptions{APIHost: host, APIKey: testKey, Namespace: "guest",
				MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
			require.NoError(t, err)
			// A deadline far away: the answer must not wait for it.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			calls := []func() error{
				func() error { _, err := ow.Invoke(ctx, "thumbnail", json.RawMessage(`{}`)); return err },
				func() error { _, err := ow.Start(ctx, "process", json.RawMessage(`{}`)); return err },
				func() error { _, err := ow.Fire(ctx, "events", json.RawMessage(`{}`)); return err },
			}
			for i, call := range calls {
				err := call()
				var ue *invoke.UnreachableError
				require.ErrorAs(t, err, &ue, "call %d", i)
				assert.NotErrorIs(t, err, context.DeadlineExceeded)
				assert.NoError(t, ctx.Err(), "call %d retried until the deadline", i)
				assert.Equal(t, host, ue.Host)
				assert.Contains(t, ue.Error(), tc.cause)
				assert.Contains(t, ue.Error(), "__OW_API_HOST")
				assert.Contains(t, ue.Error(), "apihost")
				assert.NotContains(t, ue.Error(), "secretpart", "the API key never appears")
			}
		})
	}
}

// A connection the controller drops is transient: it is retried, not
// mistaken for an unreachable host.
func TestOpenWhiskDroppedConnectionIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				if tcp, ok := conn.(*net.TCPConn); ok {
					_ = tcp.SetLinger(0) // the client sees a reset
				}
				_ = conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"renditions":[]}`))
	}))
	defer srv.Close()
	ow, err := invoke.NewOpenWhisk(invoke.OpenWhiskOptions{APIHost: srv.URL, APIKey: testKey, Namespace: "guest",
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	require.NoError(t, err)
	out, err := ow.Invoke(context.Background(), "thumbnail", json.RawMessage(`{}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"renditions":[]}`, string(out))
	assert.EqualValues(t, 3, calls.Load())
}

package transfer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// netError is a failure to exchange a request and a response with a server:
// no HTTP status came back. Its text is the cause in a few words, naming the
// address or host involved ("connection reset by peer (192.0.2.1:443)",
// "connection refused to 127.0.0.1:7070"), never a URL; Unwrap returns the
// error it describes.
type netError struct {
	cause string
	err   error
}

func (e *netError) Error() string { return e.cause }
func (e *netError) Unwrap() error { return e.err }

// stallError is an attempt cut off because nothing moved for
// Options.Timeout: waiting to connect, for the response headers, or in the
// middle of a body. When the last attempt of a transfer stalled, the
// transfer fails with the Timeout reason.
type stallError struct {
	cause string
}

func (e *stallError) Error() string { return e.cause }
func (e *stallError) Unwrap() error { return errStalled }

// classifyNetError sorts an error of a request that got no response (from
// http.Client.Do, or an S3 call whose request could not be sent) by the
// retry policy, the same for HTTP and S3:
//
//   - a host name that does not exist (NXDOMAIN) is final: another attempt
//     would ask the same resolver the same question. It gets reason, with
//     a message naming the host; what says whose host it is ("source",
//     "target", "S3 endpoint").
//   - a certificate that does not verify is final, with GenericError.
//   - a connection or TLS handshake that did not complete, or response
//     headers that did not come, within timeout are a stall (retried; the
//     Timeout reason when the last attempt stalls).
//   - anything else (reset, refused, closed without an answer, unreachable,
//     a DNS server that failed or did not answer) is retried.
//
// Any *url.Error in err has its URL redacted in place, so no later message
// can leak a query string. A cancellation is returned as it is, for the
// retry loop to report.
func classifyNetError(err error, reason api.Reason, what string, timeout time.Duration) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = api.RedactURL(ue.URL)
	}
	if errors.Is(err, context.Canceled) {
		// The watchdog's or the caller's: runAttempt and retry report it.
		// (A deadline is not checked here: a network timeout also matches
		// context.DeadlineExceeded, and it is a stall; the caller's own
		// deadline is reported by retry.)
		return err
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound && !dnsErr.IsTemporary && !dnsErr.IsTimeout {
			return api.Wrap(reason, err, fmt.Sprintf("cannot resolve the %s host %s: no such host", what, dnsErr.Name))
		}
		if dnsErr.IsTimeout {
			return retryable(&netError{cause: fmt.Sprintf("looking up host %s timed out", dnsErr.Name), err: err})
		}
		return retryable(&netError{cause: fmt.Sprintf("cannot resolve host %s: %s", dnsErr.Name, dnsErr.Err), err: err})
	}
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	if errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &invalidCert) {
		return api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("the %s's TLS certificate is not valid: %s", what, innermost(err)))
	}
	addr := remoteAddr(err)
	at := func(sep string) string {
		if addr == "" {
			return ""
		}
		return sep + addr
	}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return retryable(&netError{cause: "connection refused" + at(" to "), err: err})
	case errors.Is(err, syscall.ECONNRESET):
		return retryable(&netError{cause: "connection reset by peer" + paren(addr), err: err})
	case errors.Is(err, syscall.EPIPE):
		return retryable(&netError{cause: "connection closed by the server while the request was sent (broken pipe)" + paren(addr), err: err})
	case errors.Is(err, syscall.EHOSTUNREACH):
		return retryable(&netError{cause: "host unreachable" + paren(addr), err: err})
	case errors.Is(err, syscall.ENETUNREACH):
		return retryable(&netError{cause: "network unreachable" + paren(addr), err: err})
	case errors.Is(err, syscall.ETIMEDOUT):
		return retryable(&netError{cause: "connection timed out" + paren(addr), err: err})
	case errors.As(err, &ne) && ne.Timeout():
		return retryable(&stallError{cause: fmt.Sprintf("no response for %s (%s)", timeout, innermost(err))})
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return retryable(&netError{cause: "the server closed the connection without answering" + paren(addr), err: err})
	}
	return retryable(&netError{cause: innermost(err), err: err})
}

// remoteAddr returns the address of the *net.OpError in err, or "".
func remoteAddr(err error) string {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Addr != nil {
		return opErr.Addr.String()
	}
	return ""
}

// paren returns " (s)", or "" for an empty s.
func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// innermost returns the text of err without the layers that quote a URL
// or an SDK operation: the text of the error inside the first *url.Error,
// or err's own text.
func innermost(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}

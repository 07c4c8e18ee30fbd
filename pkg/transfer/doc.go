// Package transfer gets source assets and puts renditions: it is the only
// part of the service that talks to storage.
//
// # Sources
//
// Client.Fetch streams a source into a new file in a directory, enforcing a
// size limit while it reads and computing the SHA-1 and length on the way.
// It understands
//
//   - https:// URLs (and http:// when Options.AllowHTTP is set), with the
//     source's extra headers added to the request; presigned URLs work as is;
//   - s3://bucket/key, read with the AWS SDK and the configured credentials;
//   - data: URIs, base64 or percent-encoded; the size limit is checked
//     on the encoded payload before anything is decoded, and the payload
//     is decoded as a stream, so it costs no memory beyond the URI itself;
//   - local paths and file:// URLs, in local mode only (Options.AllowLocal).
//     Only regular files are sources: a directory, a device (/dev/zero), a
//     named pipe or a socket is refused with SourceUnsupported, checked
//     before the file is opened (and opened non-blocking), so a pipe never
//     blocks a transfer.
//
// Any other scheme fails with the SourceUnsupported reason. A source larger
// than Options.MaxSourceBytes fails with SourceTooLarge, decided up front
// from the announced size (the request's size, Content-Length, S3's
// ContentLength) when there is one, and otherwise while reading. A download
// that ends early (fewer bytes than announced, or a connection that breaks
// mid-body) is retried; Fetch never returns a partial file.
//
// # Ranged reads
//
// Client.OpenRanged opens a source for random access instead of
// downloading it: the returned RangedSource is an io.ReaderAt whose reads of
// an https:// or s3:// source become HTTP Range requests or ranged S3
// GetObject calls of aligned blocks (64 KiB by default), kept in a small
// LRU cache, so a parser that needs the header and a few metadata blocks of
// a 2 GB TIFF costs kilobytes. The first request fetches the first block
// and learns the size from Content-Range. Later requests are conditional
// (If-Match on the ETag, else If-Unmodified-Since), so a source replaced
// while it is read fails the read instead of mixing two versions. A server
// that ignores ranges, an empty source and a data: URI are downloaded whole
// into a temporary file, and local files are read in place; the caller
// reads them the same way. Ranged reads use the retries, address guard and
// redaction described here; the size limit counts the bytes actually
// transferred, not the source's size (a download still counts its size).
// RangedSource.Stats reports the bytes and requests spent.
//
// # Targets
//
// Client.Put uploads a file to a rendition target: a presigned PUT URL (one
// PUT), the multipart form {urls, minPartSize, maxPartSize} (one PUT per
// part, in order, using only as many URLs as needed), s3://bucket/key
// (PutObject, or a multipart upload above Options.MultipartThreshold that is
// aborted when it fails), or in local mode a path, written atomically (into
// a temporary file beside it, then renamed); a path where a directory, a
// device, a named pipe or a socket exists is refused, never written to or
// replaced.
// PutOptions.Metadata is stored as S3 user metadata (x-amz-meta-*) by
// s3:// targets, single or multipart; the other targets ignore it.
//
// Client.Stat reads what is stored at an s3://bucket/key URL (HeadObject):
// size, ETag and user metadata. A missing object gives an error wrapping
// ErrNotFound, so a caller can tell "absent" apart from "could not check".
//
// # Retries
//
// Each HTTP or S3 request is tried up to Options.Attempts times, with one
// policy for http(s) and S3 alike. 5xx, 429, 408, network failures (a
// connection reset, refused or closed without an answer, an unreachable
// host, a DNS server that failed or did not answer), stalled transfers and
// truncated bodies are retried after an exponential backoff with full
// jitter: the wait before retry n is drawn uniformly from 0 to
// Options.BackoffBase*2^(n-1), capped at 10 s. A Retry-After header (of a
// 429 or 503) is honoured instead, up to the same cap. A retry whose wait
// would end after the context's deadline is not waited for: the transfer
// fails at once. The message of a transfer that failed names the attempts
// made and the cause of the last one ("connection reset by peer
// (192.0.2.1:443)", "connection refused to 127.0.0.1:7070"), never a query
// string. Other 4xx responses are final: 404 means the source was not
// found, 401 and 403 that access was denied, 413 (and S3's EntityTooLarge)
// on an upload that the rendition is too large.
//
// A host name that does not exist (the resolver answered NXDOMAIN, "no such
// host") is final, not retried: the same resolver would give the same
// answer. A source then fails with SourceUnsupported, a target with
// GenericError. So does a certificate that does not verify, with
// GenericError. A URL that cannot name a server is refused before any
// attempt: no host (https:x), a port out of range, or a host written as a
// number other than a dotted IPv4 address (see the security model).
//
// Options.Timeout bounds each phase of an attempt rather than the whole
// transfer: connecting, waiting for response headers, and any pause of the
// body in either direction; a large body that keeps flowing is never cut
// off. An attempt cut off this way is retried like any other; when the
// last attempt stalled, the transfer fails with the Timeout reason (and
// with GenericError when the last failure was something else). The
// caller's context deadline bounds everything, and is a Timeout too.
//
// # Errors
//
// Errors of Fetch, OpenRanged, Put and Stat carry a reason (api.ReasonOf)
// and a message safe to show a client (api.MessageOf). A RenditionTooLarge error from Put (the rendition does
// not fit a multipart target's parts, or the storage refused it as too
// large) wraps a *RenditionTooLargeError with the rendition's size.
//
// # Security model
//
// Sources and targets come from clients, so this package refuses what could
// reach the service's own network:
//
//   - Only the schemes above; local files and plain http only when enabled.
//   - An address guard in the dialer: every connection an http(s) transfer
//     opens, including each redirect hop, is checked against the resolved IP
//     address it connects to (so DNS tricks do not help). Loopback,
//     link-local (169.254/16, fe80::/10), private (10/8, 172.16/12,
//     192.168/16, fc00::/7), shared CGNAT space (100.64/10), unspecified,
//     multicast, broadcast, reserved and documentation ranges, and IPv6 forms
//     that embed such an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64,
//     6to4) are refused with SourceUnsupported "address not allowed".
//     Options.AllowPrivateNetworks turns the guard off (tests, local mode).
//     Environment proxies are not used, since the guard would check the
//     proxy instead of the destination.
//   - A host written as a number that is not a dotted IPv4 address
//     (2130706433, 0x7f000001, 0177.0.0.1, 127.1) is refused with
//     SourceUnsupported before any look-up, since resolvers disagree on
//     what it means; the message names the address it stands for and, with
//     the guard on, says "address not allowed" when that address is not
//     public. The same applies to redirects.
//   - At most 10 redirects, never to a scheme that is not allowed.
//   - S3 requests go to the configured endpoint (an operator setting, so the
//     guard does not apply); bucket names are checked so a client cannot
//     change the host.
//   - Errors and logs never contain a URL's query string (where presigned
//     signatures live), its user information, or credentials: every URL is
//     passed through api.RedactURL first.
//
// # Settings
//
// Deployments configure a client through package settings (go doc
// ./pkg/settings), which reads the environment (ACS_S3_ENDPOINT,
// ACS_MAX_SOURCE_BYTES, ...), an activation's parameters and command-line
// flags into the same Options with Settings.Apply.
package transfer

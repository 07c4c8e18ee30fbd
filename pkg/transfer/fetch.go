package transfer

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Fetched describes a source fetched into a local file.
type Fetched struct {
	// Path is the file holding the source; it belongs to the caller.
	Path string
	// Size is its length in bytes.
	Size int64
	// SHA1 is the hex SHA-1 of its content.
	SHA1 string
	// ContentType is the media type the storage reported, or "" when it
	// reported none.
	ContentType string
}

// Fetch streams the source into a new file in dir (created if needed) and
// returns it with its size and SHA-1. On failure no file is left behind.
// Errors carry an api reason: SourceUnsupported for a scheme, URL, host or
// address that is not allowed or cannot name a server (including a host
// name that does not exist), SourceTooLarge beyond Options.MaxSourceBytes,
// Timeout when ctx's deadline passes or the last attempt stalled,
// GenericError otherwise (not found, access denied, retries exhausted).
func (c *Client) Fetch(ctx context.Context, src api.Source, dir string) (*Fetched, error) {
	kind, err := c.classify(src.URL, roleSource)
	if err != nil {
		return nil, err
	}
	limit := c.opts.MaxSourceBytes
	if src.Size > limit {
		return nil, sourceTooLarge(src.Size, limit)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot create the download directory")
	}
	f, err := os.CreateTemp(dir, "source-*"+safeExt(src.DisplayName()))
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot create the download file")
	}
	s := &sink{f: f, h: sha1.New(), limit: limit}
	done := false
	defer func() {
		if !done {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()

	var contentType string
	switch kind {
	case kindHTTP:
		contentType, err = c.fetchHTTP(ctx, src, s)
	case kindS3:
		contentType, err = c.fetchS3(ctx, src.URL, s)
	case kindData:
		contentType, err = fetchData(src.URL, s)
	case kindLocal:
		err = fetchLocal(localPath(src.URL), s)
	}
	if err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot write the source to disk")
	}
	done = true
	return &Fetched{Path: f.Name(), Size: s.n, SHA1: hex.EncodeToString(s.h.Sum(nil)), ContentType: contentType}, nil
}

// Open fetches the source, with the same rules and limits as Fetch, and
// returns a reader of it. It suits small auxiliary inputs such as a
// watermark image. Closing the reader removes the temporary copy.
func (c *Client) Open(ctx context.Context, src api.Source) (io.ReadCloser, error) {
	dir, err := os.MkdirTemp("", "acs-open-*")
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot create a temporary directory")
	}
	fetched, err := c.Fetch(ctx, src, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	f, err := os.Open(fetched.Path)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot open the fetched file")
	}
	return &tempFile{File: f, dir: dir}, nil
}

// tempFile is an open file whose directory is removed on Close.
type tempFile struct {
	*os.File
	dir string
}

func (t *tempFile) Close() error {
	err := t.File.Close()
	if rerr := os.RemoveAll(t.dir); err == nil {
		err = rerr
	}
	return err
}

// sink receives a download: it writes the file, hashes and counts the
// bytes, and refuses to grow past limit.
type sink struct {
	f     *os.File
	h     hash.Hash
	n     int64
	limit int64
	// werr is the error of the last Write: a write error ends the
	// transfer, while a read error of the same copy may be retried.
	werr error
}

// reset empties the file for a new attempt.
func (s *sink) reset() error {
	s.n, s.werr = 0, nil
	s.h.Reset()
	if err := s.f.Truncate(0); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot write the source to disk")
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot write the source to disk")
	}
	return nil
}

// Write implements io.Writer.
func (s *sink) Write(p []byte) (int, error) {
	if s.n+int64(len(p)) > s.limit {
		s.werr = sourceTooLarge(-1, s.limit)
		return 0, s.werr
	}
	n, err := s.f.Write(p)
	s.h.Write(p[:n])
	s.n += int64(n)
	if err != nil {
		s.werr = api.Wrap(api.ReasonGeneric, err, "cannot write the source to disk")
		return n, s.werr
	}
	return n, nil
}

// copyFrom copies r into the sink. want is the announced length, or -1.
// Too many bytes end the transfer; a read error or too few bytes are
// retryable, since the next attempt may get the whole body.
func (s *sink) copyFrom(r io.Reader, want int64) error {
	_, err := io.Copy(s, r)
	if s.werr != nil {
		return s.werr
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return retryable(fmt.Errorf("download broke off after %d bytes: %w", s.n, err))
	}
	if want >= 0 && s.n != want {
		return retryable(fmt.Errorf("download truncated: got %d of %d bytes", s.n, want))
	}
	return nil
}

// sourceTooLarge is the SourceTooLarge error; size is -1 when unknown.
func sourceTooLarge(size, limit int64) error {
	if size >= 0 {
		return api.Errorf(api.ReasonSourceTooLarge, "source is %d bytes, more than the limit of %d bytes", size, limit)
	}
	return api.Errorf(api.ReasonSourceTooLarge, "source is larger than the limit of %d bytes", limit)
}

// safeExt returns the extension of name when it is short and plain, so the
// downloaded file keeps a hint of its type; otherwise "".
func safeExt(name string) string {
	ext := filepath.Ext(name)
	if len(ext) < 2 || len(ext) > 10 {
		return ""
	}
	for _, r := range ext[1:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return ""
		}
	}
	return strings.ToLower(ext)
}

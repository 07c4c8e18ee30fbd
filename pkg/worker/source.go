package worker

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// copyChunk is the size of the reads that copy a ranged source into a
// local file: each is at most one ranged request.
const copyChunk = 16 << 20

// sourceState is what the lifecycle keeps about a source for the
// methods of Source that its renditions share.
type sourceState struct {
	// rs is the source opened for ranged reads, or nil when it was
	// downloaded (Source.Path is set then).
	rs *transfer.RangedSource
	// dir is the activation's directory for shared files.
	dir string
	log *slog.Logger
	// tr and src fetch the source whole for a large copy.
	tr  Transfer
	src api.Source

	localMu   sync.Mutex
	localPath string
	localErr  error

	onceMu sync.Mutex
	once   map[any]*onceEntry
}

type onceEntry struct {
	once sync.Once
	val  any
	err  error
}

// LocalPath returns the path of a local file that holds the whole source,
// for engines that read files rather than an io.ReaderAt. Without
// Options.RangedSource it is Path. With it, the file is made on the first
// call: a local source (a file given to `acs process`) is read in place
// and its own path returned, never copied; a source that was downloaded
// whole returns the downloaded copy; a source read in ranges is copied
// into the activation directory, with one ranged request when it is at
// most 16 MiB (besides the one that opened it), else downloaded whole
// with Transfer.Fetch in one streaming request.
// Concurrent callers wait for one copy. The file must not be written,
// renamed or removed: a local source belongs to the user, and the
// lifecycle removes only its own copies after the activation.
//
// A source larger than the transfer's size limit fails with
// SourceTooLarge, as a download does. A copy that failed is not tried
// again in the same activation, unless it failed because ctx ended.
func (s *Source) LocalPath(ctx context.Context) (string, error) {
	if s.Path != "" {
		return s.Path, nil
	}
	st := s.state
	if st == nil || st.rs == nil {
		return "", api.Errorf(api.ReasonGeneric, "the source has no local file")
	}
	if err := st.rs.CheckWhole(); err != nil {
		return "", err
	}
	if p := st.rs.LocalFile(); p != "" {
		return p, nil
	}
	st.localMu.Lock()
	defer st.localMu.Unlock()
	if st.localPath != "" || st.localErr != nil {
		return st.localPath, st.localErr
	}
	p, err := st.copyLocal(ctx, s.Name)
	if err != nil {
		if ctx.Err() == nil {
			st.localErr = err
		}
		return "", err
	}
	st.localPath = p
	return p, nil
}

// copyLocal copies the ranged source into a new file of the activation
// directory: with ranged reads when one request fetches it all, else
// with one download (Transfer.Fetch), which streams.
func (st *sourceState) copyLocal(ctx context.Context, name string) (string, error) {
	if st.rs.Size() > copyChunk && st.tr != nil {
		start := time.Now()
		fetched, err := st.tr.Fetch(ctx, st.src, st.dir)
		if err != nil {
			return "", err
		}
		if fetched.Size != st.rs.Size() {
			_ = os.Remove(fetched.Path)
			return "", api.Errorf(api.ReasonGeneric, "the source changed while it was being read (%d bytes, then %d); try again", st.rs.Size(), fetched.Size)
		}
		st.log.InfoContext(ctx, "source fetched", "source", api.RedactURL(st.src.URL), "bytes", fetched.Size, "ms", time.Since(start).Milliseconds(), "for", "a file engine")
		return fetched.Path, nil
	}
	f, err := os.CreateTemp(st.dir, "source-*"+safeExt(name))
	if err != nil {
		return "", api.Wrap(api.ReasonGeneric, err, "cannot create the local copy of the source")
	}
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	size := st.rs.Size()
	buf := make([]byte, min(size, copyChunk))
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return "", api.Wrap(api.ReasonTimeout, err, "copying the source")
		}
		n, err := st.rs.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if n > 0 {
			if _, werr := f.WriteAt(buf[:n], off); werr != nil {
				return "", api.Wrap(api.ReasonGeneric, werr, "cannot write the local copy of the source")
			}
			off += int64(n)
		}
		if err != nil && !(errors.Is(err, io.EOF) && off >= size) {
			if errors.Is(err, io.EOF) {
				return "", api.Errorf(api.ReasonGeneric, "the source ended after %d of its %d bytes", off, size)
			}
			return "", err
		}
	}
	if err := f.Close(); err != nil {
		return "", api.Wrap(api.ReasonGeneric, err, "cannot write the local copy of the source")
	}
	ok = true
	st.log.InfoContext(ctx, "source copied for a file engine", "source", name, "bytes", size)
	return f.Name(), nil
}

// safeExt returns the extension of name when it is a short run of letters
// and digits (engines may look at it), else "".
func safeExt(name string) string {
	ext := filepath.Ext(name)
	if len(ext) < 2 || len(ext) > 8 {
		return ""
	}
	if strings.IndexFunc(ext[1:], func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) >= 0 {
		return ""
	}
	return ext
}

// Ranged returns the source opened for ranged reads, or nil when the
// lifecycle downloaded it (without Options.RangedSource, or with a
// Transfer that cannot read ranges). Its Mode says whether it is read in
// ranges, a local file read in place, or a download; its Stats count the
// bytes fetched so far. Do not close it: the lifecycle does.
func (s *Source) Ranged() *transfer.RangedSource {
	if s.state == nil {
		return nil
	}
	return s.state.rs
}

// Dir returns a directory private to the activation for files that the
// renditions of the source share (an index, a partial copy), removed
// after the activation; "" for a Source the lifecycle did not make.
func (s *Source) Dir() string {
	if s.state == nil {
		return ""
	}
	return s.state.dir
}

// Logger returns the lifecycle's logger (records carry the activation and
// request ids of the context they are logged with); a logger that
// discards for a Source the lifecycle did not make.
func (s *Source) Logger() *slog.Logger {
	if s.state == nil || s.state.log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.state.log
}

// Once calls fn the first time it is called with key in this activation
// and returns fn's result, error included, to that call and every later
// one with the same key: for work the renditions of a source share, such
// as parsing an index. Concurrent callers wait for the first. key must
// be comparable; use an unexported type, as for context keys. For a
// Source the lifecycle did not make, fn runs on every call.
func (s *Source) Once(key any, fn func() (any, error)) (any, error) {
	st := s.state
	if st == nil {
		return fn()
	}
	st.onceMu.Lock()
	if st.once == nil {
		st.once = map[any]*onceEntry{}
	}
	e := st.once[key]
	if e == nil {
		e = &onceEntry{}
		st.once[key] = e
	}
	st.onceMu.Unlock()
	e.once.Do(func() {
		// Kept if fn panics, so later callers do not take nil for a result.
		e.err = api.Errorf(api.ReasonGeneric, "shared work of the source failed")
		e.val, e.err = fn()
	})
	return e.val, e.err
}

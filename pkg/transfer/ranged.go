package transfer

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Defaults and bounds of RangeOptions.
const (
	DefaultBlockSize   int64 = 64 << 10
	DefaultCacheBlocks       = 32
	MinBlockSize       int64 = 4 << 10
	MaxBlockSize       int64 = 16 << 20

	// maxRangeRequest bounds the bytes one ranged request asks for, so a
	// large read becomes a few requests of bounded memory, not one.
	maxRangeRequest int64 = 16 << 20
)

// RangeOptions configure one OpenRanged call.
type RangeOptions struct {
	// TempDir is where a source that cannot be read in ranges is
	// downloaded (created if needed). Default: a new directory under
	// os.TempDir(). Either way Close removes the downloaded file.
	TempDir string
	// BlockSize is the unit of ranged reads: every request starts at a
	// multiple of it and covers whole blocks (the last one may be short).
	// From 4 KiB to 16 MiB; default 64 KiB.
	BlockSize int64
	// CacheBlocks is how many blocks are kept in memory, the least
	// recently used dropped first; default 32 (2 MiB at the default
	// block size).
	CacheBlocks int
}

// Validate reports a setting out of range.
func (o RangeOptions) Validate() error {
	var errs []error
	if o.BlockSize != 0 && (o.BlockSize < MinBlockSize || o.BlockSize > MaxBlockSize) {
		errs = append(errs, fmt.Errorf("BlockSize must be from %d (4 KiB) to %d (16 MiB), got %d", MinBlockSize, MaxBlockSize, o.BlockSize))
	}
	if o.CacheBlocks < 0 {
		errs = append(errs, fmt.Errorf("CacheBlocks must not be negative, got %d", o.CacheBlocks))
	}
	return errors.Join(errs...)
}

func (o RangeOptions) withDefaults() RangeOptions {
	if o.BlockSize == 0 {
		o.BlockSize = DefaultBlockSize
	}
	if o.CacheBlocks == 0 {
		o.CacheBlocks = DefaultCacheBlocks
	}
	return o
}

// RangeStats count what reading a RangedSource has cost so far.
type RangeStats struct {
	// Bytes is the number of source bytes received from storage (or read
	// from a local file), retried attempts included. For a source that was
	// downloaded whole, it is the source's size.
	Bytes int64
	// Requests is the number of ranged requests sent (attempts included);
	// 0 for a source that was downloaded whole or is a local file.
	Requests int64
}

// RangedSource is a source opened by Client.OpenRanged for random access.
// It is an io.ReaderAt, safe for concurrent use; Close it when done.
type RangedSource struct {
	size        int64
	contentType string
	sha1        string
	mode        string
	what        string // redacted description for messages

	// file is the downloaded copy or the local file; nil when ranged.
	file *os.File
	// dir is a directory Close removes, or "".
	dir string

	// get reads len(p) bytes at off from storage into p (ranged mode).
	get   func(ctx context.Context, p []byte, off int64) error
	ctx   context.Context
	limit int64
	bs    int64

	bytes    atomic.Int64
	requests atomic.Int64

	closed atomic.Bool
	// mu guards cache; it is held while missing blocks are fetched, so
	// concurrent readers of the same blocks wait for one request.
	mu    sync.Mutex
	cache *blockCache
	// head is the first block, kept apart from cache: every sniffer and
	// parser starts there, and a read larger than the cache (a copy of
	// the whole source) would otherwise evict it and have it fetched
	// again by the next rendition's sniffing. Immutable once set.
	head []byte
}

// Access modes of a RangedSource, as reported by Mode.
const (
	// ModeRanged reads byte ranges from storage on demand.
	ModeRanged = "ranged"
	// ModeDownloaded reads a copy downloaded whole, because the storage
	// ignored byte ranges or the source is a data: URI.
	ModeDownloaded = "downloaded"
	// ModeLocal reads a local file in place (local mode).
	ModeLocal = "local"
)

// OpenRanged opens the source for random access without downloading it
// when it can: an https:// (or allowed http://) source is read with HTTP
// Range requests and an s3:// source with ranged GetObject calls, in
// aligned blocks of RangeOptions.BlockSize kept in a small LRU cache, so the
// many small reads of a parser become a few requests. The first request
// asks for the first block and learns the size from Content-Range, so no
// HEAD is needed. A local file (local mode) is read in place. A data: URI,
// and an http(s) or S3 source whose server ignores ranges, are downloaded
// whole into a temporary file with the rules of Fetch (an http server
// that answers the first ranged request with the whole body has that body
// kept as the download, not requested twice).
//
// ctx bounds OpenRanged and every later read through the returned source.
// Reads are retried as Fetch's requests are, and the address guard, the
// redirect policy and the redaction of URLs in errors and logs are the
// same. Each ranged read checks that the object has not changed since it
// was opened (ETag or Last-Modified): a changed source fails the read.
//
// Size limit: for ranged access only what is read counts. The source may be
// larger than Options.MaxSourceBytes; reading more than MaxSourceBytes bytes
// in total fails with SourceTooLarge. A source that falls back to a full
// download is limited by its size, as with Fetch.
//
// Errors carry the reasons of Fetch; read errors returned by ReadAt carry
// them too (api.ReasonOf).
func (c *Client) OpenRanged(ctx context.Context, src api.Source, opts RangeOptions) (*RangedSource, error) {
	if err := opts.Validate(); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "invalid range options")
	}
	opts = opts.withDefaults()
	k, err := c.classify(src.URL, roleSource)
	if err != nil {
		return nil, err
	}
	var b rangeBackend
	switch k {
	case kindHTTP:
		b = &httpRanges{c: c, src: src}
	case kindS3:
		if b, err = c.newS3Ranges(src); err != nil {
			return nil, err
		}
	case kindLocal:
		return c.openLocal(ctx, localPath(src.URL))
	default:
		return c.openDownloaded(ctx, src, k, opts)
	}
	rs, err := c.openRangedFrom(ctx, b, src, opts)
	if err != nil {
		return nil, err
	}
	if rs == nil {
		// The storage does not serve ranges of this source.
		c.log.InfoContext(ctx, "source cannot be read in ranges; downloading it whole", "source", api.RedactURL(src.URL))
		return c.openDownloaded(ctx, src, k, opts)
	}
	return rs, nil
}

// probe is what the first ranged request of a source learnt.
type probe struct {
	size        int64
	contentType string
	first       []byte // the first block
}

// newRanged returns a ranged source over get, with the first block cached.
// The caller sets its get function.
func (c *Client) newRanged(ctx context.Context, p probe, what string, opts RangeOptions) *RangedSource {
	rs := &RangedSource{
		size: p.size, contentType: p.contentType, mode: ModeRanged, what: what,
		ctx: ctx, limit: c.opts.MaxSourceBytes, bs: opts.BlockSize,
		cache: newBlockCache(opts.CacheBlocks),
	}
	switch {
	case int64(len(p.first)) == min(opts.BlockSize, p.size):
		rs.head = p.first
	case len(p.first) > 0:
		rs.cache.put(0, p.first)
	}
	return rs
}

// openDownloaded downloads the source whole, with the rules of Fetch.
func (c *Client) openDownloaded(ctx context.Context, src api.Source, k kind, opts RangeOptions) (*RangedSource, error) {
	if src.Size > c.opts.MaxSourceBytes {
		return nil, sourceTooLarge(src.Size, c.opts.MaxSourceBytes)
	}
	sp, err := c.newSpool(opts.TempDir, src.DisplayName())
	if err != nil {
		return nil, err
	}
	var contentType string
	switch k {
	case kindHTTP:
		contentType, err = c.fetchHTTP(ctx, src, sp.s)
	case kindS3:
		contentType, err = c.fetchS3(ctx, src.URL, sp.s)
	case kindData:
		contentType, err = fetchData(src.URL, sp.s)
	default:
		err = api.Errorf(api.ReasonSourceUnsupported, "source %s cannot be downloaded", api.RedactURL(src.URL))
	}
	if err != nil {
		sp.discard()
		return nil, err
	}
	return sp.source(ctx, contentType, api.RedactURL(src.URL)), nil
}

// spool is the temporary file a source that cannot be read in ranges is
// downloaded into.
type spool struct {
	s *sink
	// dir is a directory made for the file, removed with it; "" when the
	// file is in the caller's RangeOptions.TempDir.
	dir string
}

func (c *Client) newSpool(tempDir, name string) (*spool, error) {
	dir, own := tempDir, ""
	if dir == "" {
		d, err := os.MkdirTemp("", "acs-ranged-*")
		if err != nil {
			return nil, api.Wrap(api.ReasonGeneric, err, "cannot create a temporary directory")
		}
		dir, own = d, d
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot create the download directory")
	}
	f, err := os.CreateTemp(dir, "source-*"+safeExt(name))
	if err != nil {
		if own != "" {
			_ = os.RemoveAll(own)
		}
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot create the download file")
	}
	return &spool{s: &sink{f: f, h: sha1.New(), limit: c.opts.MaxSourceBytes}, dir: own}, nil
}

// keep writes r, a whole source of n bytes (-1: unknown), into the spool,
// replacing what an earlier attempt wrote.
func (sp *spool) keep(r io.Reader, n int64) error {
	if err := sp.s.reset(); err != nil {
		return err
	}
	if n > sp.s.limit {
		return sourceTooLarge(n, sp.s.limit)
	}
	return sp.s.copyFrom(r, n)
}

// discard removes the file (and its directory when it is the spool's own).
func (sp *spool) discard() {
	_ = sp.s.f.Close()
	_ = os.Remove(sp.s.f.Name())
	if sp.dir != "" {
		_ = os.RemoveAll(sp.dir)
	}
}

// source returns the finished download as a RangedSource that owns it.
func (sp *spool) source(ctx context.Context, contentType, what string) *RangedSource {
	rs := &RangedSource{
		size: sp.s.n, contentType: contentType, sha1: hex.EncodeToString(sp.s.h.Sum(nil)),
		mode: ModeDownloaded, what: what, file: sp.s.f, dir: sp.dir, ctx: ctx,
	}
	rs.bytes.Store(sp.s.n)
	return rs
}

// openLocal opens a local file in place.
func (c *Client) openLocal(ctx context.Context, path string) (*RangedSource, error) {
	f, info, err := openLocalSource(path)
	if err != nil {
		return nil, err
	}
	return &RangedSource{size: info.Size(), mode: ModeLocal, what: path, file: f, ctx: ctx, limit: c.opts.MaxSourceBytes}, nil
}

// Size returns the size of the source in bytes.
func (s *RangedSource) Size() int64 { return s.size }

// ContentType returns the media type the storage reported, or "".
func (s *RangedSource) ContentType() string { return s.contentType }

// SHA1 returns the hex SHA-1 of a source that was downloaded whole, and ""
// otherwise: a ranged source is never read in full.
func (s *RangedSource) SHA1() string { return s.sha1 }

// Mode tells how the source is read: ModeRanged, ModeDownloaded or ModeLocal.
func (s *RangedSource) Mode() string { return s.mode }

// LocalFile returns the path of the local file the source is read from:
// the file itself for a local source (ModeLocal), which belongs to the
// user and must be neither written nor removed, or the downloaded copy
// (ModeDownloaded), which Close removes. It is "" for a source read in
// ranges (ModeRanged).
func (s *RangedSource) LocalFile() string {
	if s.file == nil {
		return ""
	}
	return s.file.Name()
}

// CheckWhole reports SourceTooLarge, as Fetch does, when the source is
// larger than the size limit (Options.MaxSourceBytes), for a caller
// about to read it whole or hand its LocalFile to an engine that may.
func (s *RangedSource) CheckWhole() error {
	if s.mode != ModeDownloaded && s.size > s.limit {
		return sourceTooLarge(s.size, s.limit)
	}
	return nil
}

// Stats returns the bytes and requests spent so far.
func (s *RangedSource) Stats() RangeStats {
	return RangeStats{Bytes: s.bytes.Load(), Requests: s.requests.Load()}
}

// errClosed is returned by reads after Close.
var errClosed = errors.New("transfer: read from a closed source")

// ReadAt implements io.ReaderAt. Reads of a ranged source are served from
// the block cache, and the blocks it lacks are fetched with one request per
// run of consecutive missing blocks. Errors carry an api reason.
func (s *RangedSource) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("transfer: negative offset %d", off)
	}
	if s.file != nil {
		return s.readFile(p, off)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if off >= s.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), s.size)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return 0, errClosed
	}
	n := 0
	for pos := off; pos < end; {
		bi := pos / s.bs
		b := s.head
		if bi != 0 || b == nil {
			b = s.cache.get(bi)
		}
		if b != nil {
			c := copy(p[pos-off:end-off], b[pos-bi*s.bs:])
			n += c
			pos += int64(c)
			continue
		}
		// The run of missing blocks from bi that this read needs.
		last := (end - 1) / s.bs
		stop := bi + 1
		for stop <= last && (stop-bi)*s.bs < maxRangeRequest && !s.cache.has(stop) {
			stop++
		}
		start := bi * s.bs
		buf := make([]byte, min(stop*s.bs, s.size)-start)
		if err := s.fetch(buf, start); err != nil {
			return n, err
		}
		s.cacheRun(bi, stop, buf)
		c := copy(p[pos-off:end-off], buf[pos-start:])
		n += c
		pos += int64(c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// cacheRun keeps the blocks [first, stop) held in buf, at most as many as
// the cache holds (the last ones, since they were read most recently).
func (s *RangedSource) cacheRun(first, stop int64, buf []byte) {
	if stop-first == 1 {
		s.cache.put(first, buf)
		return
	}
	for bi := max(first, stop-int64(s.cache.capacity)); bi < stop; bi++ {
		lo := (bi - first) * s.bs
		hi := min(lo+s.bs, int64(len(buf)))
		// A copy, so the cache does not pin the whole run's buffer.
		s.cache.put(bi, append([]byte(nil), buf[lo:hi]...))
	}
}

// fetch reads len(buf) bytes at off from storage, within the byte budget.
func (s *RangedSource) fetch(buf []byte, off int64) error {
	if s.bytes.Load()+int64(len(buf)) > s.limit {
		return api.Errorf(api.ReasonSourceTooLarge,
			"reading %s would transfer more than the limit of %d bytes", s.what, s.limit)
	}
	return s.get(s.ctx, buf, off)
}

// readFile reads the downloaded copy or the local file.
func (s *RangedSource) readFile(p []byte, off int64) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, contextError(s.ctx, "reading "+s.what)
	}
	if s.mode == ModeLocal {
		want := min(int64(len(p)), max(s.size-off, 0))
		if s.bytes.Load()+want > s.limit {
			return 0, api.Errorf(api.ReasonSourceTooLarge,
				"reading %s would read more than the limit of %d bytes", s.what, s.limit)
		}
	}
	n, err := s.file.ReadAt(p, off)
	if s.mode == ModeLocal {
		s.bytes.Add(int64(n))
	}
	if err != nil && err != io.EOF {
		if errors.Is(err, os.ErrClosed) {
			return n, errClosed
		}
		return n, api.Wrap(api.ReasonGeneric, err, "cannot read the source file")
	}
	return n, err
}

// Close releases the source and removes any downloaded copy. Reads after
// Close fail; Close does not wait for a read in progress, which ends with
// the context given to OpenRanged.
func (s *RangedSource) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	var err error
	if s.file != nil {
		err = s.file.Close()
		if s.mode == ModeDownloaded {
			if rerr := os.Remove(s.file.Name()); err == nil && !errors.Is(rerr, fs.ErrNotExist) {
				err = rerr
			}
		}
	}
	if s.dir != "" {
		if rerr := os.RemoveAll(s.dir); err == nil {
			err = rerr
		}
	}
	return err
}

// blockCache keeps the most recently used blocks, by block index.
type blockCache struct {
	capacity int
	tick     uint64
	blocks   map[int64]*cachedBlock
}

type cachedBlock struct {
	data []byte
	used uint64
}

func newBlockCache(capacity int) *blockCache {
	return &blockCache{capacity: max(capacity, 1), blocks: make(map[int64]*cachedBlock, capacity)}
}

func (c *blockCache) has(i int64) bool { return c.blocks[i] != nil }

func (c *blockCache) get(i int64) []byte {
	b := c.blocks[i]
	if b == nil {
		return nil
	}
	c.tick++
	b.used = c.tick
	return b.data
}

func (c *blockCache) put(i int64, data []byte) {
	c.tick++
	if b := c.blocks[i]; b != nil {
		b.data, b.used = data, c.tick
		return
	}
	if len(c.blocks) >= c.capacity {
		// A linear scan: the cache holds a few dozen blocks.
		var oldest int64
		var oldestUse uint64
		first := true
		for k, b := range c.blocks {
			if first || b.used < oldestUse {
				oldest, oldestUse, first = k, b.used, false
			}
		}
		delete(c.blocks, oldest)
	}
	c.blocks[i] = &cachedBlock{data: data, used: c.tick}
}

// contentRange is a parsed Content-Range header: bytes first-last/total,
// with total -1 when the server wrote "*".
type contentRange struct {
	first, last, total int64
}

// parseContentRange reads "bytes first-last/total" (RFC 9110, 14.4).
func parseContentRange(v string) (contentRange, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(v), "bytes ")
	if !ok {
		return contentRange{}, false
	}
	span, total, ok := strings.Cut(strings.TrimSpace(rest), "/")
	if !ok {
		return contentRange{}, false
	}
	a, b, ok := strings.Cut(span, "-")
	if !ok {
		return contentRange{}, false
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || first < 0 || last < first {
		return contentRange{}, false
	}
	cr := contentRange{first: first, last: last, total: -1}
	if total != "*" {
		n, err := strconv.ParseInt(total, 10, 64)
		if err != nil || n <= last {
			return contentRange{}, false
		}
		cr.total = n
	}
	return cr, true
}

// errChanged is the message of a source that changed while being read.
func errChanged(what string) error {
	return api.Errorf(api.ReasonGeneric, "%s changed while it was being read; try again", what)
}

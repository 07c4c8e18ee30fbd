package transfer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// patternAt is the byte at offset off of a sparse test source.
func patternAt(off int64) byte { return byte(off ^ off>>9 ^ off>>17 ^ 0x5a) }

// pattern returns the bytes [off, off+n) of a sparse test source.
func pattern(off, n int64) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = patternAt(off + int64(i))
	}
	return b
}

// sparse is an io.ReadSeeker over a large source whose bytes are computed,
// never stored: a 256 MiB source costs nothing until it is read.
type sparse struct{ size, pos int64 }

func (s *sparse) Read(p []byte) (int, error) {
	if s.pos >= s.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), s.size-s.pos)
	for i := int64(0); i < n; i++ {
		p[i] = patternAt(s.pos + i)
	}
	s.pos += n
	return int(n), nil
}

func (s *sparse) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += s.pos
	case io.SeekEnd:
		off += s.size
	}
	if off < 0 {
		return 0, fmt.Errorf("negative position")
	}
	s.pos = off
	return off, nil
}

// rangeServer serves a sparse source with http.ServeContent (which honours
// Range, If-Match and If-Unmodified-Since) and counts what it sends.
type rangeServer struct {
	*httptest.Server
	size     atomic.Int64
	bytes    atomic.Int64
	requests atomic.Int64
	etag     atomic.Value // string; "" for none

	mu     sync.Mutex
	ranges []string
	// respond, when set, may answer request number n itself (returning true).
	respond func(w http.ResponseWriter, r *http.Request, n int64) bool
	// ignoreRanges makes the server answer 200 with the whole body.
	ignoreRanges bool
}

func newRangeServer(t *testing.T, size int64) *rangeServer {
	t.Helper()
	s := &rangeServer{}
	s.size.Store(size)
	s.etag.Store("")
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.requests.Add(1)
		s.mu.Lock()
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		respond, ignore := s.respond, s.ignoreRanges
		s.mu.Unlock()
		if respond != nil && respond(w, r, n) {
			return
		}
		cw := testutil.CountingResponseWriter{ResponseWriter: w, N: &s.bytes}
		w.Header().Set("Content-Type", "image/tiff")
		size := s.size.Load()
		if ignore {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
			_, _ = io.Copy(cw, &sparse{size: size})
			return
		}
		if et := s.etag.Load().(string); et != "" {
			w.Header().Set("ETag", et)
		}
		http.ServeContent(cw, r, "", time.Unix(1_700_000_000, 0), &sparse{size: size})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *rangeServer) seenRanges() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

func readAt(t *testing.T, r io.ReaderAt, off, n int64) []byte {
	t.Helper()
	b := make([]byte, n)
	got, err := r.ReadAt(b, off)
	require.NoError(t, err)
	require.EqualValues(t, n, got)
	return b
}

func TestOpenRangedHTTPReadsOnlyWhatIsAsked(t *testing.T) {
	const size = 256 << 20 // far more than would be acceptable to download here
	srv := newRangeServer(t, size)
	c, _ := newTestClient(t, nil)
	rs, err := c.OpenRanged(context.Background(), api.Source{URL: srv.URL + "/huge.tif?sig=x"}, RangeOptions{})
	require.NoError(t, err)
	defer rs.Close()
	assert.Equal(t, ModeRanged, rs.Mode())
	assert.EqualValues(t, size, rs.Size())
	assert.Equal(t, "image/tiff", rs.ContentType())
	assert.Empty(t, rs.SHA1(), "a ranged source is never hashed whole")
	assert.Equal(t, RangeStats{Bytes: DefaultBlockSize, Requests: 1}, rs.Stats(), "opening reads the first block")

	// Many small reads in the first block cost nothing more.
	for off := int64(0); off < 4000; off += 37 {
		assert.Equal(t, pattern(off, 12), readAt(t, rs, off, 12))
	}
	assert.EqualValues(t, 1, rs.Stats().Requests)

	// The end of the source, and a read across a block boundary.
	assert.Equal(t, pattern(size-100, 100), readAt(t, rs, size-100, 100))
	mid := int64(100<<20) + DefaultBlockSize - 5
	assert.Equal(t, pattern(mid, 10), readAt(t, rs, mid, 10))
	st := rs.Stats()
	assert.EqualValues(t, 3, st.Requests, "one request per run of missing blocks")
	assert.EqualValues(t, 4*DefaultBlockSize, st.Bytes)
	assert.Eventually(t, func() bool { return srv.bytes.Load() == st.Bytes }, time.Second, time.Millisecond, "the count is what the server sent")
	assert.Equal(t, []string{
		"bytes=0-65535",
		fmt.Sprintf("bytes=%d-%d", size-DefaultBlockSize, size-1),
		fmt.Sprintf("bytes=%d-%d", 100<<20, 100<<20+2*DefaultBlockSize-1),
	}, srv.seenRanges(), "aligned blocks; a run of missing blocks is one request")
	t.Logf("read a %d MiB source for %d bytes in %d requests", size>>20, st.Bytes, st.Requests)

	// Reading past the end is io.EOF with what there was.
	b := make([]byte, 50)
	n, err := rs.ReadAt(b, size-20)
	assert.Equal(t, 20, n)
	assert.Equal(t, io.EOF, err)
	assert.Equal(t, pattern(size-20, 20), b[:20])
	n, err = rs.ReadAt(b, size)
	assert.Zero(t, n)
	assert.Equal(t, io.EOF, err)

	require.NoError(t, rs.Close())
	_, err = rs.ReadAt(b, 1<<20)
	assert.Error(t, err, "no reads after Close")
}

func TestOpenRangedHTTPLargeReadsAndCache(t *testing.T) {
	srv := newRangeServer(t, 64<<20)
	c, _ := newTestClient(t, nil)
	rs, err := c.OpenRanged(context.Background(), api.Source{URL: srv.URL + "/a.psd"}, RangeOptions{BlockSize: 16 << 10, CacheBlocks: 4})
	require.NoError(t, err)
	defer rs.Close()

	// A read far larger than the cache and than one request.
	off, n := int64(3<<20)+123, int64(20<<20)
	assert.True(t, bytes.Equal(pattern(off, n), readAt(t, rs, off, n)))
	assert.EqualValues(t, 1+2, rs.Stats().Requests, "at most 16 MiB per request")

	// Its last blocks are cached; its first ones were dropped.
	before := rs.Stats().Requests
	readAt(t, rs, off+n-10, 10)
	assert.Equal(t, before, rs.Stats().Requests, "the most recent blocks are cached")
	readAt(t, rs, off, 10)
	assert.Equal(t, before+1, rs.Stats().Requests, "older blocks were evicted")

	// Concurrent readers get the right bytes.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := int64(i) * 5_000_000
			b := make([]byte, 70_000)
			_, err := rs.ReadAt(b, o)
			assert.NoError(t, err)
			assert.True(t, bytes.Equal(pattern(o, 70_000), b))
		}()
	}
	wg.Wait()
	assert.Eventually(t, func() bool { return srv.bytes.Load() == rs.Stats().Bytes }, time.Second, time.Millisecond, "the count is what the server sent")
}

// TestOpenRangedWholeCopyKeepsTheFirstBlock reads a source whole, as a
// worker copying it for a file engine does, then its first bytes again, as
// the next rendition's format sniffing does: the first block is not
// fetched a second time, even though the copy was larger than the cache.
func TestOpenRangedWholeCopyKeepsTheFirstBlock(t *testing.T) {
	const size = 3<<20 + 4321 // more than the default cache (32 blocks of 64 KiB)
	srv := newRangeServer(t, size)
	c, _ := newTestClient(t, nil)
	rs, err := c.OpenRanged(context.Background(), api.Source{URL: srv.URL + "/photo.jpg"}, RangeOptions{})
	require.NoError(t, err)
	defer rs.Close()

	assert.True(t, bytes.Equal(pattern(0, size), readAt(t, rs, 0, size)))
	requests := srv.requests.Load()
	assert.True(t, bytes.Equal(pattern(0, 16), readAt(t, rs, 0, 16)))
	assert.True(t, bytes.Equal(pattern(size-16, 16), readAt(t, rs, size-16, 16)))
	assert.Equal(t, requests, srv.requests.Load(), "the first block and the end of the copy are cached: %v", srv.seenRanges())
	// The server counts what it sent once its handler's write returns,
	// which can be after the client has read it all.
	assert.Eventually(t, func() bool { return srv.bytes.Load() >= size }, 30*time.Second, time.Millisecond, "the whole source is sent")
	assert.EqualValues(t, size, srv.bytes.Load(), "every byte of the source is fetched once")
	assert.EqualValues(t, size, rs.Stats().Bytes)
}

func TestOpenRangedFallsBackToDownload(t *testing.T) {
	t.Run("server ignores Range", func(t *testing.T) {
		srv := newRangeServer(t, 300_000)
		srv.ignoreRanges = true
		c, logs := newTestClient(t, nil)
		dir := filepath.Join(t.TempDir(), "src")
		rs, err := c.OpenRanged(context.Background(), api.Source{URL: srv.URL + "/a.jpg?X-Amz-Signature=" + secret}, RangeOptions{TempDir: dir})
		require.NoError(t, err)
		assert.Equal(t, ModeDownloaded, rs.Mode())
		assert.EqualValues(t, 300_000, rs.Size())
		assert.Equal(t, sha1Hex(pattern(0, 300_000)), rs.SHA1())
		assert.Equal(t, pattern(123_456, 1000), readAt(t, rs, 123_456, 1000))
		assert.EqualValues(t, 300_000, rs.Stats().Bytes)
		assert.EqualValues(t, 1, srv.requests.Load(), "the answer to the ranged probe is the download")
		assert.Eventually(t, func() bool { return srv.bytes.Load() == 300_000 }, time.Second, time.Millisecond, "sent once")
		assert.Contains(t, logs.String(), "downloading the source whole")
		assert.NotContains(t, logs.String(), secret)
		require.NoError(t, rs.Close())
		requireEmptyDir(t, dir)
	})

	t.Run("empty source", func(t *testing.T) {
		srv := newRangeServer(t, 0)
		c, _ := newTestClient(t, nil)
		rs, err := c.OpenRanged(context.Background(), api.Source{URL: srv.URL + "/empty"}, RangeOptions{})
		require.NoError(t, err)
		assert.Equal(t, ModeDownloaded, rs.Mode())
		assert.Zero(t, rs.Size())
		require.NoError(t, rs.Close())
	})

	t.Run("download keeps the size limit", func(t *testing.T) {
		srv := newRangeServer(t, 300_000)
		srv.ignoreRanges = true
		c, _ := newTestClient(t, func(o *Options) { o.MaxSourceBytes = 100_000 })
		_, err := c.OpenRanged(context.Background(), api.Source{URL: srv.URL + "/a.jpg"}, RangeOptions{})
		requireReason(t, err, api.ReasonSourceTooLarge)
	})

	t.Run("data URI", func(t *testing.T) {
		c, _ := newTestClient(t, nil)
		rs, err := c.OpenRanged(context.Background(), api.Source{URL: "data:text/plain;base64,aGVsbG8gd29ybGQ="}, RangeOptions{})
		require.NoError(t, err)
		assert.Equal(t, ModeDownloaded, rs.Mode())
		assert.Equal(t, "world", string(readAt(t, rs, 6, 5)))
		require.NoError(t, rs.Close())
	})

	t.Run("local file is read in place", func(t *testing.T) {
		c, _ := newTestClient(t, func(o *Options) { o.AllowLocal = true })
		path := writeTemp(t, pattern(0, 10_000))
		rs, err := c.OpenRanged(context.Background(), api.Source{URL: path}, RangeOptions{})
		require.NoError(t, err)
		assert.Equal(t, ModeLocal, rs.Mode())
		assert.Equal(t, pattern(9000, 100), readAt(t, rs, 9000, 100))
		assert.EqualValues(t, 100, rs.Stats().Bytes)
		require.NoError(t, rs.Close())
		_, err = os.Stat(path)
		assert.NoError(t, err, "a local source is not removed")
	})
}

func TestOpenRangedRetries(t *testing.T) {
	tests := []struct {
		name string
		// fail answers request number n with a status, or 0 to serve it.
		fail         func(n int64) int
		wantRequests int64
		wantErr      string
	}{
		{"503 on the probe is retried", func(n int64) int { return map[int64]int{1: 503}[n] }, 3, ""},
		{"500 during a range read is retried", func(n int64) int { return map[int64]int{2: 500, 3: 502}[n] }, 4, ""},
		{"a range read gives up after every attempt", func(n int64) int {
			if n > 1 {
				return 503
			}
			return 0
		}, 5, "failed after 4 attempts"},
		{"404 during a range read is final", func(n int64) int { return map[int64]int{2: 404}[n] }, 2, "not found (404)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRangeServer(t, 10<<20)
			srv.respond = func(w http.ResponseWriter, r *http.Request, n int64) bool {
				if code := tc.fail(n); code != 0 {
					http.Error(w, "injected", code)
					return true
				}
				return false
			}
			c, logs := newTestClient(t, nil)
			rs, err := c.OpenRanged(context.Background(), api.Source{URL: srv.URL + "/a.tif?X-Amz-Signature=" + secret}, RangeOptions{})
			require.NoError(t, err)
			defer rs.Close()
			b := make([]byte, 100)
			_, err = rs.ReadAt(b, 5<<20)
			assert.Equal(t, tc.wantRequests, srv.requests.Load())
			assert.NotContains(t, logs.String(), secret)
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, pattern(5<<20, 100), b)
				return
			}
			requireReason(t, err, api.ReasonGeneric)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.NotContains(t, err.Error(), secret)
		})
	}
}

// TestOpenRangedAnswersThatAreNotTheRange covers the answers to a range
// read that are not the range asked for: a whole body is retried (another
// server behind the same name), a wrong Content-Range or a compressed body
// is final.
func TestOpenRangedAnswersThatAreNotTheRange(t *testing.T) {
	const size = 1 << 20
	tests := []struct {
		name string
		// answer answers the second request (the first range read).
		answer       func(w http.ResponseWriter)
		wantRequests int64
		wantErr      string
	}{
		{"whole body, then the range", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", strconv.Itoa(size))
			_, _ = io.Copy(w, &sparse{size: size})
		}, 3, ""},
		{"another range", func(w http.ResponseWriter) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-99/%d", size))
			w.WriteHeader(http.StatusPartialContent)
			_, _ = w.Write(pattern(0, 100))
		}, 2, `asked for bytes 524288-589823, the server answered "bytes 0-99/1048576"`},
		{"compressed range", func(w http.ResponseWriter) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 524288-589823/%d", size))
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(http.StatusPartialContent)
			_, _ = w.Write(pattern(524288, 65536))
		}, 2, "the server answered"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRangeServer(t, size)
			srv.respond = func(w http.ResponseWriter, r *http.Request, n int64) bool {
				if n == 2 {
					tc.answer(w)
					return true
				}
				return false
			}
			c, _ := newTestClient(t, nil)
			rs, err := c.OpenRanged(context.Background(), api.Source{URL: srv.URL + "/a.tif"}, RangeOptions{})
			require.NoError(t, err)
			defer rs.Close()
			require.Equal(t, ModeRanged, rs.Mode())
			b := make([]byte, 100)
			_, err = rs.ReadAt(b, 512<<10)
			assert.Equal(t, tc.wantRequests, srv.requests.Load())
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, pattern(512<<10, 100), b)
				return
			}
			requireReason(t, err, api.ReasonGeneric)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

// TestOpenRangedCompressedProbeFallsBackToDownload: a first block in a
// content coding says nothing of the source's bytes; the source is
// downloaded instead.
func TestOpenRangedCompressedProbeFallsBackToDownload(t *testing.T) {
	const size = 100 << 10
	srv := newRangeServer(t, size)
	srv.respond = func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if n == 1 {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-65535/%d", size))
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(http.StatusPartialContent)
			_, _ = w.Write(pattern(0, 65536))
			return true
		}
		return false
	}
	c, _ := newTestClient(t, nil)
	dir := t.TempDir()
	rs, err := c.OpenRanged(context.Background(), api.Source{URL: srv.URL + "/a.tif"}, RangeOptions{TempDir: dir})
	require.NoError(t, err)
	assert.Equal(t, ModeDownloaded, rs.Mode())
	assert.EqualValues(t, size, rs.Size())
	assert.Equal(t, pattern(70000, 10), readAt(t, rs, 70000, 10))
	require.NoError(t, rs.Close())
	requireEmptyDir(t, dir)
}

func TestOpenRangedDetectsAChangedSource(t *testing.T) {
	for _, withETag := range []bool{true, false} {
		t.Run(fmt.Sprintf("etag %v", withETag), func(t *testing.T) {
			srv := newRangeServer(t, 1<<20)
			if withETag {
				srv.etag.Store(`"v1"`)
			}
			c, _ := newTestClient(t, nil)
			rs, err := c.OpenRanged(context.Background(), api.Source{URL: srv.URL + "/a.tif"}, RangeOptions{})
			require.NoError(t, err)
			defer rs.Close()
			if withETag {
				srv.etag.Store(`"v2"`) // If-Match fails: 412
			} else {
				srv.size.Store(2 << 20) // another total in Content-Range
			}
			_, err = rs.ReadAt(make([]byte, 10), 500_000)
			requireReason(t, err, api.ReasonGeneric)
			assert.Contains(t, err.Error(), "changed while it was being read")
		})
	}
}

func TestOpenRangedByteBudget(t *testing.T) {
	srv := newRangeServer(t, 256<<20)
	c, _ := newTestClient(t, func(o *Options) { o.MaxSourceBytes = 200 << 10 })
	rs, err := c.OpenRanged(context.Background(), api.Source{URL: srv.URL + "/huge.tif", Size: 256 << 20}, RangeOptions{})
	require.NoError(t, err, "a source larger than MaxSourceBytes can be opened: only what is read counts")
	defer rs.Close()
	readAt(t, rs, 200<<20, 1000)
	_, err = rs.ReadAt(make([]byte, 1<<20), 100<<20)
	requireReason(t, err, api.ReasonSourceTooLarge)
	assert.LessOrEqual(t, rs.Stats().Bytes, int64(200<<10))
}

func TestOpenRangedRefusals(t *testing.T) {
	srv := newRangeServer(t, 1000)
	t.Run("address guard", func(t *testing.T) {
		c, _ := newTestClient(t, func(o *Options) { o.AllowPrivateNetworks = false })
		_, err := c.OpenRanged(context.Background(), api.Source{URL: srv.URL + "/a.tif"}, RangeOptions{})
		requireReason(t, err, api.ReasonSourceUnsupported)
		assert.Contains(t, err.Error(), "address not allowed")
		assert.Zero(t, srv.requests.Load())
	})
	t.Run("scheme", func(t *testing.T) {
		c, _ := newTestClient(t, nil)
		_, err := c.OpenRanged(context.Background(), api.Source{URL: "ftp://example.com/a.tif"}, RangeOptions{})
		requireReason(t, err, api.ReasonSourceUnsupported)
	})
	t.Run("options", func(t *testing.T) {
		c, _ := newTestClient(t, nil)
		_, err := c.OpenRanged(context.Background(), api.Source{URL: srv.URL}, RangeOptions{BlockSize: 100})
		require.ErrorContains(t, err, "BlockSize")
	})
	t.Run("access denied names the URL without its query", func(t *testing.T) {
		deny := newRangeServer(t, 1000)
		deny.respond = func(w http.ResponseWriter, r *http.Request, n int64) bool {
			http.Error(w, "expired", http.StatusForbidden)
			return true
		}
		c, logs := newTestClient(t, nil)
		_, err := c.OpenRanged(context.Background(), api.Source{URL: deny.URL + "/a.tif?X-Amz-Signature=" + secret}, RangeOptions{})
		requireReason(t, err, api.ReasonGeneric)
		assert.Contains(t, err.Error(), deny.URL+"/a.tif")
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), logs.String()} {
			assert.NotContains(t, text, secret)
		}
	})
}

func TestOpenRangedHonoursContext(t *testing.T) {
	srv := newRangeServer(t, 10<<20)
	c, _ := newTestClient(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	rs, err := c.OpenRanged(ctx, api.Source{URL: srv.URL + "/a.tif"}, RangeOptions{})
	require.NoError(t, err)
	defer rs.Close()
	readAt(t, rs, 10, 10)
	cancel()
	_, err = rs.ReadAt(make([]byte, 10), 5<<20)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cancelled")

	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	slow := newRangeServer(t, 10<<20)
	slow.respond = func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if n > 1 {
			time.Sleep(300 * time.Millisecond)
		}
		return false
	}
	rs2, err := c.OpenRanged(ctx, api.Source{URL: slow.URL + "/a.tif"}, RangeOptions{})
	require.NoError(t, err)
	defer rs2.Close()
	_, err = rs2.ReadAt(make([]byte, 10), 5<<20)
	requireReason(t, err, api.ReasonTimeout)
}

func TestOpenRangedS3(t *testing.T) {
	fx := newS3Fixture(t, nil)
	data := payload(8 << 20)
	require.NoError(t, fx.client.Put(context.Background(), api.Target{URL: "s3://bucket/in/big.tif"}, writeTemp(t, data), PutOptions{ContentType: "image/tiff"}))
	src := api.Source{URL: "s3://bucket/in/big.tif"}

	t.Run("reads ranges", func(t *testing.T) {
		rs, err := fx.client.OpenRanged(context.Background(), src, RangeOptions{})
		require.NoError(t, err)
		defer rs.Close()
		assert.Equal(t, ModeRanged, rs.Mode())
		assert.EqualValues(t, len(data), rs.Size())
		assert.Equal(t, "image/tiff", rs.ContentType())
		assert.Equal(t, data[100:600], readAt(t, rs, 100, 500))
		assert.Equal(t, data[len(data)-1000:], readAt(t, rs, int64(len(data)-1000), 1000))
		assert.Equal(t, data[3<<20:3<<20+200_000], readAt(t, rs, 3<<20, 200_000))
		st := rs.Stats()
		assert.EqualValues(t, 3, st.Requests)
		assert.Less(t, st.Bytes, int64(400<<10), "a few blocks of an 8 MiB object")
		assert.Len(t, fx.requests("GET", "/bucket/in/big.tif"), 3)
	})

	t.Run("5xx during a range read is retried", func(t *testing.T) {
		rs, err := fx.client.OpenRanged(context.Background(), src, RangeOptions{})
		require.NoError(t, err)
		defer rs.Close()
		var failed atomic.Bool
		fx.mu.Lock()
		fx.fail = func(r *http.Request) int {
			if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "big.tif") && !failed.Swap(true) {
				return http.StatusServiceUnavailable
			}
			return 0
		}
		fx.mu.Unlock()
		defer func() { fx.mu.Lock(); fx.fail = nil; fx.mu.Unlock() }()
		assert.Equal(t, data[5<<20:5<<20+10], readAt(t, rs, 5<<20, 10))
		assert.True(t, failed.Load())
		assert.EqualValues(t, 3, rs.Stats().Requests, "probe, failed attempt, retry")
		assert.NotContains(t, fx.logs.String(), secret)
	})

	t.Run("a replaced object is detected", func(t *testing.T) {
		require.NoError(t, fx.client.Put(context.Background(), api.Target{URL: "s3://bucket/in/v.tif"}, writeTemp(t, data[:1<<20]), PutOptions{}))
		rs, err := fx.client.OpenRanged(context.Background(), api.Source{URL: "s3://bucket/in/v.tif"}, RangeOptions{})
		require.NoError(t, err)
		defer rs.Close()
		require.NoError(t, fx.client.Put(context.Background(), api.Target{URL: "s3://bucket/in/v.tif"}, writeTemp(t, data[:2<<20]), PutOptions{}))
		_, err = rs.ReadAt(make([]byte, 10), 500_000)
		requireReason(t, err, api.ReasonGeneric)
		assert.Contains(t, err.Error(), "changed while it was being read")
	})

	t.Run("empty object falls back to a download", func(t *testing.T) {
		require.NoError(t, fx.client.Put(context.Background(), api.Target{URL: "s3://bucket/in/empty"}, writeTemp(t, nil), PutOptions{}))
		rs, err := fx.client.OpenRanged(context.Background(), api.Source{URL: "s3://bucket/in/empty"}, RangeOptions{})
		require.NoError(t, err)
		assert.Equal(t, ModeDownloaded, rs.Mode())
		assert.Zero(t, rs.Size())
		require.NoError(t, rs.Close())
	})

	t.Run("missing object", func(t *testing.T) {
		_, err := fx.client.OpenRanged(context.Background(), api.Source{URL: "s3://bucket/in/nothing"}, RangeOptions{})
		requireReason(t, err, api.ReasonGeneric)
		assert.Contains(t, err.Error(), "not found (404)")
	})
}

func TestParseContentRange(t *testing.T) {
	for in, want := range map[string]contentRange{
		"bytes 0-99/1000":  {0, 99, 1000},
		"bytes 10-19/*":    {10, 19, -1},
		" bytes 5-5/6 ":    {5, 5, 6},
		"bytes 0-999/1000": {0, 999, 1000},
	} {
		got, ok := parseContentRange(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "bytes */1000", "bytes 9-1/10", "bytes 0-10/10", "items 0-1/2", "bytes 0-1", "bytes -1-2/3"} {
		_, ok := parseContentRange(bad)
		assert.False(t, ok, bad)
	}
}

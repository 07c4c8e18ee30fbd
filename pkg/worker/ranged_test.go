package worker

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

func patternAt(off int64) byte { return byte(off ^ off>>9 ^ 0x3c) }

// sparseSource is an io.ReadSeeker whose bytes are computed from their
// offset: a huge source that is never held in memory or on disk.
type sparseSource struct{ size, pos int64 }

func (s *sparseSource) Read(p []byte) (int, error) {
	if s.pos >= s.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), s.size-s.pos)
	for i := range n {
		p[i] = patternAt(s.pos + i)
	}
	s.pos += n
	return int(n), nil
}

func (s *sparseSource) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += s.pos
	case io.SeekEnd:
		off += s.size
	}
	s.pos = off
	return off, nil
}

// sourceServer serves a sparse source at any path, honouring Range unless
// ignoreRanges, and counts the body bytes it sends. PUTs are accepted and
// discarded.
type sourceServer struct {
	*httptest.Server
	sent         atomic.Int64
	gets         atomic.Int64
	ignoreRanges bool
}

func newSourceServer(t *testing.T, size int64, ignoreRanges bool) *sourceServer {
	s := &sourceServer{ignoreRanges: ignoreRanges}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			_, _ = io.Copy(io.Discard, r.Body)
			return
		}
		s.gets.Add(1)
		cw := testutil.CountingResponseWriter{ResponseWriter: w, N: &s.sent}
		if s.ignoreRanges {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
			_, _ = io.Copy(cw, &sparseSource{size: size})
			return
		}
		http.ServeContent(cw, r, "", time.Unix(1_700_000_000, 0), &sparseSource{size: size})
	}))
	t.Cleanup(s.Close)
	return s
}

// headAndTail is a rendition function that writes the first 16 and last 16
// bytes of the source, read through src.Reader, and records the source.
func headAndTail(seen *Source) RenditionFunc {
	return func(ctx context.Context, src *Source, r *Rendition) error {
		if r.Index == 0 {
			*seen = *src
		}
		out := make([]byte, 32)
		if _, err := src.Reader.ReadAt(out[:16], 0); err != nil {
			return err
		}
		if _, err := src.Reader.ReadAt(out[16:], src.Size-16); err != nil {
			return err
		}
		return os.WriteFile(r.Path, out, 0o644)
	}
}

func wantHeadAndTail(size int64) []byte {
	var b []byte
	for i := range int64(16) {
		b = append(b, patternAt(i))
	}
	for i := size - 16; i < size; i++ {
		b = append(b, patternAt(i))
	}
	return b
}

// fetchOnly hides the OpenRanged method of a transfer client.
type fetchOnly struct{ Transfer }

func TestRangedSource(t *testing.T) {
	const huge = 300 << 20
	tests := []struct {
		name         string
		size         int64
		ignoreRanges bool
		fetchOnly    bool
		ranged       bool
		wantPath     bool
		maxSent      int64
	}{
		{name: "ranged reads cost a few blocks of a huge source", size: huge, ranged: true, maxSent: 2 * transfer.DefaultBlockSize},
		{name: "a server that ignores ranges: downloaded, read the same way", size: 200_000, ignoreRanges: true, ranged: true, maxSent: 200_000},
		{name: "a transfer without ranged reads: downloaded, Path set", size: 200_000, fetchOnly: true, ranged: true, wantPath: true, maxSent: 200_000},
		{name: "default: downloaded, Reader reads the file", size: 200_000, wantPath: true, maxSent: 200_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newSourceServer(t, tc.size, tc.ignoreRanges)
			var seen Source
			w, tmp := newTestWorker(t, headAndTail(&seen), func(o *Options) {
				o.RangedSource = tc.ranged
				if tc.fetchOnly {
					o.Transfer = fetchOnly{o.Transfer}
				}
			})
			dest := newPutServer(t)
			res := w.Process(context.Background(), &api.WorkerRequest{
				Source: api.Source{URL: srv.URL + "/in/big.tif?X-Amz-Signature=s"},
				Renditions: []api.Rendition{
					rendition("a.bin", "bin", dest.URL+"/a"),
					rendition("b.bin", "bin", dest.URL+"/b"),
				},
			})
			require.Len(t, res.Renditions, 2)
			for _, r := range res.Renditions {
				require.Equal(t, api.StatusCreated, r.Status, r.Message)
			}
			assert.Equal(t, wantHeadAndTail(tc.size), dest.body("/a"))
			assert.Equal(t, tc.size, seen.Size)
			assert.Equal(t, "big.tif", seen.Name)
			assert.Equal(t, tc.wantPath, seen.Path != "", "Path set: %q", seen.Path)
			assert.Equal(t, tc.wantPath || tc.ignoreRanges, seen.SHA1 != "", "SHA1 only for a downloaded source")
			assert.LessOrEqual(t, srv.sent.Load(), tc.maxSent, "bytes the server sent")
			t.Logf("source of %d bytes cost %d bytes in %d requests", tc.size, srv.sent.Load(), srv.gets.Load())
			entries, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, entries, "the activation directory is removed")
		})
	}
}

func TestRangedSourceFailures(t *testing.T) {
	srv := newPutServer(t)
	var seen Source
	w, tmp := newTestWorker(t, headAndTail(&seen), func(o *Options) { o.RangedSource = true })
	for _, tc := range []struct {
		src    string
		reason api.Reason
	}{
		{srv.URL + "/missing", api.ReasonGeneric},
		{"ftp://example.com/a.jpg", api.ReasonSourceUnsupported},
	} {
		res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: tc.src},
			Renditions: []api.Rendition{rendition("a", "bin", srv.URL+"/a"), rendition("b", "bin", srv.URL+"/b")}})
		require.Len(t, res.Renditions, 2)
		for _, r := range res.Renditions {
			assert.Equal(t, tc.reason, r.Reason, tc.src)
		}
	}
	assert.Zero(t, srv.uploads.Load())
	entries, _ := os.ReadDir(tmp)
	assert.Empty(t, entries)
}

func TestRangedSourceWatchdog(t *testing.T) {
	src := newSourceServer(t, 10<<20, false)
	dest := newPutServer(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	const stuck = 30 * time.Second
	hung := func(ctx context.Context, s *Source, r *Rendition) error {
		if r.Name == "slow" {
			select { // ignores ctx until the test ends (at most 30 s)
			case <-release:
			case <-time.After(stuck):
			}
			_, err := s.Reader.ReadAt(make([]byte, 10), 5<<20)
			return err
		}
		return os.WriteFile(r.Path, []byte("x"), 0o644)
	}
	w, tmp := newTestWorker(t, hung, func(o *Options) { o.RangedSource = true; o.WatchdogMargin = 200 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	res := w.Process(ctx, &api.WorkerRequest{Source: api.Source{URL: src.URL + "/a.tif"},
		Renditions: []api.Rendition{rendition("fast", "bin", dest.URL+"/fast"), rendition("slow", "bin", dest.URL+"/slow")}})
	assert.Less(t, time.Since(start), stuck, "the result comes without waiting for the stuck rendition")
	assert.Equal(t, api.StatusCreated, res.Renditions[0].Status)
	assert.Equal(t, api.ReasonTimeout, res.Renditions[1].Reason)
	entries, _ := os.ReadDir(tmp)
	assert.Empty(t, entries)
}

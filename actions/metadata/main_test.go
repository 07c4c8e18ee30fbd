package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/builtin"
	"github.com/assetcompute/assetcompute/pkg/builtin/metadata"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/meta"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// pixelBytes is the size of the generated TIFF's pixel data: 200 MB.
const (
	tiffWidth  = 20000
	tiffHeight = 10000
	pixelBytes = tiffWidth * tiffHeight
)

// tiffEntry is one IFD entry of the generated TIFF.
type tiffEntry struct {
	typ   uint16
	count uint32
	value []byte // the value bytes, little-endian
}

func short(v uint16) tiffEntry {
	return tiffEntry{typ: 3, count: 1, value: binary.LittleEndian.AppendUint16(nil, v)}
}
func long(v uint32) tiffEntry {
	return tiffEntry{typ: 4, count: 1, value: binary.LittleEndian.AppendUint32(nil, v)}
}
func ascii(s string) tiffEntry {
	return tiffEntry{typ: 2, count: uint32(len(s) + 1), value: append([]byte(s), 0)}
}

// buildIFD encodes an IFD at file offset at, followed by its out-of-line
// values, with the entries in the order given (sorted by tag).
func buildIFD(at uint32, tags []uint16, entries []tiffEntry) []byte {
	le := binary.LittleEndian
	var out []byte
	out = le.AppendUint16(out, uint16(len(entries)))
	extra := at + 2 + 12*uint32(len(entries)) + 4
	var values []byte
	for i, e := range entries {
		out = le.AppendUint16(out, tags[i])
		out = le.AppendUint16(out, e.typ)
		out = le.AppendUint32(out, e.count)
		if len(e.value) <= 4 {
			out = append(out, e.value...)
			out = append(out, make([]byte, 4-len(e.value))...)
			continue
		}
		out = le.AppendUint32(out, extra+uint32(len(values)))
		values = append(values, e.value...)
		if len(values)%2 == 1 {
			values = append(values, 0)
		}
	}
	out = le.AppendUint32(out, 0) // no next IFD
	return append(out, values...)
}

// hugeTIFF describes a grey TIFF of 200 MB of pixels whose bytes are never
// materialised: head and tail are real, the pixels in between are zeros.
// With ifdLast the IFD follows the pixels, as libtiff writes large files.
func hugeTIFF(ifdLast bool) (head, tail []byte, size int64) {
	le := binary.LittleEndian
	pixelsAt := uint32(8)
	ifdAt := uint32(8 + pixelBytes)
	if !ifdLast {
		ifdAt, pixelsAt = 8, 4096
	}
	tags := []uint16{256, 257, 258, 259, 262, 271, 272, 273, 277, 278, 279, 305, 306, 315}
	ifd := buildIFD(ifdAt, tags, []tiffEntry{
		long(tiffWidth), long(tiffHeight), short(8), short(1), short(1),
		ascii("Acme Scanners"), ascii("Huge 2000"), long(pixelsAt), short(1),
		long(tiffHeight), long(pixelBytes), ascii("acs test"), ascii("2024:05:06 07:08:09"), ascii("Jane Doe"),
	})
	head = append([]byte("II*\x00"), le.AppendUint32(nil, ifdAt)...)
	if ifdLast {
		return head, ifd, int64(8 + pixelBytes + len(ifd))
	}
	head = append(head, ifd...)
	return head, nil, int64(pixelsAt) + pixelBytes
}

// virtual is an io.ReadSeeker of head, zeros, tail.
type virtual struct {
	head, tail []byte
	size, pos  int64
}

func (v *virtual) Read(p []byte) (int, error) {
	if v.pos >= v.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), v.size-v.pos)
	tailAt := v.size - int64(len(v.tail))
	for i := range n {
		switch o := v.pos + i; {
		case o < int64(len(v.head)):
			p[i] = v.head[o]
		case o >= tailAt:
			p[i] = v.tail[o-tailAt]
		default:
			p[i] = 0
		}
	}
	v.pos += n
	return int(n), nil
}

func (v *virtual) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += v.pos
	case io.SeekEnd:
		off += v.size
	}
	v.pos = off
	return off, nil
}

// storage serves the source with http.ServeContent (which honours Range),
// counts the bytes it sends, and keeps uploaded renditions.
type storage struct {
	*httptest.Server
	sent, gets atomic.Int64
	mu         sync.Mutex
	uploads    map[string][]byte
}

func newStorage(t *testing.T, head, tail []byte, size int64) *storage {
	s := &storage{uploads: map[string][]byte{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			b, _ := io.ReadAll(r.Body)
			s.mu.Lock()
			s.uploads[r.URL.Path] = b
			s.mu.Unlock()
			return
		}
		s.gets.Add(1)
		w.Header().Set("Content-Type", "image/tiff")
		http.ServeContent(testutil.CountingResponseWriter{ResponseWriter: w, N: &s.sent}, r, "", time.Unix(1_700_000_000, 0), &virtual{head: head, tail: tail, size: size})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *storage) upload(path string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uploads[path]
}

// TestMetadataOfAHugeTIFFCostsKilobytes runs the metadata worker end to end
// (worker.Process: open the source, extract, write, upload) on a 200 MB
// TIFF served over http, and checks that only kilobytes crossed the wire.
func TestMetadataOfAHugeTIFFCostsKilobytes(t *testing.T) {
	client, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: true, Attempts: 2,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	wopts := worker.Options{Transfer: client, TempDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}

	// The action's worker, as main builds it.
	actionOpts := wopts
	configure(&actionOpts)
	action, err := worker.New(metadata.Func(meta.Options{}), actionOpts)
	require.NoError(t, err)
	// The in-process handler that acs process and the process action use.
	handlers, err := builtin.Handlers(wopts, image.Options{})
	require.NoError(t, err)

	runners := map[string]func(context.Context, *api.WorkerRequest) *api.WorkerResult{
		"action": action.Process,
		"in-process handler": func(ctx context.Context, req *api.WorkerRequest) *api.WorkerResult {
			params, err := json.Marshal(req)
			require.NoError(t, err)
			out, err := handlers[builtin.MetadataAction](ctx, params)
			require.NoError(t, err)
			return out.(*api.WorkerResult)
		},
	}
	for _, ifdLast := range []bool{false, true} {
		for name, run := range runners {
			layout := "IFD first"
			if ifdLast {
				layout = "IFD after the pixels"
			}
			t.Run(name+", "+layout, func(t *testing.T) {
				head, tail, size := hugeTIFF(ifdLast)
				srv := newStorage(t, head, tail, size)
				res := run(context.Background(), &api.WorkerRequest{
					RequestID: "r1",
					Source:    api.Source{URL: srv.URL + "/assets/scan.tif?X-Amz-Signature=secret"},
					Renditions: []api.Rendition{
						{Name: "meta.json", Fmt: "machine-metadata-json", Target: api.Target{URL: srv.URL + "/out/meta.json"}},
						{Name: "meta.xmp", Fmt: "xmp", Target: api.Target{URL: srv.URL + "/out/meta.xmp"}},
					},
				})
				require.Len(t, res.Renditions, 2)
				for _, r := range res.Renditions {
					require.Equal(t, api.StatusCreated, r.Status, r.Message)
				}
				var md map[string]any
				require.NoError(t, json.Unmarshal(srv.upload("/out/meta.json"), &md))
				assert.Equal(t, "Acme Scanners", md["tiff:Make"])
				assert.Equal(t, "Huge 2000", md["tiff:Model"])
				assert.EqualValues(t, tiffWidth, md["tiff:ImageWidth"])
				assert.EqualValues(t, tiffHeight, md["tiff:ImageLength"])
				assert.Contains(t, string(srv.upload("/out/meta.xmp")), "Jane Doe")

				sent := srv.sent.Load()
				t.Logf("%d MB TIFF (%s): metadata cost %d bytes in %d requests", size/1e6, layout, sent, srv.gets.Load())
				assert.Greater(t, size, int64(200_000_000))
				assert.LessOrEqual(t, sent, 2*transfer.DefaultBlockSize, "only the blocks holding metadata are transferred")
				assert.False(t, strings.Contains(string(srv.upload("/out/meta.json")), "secret"))
			})
		}
	}
}

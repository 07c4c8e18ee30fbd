package builtin

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	stdimage "image"
	"image/png"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// rangeServer serves files from a directory with Range support and
// counts the body bytes and requests it answers.
type rangeServer struct {
	*httptest.Server
	bytes, requests atomic.Int64
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n.Add(int64(n))
	return n, err
}

func newRangeServer(t *testing.T, dir string) *rangeServer {
	s := &rangeServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		f, err := os.Open(filepath.Join(dir, filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		require.NoError(t, err)
		http.ServeContent(countingWriter{w, &s.bytes}, r, "", st.ModTime(), f)
	}))
	t.Cleanup(s.Close)
	return s
}

// reset zeroes the counters.
func (s *rangeServer) reset() { s.bytes.Store(0); s.requests.Store(0) }

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// meanAbsDiff compares two images of the same size, on a 0..255 scale.
func meanAbsDiff(t *testing.T, a, b stdimage.Image) float64 {
	t.Helper()
	require.Equal(t, a.Bounds().Size(), b.Bounds().Size())
	var sum float64
	var n int
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x-a.Bounds().Min.X+b.Bounds().Min.X, y-a.Bounds().Min.Y+b.Bounds().Min.Y).RGBA()
			sum += math.Abs(float64(r1)-float64(r2)) + math.Abs(float64(g1)-float64(g2)) + math.Abs(float64(b1)-float64(b2))
			n += 3
		}
	}
	return sum / float64(n) / 257
}

// rangedHarness runs the thumbnail action as Handlers builds it, with a
// transfer client that reads http sources from the test server.
type rangedHarness struct {
	t        *testing.T
	handlers map[string]func(context.Context, json.RawMessage) (any, error)
	logs     *syncBuffer
	tmp      string
	params   map[string]any
}

func newRangedHarness(t *testing.T) *rangedHarness {
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	tc, err := transfer.New(transfer.Options{AllowLocal: true, AllowHTTP: true, AllowPrivateNetworks: true, Logger: logger})
	require.NoError(t, err)
	tmp := t.TempDir()
	hs, err := Handlers(worker.Options{Transfer: tc, Logger: logger, TempDir: tmp}, image.Options{})
	require.NoError(t, err)
	h := &rangedHarness{t: t, logs: logs, tmp: tmp, handlers: map[string]func(context.Context, json.RawMessage) (any, error){}}
	for k, v := range hs {
		h.handlers[k] = v
	}
	return h
}

// run makes one rendition of source and returns its result and output.
func (h *rangedHarness) run(source string, rendition map[string]any) (api.RenditionResult, string) {
	h.t.Helper()
	return runRendition(h.t, h.handlers[ThumbnailAction], source, rendition, h.params)
}

func decodeFile(t *testing.T, path string) stdimage.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, _, err := stdimage.Decode(f)
	require.NoError(t, err)
	return img
}

// leftovers lists the files left in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	}))
	return out
}

// TestVideoFrameReadInRanges makes frames of a faststart MP4 served over
// HTTP with ranges: each equals the frame made from the whole file, and
// only a small part of the file is fetched.
func TestVideoFrameReadInRanges(t *testing.T) {
	src := t.TempDir()
	// 40 s, a keyframe every second, B-frames (x264's default), audio
	// interleaved; about 10 MB.
	clip := ffmpegFile(t, src, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=40", "-f", "lavfi", "-i", "sine=duration=40",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-bf", "2", "-b:v", "2M", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-shortest", "-movflags", "+faststart", "clip.mp4")
	st, err := os.Stat(clip)
	require.NoError(t, err)
	size := st.Size()
	srv := newRangeServer(t, src)
	h := newRangedHarness(t)
	h.params = map[string]any{"mediaRangedMinBytes": 1 << 20}

	for _, tc := range []struct {
		name      string
		rendition map[string]any
		maxShare  float64 // of the file, fetched
	}{
		{"time 50%", map[string]any{"fmt": "png", "time": "50%"}, 0.08},
		{"time 0", map[string]any{"fmt": "png", "time": 0}, 0.08},
		{"time 13.37", map[string]any{"fmt": "png", "time": 13.37}, 0.08},
		{"last frame", map[string]any{"fmt": "png", "time": "100%"}, 0.08},
		// The first 10 s and the keyframes a reordering decoder reads
		// after them: a third of this 40 s clip.
		{"representative", map[string]any{"fmt": "png", "width": 320}, 0.45},
		{"storyboard", map[string]any{"fmt": "png", "storyboard": map[string]any{"columns": 2, "rows": 2}}, 0.25},
		{"animated", map[string]any{"fmt": "webp", "animated": true, "frames": 3, "width": 160}, 0.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			whole, wholeOut := h.run(clip, tc.rendition)
			require.Equal(t, api.StatusCreated, whole.Status, whole.Message)
			srv.reset()
			part, partOut := h.run(srv.URL+"/clip.mp4", tc.rendition)
			require.Equal(t, api.StatusCreated, part.Status, part.Message)
			fetched := srv.bytes.Load()
			t.Logf("%s: fetched %d of %d bytes (%.1f%%) in %d requests", tc.name, fetched, size, 100*float64(fetched)/float64(size), srv.requests.Load())
			assert.Less(t, float64(fetched), tc.maxShare*float64(size), "bytes fetched")
			assert.Equal(t, whole.Metadata[MetadataMediaTime], part.Metadata[MetadataMediaTime])
			if tc.rendition["fmt"] == "png" {
				d := meanAbsDiff(t, decodeFile(t, wholeOut), decodeFile(t, partOut))
				t.Logf("diff %.3f", d)
				assert.Less(t, d, 1.0, "mean absolute difference from the frame of the whole file")
			} else {
				a, b := readFile(t, wholeOut), readFile(t, partOut)
				assert.Equal(t, len(a) > 0, len(b) > 0)
			}
		})
	}
	t.Run("preview clip", func(t *testing.T) {
		rend := map[string]any{"fmt": "mp4", "time": 12, "maxDuration": 4, "width": 320}
		whole, wholeOut := h.run(clip, rend)
		require.Equal(t, api.StatusCreated, whole.Status, whole.Message)
		srv.reset()
		part, partOut := h.run(srv.URL+"/clip.mp4", rend)
		require.Equal(t, api.StatusCreated, part.Status, part.Message)
		t.Logf("clip: fetched %d of %d bytes in %d requests", srv.bytes.Load(), size, srv.requests.Load())
		assert.Less(t, float64(srv.bytes.Load()), 0.25*float64(size))
		for _, k := range []string{MetadataMediaTime, MetadataMediaDuration, MetadataMediaAudio, api.MetadataWidth, api.MetadataHeight} {
			assert.Equal(t, whole.Metadata[k], part.Metadata[k], k)
		}
		// The same pictures and sound: the first and a middle frame alike,
		// and the same audio samples.
		for _, at := range []string{"0", "2"} {
			a := filepath.Join(t.TempDir(), "a.png")
			b := filepath.Join(t.TempDir(), "b.png")
			ffmpegFile(t, filepath.Dir(a), "-ss", at, "-i", wholeOut, "-frames:v", "1", "a.png")
			ffmpegFile(t, filepath.Dir(b), "-ss", at, "-i", partOut, "-frames:v", "1", "b.png")
			assert.Less(t, meanAbsDiff(t, decodeFile(t, a), decodeFile(t, b)), 1.0, "frame at %s s", at)
		}
		pcm := func(path string) []byte {
			out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-i", path, "-map", "0:a", "-f", "s16le", "-").Output()
			require.NoError(t, err)
			return out
		}
		assert.Equal(t, pcm(wholeOut), pcm(partOut), "the sound")
		assert.NotContains(t, h.logs.String(), "partial copy failed")
	})
	t.Run("renditions of one request share the partial copy", func(t *testing.T) {
		srv.reset()
		dir := t.TempDir()
		var rends []any
		for i, r := range []map[string]any{
			{"fmt": "png", "time": "25%"}, {"fmt": "png", "time": "75%"}, {"fmt": "jpg", "time": "25%", "width": 100},
			{"fmt": "png", "storyboard": map[string]any{"columns": 2, "rows": 1}},
		} {
			r["name"] = fmt.Sprintf("r%d.%s", i, r["fmt"])
			r["target"] = filepath.Join(dir, r["name"].(string))
			rends = append(rends, r)
		}
		raw, err := json.Marshal(map[string]any{"source": srv.URL + "/clip.mp4", "renditions": rends, "mediaRangedMinBytes": 1 << 20})
		require.NoError(t, err)
		res, err := h.handlers[ThumbnailAction](context.Background(), raw)
		require.NoError(t, err)
		for _, r := range res.(*api.WorkerResult).Renditions {
			assert.Equal(t, api.StatusCreated, r.Status, r.Message)
		}
		t.Logf("4 renditions: fetched %d of %d bytes in %d requests", srv.bytes.Load(), size, srv.requests.Load())
		assert.Less(t, float64(srv.bytes.Load()), 0.3*float64(size))
	})
	assert.Contains(t, h.logs.String(), "video frames read in part")
	assert.Contains(t, h.logs.String(), `msg="source read"`)
	assert.Empty(t, leftovers(t, h.tmp), "activation files left behind")
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// TestVideoReadInRangesFallsBack reads sources that cannot be read in
// part whole, with the outcome of a whole file.
func TestVideoReadInRangesFallsBack(t *testing.T) {
	src := t.TempDir()
	base := []string{"-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=20", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-b:v", "5M", "-pix_fmt", "yuv420p"}
	moovLast := ffmpegFile(t, src, append(append([]string{}, base...), "moovlast.mp4")...)
	ffmpegFile(t, src, append(append([]string{}, base...), "-movflags", "frag_keyframe+empty_moov", "frag.mp4")...)
	ffmpegFile(t, src, "-i", moovLast, "-c", "copy", "-output_ts_offset", "5", "-movflags", "+faststart", "delayed.mp4")
	ffmpegFile(t, src, "-i", moovLast, "-c", "copy", "-encryption_scheme", "cenc-aes-ctr", "-movflags", "+faststart",
		"-encryption_key", "76a6c65c5ea762046bd749a2e632ccbb", "-encryption_kid", "a7e61c373e219033c21091fa607bf3b8", "drm.mp4")
	whole, err := os.ReadFile(moovLast)
	require.NoError(t, err)
	// The moov at the end cut off: the index is gone.
	require.NoError(t, os.WriteFile(filepath.Join(src, "truncated.mp4"), whole[:len(whole)-200], 0o600))
	// Hostile indexes: a sample count of 2^32-1, a chunk past the end.
	patch := func(name, box string, at int, v uint32) {
		b := append([]byte(nil), whole...)
		i := bytes.LastIndex(b, []byte(box))
		require.Positive(t, i, box)
		binary.BigEndian.PutUint32(b[i+at:], v)
		require.NoError(t, os.WriteFile(filepath.Join(src, name), b, 0o600))
	}
	patch("hugecount.mp4", "stsz", 12, math.MaxUint32)
	patch("pastend.mp4", "stco", 12, math.MaxInt32)
	srv := newRangeServer(t, src)
	h := newRangedHarness(t)
	h.params = map[string]any{"mediaRangedMinBytes": 1024}
	for name, why := range map[string]string{"hugecount.mp4": "beyond the limits", "pastend.mp4": "past the end"} {
		t.Run(name, func(t *testing.T) {
			r, _ := h.run(srv.URL+"/"+name, map[string]any{"fmt": "png", "time": 3})
			if r.Status != api.StatusCreated {
				assert.Equal(t, api.ReasonSourceCorrupt, r.Reason, r.Message)
			}
			assert.Contains(t, h.logs.String(), why)
		})
	}

	size := func(name string) int64 {
		st, err := os.Stat(filepath.Join(src, name))
		require.NoError(t, err)
		return st.Size()
	}
	t.Run("moov at the end: read in part", func(t *testing.T) {
		srv.reset()
		r, _ := h.run(srv.URL+"/moovlast.mp4", map[string]any{"fmt": "png", "time": 3})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		t.Logf("fetched %d of %d bytes", srv.bytes.Load(), size("moovlast.mp4"))
		assert.Less(t, srv.bytes.Load(), size("moovlast.mp4")/3)
	})
	t.Run("a movie that starts at 5 s: read in part, the same frame", func(t *testing.T) {
		for _, tm := range []any{"50%", 0, 9.5} {
			rend := map[string]any{"fmt": "png", "time": tm}
			whole, wholeOut := h.run(filepath.Join(src, "delayed.mp4"), rend)
			require.Equal(t, api.StatusCreated, whole.Status, whole.Message)
			srv.reset()
			part, partOut := h.run(srv.URL+"/delayed.mp4", rend)
			require.Equal(t, api.StatusCreated, part.Status, part.Message)
			assert.Less(t, srv.bytes.Load(), size("delayed.mp4")/3)
			assert.Less(t, meanAbsDiff(t, decodeFile(t, wholeOut), decodeFile(t, partOut)), 1.0, "time %v", tm)
		}
		assert.NotContains(t, h.logs.String(), "partial copy failed")
	})
	t.Run("encrypted: refused from its moov", func(t *testing.T) {
		srv.reset()
		r, _ := h.run(srv.URL+"/drm.mp4", map[string]any{"fmt": "png", "time": 3})
		assert.Equal(t, api.ReasonSourceUnsupported, r.Reason, r.Message)
		assert.Less(t, srv.bytes.Load(), size("drm.mp4")/3)
	})
	t.Run("fragmented: read whole", func(t *testing.T) {
		srv.reset()
		r, _ := h.run(srv.URL+"/frag.mp4", map[string]any{"fmt": "png", "time": 3})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.GreaterOrEqual(t, srv.bytes.Load(), size("frag.mp4"))
		assert.Contains(t, h.logs.String(), "fragmented MP4")
	})
	t.Run("frames all over the file: read whole", func(t *testing.T) {
		srv.reset()
		r, _ := h.run(filepath.Join(src, "moovlast.mp4"), map[string]any{"fmt": "png", "storyboard": map[string]any{"columns": 3, "rows": 3}})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		r, _ = h.run(srv.URL+"/moovlast.mp4", map[string]any{"fmt": "png", "storyboard": map[string]any{"columns": 3, "rows": 3}})
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Contains(t, h.logs.String(), "its frames need")
	})
	t.Run("truncated: read whole, SourceCorrupt", func(t *testing.T) {
		r, _ := h.run(srv.URL+"/truncated.mp4", map[string]any{"fmt": "png", "time": 3})
		require.Equal(t, api.StatusFailed, r.Status)
		assert.Equal(t, api.ReasonSourceCorrupt, r.Reason, r.Message)
	})
	assert.Empty(t, leftovers(t, h.tmp), "activation files left behind")
}

// TestLocalVideoSourceNotCopied: a local source is read where it is and
// stays there.
func TestLocalVideoSourceNotCopied(t *testing.T) {
	src := t.TempDir()
	clip := ffmpegFile(t, src, "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "clip.mp4")
	h := newRangedHarness(t)
	before := readFile(t, clip)
	r, _ := h.run(clip, map[string]any{"fmt": "png", "time": 1})
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	assert.Equal(t, before, readFile(t, clip), "the source is unchanged")
	logs := h.logs.String()
	assert.Contains(t, logs, "mode=local", "opened in place")
	assert.NotContains(t, logs, "source fetched", "not copied by a download")
	assert.NotContains(t, logs, "source copied", "not copied on demand")
	assert.Empty(t, leftovers(t, h.tmp))
}

// TestImageSourceOverRanges: an image source opened for ranged reads is
// copied whole in one request besides the one that opened it, and no
// byte is fetched twice.
func TestImageSourceOverRanges(t *testing.T) {
	src := t.TempDir()
	img := stdimage.NewRGBA(stdimage.Rect(0, 0, 1200, 900))
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rnd.Uint32())
	}
	f, err := os.Create(filepath.Join(src, "photo.png"))
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	st, err := os.Stat(filepath.Join(src, "photo.png"))
	require.NoError(t, err)
	require.Greater(t, st.Size(), 2*transfer.DefaultBlockSize)
	srv := newRangeServer(t, src)
	h := newRangedHarness(t)
	r, out := h.run(srv.URL+"/photo.png", map[string]any{"fmt": "jpg", "width": 100})
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	assert.Equal(t, 100, decodeFile(t, out).Bounds().Dx())
	assert.Equal(t, int64(2), srv.requests.Load(), "requests")
	assert.Equal(t, st.Size(), srv.bytes.Load(), "bytes")
	assert.Empty(t, leftovers(t, h.tmp))
}

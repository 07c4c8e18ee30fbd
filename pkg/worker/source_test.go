package worker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// localPaths is a rendition function that takes the source's LocalPath
// and writes it, with the file's content, into the rendition.
func localPaths(paths *sync.Map) RenditionFunc {
	return func(ctx context.Context, src *Source, r *Rendition) error {
		p, err := src.LocalPath(ctx)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		paths.Store(r.Name, p)
		return os.WriteFile(r.Path, b, 0o644)
	}
}

// TestLocalPathOfRangedSource: with RangedSource, LocalPath copies a
// source read in ranges once for all renditions, in one request besides
// the one that opened it, and the copy is removed after the activation.
func TestLocalPathOfRangedSource(t *testing.T) {
	for _, size := range []int64{3<<20 + 12345, 20<<20 + 777} {
		t.Run(strconv.FormatInt(size, 10), func(t *testing.T) { testLocalPathOfRangedSource(t, size) })
	}
}

func testLocalPathOfRangedSource(t *testing.T, size int64) {
	srv := newSourceServer(t, size, false)
	var paths sync.Map
	w, tmp := newTestWorker(t, localPaths(&paths), func(o *Options) { o.RangedSource = true; o.Parallelism = 4 })
	dest := newPutServer(t)
	var rends []api.Rendition
	for _, n := range []string{"a", "b", "c", "d"} {
		rends = append(rends, rendition(n, "bin", dest.URL+"/"+n))
	}
	res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/in/big.jpg"}, Renditions: rends})
	want := make([]byte, size)
	_, _ = (&sparseSource{size: size}).Read(want)
	var first string
	for _, r := range res.Renditions {
		require.Equal(t, api.StatusCreated, r.Status, r.Message)
		assert.Equal(t, want, dest.body("/"+r.Name), r.Name)
		p, _ := paths.Load(r.Name)
		if first == "" {
			first = p.(string)
		}
		assert.Equal(t, first, p, "one copy for every rendition")
	}
	assert.True(t, strings.HasPrefix(first, tmp), "the copy is in the activation directory: %s", first)
	assert.Equal(t, ".jpg", filepath.Ext(first), "the copy keeps the source's extension")
	assert.LessOrEqual(t, srv.gets.Load(), int64(2), "requests: the first block, then the rest in one")
	assert.LessOrEqual(t, srv.sent.Load(), size+transfer.DefaultBlockSize, "bytes: the source once, the first block at most twice")
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, entries, "the activation directory is removed")
}

// TestLocalPathOfLocalSource: a local source is read in place, never
// copied, and never removed.
func TestLocalPathOfLocalSource(t *testing.T) {
	dir := t.TempDir()
	source := filepath.Join(dir, "clip.mov")
	require.NoError(t, os.WriteFile(source, []byte("the user's own file"), 0o600))
	for _, ranged := range []bool{true, false} {
		var paths sync.Map
		w, tmp := newTestWorker(t, localPaths(&paths), func(o *Options) { o.RangedSource = ranged })
		dest := newPutServer(t)
		res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: source},
			Renditions: []api.Rendition{rendition("a", "bin", dest.URL+"/a")}})
		require.Equal(t, api.StatusCreated, res.Renditions[0].Status, res.Renditions[0].Message)
		p, _ := paths.Load("a")
		if ranged {
			assert.Equal(t, source, p, "read in place")
		} else {
			assert.NotEqual(t, source, p, "Fetch copies it")
		}
		b, err := os.ReadFile(source)
		require.NoError(t, err, "the source is still there")
		assert.Equal(t, "the user's own file", string(b))
		entries, err := os.ReadDir(tmp)
		require.NoError(t, err)
		assert.Empty(t, entries)
	}
}

// TestLocalPathFailure: a copy that fails is reported with its reason and
// not tried again by the next rendition.
func TestLocalPathFailure(t *testing.T) {
	const size = 5 << 20
	srv := newSourceServer(t, size, false)
	var paths sync.Map
	w, tmp := newTestWorker(t, localPaths(&paths), func(o *Options) {
		o.RangedSource = true
		o.Parallelism = 1
		c, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: true, Attempts: 1, Logger: quiet, MaxSourceBytes: 1 << 20})
		require.NoError(t, err)
		o.Transfer = c
	})
	dest := newPutServer(t)
	res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/big.png"},
		Renditions: []api.Rendition{rendition("a", "bin", dest.URL+"/a"), rendition("b", "bin", dest.URL+"/b")}})
	for _, r := range res.Renditions {
		assert.Equal(t, api.ReasonSourceTooLarge, r.Reason, r.Message)
	}
	assert.Equal(t, int64(1), srv.gets.Load(), "the source is opened, and the copy refused before a second request")
	assert.Contains(t, res.Renditions[0].Message, "source is 5242880 bytes, more than the limit of 1048576 bytes")
	entries, _ := os.ReadDir(tmp)
	assert.Empty(t, entries)
}

// TestLocalPathOfLargeLocalSource: a local source larger than the limit
// is refused before an engine reads it, as a download would be.
func TestLocalPathOfLargeLocalSource(t *testing.T) {
	source := filepath.Join(t.TempDir(), "big.mov")
	require.NoError(t, os.WriteFile(source, make([]byte, 4096), 0o600))
	var paths sync.Map
	w, _ := newTestWorker(t, localPaths(&paths), func(o *Options) {
		o.RangedSource = true
		c, err := transfer.New(transfer.Options{AllowLocal: true, Logger: quiet, MaxSourceBytes: 1000})
		require.NoError(t, err)
		o.Transfer = c
	})
	dest := newPutServer(t)
	res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: source},
		Renditions: []api.Rendition{rendition("a", "bin", dest.URL+"/a")}})
	assert.Equal(t, api.ReasonSourceTooLarge, res.Renditions[0].Reason, res.Renditions[0].Message)
	assert.Contains(t, res.Renditions[0].Message, "source is 4096 bytes, more than the limit of 1000 bytes")
}

// TestSourceOnce: the shared work runs once whatever the concurrency, its
// error is kept, and a panic in it does not pass for a nil result.
func TestSourceOnce(t *testing.T) {
	srv := newSourceServer(t, 1000, false)
	type key string
	var calls atomic.Int32
	fn := func(ctx context.Context, src *Source, r *Rendition) error {
		v, err := src.Once(key("n"), func() (any, error) { calls.Add(1); return 42, nil })
		if err != nil || v.(int) != 42 {
			return errors.New("wrong shared value")
		}
		_, err = src.Once(key("e"), func() (any, error) { return nil, errors.New("shared failure") })
		if err == nil || err.Error() != "shared failure" {
			return errors.New("the error is not kept")
		}
		return os.WriteFile(r.Path, []byte("x"), 0o644)
	}
	w, _ := newTestWorker(t, fn, func(o *Options) { o.RangedSource = true; o.Parallelism = 8 })
	dest := newPutServer(t)
	var rends []api.Rendition
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		rends = append(rends, rendition(n, "bin", dest.URL+"/"+n))
	}
	res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/x.bin"}, Renditions: rends})
	for _, r := range res.Renditions {
		assert.Equal(t, api.StatusCreated, r.Status, r.Message)
	}
	assert.Equal(t, int32(1), calls.Load())

	// A panic in the shared work.
	var s Source
	s.state = &sourceState{}
	assert.Panics(t, func() { _, _ = s.Once(key("p"), func() (any, error) { panic("boom") }) })
	v, err := s.Once(key("p"), func() (any, error) { return 1, nil })
	assert.Nil(t, v)
	assert.Error(t, err, "a panicked shared work is an error to later callers")

	// A Source made outside the lifecycle.
	var bare Source
	_, err = bare.LocalPath(context.Background())
	assert.Error(t, err)
	bare.Path = "/some/file"
	p, err := bare.LocalPath(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "/some/file", p)
	assert.Nil(t, bare.Ranged())
	assert.Empty(t, bare.Dir())
	assert.NotNil(t, bare.Logger())
}

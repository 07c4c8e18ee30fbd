package builtin

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/media"
	"github.com/assetcompute/assetcompute/pkg/meta"
)

// probeCache keeps the probes of the last few source files, so that the
// renditions of one source (made one after another or in parallel) probe
// it once. A file is known by its path, size and modification time.
type probeCache struct {
	probe func(ctx context.Context, path string) (*media.Info, error)
	max   int

	mu      sync.Mutex
	entries []*probeEntry // most recent last
}

type probeEntry struct {
	key  probeKey
	once sync.Once
	info *media.Info
	err  error
}

type probeKey struct {
	path  string
	size  int64
	mtime time.Time
}

func newProbeCache(max int, probe func(ctx context.Context, path string) (*media.Info, error)) *probeCache {
	return &probeCache{probe: probe, max: max}
}

// get returns the probe of the file at path, running it once per file.
// A failed probe is not kept: the next rendition tries again (its
// deadline may differ).
func (c *probeCache) get(ctx context.Context, path string) (*media.Info, error) {
	st, err := os.Stat(path)
	if err != nil {
		return c.probe(ctx, path)
	}
	key := probeKey{path, st.Size(), st.ModTime()}
	c.mu.Lock()
	var e *probeEntry
	for _, x := range c.entries {
		if x.key == key {
			e = x
			break
		}
	}
	if e == nil {
		e = &probeEntry{key: key}
		c.entries = append(c.entries, e)
		if len(c.entries) > c.max {
			c.entries = c.entries[1:]
		}
	}
	c.mu.Unlock()
	e.once.Do(func() { e.info, e.err = c.probe(ctx, path) })
	if e.err != nil {
		c.drop(e)
	}
	return e.info, e.err
}

// drop forgets e.
func (c *probeCache) drop(e *probeEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.entries {
		if x == e {
			c.entries = append(c.entries[:i], c.entries[i+1:]...)
			return
		}
	}
}

// refuseEncrypted wraps probe: a source whose container says its tracks
// are encrypted (DRM: an MP4 encv/enca sample entry or sinf box, Matroska
// content encryption), as the metadata engine reads it from the container
// alone, is SourceUnsupported before ffmpeg tries to decode it, which
// would fail with a corrupt-looking error or, worse, draw noise.
func refuseEncrypted(probe func(ctx context.Context, path string) (*media.Info, error)) func(ctx context.Context, path string) (*media.Info, error) {
	return func(ctx context.Context, path string) (*media.Info, error) {
		if encrypted(ctx, path) {
			return nil, api.Errorf(api.ReasonSourceUnsupported,
				"source %s is encrypted (DRM-protected): its frames cannot be decoded without the key", filepath.Base(path))
		}
		return probe(ctx, path)
	}
}

// encrypted reports whether the metadata engine finds encrypted tracks in
// the media file at path. Any failure to read it says no: the probe then
// judges the file.
func encrypted(ctx context.Context, path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false
	}
	md, err := meta.Extract(ctx, f, st.Size(), filepath.Base(path), meta.Options{})
	if err != nil {
		return false
	}
	v, ok := md.Get("acs:Encrypted")
	return ok && v.Kind == meta.KindBool && v.Bool
}

package builtin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/media"
)

func TestProbeCache(t *testing.T) {
	dir := t.TempDir()
	var calls atomic.Int32
	fail := atomic.Bool{}
	c := newProbeCache(2, func(ctx context.Context, path string) (*media.Info, error) {
		calls.Add(1)
		if fail.Load() {
			return nil, errors.New("boom")
		}
		return &media.Info{Format: filepath.Base(path)}, nil
	})
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	a := file("a", "1")
	// Parallel renditions of one source: one probe.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in, err := c.get(context.Background(), a)
			assert.NoError(t, err)
			assert.Equal(t, "a", in.Format)
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), calls.Load())

	// Another file at the same path (another activation): probed again.
	a = file("a", "22")
	_, _ = c.get(context.Background(), a)
	assert.Equal(t, int32(2), calls.Load())

	// At most two files are kept.
	_, _ = c.get(context.Background(), file("b", "1"))
	_, _ = c.get(context.Background(), file("c", "1"))
	assert.Len(t, c.entries, 2)

	// Failures are not kept.
	fail.Store(true)
	d := file("d", "1")
	_, err := c.get(context.Background(), d)
	assert.Error(t, err)
	fail.Store(false)
	in, err := c.get(context.Background(), d)
	assert.NoError(t, err)
	assert.Equal(t, "d", in.Format)
}

package transfer

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// mkfifo makes a named pipe in a test directory. A pipe nobody writes to
// blocks whoever opens it for reading (without O_NONBLOCK).
func mkfifo(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, syscall.Mkfifo(p, 0o600))
	return p
}

// notBlocking runs f and fails the test if it does not return. The bound
// is a safety net against a hang, not a time budget: f returns at once
// when it works. A reader blocked on a pipe is released by opening the
// pipe for writing.
func notBlocking(t *testing.T, fifo string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		if fifo != "" {
			if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				_ = w.Close()
			}
		}
		<-done
		t.Fatal("blocked on a file that is not a regular file")
	}
}

// TestLocalSourcesThatAreNotFilesAreRefused checks that in local mode a
// source that is a named pipe, a device or a directory is refused with
// SourceUnsupported at once: it is never opened in a way that blocks, and
// /dev/zero is never read.
func TestLocalSourcesThatAreNotFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, dir, "pipe.jpg")
	link := filepath.Join(dir, "link-to-pipe.jpg")
	require.NoError(t, os.Symlink(fifo, link))
	c, _ := newTestClient(t, func(o *Options) { o.AllowLocal = true })
	tests := []struct {
		name, path, want string
	}{
		{"a named pipe", fifo, "is a named pipe (FIFO)"},
		{"a named pipe as a file URL", "file://" + fifo, "is a named pipe (FIFO)"},
		{"a symbolic link to a named pipe", link, "is a named pipe (FIFO)"},
		{"/dev/zero", "/dev/zero", "is a character device"},
		{"/dev/null", "/dev/null", "is a character device"},
		{"a directory", dir, "is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			notBlocking(t, fifo, func() {
				_, err := c.Fetch(context.Background(), api.Source{URL: tc.path}, out)
				requireReason(t, err, api.ReasonSourceUnsupported)
				assert.Contains(t, api.MessageOf(err), tc.want)
			})
			requireEmptyDir(t, out)
			notBlocking(t, fifo, func() {
				_, err := c.OpenRanged(context.Background(), api.Source{URL: tc.path}, RangeOptions{TempDir: out})
				requireReason(t, err, api.ReasonSourceUnsupported)
				assert.Contains(t, api.MessageOf(err), tc.want)
			})
		})
	}
}

// TestLocalTargetsThatAreNotFilesAreRefused checks that in local mode a
// target where a named pipe, a device or a directory exists is refused with
// a clear GenericError: nothing is written to it or put in its place, and
// no temporary file is left.
func TestLocalTargetsThatAreNotFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, dir, "out.png")
	subdir := filepath.Join(dir, "out-dir.png")
	require.NoError(t, os.Mkdir(subdir, 0o700))
	// A link to /dev/null: renaming over the link would only replace the
	// link, so the test never risks the real device.
	devLink := filepath.Join(dir, "null.png")
	require.NoError(t, os.Symlink("/dev/null", devLink))
	c, _ := newTestClient(t, func(o *Options) { o.AllowLocal = true })
	src := writeTemp(t, payload(100))
	tests := []struct {
		name, target string
		want         string
		check        func(t *testing.T)
	}{
		{"a named pipe", fifo, "is a named pipe (FIFO)", func(t *testing.T) {
			info, err := os.Lstat(fifo)
			require.NoError(t, err)
			assert.NotZero(t, info.Mode()&os.ModeNamedPipe, "the pipe is still there")
		}},
		{"a directory", subdir, "is a directory", func(t *testing.T) {
			info, err := os.Lstat(subdir)
			require.NoError(t, err)
			assert.True(t, info.IsDir())
		}},
		{"a link to a device", devLink, "is a character device", func(t *testing.T) {
			info, err := os.Lstat(devLink)
			require.NoError(t, err)
			assert.NotZero(t, info.Mode()&os.ModeSymlink, "the link is still there")
		}},
		{"a file URL of a named pipe", "file://" + fifo, "is a named pipe (FIFO)", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			notBlocking(t, fifo, func() {
				err := c.Put(context.Background(), api.Target{URL: tc.target}, src, PutOptions{})
				requireReason(t, err, api.ReasonGeneric)
				assert.Contains(t, api.MessageOf(err), tc.want)
			})
			if tc.check != nil {
				tc.check(t)
			}
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Len(t, entries, 3, "no temporary file is left")
		})
	}
}

// allocated returns the bytes f allocates on the heap (cumulative, so
// memory freed again counts too).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestDataURIsAreCheckedBeforeDecoding checks that a data: URI source
// over the size limit is refused from its encoded length, without being
// decoded or copied, and that one within the limit is decoded as a stream:
// neither allocates memory in proportion to the URI.
func TestDataURIsAreCheckedBeforeDecoding(t *testing.T) {
	const limit = 1 << 20
	c, _ := newTestClient(t, func(o *Options) { o.MaxSourceBytes = limit })

	t.Run("over the limit", func(t *testing.T) {
		// 48 MiB decoded, with line breaks as in a MIME body.
		uri := "data:image/png;base64," + strings.Repeat(strings.Repeat("QUJD", 19)+"\r\n", 48<<20/57)
		dir := t.TempDir()
		var err error
		n := allocated(func() { _, err = c.Fetch(context.Background(), api.Source{URL: uri}, dir) })
		requireReason(t, err, api.ReasonSourceTooLarge)
		assert.Contains(t, api.MessageOf(err), "more than the limit of 1048576 bytes")
		assert.Less(t, n, uint64(1<<20), "refusing a %d-byte data: URI allocated %d bytes", len(uri), n)
		requireEmptyDir(t, dir)
	})

	t.Run("within the limit", func(t *testing.T) {
		c, _ := newTestClient(t, func(o *Options) { o.MaxSourceBytes = 64 << 20 })
		data := payload(32 << 20)
		enc := base64.StdEncoding.EncodeToString(data)
		uri := "data:application/octet-stream;base64," + enc[:1000] + "\n" + enc[1000:]
		var got *Fetched
		var err error
		n := allocated(func() { got, err = c.Fetch(context.Background(), api.Source{URL: uri}, t.TempDir()) })
		require.NoError(t, err)
		assert.EqualValues(t, len(data), got.Size)
		assert.Equal(t, sha1Hex(data), got.SHA1)
		assert.Less(t, n, uint64(4<<20), "decoding a %d-byte data: URI allocated %d bytes", len(uri), n)
	})
}

func TestDataURISize(t *testing.T) {
	tests := []struct {
		uri  string
		size int64
		ok   bool
	}{
		{"data:image/png;base64,aGVsbG8gd29ybGQ=", 11, true},
		{"data:;base64,aGVs\r\nbG8g d29y%0AbGQ%3D%3D", 11, true},
		{"DATA:,a%20b", 3, true},
		{"data:,", 0, true},
		{"data:,%zz", 0, false},
		{"data:image/png;base64", 0, false},
		{"https://example.com/a.png", 0, false},
	}
	for _, tc := range tests {
		size, ok := DataURISize(tc.uri)
		assert.Equal(t, tc.ok, ok, tc.uri)
		assert.Equal(t, tc.size, size, tc.uri)
	}
}

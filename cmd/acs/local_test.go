package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
	"github.com/assetcompute/assetcompute/pkg/process"
)

// allocated returns the bytes f allocates on the heap (cumulative).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// within runs f and fails the test if it does not return: a safety net
// against a hang on a pipe, not a time budget (f returns at once when it
// works). A reader blocked on the pipe is released by opening it for
// writing.
func within(t *testing.T, fifo string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			_ = w.Close()
		}
		<-done
		t.Fatal("blocked on a named pipe")
	}
}

// processArgs runs acs process with args and the request on stdin, and
// returns its exit status, result (nil when none was printed) and stderr.
func processArgs(t *testing.T, request string, args ...string) (int, *process.Result, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"process"}, args...), strings.NewReader(request), &stdout, &stderr)
	if stdout.Len() == 0 {
		return code, nil, stderr.String()
	}
	var res process.Result
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res), "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	return code, &res, stderr.String()
}

// TestProcessRefusesOversizeRequests checks that the request-size limit is
// applied before the request is parsed: a file from its size, before it is
// read; standard input and devices by reading no more than the limit.
func TestProcessRefusesOversizeRequests(t *testing.T) {
	const limit = 1 << 20
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	// A request with a 2 MiB data: source.
	request := `{"source":"data:image/png;base64,` + strings.Repeat("A", 2<<20) + `","renditions":[{"fmt":"png","target":"` + dir + `/a.png"}]}`
	require.NoError(t, os.WriteFile(big, []byte(request), 0o600))
	limitArg := fmt.Sprint(limit)

	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"a file over the limit", []string{"-f", big}, "", fmt.Sprintf("the request is %d bytes, more than the limit of %d bytes (--max-request-bytes)", len(request), limit)},
		{"standard input over the limit", []string{"-f", "-"}, request, "the request is larger, more than the limit of 1048576 bytes (--max-request-bytes)"},
		{"/dev/zero", []string{"-f", "/dev/zero"}, "", "the request is larger, more than the limit"},
		{"a directory", []string{"-f", dir}, "", "is a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var code int
			var res *process.Result
			var stderr string
			n := allocated(func() {
				code, res, stderr = processArgs(t, tc.stdin, append(tc.args, "--max-request-bytes", limitArg)...)
			})
			assert.Equal(t, exitInvalid, code, stderr)
			assert.Nil(t, res, "nothing was processed")
			assert.Contains(t, stderr, tc.want)
			assert.Less(t, n, uint64(8*limit+len(tc.stdin)), "allocated %d bytes", n)
		})
	}
	assert.NoFileExists(t, filepath.Join(dir, "a.png"))

	t.Run("a request of exactly the limit is read", func(t *testing.T) {
		src := filepath.Join(dir, "in.png")
		require.NoError(t, os.WriteFile(src, sample(t, "with-alpha.png"), 0o600))
		req := `{"source":"` + src + `","renditions":[{"fmt":"png","width":8,"target":"` + dir + `/ok.png"}]}`
		code, res, stderr := processArgs(t, req, "-f", "-", "--max-request-bytes", fmt.Sprint(len(req)))
		require.Equal(t, exitOK, code, stderr)
		require.Len(t, res.Events, 1)
	})
}

// TestProcessDataURISourceOverTheLimit checks that --max-source-bytes
// applies to a data: source before it is decoded or handed to the
// workers: every rendition fails with SourceTooLarge, one event each.
func TestProcessDataURISourceOverTheLimit(t *testing.T) {
	dir := t.TempDir()
	data := base64.StdEncoding.EncodeToString(bytes.Repeat(sample(t, "with-alpha.png"), 1+(3<<20)/len(sample(t, "with-alpha.png"))))
	request := `{"source":"data:image/png;base64,` + data + `","renditions":[
		{"name":"a.png","fmt":"png","width":10,"target":"` + dir + `/a.png"},
		{"name":"m.xmp","fmt":"xmp","target":"` + dir + `/m.xmp"}]}`
	var code int
	var res *process.Result
	var stderr string
	n := allocated(func() { code, res, stderr = processArgs(t, request, "-f", "-", "--max-source-bytes", "1000000") })
	assert.Equal(t, exitFailed, code, stderr)
	// Parsing the request costs a few times its size; the payload must
	// not also be copied into every worker activation (18 times before).
	assert.Less(t, n, uint64(8*len(request)), "a %d-byte request allocated %d bytes", len(request), n)
	require.Len(t, res.Events, 2)
	for _, ev := range res.Events {
		assert.Equal(t, api.EventRenditionFailed, ev.Type)
		assert.Equal(t, api.ReasonSourceTooLarge, ev.ErrorReason, ev.ErrorMessage)
		assert.Contains(t, ev.ErrorMessage, "more than the limit of 1000000 bytes")
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

// TestProcessLocalSourcesAndTargetsThatAreNotFiles checks local mode:
// a named pipe or a device as the source fails every rendition with
// SourceUnsupported without blocking; a named pipe, a device or a
// directory as a target fails that rendition with GenericError, leaves it
// as it was, and the other renditions are made.
func TestProcessLocalSourcesAndTargetsThatAreNotFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.png")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	src := filepath.Join(dir, "in.png")
	require.NoError(t, os.WriteFile(src, sample(t, "with-alpha.png"), 0o600))

	t.Run("sources", func(t *testing.T) {
		for _, source := range []string{fifo, "file://" + fifo, "/dev/zero", "/dev/null", dir} {
			within(t, fifo, func() {
				code, res, stderr := processArgs(t, `{"source":"`+source+`","renditions":[
					{"name":"a.png","fmt":"png","width":10,"target":"`+dir+`/out/a.png"},
					{"name":"m.xmp","fmt":"xmp","target":"`+dir+`/out/m.xmp"},
					{"name":"t.txt","fmt":"text","target":"`+dir+`/out/t.txt"}]}`, "-f", "-")
				assert.Equal(t, exitFailed, code, stderr)
				require.Len(t, res.Events, 3, source)
				for _, ev := range res.Events {
					assert.Equal(t, api.ReasonSourceUnsupported, ev.ErrorReason, "%s: %s", source, ev.ErrorMessage)
					assert.Contains(t, ev.ErrorMessage, "not a regular file")
				}
			})
		}
		assert.NoDirExists(t, filepath.Join(dir, "out"))
	})

	t.Run("targets", func(t *testing.T) {
		sub := filepath.Join(dir, "sub.png")
		require.NoError(t, os.Mkdir(sub, 0o700))
		// A link to /dev/null: without the check it would only be
		// replaced, so the test never risks the real device.
		null := filepath.Join(dir, "null.png")
		require.NoError(t, os.Symlink("/dev/null", null))
		within(t, fifo, func() {
			code, res, stderr := processArgs(t, `{"source":"`+src+`","renditions":[
				{"name":"pipe.png","fmt":"png","width":10,"target":"`+fifo+`"},
				{"name":"dir.png","fmt":"png","width":10,"target":"`+sub+`"},
				{"name":"null.png","fmt":"png","width":10,"target":"`+null+`"},
				{"name":"ok.png","fmt":"png","width":10,"target":"`+dir+`/ok.png"}]}`, "-f", "-")
			assert.Equal(t, exitFailed, code, stderr)
			require.Len(t, res.Events, 4)
			for i, want := range []string{"is a named pipe (FIFO)", "is a directory", "is a character device"} {
				assert.Equal(t, api.ReasonGeneric, res.Events[i].ErrorReason)
				assert.Contains(t, res.Events[i].ErrorMessage, want)
			}
			assert.Equal(t, api.EventRenditionCreated, res.Events[3].Type)
		})
		info, err := os.Lstat(fifo)
		require.NoError(t, err)
		assert.NotZero(t, info.Mode()&os.ModeNamedPipe, "the pipe is left as it was")
		info, err = os.Lstat(null)
		require.NoError(t, err)
		assert.NotZero(t, info.Mode()&os.ModeSymlink, "the link is left as it was")
		entries, err := os.ReadDir(sub)
		require.NoError(t, err)
		assert.Empty(t, entries, "nothing was written into the directory")
		entries, err = os.ReadDir(dir)
		require.NoError(t, err)
		assert.Len(t, entries, 5, "in.png, ok.png, the pipe, the directory and the link; no temporary file")
	})
}

// TestProcessTooLargeEventCarriesTheSize checks the contract end to end:
// a rendition its target refuses as too large (HTTP 413) ends in a
// RenditionTooLarge event whose metadata has repo:size, the size of the
// rendition (the same instructions made into a file give that size).
func TestProcessTooLargeEventCarriesTheSize(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusRequestEntityTooLarge)
	}))
	defer srv.Close()
	dir := t.TempDir()
	src := filepath.Join(dir, "in.png")
	require.NoError(t, os.WriteFile(src, sample(t, "with-alpha.png"), 0o600))
	code, res, stderr := processArgs(t, `{"source":"`+src+`","renditions":[
		{"name":"a.png","fmt":"png","width":50,"target":"`+dir+`/a.png"},
		{"name":"b.png","fmt":"png","width":50,"target":"`+srv.URL+`/b.png?X-Amz-Signature=SECRET"},
		{"name":"c.png","fmt":"png","width":50,"target":{"urls":["`+srv.URL+`/1","`+srv.URL+`/2"],"maxPartSize":10}}]}`, "-f", "-")
	assert.Equal(t, exitFailed, code, stderr)
	require.Len(t, res.Events, 3)
	require.Equal(t, api.EventRenditionCreated, res.Events[0].Type)
	size := res.Events[0].Metadata["repo:size"]
	require.NotNil(t, size)
	for _, ev := range res.Events[1:] {
		assert.Equal(t, api.ReasonRenditionTooLarge, ev.ErrorReason, ev.ErrorMessage)
		assert.Equal(t, map[string]any{"repo:size": size}, ev.Metadata)
		assert.NotContains(t, ev.ErrorMessage, "SECRET")
	}
}

// TestBatchRefusesPipesAndDirectories checks acs batch in local mode: a
// named pipe given as a source is refused without blocking, an output path
// that is a pipe or a directory is refused and left as it was, and a
// profile that never ends (/dev/zero) is refused after its size limit.
func TestBatchRefusesPipesAndDirectories(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.png")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	src := filepath.Join(dir, "in.png")
	require.NoError(t, os.WriteFile(src, sample(t, "with-alpha.png"), 0o600))
	out := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(out, "in.png", "dir.png"), 0o700))
	outFifo := filepath.Join(out, "in.png", "pipe.png")
	require.NoError(t, syscall.Mkfifo(outFifo, 0o600))
	profile := writeProfile(t, `[{"name":"ok.png","fmt":"png","width":8},{"name":"dir.png","fmt":"png","width":8},{"name":"pipe.png","fmt":"png","width":8}]`)

	within(t, fifo, func() {
		code, stderr := batch(t, "--profile", profile, "--out", out, src, fifo)
		assert.Equal(t, exitFailed, code)
		assert.Contains(t, stderr, "pipe.png/ok.png: SourceUnsupported")
		assert.Contains(t, stderr, "in.png/dir.png: GenericError")
		assert.Contains(t, stderr, "is a directory")
		assert.Contains(t, stderr, "in.png/pipe.png: GenericError")
		assert.Contains(t, stderr, "is a named pipe (FIFO)")
		assert.Contains(t, stderr, "2 sources, 6 renditions: 1 created, 5 failed")
	})
	assert.FileExists(t, filepath.Join(out, "in.png", "ok.png"))
	info, err := os.Lstat(outFifo)
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&os.ModeNamedPipe, "the pipe is left as it was")

	code, stderr := batch(t, "--profile", "/dev/zero", "--out", out, src)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stderr, "more than the limit")
}

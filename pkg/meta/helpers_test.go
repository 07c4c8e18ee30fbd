package meta

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/meta/internal/testgen"
	"github.com/stretchr/testify/require"
)

const (
	exiftoolPath = "/usr/bin/exiftool"
	corpusDir    = "../../../shared/corpus/images"
)

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r     io.ReaderAt
	bytes atomic.Int64
	calls atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.bytes.Add(int64(n))
	c.calls.Add(1)
	return n, err
}

// virtualFile is a large file made of a real prefix, zeros, and a real
// suffix at its end, without allocating the zeros.
type virtualFile struct {
	prefix []byte
	suffix []byte
	size   int64
}

func (v *virtualFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= v.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off+int64(n) < v.size {
		o := off + int64(n)
		switch {
		case o < int64(len(v.prefix)):
			n += copy(p[n:], v.prefix[o:])
		case o >= v.size-int64(len(v.suffix)):
			n += copy(p[n:], v.suffix[o-(v.size-int64(len(v.suffix))):])
		default:
			end := min(int64(len(p)-n), v.size-int64(len(v.suffix))-o)
			clear(p[n : n+int(end)])
			n += int(end)
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func extractBytes(t testing.TB, data []byte, name string) (*Metadata, error) {
	t.Helper()
	return Extract(context.Background(), bytes.NewReader(data), int64(len(data)), name, Options{})
}

func extractFile(t testing.TB, path string) (*Metadata, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return extractBytes(t, data, filepath.Base(path))
}

func needExiftool(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs exiftool: skipped in -short mode")
	}
	testutil.NeedTool(t, exiftoolPath)
}

// needCorpus skips the test when the shared corpus is not there (fails it
// in CI: see testutil.NeedCorpus).
func needCorpus(t testing.TB) {
	t.Helper()
	testutil.NeedCorpus(t, "images")
}

var (
	genOnce  sync.Once
	genDir   string
	genErr   error
	genFiles []string
)

// generated returns the directory of the generated sample set, made once
// per test binary with exiftool.
func generated(t testing.TB) string {
	t.Helper()
	needExiftool(t)
	genOnce.Do(func() {
		genDir, genErr = os.MkdirTemp("", "meta-gen-")
		if genErr != nil {
			return
		}
		corpus := corpusDir
		if _, err := os.Stat(corpus); err != nil {
			corpus = ""
		}
		genFiles, genErr = testgen.Generate(genDir, exiftoolPath, corpus)
	})
	require.NoError(t, genErr)
	return genDir
}

// exiftoolJSON runs exiftool -j -n -G1 on paths.
func exiftoolJSON(t testing.TB, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(exiftoolPath, append([]string{"-j", "-n", "-G1"}, args...)...).Output()
	if err != nil && len(out) == 0 {
		t.Fatalf("exiftool %v: %v", args, err)
	}
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if genDir != "" {
		os.RemoveAll(genDir)
	}
	os.Exit(code)
}

// get returns the JSON form of key.
func get(md *Metadata, key string) any { return md.Map()[key] }

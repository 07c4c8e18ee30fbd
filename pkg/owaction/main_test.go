package owaction_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// buildDir holds the test action built once per test binary.
var buildDir string

var build struct {
	once sync.Once
	path string
	err  error

	zipOnce sync.Once
	zip     []byte
	zipErr  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "owaction-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "creating the build directory:", err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// testActionExec returns the path of the test action executable, building
// it on first use.
func testActionExec(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the test action: skipped in -short mode")
	}
	build.once.Do(func() {
		// go test puts its own GOROOT/bin first on the PATH of the test.
		goTool, err := exec.LookPath("go")
		if err != nil {
			build.err = fmt.Errorf("building the test action: %w", err)
			return
		}
		out := filepath.Join(buildDir, "exec")
		cmd := exec.Command(goTool, "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./internal/testaction")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("building the test action: %w\n%s", err, b)
			return
		}
		build.path = out
	})
	require.NoError(t, build.err)
	return build.path
}

// testActionZip returns the test action zipped with exec.env testExecEnv.
// It is zipped once and stored uncompressed: deflating and inflating
// megabytes is slow under the race detector. TestZipAction covers ZipAction.
func testActionZip(t *testing.T) []byte {
	t.Helper()
	exe := testActionExec(t)
	build.zipOnce.Do(func() {
		data, err := os.ReadFile(exe)
		if err != nil {
			build.zipErr = err
			return
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, f := range []struct {
			name string
			mode os.FileMode
			data []byte
		}{{"exec", 0o755, data}, {"exec.env", 0o644, []byte(testExecEnv + "\n")}} {
			h := &zip.FileHeader{Name: f.name, Method: zip.Store}
			h.SetMode(f.mode)
			w, err := zw.CreateHeader(h)
			if err == nil {
				_, err = w.Write(f.data)
			}
			if err != nil {
				build.zipErr = err
				return
			}
		}
		build.zipErr = zw.Close()
		build.zip = buf.Bytes()
	})
	require.NoError(t, build.zipErr)
	return build.zip
}

package image

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// TestPixelsWaitsForLibvips: Pixels as the first call of a process (an
// analysis rendition in a cold action) waits for the start of libvips
// that New began in the background, as Render does. It used to run at
// once, so libvips was initialised twice at the same time: the png
// encoder probe failed (RenditionFormatUnsupported for that process's
// life) or libvips aborted the process. It runs in a child process, where
// no other test has started libvips; the start is held until Pixels is
// seen waiting for it.
func TestPixelsWaitsForLibvips(t *testing.T) {
	if os.Getenv("ACS_PIXELS_CHILD") == "1" {
		release, held := make(chan struct{}), make(chan struct{})
		go startOnce.Do(func() {
			close(held)
			<-release
			startErr = vipsStart(0, 0, false)
		})
		<-held
		e := &Engine{limits: Limits{}.withDefaults()}
		done := make(chan error, 1)
		go func() {
			_, err := e.Pixels(context.Background(), os.Getenv("ACS_PIXELS_SOURCE"), api.Rendition{}, 64, t.TempDir())
			done <- err
		}()
		buf := make([]byte, 1<<20)
		for {
			select {
			case err := <-done:
				t.Fatalf("Pixels returned (error %v) before libvips had started", err)
			default:
			}
			if bytes.Contains(buf[:runtime.Stack(buf, true)], []byte("pkg/image.startup(")) {
				break
			}
			time.Sleep(time.Millisecond) // polling for a state, not a deadline
		}
		close(release)
		require.NoError(t, <-done)
		return
	}
	src := pngFile(t, gradient(128, 96))
	cmd := exec.Command(os.Args[0], "-test.run=^TestPixelsWaitsForLibvips$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ACS_PIXELS_CHILD=1", "ACS_PIXELS_SOURCE="+src)
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "the child process:\n%s", out)
}

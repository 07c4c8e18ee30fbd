package image

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// giantEnv makes the test binary run TestGiantImageChild as a child process.
const giantEnv = "ASSETCOMPUTE_IMAGE_GIANT_CHILD"

// giant-image.jpg is 20000x14000 (280 MP, 1 MB of JPEG): a small rendition
// of it is made through shrink-on-load in a fraction of the memory a full
// decode needs (280 MB for its single grey band, 840 MB as RGB).
func TestRenderGiantImageThroughShrinkOnLoad(t *testing.T) {
	src := corpus(t, "giant-image.jpg")
	if testing.Short() {
		t.Skip("giant image: skipped in -short mode")
	}
	out := filepath.Join(t.TempDir(), "giant.jpg")

	// In a child process, so its peak RSS is this render's alone.
	cmd := exec.Command(os.Args[0], "-test.run=^TestGiantImageChild$", "-test.v")
	cmd.Env = append(os.Environ(), giantEnv+"="+out)
	start := time.Now()
	output, err := cmd.CombinedOutput()
	require.NoError(t, err, "child: %s", output)
	took := time.Since(start)

	var hwm int64 = -1
	sc := bufio.NewScanner(strings.NewReader(string(output)))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "VmHWM-kB="); ok {
			hwm, err = strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
		}
	}
	require.GreaterOrEqual(t, hwm, int64(0), "child reported its peak RSS: %s", output)
	t.Logf("giant-image.jpg -> 512 px: peak RSS %d MB, %v", hwm/1024, took)
	assert.Less(t, hwm/1024, int64(200), "peak RSS in MB stays far below a full decode")

	img := decodeFile(t, out)
	assert.Equal(t, 512, img.Bounds().Dx())
	assert.Equal(t, 358, img.Bounds().Dy())

	t.Run("at source size it is too large a rendition", func(t *testing.T) {
		e := testEngine(t)
		_, err := e.Render(context.Background(), src, api.Rendition{Fmt: "jpg"}, filepath.Join(t.TempDir(), "o.jpg"), RenderOptions{})
		assert.Equal(t, api.ReasonRenditionTooLarge, api.ReasonOf(err), "error: %v", err)
		assert.Contains(t, api.MessageOf(err), "20000x14000")
	})
	t.Run("a stricter pixel limit refuses it from the header", func(t *testing.T) {
		e, err := New(Options{Limits: Limits{MaxSourcePixels: 100_000_000}})
		require.NoError(t, err)
		r := api.Rendition{Fmt: "jpg", Width: intp(100)}
		_, err = e.Render(context.Background(), src, r, filepath.Join(t.TempDir(), "o.jpg"), RenderOptions{})
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), "error: %v", err)
		step, err := refusingStep(t, e, src, r)
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), "error: %v", err)
		assertRefusedBeforeDecoding(t, step)
	})
}

// TestGiantImageChild is the child process of
// TestRenderGiantImageThroughShrinkOnLoad; it does nothing in a normal run.
func TestGiantImageChild(t *testing.T) {
	out := os.Getenv(giantEnv)
	if out == "" {
		t.Skip("runs only as the child of TestRenderGiantImageThroughShrinkOnLoad")
	}
	e := testEngine(t)
	res, err := e.Render(context.Background(), corpus(t, "giant-image.jpg"), api.Rendition{Fmt: "jpg", Width: intp(512)}, out, RenderOptions{})
	require.NoError(t, err)
	require.Equal(t, [2]int{512, 358}, [2]int{res.Width, res.Height})
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Printf("VmHWM-kB=%s\n", strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
}

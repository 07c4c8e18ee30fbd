package image

import (
	"fmt"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/internal/cenv"
)

// startChildEnv marks the process TestStartWhileEnvironmentChanges runs.
const startChildEnv = "ACS_TEST_VIPS_START_CHILD"

// TestStartWhileEnvironmentChanges starts libvips in fresh processes while
// another goroutine exports environment variables as the action loop does
// for each activation. glib reads the environment while libvips starts,
// and the C library's setenv moves it: with os.Setenv about one start in
// sixteen died with SIGSEGV (a thumbnail action crashing on its first
// activation).
func TestStartWhileEnvironmentChanges(t *testing.T) {
	if os.Getenv(startChildEnv) != "" {
		startWhileExporting(t)
		return
	}
	if testing.Short() {
		t.Skip("starts libvips in 40 processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestStartWhileEnvironmentChanges$", "-test.count=1")
		cmd.Env = append(os.Environ(), startChildEnv+"=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			if len(out) > 2000 {
				out = out[:2000]
			}
			t.Fatalf("process %d: %v\n%s", i, err, out)
		}
	}
}

// startWhileExporting starts libvips as image.New does, in the
// background, while exporting new variables (each one grows the
// environment, so the C library reallocates it) until the start is done,
// as the action loop exports the fields of an activation that arrives
// while libvips starts.
func startWhileExporting(t *testing.T) {
	var done atomic.Bool
	exported := make(chan int)
	go func() {
		i := 0
		for ; !done.Load(); i++ {
			if err := cenv.Setenv(fmt.Sprintf("__OW_TEST_FIELD_%d", i), "x"); err != nil {
				t.Error(err)
				break
			}
		}
		exported <- i
	}()
	if _, err := New(Options{}); err != nil {
		t.Fatal(err)
	}
	startOnce.Do(func() {}) // returns once the start under way is done
	done.Store(true)
	t.Logf("%d variables exported while libvips started", <-exported)
	if startErr != nil {
		t.Fatal(startErr)
	}
	if _, err := OutputFormats(); err != nil {
		t.Fatal(err)
	}
}

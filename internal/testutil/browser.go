package testutil

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// BrowserDeadline bounds everything one browser test does, so a page that
// never shows what a test waits for fails the test instead of hanging the
// suite. It is a safety net far above what a loaded machine needs, not a
// performance budget.
const BrowserDeadline = 4 * time.Minute

// Browser starts a headless Chromium (Debian's chromium package, which
// scripts/install-deps.sh installs) for one test and returns a chromedp
// context driving a tab of it. The browser has a private profile under
// t.TempDir, a 1280x900 window, no proxy, and is closed when the test
// ends. Without Chromium the test is skipped, or failed under CI (see
// Missing). CHROMIUM names another binary.
func Browser(t testing.TB) context.Context {
	t.Helper()
	bin := os.Getenv("CHROMIUM")
	if bin == "" {
		bin = NeedTool(t, "chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.NoSandbox, // tests run as root in CI containers
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	ctx, cancelDeadline := context.WithTimeout(context.Background(), BrowserDeadline)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelDeadline()
	})
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	return tabCtx
}

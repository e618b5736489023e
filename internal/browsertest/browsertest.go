// Package browsertest starts the real headless Chromium (Debian's chromium package) for
// the browser tests of the dashboard and of the embedded engine's Web UI, driven through
// the DevTools protocol with chromedp.
package browsertest

import (
	"context"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// ChromiumPath is where .ci/run installs Chromium (apt-get install -y chromium).
const ChromiumPath = "/usr/bin/chromium"

// Start starts a headless Chromium with a fresh profile and returns its browser context,
// closed when the test ends. Without Chromium it skips the test, or fails it in CI
// (CI=true), where .ci/run installs it.
func Start(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests: %s is missing; .ci/run installs it (apt-get install -y chromium)", ChromiumPath)
		}
		t.Skipf("SKIPPING the browser tests: %s is missing (apt-get install -y chromium)", ChromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-extensions", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	require.NoError(t, chromedp.Do(bctx), "start %s", ChromiumPath)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	return bctx
}

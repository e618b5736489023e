// Package chromium prints HTML to PDF with a headless Chromium (or Chrome) driven through
// the DevTools protocol: the page is loaded from a file and printed with Page.printToPDF
// (https://chromedevtools.github.io/devtools-protocol/tot/Page/#method-printToPDF). bcdr
// uses it for the business continuity plan's PDF; the browser tests start the same
// browser (internal/browsertest).
package chromium

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/chromedp/chromedp"
)

// Names are the executables Find looks for on PATH, in this order, after /usr/bin/chromium
// (where Debian's chromium package puts it).
var Names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"}

// ErrMissing is returned by Find when no browser is found.
var ErrMissing = errors.New("no Chromium or Chrome found")

// Find returns the browser to use: exe when given (it must exist), else the first of
// Names found on PATH. The error says what to install.
func Find(exe string) (string, error) {
	if exe != "" {
		p, err := exec.LookPath(exe)
		if err != nil {
			return "", fmt.Errorf("chromium %q: %w: install Chromium (Debian, Ubuntu: apt-get install chromium) or give the path of a Chromium or Chrome executable", exe, err)
		}
		return p, nil
	}
	for _, n := range Names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w (looked on PATH for %s): install Chromium (Debian, Ubuntu: apt-get install chromium; macOS: brew install --cask chromium) or give its path with --chromium", ErrMissing, strings.Join(Names, ", "))
}

// PrintPDF loads the HTML page in a new headless browser at exe (a fresh profile, no
// network needed: the page must be self-contained) and prints it to PDF, honouring the
// page's CSS @page size, with its backgrounds, an outline of its headings and a
// page-number footer.
func PrintPDF(ctx context.Context, exe string, html []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "bcdr-print-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	page := filepath.Join(dir, "page.html")
	if err := os.WriteFile(page, html, 0o600); err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx, chromedp.Navigate("file://"+filepath.ToSlash(page))); err != nil {
		return nil, fmt.Errorf("chromium %s: load the page: %w", exe, err)
	}
	pdf, err := chromedp.Run(bctx, chromedp.PrintToPDF(
		chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground(), chromedp.PDFStream(), chromedp.PDFOutlineAndTagged(),
		chromedp.PDFHeaderTemplate(`<span></span>`), // not the browser's own: it would print the temporary file's path
		chromedp.PDFFooterTemplate(`<div style="font-size:8px;width:100%;text-align:center"><span class="pageNumber"></span> / <span class="totalPages"></span></div>`),
	))
	if err != nil {
		return nil, fmt.Errorf("chromium %s: print to PDF: %w", exe, err)
	}
	return pdf, nil
}

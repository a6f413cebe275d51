package browsertest

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// Eval opens the HTML file at htmlPath in headless Chromium (1280×900, no
// network access beyond the file), waits for the load event, evaluates the
// JavaScript expression js (awaiting it if it is a promise) and returns its
// value, which must be a string (use JSON.stringify). If screenshotPath is
// not empty it then writes a PNG of the viewport there. It is for tests of
// the page's behaviour, such as sorting a table; Check is the offline and
// safety check. It skips like Check without Chromium.
func Eval(t testing.TB, htmlPath, js, screenshotPath string) string {
	t.Helper()
	bin, ok := FindChromium()
	if !ok {
		if os.Getenv("CI") != "" {
			t.Fatal("no Chromium found (CI is set, so this is an error)")
		}
		t.Skip("no Chromium found")
	}
	abs, err := filepath.Abs(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	pageURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("open %s: %v", pageURL, err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](`document.readyState === "complete"`, chromedp.WithPollingTimeout(chartsTimeout))); err != nil {
		t.Fatalf("page did not load: %v", err)
	}
	out, err := chromedp.Run(bctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	if screenshotPath != "" {
		png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err == nil {
			err = os.WriteFile(screenshotPath, png, 0o644)
		}
		if err != nil {
			t.Errorf("screenshot: %v", err)
		}
	}
	return out
}

package browsertest

import (
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
	b := openBrowser(t, htmlPath)
	defer b.close()
	b.navigate()
	if err := b.waitLoaded(); err != nil {
		t.Fatalf("page did not load: %v", err)
	}
	out, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	if screenshotPath != "" {
		if err := b.screenshot(screenshotPath, chromedp.CaptureScreenshot()); err != nil {
			t.Errorf("screenshot: %v", err)
		}
	}
	return out
}

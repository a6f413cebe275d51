package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// binaries are the Chromium executables FindChromium looks for, in order.
var binaries = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// FindChromium returns the path of a Chromium or Chrome binary on PATH.
func FindChromium() (string, bool) {
	for _, name := range binaries {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// browser is headless Chromium with one tab, for one HTML file.
type browser struct {
	t       testing.TB
	pageURL string
	// ctx is the tab's context.
	ctx context.Context
	// cancels stop the tab, the browser and the timeout, in that order.
	cancels []context.CancelFunc
	// done is closed when the browser stops: chromedp may log after the
	// test has ended, when t.Logf would panic.
	done  chan struct{}
	quiet sync.Once
}

// openBrowser starts headless Chromium (1280×900, no host name resolves,
// no background traffic) with one tab for the HTML file at htmlPath, for
// at most Timeout. Without Chromium it skips the test, or fails it when the
// environment variable CI is set. close stops the browser.
func openBrowser(t testing.TB, htmlPath string) *browser {
	t.Helper()
	bin, ok := FindChromium()
	if !ok {
		msg := fmt.Sprintf("no Chromium found (looked for %s on PATH); install it, e.g. apt-get install chromium",
			strings.Join(binaries, ", "))
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (CI is set, so this is an error)")
		}
		t.Skip(msg)
	}
	abs, err := filepath.Abs(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, pageURL: (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		// Belt and braces: no host name resolves.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
		// chromedp starts the browser with a fresh, temporary user data
		// directory and removes it when the browser exits.
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(b.logf), chromedp.WithLogf(b.logf))
	b.ctx, b.cancels = tab, []context.CancelFunc{cancelTab, cancelAlloc, cancel}
	// Start the browser and the tab.
	if err := chromedp.Do(tab); err != nil {
		b.close()
		t.Fatalf("start %s: %v", bin, err)
	}
	return b
}

func (b *browser) logf(format string, args ...any) {
	select {
	case <-b.done:
	default:
		b.t.Logf("chromedp: "+format, args...)
	}
}

// close stops the browser; it may be called more than once.
func (b *browser) close() {
	for _, cancel := range b.cancels {
		cancel()
	}
	b.quiet.Do(func() { close(b.done) })
}

// navigate opens the page in a 1280×900 viewport and returns when it
// started loading.
func (b *browser) navigate() time.Time {
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		b.t.Fatalf("viewport: %v", err)
	}
	start := time.Now()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(b.pageURL)); err != nil {
		b.t.Fatalf("open %s: %v", b.pageURL, err)
	}
	return start
}

// waitLoaded waits up to chartsTimeout for the load event.
func (b *browser) waitLoaded() error {
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.readyState === "complete"`, chromedp.WithPollingTimeout(chartsTimeout)))
	return err
}

// screenshot writes the PNG that shot takes to path.
func (b *browser) screenshot(path string, shot chromedp.Action[[]byte]) error {
	png, err := chromedp.Run(b.ctx, shot)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Timeout bounds one Check, browser start to screenshot.
const Timeout = 180 * time.Second

// chartsTimeout bounds the wait for the charts to draw once every chart has
// been scrolled into view.
const chartsTimeout = 30 * time.Second

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

// Result is what Check saw. Check already reports a test error for every
// entry of BrokenCharts, ConsoleErrors and Requests and for Pwned; callers
// add their own expectations, such as the number of charts.
type Result struct {
	// Charts is the number of chart containers whose ECharts instance has
	// at least one series and painted its canvas.
	Charts int
	// ChartIDs are the ids of all chart containers, in document order.
	ChartIDs []string
	// BrokenCharts describes the chart containers that did not draw.
	BrokenCharts []string
	// ConsoleErrors holds console.error and console.assert calls, uncaught
	// exceptions, browser log entries of level error (CSP violations, failed
	// loads) and JavaScript dialogs.
	ConsoleErrors []string
	// ConsoleWarnings holds console.warn calls and browser log warnings.
	ConsoleWarnings []string
	// Requests are the requests the page made besides loading itself; all
	// were failed.
	Requests []string
	// Tooltips is the text of the tooltip shown on each chart, in order.
	Tooltips []string
	// Pwned reports whether window.__pwned was set: data ran as script.
	Pwned bool
	// Screenshot is the path of the PNG written, if any.
	Screenshot string
	// Load is the time from navigation to the load event (the page parsed
	// and its scripts run); Render is the time from navigation until every
	// chart container held a drawn canvas, including the scroll through the
	// page that lazily initialised charts need.
	Load, Render time.Duration
}

// chartState is what the page reports about one chart container.
type chartState struct {
	ID       string `json:"id"`
	Instance bool   `json:"instance"`
	CanvasW  int    `json:"canvasW"`
	CanvasH  int    `json:"canvasH"`
	Series   int    `json:"series"`
	Painted  int    `json:"painted"`
}

// scrollChartsJS scrolls every chart container that holds no ECharts
// instance yet into view, in document order, and waits two animation frames
// at each, so that charts initialised lazily (by an IntersectionObserver, as
// the report does) get drawn. It then scrolls back to the top and resolves
// to the number of containers it visited.
const scrollChartsJS = `(async function () {
  var frame = function () { return new Promise(function (r) { requestAnimationFrame(function () { r(); }); }); };
  var els = Array.from(document.querySelectorAll(".chart"));
  var n = 0;
  for (var i = 0; i < els.length; i++) {
    if (typeof echarts !== "undefined" && echarts.getInstanceByDom(els[i])) { continue; }
    els[i].scrollIntoView({ block: "center" });
    n++;
    await frame();
    await frame();
  }
  window.scrollTo(0, 0);
  await frame();
  return n;
})()`

// chartsReadyJS is true once every chart container holds a canvas, or once
// the page has loaded without ECharts, when no chart will ever draw.
const chartsReadyJS = `document.readyState === "complete" && (typeof echarts === "undefined" ||
Array.from(document.querySelectorAll(".chart")).every(function (el) {
  var c = el.querySelector("canvas");
  return c !== null && c.width > 0 && c.height > 0;
}))`

const chartStatesJS = `JSON.stringify(Array.from(document.querySelectorAll(".chart")).map(function (el) {
  var r = { id: el.id, instance: false, canvasW: 0, canvasH: 0, series: 0, painted: 0 };
  var inst = typeof echarts !== "undefined" ? echarts.getInstanceByDom(el) : undefined;
  if (inst) {
    r.instance = true;
    r.series = (inst.getOption().series || []).length;
  }
  var cv = el.querySelector("canvas");
  if (cv) {
    r.canvasW = cv.width;
    r.canvasH = cv.height;
    if (cv.width > 0 && cv.height > 0) {
      var d = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data;
      for (var i = 3; i < d.length; i += 4 * 5) { if (d[i] !== 0) { r.painted++; } }
    }
  }
  return r;
}))`

const showTipsJS = `(function () {
  var n = 0;
  if (typeof echarts === "undefined") { return n; }
  document.querySelectorAll(".chart").forEach(function (el) {
    var inst = echarts.getInstanceByDom(el);
    if (!inst) { return; }
    var s = inst.getOption().series || [];
    if (!s.length) { return; }
    var len = (s[0].data || []).length;
    inst.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: Math.floor(len / 2) });
    n++;
  });
  return n;
})()`

// tooltipsJS returns the text of every visible tooltip. ECharts puts the
// tooltip <div> inside the chart container.
const tooltipsJS = `JSON.stringify(Array.from(document.querySelectorAll(".chart")).map(function (el) {
  var t = Array.from(el.querySelectorAll("div")).filter(function (d) {
    return d.style.position === "absolute" && d.style.display !== "none" && d.innerText.trim() !== "" && !d.querySelector("canvas");
  });
  return t.map(function (d) { return d.innerText; }).join("\n");
}))`

const hideTipsJS = `typeof echarts !== "undefined" && document.querySelectorAll(".chart").forEach(function (el) {
  var inst = echarts.getInstanceByDom(el);
  if (inst) { inst.dispatchAction({ type: "hideTip" }); }
})`

// Check opens the HTML file at htmlPath in headless Chromium with no
// network, checks it as the package documentation describes and, if
// screenshotPath is not empty, writes a full-page PNG there.
func Check(t testing.TB, htmlPath, screenshotPath string) Result {
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
	pageURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()

	var res Result
	var mu sync.Mutex // guards res while the browser runs
	addf := func(list *[]string, format string, args ...any) {
		mu.Lock()
		*list = append(*list, fmt.Sprintf(format, args...))
		mu.Unlock()
	}

	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
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
	defer cancelAlloc()
	var quiet sync.Once
	done := make(chan struct{})
	logf := func(format string, args ...any) {
		select {
		case <-done: // the test may have ended; t.Logf would panic
		default:
			t.Logf("chromedp: "+format, args...)
		}
	}
	defer quiet.Do(func() { close(done) })
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf), chromedp.WithLogf(logf))
	defer cancelBrowser()

	// Start the browser and the tab, then listen before anything loads.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	err = chromedp.Listen(bctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			switch ev.Type {
			case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeAssert:
				addf(&res.ConsoleErrors, "console.%s: %s", ev.Type, args(ev.Args))
			case runtime.ConsoleAPICalledTypeWarning:
				addf(&res.ConsoleWarnings, "console.warn: %s", args(ev.Args))
			}
		case *runtime.EventExceptionThrown:
			addf(&res.ConsoleErrors, "exception: %s", exception(ev.ExceptionDetails))
		case *log.EventEntryAdded:
			if e := ev.Entry; e != nil {
				switch e.Level {
				case log.EntryLevelError:
					addf(&res.ConsoleErrors, "log %s: %s %s", e.Source, e.Text, e.URL)
				case log.EntryLevelWarning:
					addf(&res.ConsoleWarnings, "log %s: %s %s", e.Source, e.Text, e.URL)
				}
			}
		}
	})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	// Cut the network off: fail every request but the page itself.
	var wg sync.WaitGroup
	paused := chromedp.Events(bctx, fetch.RequestPaused)
	wg.Go(func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			u := ""
			if ev.Request != nil {
				u = ev.Request.URL
			}
			if u == pageURL {
				_, _ = chromedp.Call(bctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			addf(&res.Requests, "%s %s", ev.ResourceType, u)
			_, _ = chromedp.Call(bctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		}
	})
	dialogs := chromedp.Events(bctx, page.JavascriptDialogOpening)
	wg.Go(func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			addf(&res.ConsoleErrors, "JavaScript %s dialog: %q", ev.Type, ev.Message)
			_, _ = chromedp.Call(bctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	if _, err := chromedp.Call(bctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
		t.Fatalf("Fetch.enable: %v", err)
	}

	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	start := time.Now()
	if err := chromedp.Do(bctx, chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("open %s: %v", pageURL, err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](`document.readyState === "complete"`, chromedp.WithPollingTimeout(chartsTimeout))); err != nil {
		t.Errorf("page did not load within %v: %v", chartsTimeout, err)
	}
	res.Load = time.Since(start)
	// Charts may be initialised only when they scroll into view.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[int](scrollChartsJS, chromedp.EvalAwaitPromise)); err != nil {
		t.Errorf("scroll the charts into view: %v", err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](chartsReadyJS, chromedp.WithPollingTimeout(chartsTimeout))); err != nil {
		t.Errorf("charts not drawn within %v: %v", chartsTimeout, err)
	}
	res.Render = time.Since(start)

	var states []chartState
	if s, err := chromedp.Run(bctx, chromedp.Evaluate[string](chartStatesJS)); err != nil {
		t.Errorf("read chart states: %v", err)
	} else if err := json.Unmarshal([]byte(s), &states); err != nil {
		t.Errorf("decode chart states: %v", err)
	}
	for _, s := range states {
		res.ChartIDs = append(res.ChartIDs, s.ID)
		switch {
		case !s.Instance:
			res.BrokenCharts = append(res.BrokenCharts, s.ID+": no echarts instance")
		case s.Series == 0:
			res.BrokenCharts = append(res.BrokenCharts, s.ID+": no series")
		case s.CanvasW == 0 || s.CanvasH == 0:
			res.BrokenCharts = append(res.BrokenCharts, fmt.Sprintf("%s: canvas %dx%d", s.ID, s.CanvasW, s.CanvasH))
		case s.Painted == 0:
			res.BrokenCharts = append(res.BrokenCharts, s.ID+": canvas is blank")
		default:
			res.Charts++
		}
	}

	if screenshotPath != "" {
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err == nil {
			if err = os.MkdirAll(filepath.Dir(screenshotPath), 0o755); err == nil {
				err = os.WriteFile(screenshotPath, png, 0o644)
			}
		}
		if err != nil {
			t.Errorf("screenshot: %v", err)
		} else {
			res.Screenshot = screenshotPath
		}
	}

	// Open a tooltip on every chart: ECharts writes series names into the
	// tooltip as HTML.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[int](showTipsJS)); err != nil {
		t.Errorf("show tooltips: %v", err)
	} else if err := chromedp.Do(bctx, chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Errorf("wait for tooltips: %v", err)
	}
	if s, err := chromedp.Run(bctx, chromedp.Evaluate[string](tooltipsJS)); err != nil {
		t.Errorf("read tooltips: %v", err)
	} else if err := json.Unmarshal([]byte(s), &res.Tooltips); err != nil {
		t.Errorf("decode tooltips: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](hideTipsJS)); err != nil {
		t.Errorf("hide tooltips: %v", err)
	}
	pwned, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`typeof window.__pwned !== "undefined"`))
	if err != nil {
		t.Errorf("read window.__pwned: %v", err)
	}
	res.Pwned = pwned

	// Let late events arrive, then stop the browser before reading res.
	_ = chromedp.Do(bctx, chromedp.Sleep(100*time.Millisecond))
	cancelBrowser()
	cancelAlloc()
	wg.Wait()
	quiet.Do(func() { close(done) })
	mu.Lock()
	defer mu.Unlock()

	for _, b := range res.BrokenCharts {
		t.Errorf("chart did not draw: %s", b)
	}
	for _, e := range res.ConsoleErrors {
		t.Errorf("browser error: %s", e)
	}
	for _, w := range res.ConsoleWarnings {
		t.Logf("browser warning: %s", w)
	}
	for _, r := range res.Requests {
		t.Errorf("page made a request: %s", r)
	}
	if res.Pwned {
		t.Errorf("window.__pwned is set: data in the page ran as script")
	}
	if len(res.ChartIDs) == 0 {
		t.Errorf("no chart containers (class \"chart\") in %s", htmlPath)
	}
	return res
}

// args formats console call arguments.
func args(a []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(a))
	for _, o := range a {
		if o == nil {
			continue
		}
		switch {
		case len(o.Value) > 0:
			parts = append(parts, string(o.Value))
		case o.Description != "":
			parts = append(parts, o.Description)
		default:
			parts = append(parts, string(o.Type))
		}
	}
	return strings.Join(parts, " ")
}

// exception formats an uncaught exception.
func exception(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "(no details)"
	}
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Text + " " + d.Exception.Description // holds the stack
	}
	return fmt.Sprintf("%s at %s:%d:%d", d.Text, d.URL, d.LineNumber+1, d.ColumnNumber+1)
}

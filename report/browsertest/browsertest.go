package browsertest

import (
	"encoding/json"
	"fmt"
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
	b := openBrowser(t, htmlPath)
	defer b.close()
	c := &check{browser: b}
	// Listen before anything loads.
	c.recordConsole()
	c.cutNetwork()
	c.loadAndDraw()
	c.readCharts()
	if screenshotPath != "" {
		if err := b.screenshot(screenshotPath, chromedp.FullScreenshot(100)); err != nil {
			t.Errorf("screenshot: %v", err)
		} else {
			c.res.Screenshot = screenshotPath
		}
	}
	c.readTooltips()
	c.readCanary()
	res := c.stop()
	reportResult(t, res, htmlPath)
	return res
}

// check is one run of Check: the browser and what it saw.
type check struct {
	*browser
	wg  sync.WaitGroup // the event loops of cutNetwork
	mu  sync.Mutex     // guards res while the browser runs
	res Result
}

// addf appends a formatted entry to one of the lists of c.res; event
// handlers call it while the browser runs.
func (c *check) addf(list *[]string, format string, args ...any) {
	c.mu.Lock()
	*list = append(*list, fmt.Sprintf(format, args...))
	c.mu.Unlock()
}

// recordConsole records console errors and warnings, uncaught exceptions
// and browser log entries.
func (c *check) recordConsole() {
	err := chromedp.Listen(c.ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			switch ev.Type {
			case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeAssert:
				c.addf(&c.res.ConsoleErrors, "console.%s: %s", ev.Type, args(ev.Args))
			case runtime.ConsoleAPICalledTypeWarning:
				c.addf(&c.res.ConsoleWarnings, "console.warn: %s", args(ev.Args))
			}
		case *runtime.EventExceptionThrown:
			c.addf(&c.res.ConsoleErrors, "exception: %s", exception(ev.ExceptionDetails))
		case *log.EventEntryAdded:
			if e := ev.Entry; e != nil {
				switch e.Level {
				case log.EntryLevelError:
					c.addf(&c.res.ConsoleErrors, "log %s: %s %s", e.Source, e.Text, e.URL)
				case log.EntryLevelWarning:
					c.addf(&c.res.ConsoleWarnings, "log %s: %s %s", e.Source, e.Text, e.URL)
				}
			}
		}
	})
	if err != nil {
		c.t.Fatalf("listen: %v", err)
	}
}

// cutNetwork fails and records every request but the page itself, and
// dismisses and records JavaScript dialogs.
func (c *check) cutNetwork() {
	paused := chromedp.Events(c.ctx, fetch.RequestPaused)
	c.wg.Go(func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			u := ""
			if ev.Request != nil {
				u = ev.Request.URL
			}
			if u == c.pageURL {
				_, _ = chromedp.Call(c.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			c.addf(&c.res.Requests, "%s %s", ev.ResourceType, u)
			_, _ = chromedp.Call(c.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		}
	})
	dialogs := chromedp.Events(c.ctx, page.JavascriptDialogOpening)
	c.wg.Go(func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			c.addf(&c.res.ConsoleErrors, "JavaScript %s dialog: %q", ev.Type, ev.Message)
			_, _ = chromedp.Call(c.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	if _, err := chromedp.Call(c.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
		c.t.Fatalf("Fetch.enable: %v", err)
	}
}

// loadAndDraw opens the page, waits for the load event, scrolls every chart
// into view (charts may be initialised only then) and waits for the charts
// to draw, timing the load and the render.
func (c *check) loadAndDraw() {
	start := c.navigate()
	if err := c.waitLoaded(); err != nil {
		c.t.Errorf("page did not load within %v: %v", chartsTimeout, err)
	}
	c.res.Load = time.Since(start)
	if _, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](scrollChartsJS, chromedp.EvalAwaitPromise)); err != nil {
		c.t.Errorf("scroll the charts into view: %v", err)
	}
	if _, err := chromedp.Run(c.ctx, chromedp.Poll[bool](chartsReadyJS, chromedp.WithPollingTimeout(chartsTimeout))); err != nil {
		c.t.Errorf("charts not drawn within %v: %v", chartsTimeout, err)
	}
	c.res.Render = time.Since(start)
}

// readCharts counts the chart containers that drew and describes the ones
// that did not.
func (c *check) readCharts() {
	var states []chartState
	if s, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](chartStatesJS)); err != nil {
		c.t.Errorf("read chart states: %v", err)
	} else if err := json.Unmarshal([]byte(s), &states); err != nil {
		c.t.Errorf("decode chart states: %v", err)
	}
	for _, s := range states {
		c.res.ChartIDs = append(c.res.ChartIDs, s.ID)
		switch {
		case !s.Instance:
			c.res.BrokenCharts = append(c.res.BrokenCharts, s.ID+": no echarts instance")
		case s.Series == 0:
			c.res.BrokenCharts = append(c.res.BrokenCharts, s.ID+": no series")
		case s.CanvasW == 0 || s.CanvasH == 0:
			c.res.BrokenCharts = append(c.res.BrokenCharts, fmt.Sprintf("%s: canvas %dx%d", s.ID, s.CanvasW, s.CanvasH))
		case s.Painted == 0:
			c.res.BrokenCharts = append(c.res.BrokenCharts, s.ID+": canvas is blank")
		default:
			c.res.Charts++
		}
	}
}

// readTooltips opens a tooltip on every chart, reads their text and hides
// them again: ECharts writes series names into the tooltip as HTML.
func (c *check) readTooltips() {
	if _, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](showTipsJS)); err != nil {
		c.t.Errorf("show tooltips: %v", err)
	} else if err := chromedp.Do(c.ctx, chromedp.Sleep(300*time.Millisecond)); err != nil {
		c.t.Errorf("wait for tooltips: %v", err)
	}
	if s, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](tooltipsJS)); err != nil {
		c.t.Errorf("read tooltips: %v", err)
	} else if err := json.Unmarshal([]byte(s), &c.res.Tooltips); err != nil {
		c.t.Errorf("decode tooltips: %v", err)
	}
	if err := chromedp.Do(c.ctx, chromedp.Evaluate[chromedp.Void](hideTipsJS)); err != nil {
		c.t.Errorf("hide tooltips: %v", err)
	}
}

// readCanary reads the XSS canary window.__pwned.
func (c *check) readCanary() {
	pwned, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](`typeof window.__pwned !== "undefined"`))
	if err != nil {
		c.t.Errorf("read window.__pwned: %v", err)
	}
	c.res.Pwned = pwned
}

// stop lets late events arrive, stops the browser and returns what it saw.
func (c *check) stop() Result {
	_ = chromedp.Do(c.ctx, chromedp.Sleep(100*time.Millisecond))
	c.close()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.res
}

// reportResult reports a test error for every broken chart, browser error
// and request of res, for the canary and for a page without charts, and
// logs the browser's warnings.
func reportResult(t testing.TB, res Result, htmlPath string) {
	t.Helper()
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

package browsertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps the errors Check reports instead of
// failing the test; Fatal and Skip still act on the real test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Error(args ...any) { r.errs = append(r.errs, fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// checkPage writes html to a file called name and runs Check on it with a
// recorder; it returns the result and the errors Check reported, one a
// line.
func checkPage(t *testing.T, name, html string) (Result, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	res := Check(r, path, "")
	all := strings.Join(r.errs, "\n")
	t.Logf("reported:\n%s", all)
	return res, all
}

// TestCheckCatches feeds Check a page that breaks every rule and checks that
// it reports each break.
func TestCheckCatches(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	page := `<!DOCTYPE html><html><head><meta charset="utf-8"><title>bad</title>
<link rel="stylesheet" href="https://cdn.example.com/x.css"></head>
<body><div class="chart" id="c1"></div>
<img src="http://192.0.2.1/pixel.png">
<script>console.error("boom"); window.__pwned = 1; null.x;</script>
</body></html>`
	res, all := checkPage(t, "bad.html", page)
	for _, want := range []string{
		"chart did not draw: c1: no echarts instance",
		`console.error: "boom"`,
		"exception: Uncaught TypeError",
		"page made a request: Stylesheet https://cdn.example.com/x.css",
		"page made a request: Image http://192.0.2.1/pixel.png",
		"window.__pwned is set",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("Check did not report %q", want)
		}
	}
	if res.Charts != 0 || !res.Pwned || len(res.Requests) != 2 {
		t.Errorf("result: %d charts, pwned %v, requests %q; want 0, true, 2 requests", res.Charts, res.Pwned, res.Requests)
	}
}

// lazyPage has three chart containers drawn by a stand-in for ECharts. The
// first two are initialised only when they scroll into view, the second
// far below the first screen; the third never is.
const lazyPage = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>lazy</title></head>
<body><div class="chart" id="top" style="height:100px"></div>
<div style="height:6000px"></div>
<div class="chart" id="far" style="height:100px"></div>
<div class="chart" id="never" style="height:100px"></div>
<script>
window.echarts = (function () {
  var all = new Map();
  return {
    init: function (el) {
      var cv = document.createElement("canvas");
      cv.width = 100; cv.height = 50;
      el.appendChild(cv);
      cv.getContext("2d").fillRect(0, 0, 100, 50);
      var inst = { getOption: function () { return { series: [{ data: [1, 2, 3] }] }; }, dispatchAction: function () {} };
      all.set(el, inst);
      return inst;
    },
    getInstanceByDom: function (el) { return all.get(el); }
  };
})();
var io = new IntersectionObserver(function (entries) {
  entries.forEach(function (e) {
    if (e.isIntersecting && !echarts.getInstanceByDom(e.target)) { io.unobserve(e.target); echarts.init(e.target); }
  });
});
io.observe(document.getElementById("top"));
io.observe(document.getElementById("far"));
</script></body></html>`

// TestCheckScrollsLazyCharts checks that Check draws charts that initialise
// only in view, and still reports a chart that never initialises.
func TestCheckScrollsLazyCharts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	res, all := checkPage(t, "lazy.html", lazyPage)
	if res.Charts != 2 {
		t.Errorf("%d charts drew, want 2 (top and far); broken: %q", res.Charts, res.BrokenCharts)
	}
	if !strings.Contains(all, "chart did not draw: never: no echarts instance") {
		t.Error("Check did not report the chart that never initialised")
	}
	if strings.Contains(all, "far:") || strings.Contains(all, "top:") {
		t.Error("Check reported a lazily drawn chart as broken")
	}
	if res.Render < res.Load || res.Load <= 0 {
		t.Errorf("load %v, render %v: want 0 < load ≤ render", res.Load, res.Render)
	}
}

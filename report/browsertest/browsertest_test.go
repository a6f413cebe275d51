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
	path := filepath.Join(t.TempDir(), "bad.html")
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	res := Check(r, path, "")
	all := strings.Join(r.errs, "\n")
	t.Logf("reported:\n%s", all)
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
